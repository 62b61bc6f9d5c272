"""Every write of support programmes, records and distributions. Each service checks the role (the
commune officer: ``can_manage_registry``) and the scope, validates everything before it writes,
writes atomically and records a SupportEvent; on refusal it raises PermissionDenied or a
ValidationError naming the field (and, for lists, the household) and nothing is written.

Funding: a record's funding lines sum to its value. When the officer gives no split, the record
takes the programme's split in proportion (largest remainders, so the đồng add up exactly).
"""

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import document_problem
from core.formatting import number
from core.months import add_months
from geography.models import Commune
from geography.scoping import commune_codes_for_user
from households.models import Household, Membership, PovertyStatus
from households.selectors import status_in_force
from support.models import (
    Distribution,
    Donor,
    Evidence,
    FollowUpVisit,
    Funding,
    House,
    HouseCost,
    Kind,
    Livelihood,
    Loan,
    Programme,
    Record,
    RecordFunding,
    Source,
    SupportEvent,
)

KINH = "01"  # ethnicity code of the Kinh majority; every other code is an ethnic minority


@dataclass(frozen=True)
class FundingLine:
    source: str
    amount_vnd: int
    donor: Donor | None = None


@dataclass(frozen=True)
class HouseDetails:
    work: str = House.Work.BUILD
    floor_area_m2: object = None
    started_on: date | None = None
    completed_on: date | None = None
    costs: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class LoanDetails:
    contract_number: str
    loan_programme: str
    disbursed_on: date
    term_months: int
    outstanding_vnd: int
    balance_on: date
    bank: str = "NHCSXH"
    repayment: str = Loan.Repayment.CURRENT


@dataclass(frozen=True)
class LivelihoodDetails:
    asset: str
    quantity: int = 1
    follow_up_months: int = 6


@dataclass(frozen=True)
class RecipientFilter:
    """Who a distribution is for. Empty fields do not narrow; ``statuses`` are poverty statuses on the
    list in force in ``year`` (``households.selectors.status_in_force``)."""

    year: int
    statuses: tuple[str, ...] = ()
    ethnic_minority: bool = False
    category: str = ""
    village_id: int | None = None
    extra: dict = field(default_factory=dict)

    def describe(self) -> dict:
        return {
            "year": self.year,
            "statuses": list(self.statuses),
            "ethnic_minority": self.ethnic_minority,
            "category": self.category,
            "village_id": self.village_id,
        }


def _refuse(problems: dict[str, list[str]]) -> None:
    if problems:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})


def _require(user, commune_id: str) -> None:
    if not user.can_manage_registry:
        raise PermissionDenied
    if not user.has_national_scope and commune_id not in commune_codes_for_user(user):
        raise PermissionDenied


def _event(kind: str, acting_user, *, commune_id, programme=None, record=None, distribution=None, reason="", **data):
    return SupportEvent.objects.create(
        kind=kind,
        actor=acting_user,
        commune_id=commune_id,
        programme=programme,
        record=record,
        distribution=distribution,
        reason=reason,
        data=data,
    )


def _funding_problems(lines: list[FundingLine], province_id: str | None = None) -> list[str]:
    problems = []
    seen = set()
    for line in lines:
        if line.source not in Source.values:
            problems.append(_("unknown source “%(source)s”") % {"source": line.source})
        if (line.source == Source.DONOR) != (line.donor is not None):
            problems.append(_("a donor is named when, and only when, the source is a donor"))
        if line.donor is not None and province_id and line.donor.province_id != province_id:
            problems.append(_("the donor “%(donor)s” is registered in another province") % {"donor": line.donor})
        if line.amount_vnd is None or line.amount_vnd <= 0:
            problems.append(_("every amount must be more than 0 đồng"))
        key = (line.source, line.donor.pk if line.donor else None)
        if key in seen:
            problems.append(_("the same source is listed twice"))
        seen.add(key)
    return problems


# --- Donors -------------------------------------------------------------------------------------


@transaction.atomic
def donor_save(*, province, name: str, kind: str, contact: str = "", note: str = "", donor=None, acting_user) -> Donor:
    """Register a donor for the province, or change one. An officer registers donors of their own
    province (any of their communes)."""
    if not acting_user.can_manage_registry:
        raise PermissionDenied
    if (
        not acting_user.has_national_scope
        and not Commune.objects.filter(province=province, code__in=commune_codes_for_user(acting_user)).exists()
    ):
        raise PermissionDenied
    name = " ".join(name.split())
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = [_("is required")]
    elif Donor.objects.filter(province=province, name__iexact=name).exclude(pk=getattr(donor, "pk", None)).exists():
        problems["name"] = [_("a donor of this name is already registered in the province")]
    if kind not in Donor.DonorKind.values:
        problems["kind"] = [_("unknown kind")]
    _refuse(problems)
    donor = donor or Donor(province=province)
    donor.name, donor.kind, donor.contact, donor.note = name, kind, contact.strip(), note.strip()
    donor.save()
    return donor


# --- Programmes ---------------------------------------------------------------------------------


def _programme_problems(*, kind, name, year, attendees) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if kind not in Kind.values:
        problems["kind"] = [_("unknown kind")]
    if not name.strip():
        problems["name"] = [_("is required")]
    if not 2000 <= int(year) <= 2100:
        problems["year"] = [_("must be a year between 2000 and 2100")]
    if attendees is not None and kind != Kind.CHECKUP:
        problems["attendees"] = [_("only a medical check-up counts attendees")]
    return problems


def _write_fundings(programme: Programme, lines: list[FundingLine]) -> None:
    programme.fundings.all().delete()
    Funding.objects.bulk_create(
        Funding(programme=programme, source=line.source, donor=line.donor, amount_vnd=line.amount_vnd) for line in lines
    )


@transaction.atomic
def programme_create(
    *,
    commune,
    kind: str,
    name: str,
    year: int,
    fundings: list[FundingLine],
    organiser: str = "",
    target_group: str = "",
    description: str = "",
    attendees: int | None = None,
    acting_user,
) -> Programme:
    _require(acting_user, commune.code)
    problems = _programme_problems(kind=kind, name=name, year=year, attendees=attendees)
    if not fundings:
        problems["fundings"] = [_("name at least one source of funding")]
    elif funding_problems := _funding_problems(fundings, commune.province_id):
        problems["fundings"] = funding_problems
    if Programme.objects.filter(commune=commune, year=year, name=name.strip()).exists():
        problems.setdefault("name", []).append(_("the commune already has a programme of this name this year"))
    _refuse(problems)
    programme = Programme.objects.create(
        commune=commune,
        kind=kind,
        name=name.strip(),
        year=year,
        organiser=organiser.strip(),
        target_group=target_group.strip(),
        description=description.strip(),
        attendees=attendees,
        created_by=acting_user,
    )
    _write_fundings(programme, fundings)
    _event(SupportEvent.EventKind.PROGRAMME_CREATED, acting_user, commune_id=commune.code, programme=programme)
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    name: str,
    fundings: list[FundingLine],
    organiser: str = "",
    target_group: str = "",
    description: str = "",
    attendees: int | None = None,
    reason: str = "",
    acting_user,
) -> Programme:
    """Change a programme's name, organiser, target group, attendees and funding (its kind, commune
    and year stay: records already hang on them)."""
    _require(acting_user, programme.commune_id)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    problems = _programme_problems(kind=programme.kind, name=name, year=programme.year, attendees=attendees)
    if not fundings:
        problems["fundings"] = [_("name at least one source of funding")]
    elif funding_problems := _funding_problems(fundings, programme.commune.province_id):
        problems["fundings"] = funding_problems
    clash = Programme.objects.filter(commune_id=programme.commune_id, year=programme.year, name=name.strip())
    if clash.exclude(pk=programme.pk).exists():
        problems.setdefault("name", []).append(_("the commune already has a programme of this name this year"))
    _refuse(problems)
    programme.name, programme.organiser = name.strip(), organiser.strip()
    programme.target_group, programme.description, programme.attendees = (
        target_group.strip(),
        description.strip(),
        attendees,
    )
    programme.save()
    _write_fundings(programme, fundings)
    _event(
        SupportEvent.EventKind.PROGRAMME_CHANGED,
        acting_user,
        commune_id=programme.commune_id,
        programme=programme,
        reason=reason,
    )
    return programme


def proportional_split(value_vnd: int, fundings: list[FundingLine]) -> list[FundingLine]:
    """``value_vnd`` shared among the programme's sources in proportion to their amounts; the
    remainders go to the largest fractions first, so the lines sum to the value exactly."""
    total = sum(line.amount_vnd for line in fundings)
    if value_vnd == 0 or total == 0:
        return []
    shares = [(value_vnd * line.amount_vnd // total, value_vnd * line.amount_vnd % total, i) for i, line in
              enumerate(fundings)]  # fmt: skip
    missing = value_vnd - sum(share for share, _rest, _i in shares)
    bonus = {i for _share, _rest, i in sorted(shares, key=lambda s: (-s[1], s[2]))[:missing]}
    split = [
        FundingLine(source=line.source, donor=line.donor, amount_vnd=shares[i][0] + (1 if i in bonus else 0))
        for i, line in enumerate(fundings)
    ]
    return [line for line in split if line.amount_vnd > 0]


def programme_funding_lines(programme: Programme) -> list[FundingLine]:
    return [
        FundingLine(source=f.source, donor=f.donor, amount_vnd=f.amount_vnd)
        for f in programme.fundings.select_related("donor").order_by("id")
    ]


# --- Records ------------------------------------------------------------------------------------


def _record_problems(*, programme, household, person, value_vnd, in_kind, planned_on, delivered_on, fundings):
    problems: dict[str, list[str]] = {}
    if household.commune_id != programme.commune_id:
        problems["household"] = [_("the household is not in the programme's commune")]
    elif household.dissolved_on is not None:
        problems["household"] = [
            _("the household was dissolved on %(day)s") % {"day": f"{household.dissolved_on:%d/%m/%Y}"}
        ]
    if (
        person is not None
        and not Membership.objects.filter(household=household, person=person, left_on__isnull=True).exists()
    ):
        problems["person"] = [_("is not a current member of the household")]
    if value_vnd < 0:
        problems["value_vnd"] = [_("must not be negative")]
    if value_vnd == 0 and not in_kind.strip():
        problems["value_vnd"] = [_("give a value in đồng or describe what was given in kind")]
    if delivered_on is not None and delivered_on > timezone.localdate():
        problems["delivered_on"] = [_("must not be in the future")]
    if fundings is not None:
        if funding_problems := _funding_problems(fundings, programme.commune.province_id):
            problems["fundings"] = funding_problems
        elif sum(line.amount_vnd for line in fundings) != value_vnd:
            problems["fundings"] = [
                _("the sources add up to %(sum)s đồng, not the value %(value)s đồng")
                % {"sum": number(sum(line.amount_vnd for line in fundings)), "value": number(value_vnd)}
            ]
    return problems


def _details_problems(kind: str, details, value_vnd: int) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    expected = {Kind.HOUSE: HouseDetails, Kind.LOAN: LoanDetails, Kind.LIVELIHOOD: LivelihoodDetails}.get(kind)
    if expected is None:
        if details is not None:
            problems["details"] = [_("this kind of support has no details")]
        return problems
    if kind == Kind.LOAN and details is None:
        return {"details": [_("a loan needs its contract, programme, term and balance")]}
    if kind == Kind.LIVELIHOOD and details is None:
        return {"details": [_("a livelihood model needs its asset")]}
    if details is None:
        return problems
    if not isinstance(details, expected):
        return {"details": [_("the details do not match the kind of support")]}
    if isinstance(details, HouseDetails):
        # A blank item or an amount of 0 or less would otherwise reach the database (or hide in the sum).
        if any(not item.strip() or amount is None or amount <= 0 for item, amount in details.costs):
            problems["costs"] = [_("every cost line needs an item and an amount of more than 0 đồng")]
        elif details.costs and sum(amount for _item, amount in details.costs) != value_vnd:
            problems["costs"] = [_("the cost lines add up to %(sum)s đồng, not the value %(value)s đồng") % {
                "sum": number(sum(a for _i, a in details.costs)), "value": number(value_vnd)}]  # fmt: skip
        if details.started_on and details.completed_on and details.completed_on < details.started_on:
            problems["completed_on"] = [_("must not be before the start")]
    elif isinstance(details, LoanDetails):
        if not details.contract_number.strip():
            problems["contract_number"] = [_("is required")]
        if details.term_months <= 0:
            problems["term_months"] = [_("must be at least 1 month")]
        if details.outstanding_vnd < 0:
            problems["outstanding_vnd"] = [_("must not be negative")]
        elif details.outstanding_vnd > value_vnd:
            problems["outstanding_vnd"] = [_("is more than the amount lent")]
        if details.repayment not in Loan.Repayment.values:
            problems["repayment"] = [_("unknown repayment status")]
        elif details.repayment == Loan.Repayment.REPAID and details.outstanding_vnd:
            problems["repayment"] = [_("a repaid loan has no outstanding balance")]
        if value_vnd <= 0:
            problems["value_vnd"] = [_("a loan's amount must be more than 0 đồng")]
        if Loan.objects.filter(bank=details.bank, contract_number=details.contract_number.strip()).exists():
            problems["contract_number"] = [_("this bank's contract is already recorded")]
    elif isinstance(details, LivelihoodDetails):
        if not details.asset.strip():
            problems["asset"] = [_("is required")]
        if details.quantity <= 0:
            problems["quantity"] = [_("must be at least 1")]
        if details.follow_up_months <= 0:
            # 0 months would make the model due a visit the day it is delivered, and after every visit.
            problems["follow_up_months"] = [_("must be at least 1 month")]
    return problems


def loan_due_on(disbursed_on: date, term_months: int) -> date:
    """The same day ``term_months`` later; the month's last day when that month is shorter
    (31 January + 1 month is 28 or 29 February, never 3 March)."""
    month = add_months(disbursed_on.replace(day=1), term_months)
    return month.replace(day=min(disbursed_on.day, calendar.monthrange(month.year, month.month)[1]))


def _write_details(record: Record, details) -> None:
    if isinstance(details, HouseDetails):
        house = House.objects.create(
            record=record,
            work=details.work,
            floor_area_m2=details.floor_area_m2,
            started_on=details.started_on,
            completed_on=details.completed_on,
        )
        HouseCost.objects.bulk_create(
            HouseCost(house=house, item=item.strip(), amount_vnd=amt) for item, amt in details.costs
        )
    elif isinstance(details, LoanDetails):
        Loan.objects.create(
            record=record,
            bank=details.bank,
            contract_number=details.contract_number.strip(),
            loan_programme=details.loan_programme.strip(),
            disbursed_on=details.disbursed_on,
            term_months=details.term_months,
            due_on=loan_due_on(details.disbursed_on, details.term_months),
            outstanding_vnd=details.outstanding_vnd,
            balance_on=details.balance_on,
            repayment=details.repayment,
        )
    elif isinstance(details, LivelihoodDetails):
        Livelihood.objects.create(
            record=record,
            asset=details.asset.strip(),
            quantity=details.quantity,
            follow_up_months=details.follow_up_months,
            next_visit_due=(
                add_months(record.delivered_on.replace(day=1), details.follow_up_months)
                if record.delivered_on
                else None
            ),
        )


@transaction.atomic
def record_create(
    *,
    programme: Programme,
    household: Household,
    planned_on: date,
    value_vnd: int = 0,
    in_kind: str = "",
    person=None,
    delivered_on: date | None = None,
    fundings: list[FundingLine] | None = None,
    details=None,
    note: str = "",
    acting_user,
) -> Record:
    """Record support for one household (planned, or delivered when ``delivered_on`` is given)."""
    _require(acting_user, programme.commune_id)
    problems = _record_problems(
        programme=programme,
        household=household,
        person=person,
        value_vnd=value_vnd,
        in_kind=in_kind,
        planned_on=planned_on,
        delivered_on=delivered_on,
        fundings=fundings,
    )
    problems.update(_details_problems(programme.kind, details, value_vnd))
    _refuse(problems)
    delivered = delivered_on is not None
    record = Record.objects.create(
        programme=programme,
        commune_id=programme.commune_id,
        kind=programme.kind,
        household=household,
        person=person,
        status=Record.Status.DELIVERED if delivered else Record.Status.PLANNED,
        planned_on=planned_on,
        delivered_on=delivered_on,
        value_vnd=value_vnd,
        in_kind=in_kind.strip(),
        note=note.strip(),
        created_by=acting_user,
    )
    split = fundings if fundings is not None else proportional_split(value_vnd, programme_funding_lines(programme))
    RecordFunding.objects.bulk_create(
        RecordFunding(record=record, source=line.source, donor=line.donor, amount_vnd=line.amount_vnd) for line in split
    )
    _write_details(record, details)
    kind = SupportEvent.EventKind.RECORD_DELIVERED if delivered else SupportEvent.EventKind.RECORD_PLANNED
    _event(kind, acting_user, commune_id=record.commune_id, programme=programme, record=record, value_vnd=value_vnd)
    return record


def _lock_record(record: Record) -> Record:
    return Record.objects.select_for_update().select_related("programme", "household").get(pk=record.pk)


@transaction.atomic
def record_deliver(*, record: Record, delivered_on: date, acting_user) -> Record:
    _require(acting_user, record.commune_id)
    record = _lock_record(record)
    problems = {}
    if record.status != Record.Status.PLANNED:
        problems["status"] = [_("The support is “%(status)s”; only planned support can be delivered.") % {
            "status": record.get_status_display()}]  # fmt: skip
    if delivered_on > timezone.localdate():
        problems["delivered_on"] = [_("must not be in the future")]
    _refuse(problems)
    record.status, record.delivered_on = Record.Status.DELIVERED, delivered_on
    record.save(update_fields=["status", "delivered_on", "updated_at"])
    if hasattr(record, "livelihood"):
        livelihood = record.livelihood
        livelihood.next_visit_due = add_months(delivered_on.replace(day=1), livelihood.follow_up_months)
        livelihood.save(update_fields=["next_visit_due"])
    _event(SupportEvent.EventKind.RECORD_DELIVERED, acting_user, commune_id=record.commune_id,
           programme=record.programme, record=record, value_vnd=record.value_vnd)  # fmt: skip
    return record


@transaction.atomic
def record_cancel(*, record: Record, reason: str, acting_user) -> Record:
    """Cancel planned support (delivered support is never cancelled: it happened)."""
    _require(acting_user, record.commune_id)
    record = _lock_record(record)
    problems = {}
    if record.status != Record.Status.PLANNED:
        problems["status"] = [_("Only planned support can be cancelled; this one is “%(status)s”.") % {
            "status": record.get_status_display()}]  # fmt: skip
    if not reason.strip():
        problems["reason"] = [_("Say why the support is cancelled.")]
    _refuse(problems)
    record.status = Record.Status.CANCELLED
    record.save(update_fields=["status", "updated_at"])
    _event(SupportEvent.EventKind.RECORD_CANCELLED, acting_user, commune_id=record.commune_id,
           programme=record.programme, record=record, reason=reason.strip())  # fmt: skip
    return record


@transaction.atomic
def loan_balance_update(
    *, record: Record, outstanding_vnd: int, balance_on: date, repayment: str, acting_user, imported: bool = False
) -> Loan:
    _require(acting_user, record.commune_id)
    loan = Loan.objects.select_for_update().filter(record=record).first()
    if loan is None:
        _refuse({"record": [_("only a loan has a balance")]})
    problems = {}
    if outstanding_vnd < 0 or outstanding_vnd > record.value_vnd:
        problems["outstanding_vnd"] = [_("must be between 0 and the amount lent")]
    if repayment not in Loan.Repayment.values:
        problems["repayment"] = [_("unknown repayment status")]
    elif repayment == Loan.Repayment.REPAID and outstanding_vnd:
        problems["repayment"] = [_("a repaid loan has no outstanding balance")]
    if balance_on > timezone.localdate():
        # A balance dated in the future would also refuse every real balance until that day.
        problems["balance_on"] = [_("must not be in the future")]
    elif balance_on < loan.balance_on:
        problems["balance_on"] = [_("is older than the balance on record (%(day)s)") % {
            "day": f"{loan.balance_on:%d/%m/%Y}"}]  # fmt: skip
    _refuse(problems)
    before = {"outstanding_vnd": loan.outstanding_vnd, "repayment": loan.repayment, "balance_on": str(loan.balance_on)}
    loan.outstanding_vnd, loan.balance_on, loan.repayment = outstanding_vnd, balance_on, repayment
    loan.save()
    _event(SupportEvent.EventKind.LOAN_BALANCE, acting_user, commune_id=record.commune_id, programme=record.programme,
           record=record, before=before, outstanding_vnd=outstanding_vnd, repayment=repayment,
           balance_on=str(balance_on), imported=imported)  # fmt: skip
    return loan


@transaction.atomic
def visit_record(*, record: Record, visited_on: date, outcome: str, note: str = "", acting_user) -> FollowUpVisit:
    """A follow-up visit to a livelihood model; the next visit falls due ``follow_up_months`` later
    (none after the asset is lost)."""
    _require(acting_user, record.commune_id)
    record = _lock_record(record)
    livelihood = Livelihood.objects.filter(record=record).first()
    problems = {}
    if livelihood is None:
        problems["record"] = [_("only a livelihood model has follow-up visits")]
    elif record.status != Record.Status.DELIVERED:
        problems["record"] = [_("the asset has not been delivered yet")]
    elif visited_on < record.delivered_on:
        problems["visited_on"] = [_("is before the asset was delivered (%(day)s)") % {
            "day": f"{record.delivered_on:%d/%m/%Y}"}]  # fmt: skip
    if visited_on > timezone.localdate():
        problems["visited_on"] = [_("must not be in the future")]
    if outcome not in FollowUpVisit.Outcome.values:
        problems["outcome"] = [_("unknown outcome")]
    _refuse(problems)
    visit = FollowUpVisit.objects.create(
        livelihood=livelihood, visited_on=visited_on, outcome=outcome, note=note.strip(), visited_by=acting_user
    )
    latest = livelihood.visits.order_by("-visited_on", "-id").first()
    if latest == visit:
        livelihood.next_visit_due = (
            None
            if outcome == FollowUpVisit.Outcome.LOST
            else add_months(visited_on.replace(day=1), livelihood.follow_up_months)
        )
        livelihood.save(update_fields=["next_visit_due"])
    _event(SupportEvent.EventKind.VISIT, acting_user, commune_id=record.commune_id, programme=record.programme,
           record=record, outcome=outcome, visited_on=str(visited_on))  # fmt: skip
    return visit


@transaction.atomic
def evidence_add(*, kind: str, file, title: str = "", record: Record | None = None, distribution=None, acting_user):
    target = record or distribution
    if target is None or (record is not None and distribution is not None):
        raise ValueError("evidence belongs to one record or one distribution")
    _require(acting_user, target.commune_id)
    problems = {}
    if kind not in Evidence.EvidenceKind.values:
        problems["kind"] = [_("unknown kind")]
    if file is None:
        problems["file"] = [_("choose a file")]
    elif problem := document_problem(file):
        problems["file"] = [problem]
    _refuse(problems)
    evidence = Evidence.objects.create(
        record=record, distribution=distribution, kind=kind, title=title.strip() or file.name, file=file,
        uploaded_by=acting_user,
    )  # fmt: skip
    _event(SupportEvent.EventKind.EVIDENCE_ADDED, acting_user, commune_id=target.commune_id,
           programme=target.programme, record=record, distribution=distribution, title=evidence.title)  # fmt: skip
    return evidence


# --- Distributions ------------------------------------------------------------------------------


@transaction.atomic
def distribution_create(
    *, programme: Programme, name: str, planned_on: date, unit_value_vnd: int = 0, in_kind: str = "", acting_user
) -> Distribution:
    _require(acting_user, programme.commune_id)
    problems = {}
    if not name.strip():
        problems["name"] = [_("is required")]
    if unit_value_vnd < 0:
        problems["unit_value_vnd"] = [_("must not be negative")]
    if unit_value_vnd == 0 and not in_kind.strip():
        problems["unit_value_vnd"] = [_("give a value in đồng or describe what is given in kind")]
    if unit_value_vnd and not programme.fundings.exists():
        problems["programme"] = [_("the programme has no source of funding")]
    if programme.kind in (Kind.HOUSE, Kind.LOAN, Kind.LIVELIHOOD):
        problems["programme"] = [_("houses, loans and livelihood models are recorded household by household")]
    _refuse(problems)
    distribution = Distribution.objects.create(
        programme=programme, commune_id=programme.commune_id, name=name.strip(), planned_on=planned_on,
        unit_value_vnd=unit_value_vnd, in_kind=in_kind.strip(), created_by=acting_user,
    )  # fmt: skip
    _event(SupportEvent.EventKind.PROGRAMME_CHANGED, acting_user, commune_id=programme.commune_id,
           programme=programme, distribution=distribution, distribution_created=distribution.name)  # fmt: skip
    return distribution


def eligible_households(distribution: Distribution, criteria: RecipientFilter):
    """The households of the distribution's commune that match ``criteria`` (a queryset)."""
    from beneficiaries.models import Case

    households = Household.objects.filter(commune_id=distribution.commune_id, dissolved_on__isnull=True)
    if criteria.statuses:
        households = households.annotate(status_in_force=status_in_force(criteria.year)).filter(
            status_in_force__in=criteria.statuses
        )
    if criteria.village_id:
        households = households.filter(village_id=criteria.village_id)
    if criteria.ethnic_minority:
        households = households.filter(
            pk__in=Membership.objects.filter(left_on__isnull=True)
            .exclude(person__ethnicity=KINH)
            .values("household_id")
        )
    if criteria.category:
        cases = Case.objects.filter(
            status=Case.Status.ACTIVE,
            categories__category_id=criteria.category,
            categories__to_month__isnull=True,
        )
        households = households.filter(
            pk__in=Membership.objects.filter(left_on__isnull=True, person_id__in=cases.values("person_id")).values(
                "household_id"
            )
        )
    return households


def _require_open(distribution: Distribution) -> None:
    if distribution.status != Distribution.Status.OPEN:
        _refuse({"status": [_("The distribution is closed.")]})


@transaction.atomic
def distribution_add_recipients(*, distribution: Distribution, criteria: RecipientFilter, acting_user) -> dict:
    """Add every matching household as a planned recipient, in one statement. Households already
    on the list are left as they are (counted, never added twice). Returns ``{"added", "already"}``."""
    _require(acting_user, distribution.commune_id)
    distribution = Distribution.objects.select_for_update().select_related("programme").get(pk=distribution.pk)
    _require_open(distribution)
    problems = {}
    if criteria.statuses and not set(criteria.statuses) <= {PovertyStatus.POOR, PovertyStatus.NEAR_POOR,
                                                              PovertyStatus.MIDDLE_INCOME}:  # fmt: skip
        problems["statuses"] = [_("unknown poverty status")]
    if criteria.village_id and not distribution.commune.villages.filter(pk=criteria.village_id).exists():
        problems["village"] = [_("is not a village of the commune")]
    _refuse(problems)
    candidates = eligible_households(distribution, criteria).values("pk")
    sql, params = candidates.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH candidates (id) AS ({sql}),
            added AS (
                INSERT INTO support_record (uuid, programme_id, commune_id, kind, household_id, distribution_id,
                    status, planned_on, value_vnd, in_kind, note, created_by_id, created_at, updated_at)
                SELECT gen_random_uuid(), %s, %s, %s, c.id, %s, 'planned', %s, %s, %s, '', %s, now(), now()
                FROM candidates c
                ON CONFLICT (distribution_id, household_id) WHERE distribution_id IS NOT NULL DO NOTHING
                RETURNING id
            )
            SELECT (SELECT count(*) FROM candidates), array_agg(id) FROM added
            """,
            [*params, distribution.programme_id, distribution.commune_id, distribution.programme.kind,
             distribution.pk, distribution.planned_on, distribution.unit_value_vnd, distribution.in_kind,
             acting_user.pk],
        )  # fmt: skip
        matched, added_ids = cursor.fetchone()
    added_ids = added_ids or []
    split = proportional_split(distribution.unit_value_vnd, programme_funding_lines(distribution.programme))
    if added_ids and split:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO support_recordfunding (record_id, source, donor_id, amount_vnd)
                SELECT r.id, s.source, s.donor_id, s.amount
                FROM unnest(%s::bigint[]) AS r(id)
                CROSS JOIN unnest(%s::text[], %s::bigint[], %s::bigint[]) AS s(source, donor_id, amount)
                """,
                [added_ids, [line.source for line in split], [line.donor.pk if line.donor else None for line in split],
                 [line.amount_vnd for line in split]],
            )  # fmt: skip
    result = {"added": len(added_ids), "already": matched - len(added_ids)}
    _event(SupportEvent.EventKind.RECIPIENTS_ADDED, acting_user, commune_id=distribution.commune_id,
           programme=distribution.programme, distribution=distribution, criteria=criteria.describe(), **result)  # fmt: skip
    return result


@transaction.atomic
def distribution_remove_recipient(*, distribution: Distribution, record: Record, reason: str = "", acting_user):
    """Take a planned recipient off the list (the row goes; the event keeps who and why)."""
    _require(acting_user, distribution.commune_id)
    distribution = Distribution.objects.select_for_update().select_related("programme").get(pk=distribution.pk)
    _require_open(distribution)
    record = _lock_record(record)
    if record.distribution_id != distribution.pk:
        raise PermissionDenied
    if record.status == Record.Status.DELIVERED:
        _refuse({"record": [_("%(household)s has already received it; a delivery cannot be taken back.") % {
            "household": record.household.code}]})  # fmt: skip
    if record.status != Record.Status.PLANNED:
        _refuse({"record": [_("%(household)s is not a planned recipient") % {"household": record.household.code}]})
    household_code = record.household.code
    record.delete()
    _event(SupportEvent.EventKind.RECIPIENT_REMOVED, acting_user, commune_id=distribution.commune_id,
           programme=distribution.programme, distribution=distribution, reason=reason.strip(),
           household=household_code)  # fmt: skip


@transaction.atomic
def distribution_deliver(
    *, distribution: Distribution, record_ids: list[int] | None, delivered_on: date, acting_user
) -> int:
    """Mark recipients delivered in one statement: the listed ones, or every planned one when
    ``record_ids`` is None. A listed recipient who already received it refuses the whole request
    (naming the household), so nobody is marked twice."""
    _require(acting_user, distribution.commune_id)
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    _require_open(distribution)
    if delivered_on > timezone.localdate():
        _refuse({"delivered_on": [_("must not be in the future")]})
    records = Record.objects.filter(distribution=distribution)
    if record_ids is not None:
        chosen = records.filter(pk__in=record_ids)
        found = {pk: (code, status, day) for pk, code, status, day in
                 chosen.values_list("pk", "household__code", "status", "delivered_on")}  # fmt: skip
        problems = []
        for pk in record_ids:
            if pk not in found:
                problems.append(_("recipient %(id)s is not on this distribution's list") % {"id": pk})
            elif found[pk][1] == Record.Status.DELIVERED:
                problems.append(_("%(household)s already received it on %(day)s") % {
                    "household": found[pk][0], "day": f"{found[pk][2]:%d/%m/%Y}"})  # fmt: skip
            elif found[pk][1] != Record.Status.PLANNED:
                problems.append(_("%(household)s is not a planned recipient") % {"household": found[pk][0]})
        if not record_ids:
            problems.append(_("choose at least one recipient"))
        _refuse({"recipients": problems} if problems else {})
        records = chosen
    delivered = records.filter(status=Record.Status.PLANNED).update(
        status=Record.Status.DELIVERED, delivered_on=delivered_on
    )
    if record_ids is None and delivered == 0:
        _refuse({"recipients": [_("Nobody on the list is waiting for delivery.")]})
    _event(SupportEvent.EventKind.DISTRIBUTION_DELIVERED, acting_user, commune_id=distribution.commune_id,
           programme=distribution.programme, distribution=distribution, delivered=delivered, delivered_on=str(delivered_on))  # fmt: skip
    return delivered


@transaction.atomic
def distribution_close(*, distribution: Distribution, acting_user) -> Distribution:
    """Close the distribution: planned recipients who never came are cancelled."""
    _require(acting_user, distribution.commune_id)
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    _require_open(distribution)
    cancelled = Record.objects.filter(distribution=distribution, status=Record.Status.PLANNED).update(
        status=Record.Status.CANCELLED
    )
    distribution.status = Distribution.Status.CLOSED
    distribution.save(update_fields=["status", "updated_at"])
    _event(SupportEvent.EventKind.DISTRIBUTION_CLOSED, acting_user, commune_id=distribution.commune_id,
           programme=distribution.programme, distribution=distribution, not_collected=cancelled)  # fmt: skip
    return distribution
