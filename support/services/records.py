"""Every write of support records: one household's support (planned, delivered, cancelled), the
follow-up visits of a livelihood model and the evidence of a record or a distribution. Each service checks
the role (the commune officer: ``can_manage_registry``) and the scope, validates everything before it
writes, writes atomically and records a SupportEvent; on refusal it raises PermissionDenied or a
ValidationError naming the field and nothing is written.

Funding: a record's funding lines sum to its value. When the officer gives no split, the record
takes the programme's split in proportion (``programmes.proportional_split``).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import document_problem
from core.formatting import number
from core.months import add_months
from core.services import refuse
from geography.scoping import require
from households.models import Household, Membership
from support.models import (
    Evidence,
    FollowUpVisit,
    House,
    HouseCost,
    Kind,
    Livelihood,
    Programme,
    Record,
    RecordFunding,
    SupportEvent,
)
from support.services._common import _event
from support.services.loans import LoanDetails, loan_details_problems, write_loan
from support.services.programmes import FundingLine, _funding_problems, programme_funding_lines, proportional_split


@dataclass(frozen=True)
class HouseDetails:
    work: str = House.Work.BUILD
    floor_area_m2: object = None
    started_on: date | None = None
    completed_on: date | None = None
    costs: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class LivelihoodDetails:
    asset: str
    quantity: int = 1
    follow_up_months: int = 6


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
        problems.update(loan_details_problems(details, value_vnd))
    elif isinstance(details, LivelihoodDetails):
        if not details.asset.strip():
            problems["asset"] = [_("is required")]
        if details.quantity <= 0:
            problems["quantity"] = [_("must be at least 1")]
        if details.follow_up_months <= 0:
            # 0 months would make the model due a visit the day it is delivered, and after every visit.
            problems["follow_up_months"] = [_("must be at least 1 month")]
    return problems


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
        write_loan(record, details)
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
    require(acting_user, "can_manage_registry", programme.commune_id)
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
    refuse(problems)
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
    _event(record, kind, acting_user, value_vnd=value_vnd)
    return record


def _lock_record(record: Record) -> Record:
    return Record.objects.select_for_update().select_related("programme", "household").get(pk=record.pk)


@transaction.atomic
def record_deliver(*, record: Record, delivered_on: date, acting_user) -> Record:
    require(acting_user, "can_manage_registry", record.commune_id)
    record = _lock_record(record)
    problems = {}
    if record.status != Record.Status.PLANNED:
        problems["status"] = [_("The support is “%(status)s”; only planned support can be delivered.") % {
            "status": record.get_status_display()}]  # fmt: skip
    if delivered_on > timezone.localdate():
        problems["delivered_on"] = [_("must not be in the future")]
    refuse(problems)
    record.status, record.delivered_on = Record.Status.DELIVERED, delivered_on
    record.save(update_fields=["status", "delivered_on", "updated_at"])
    if hasattr(record, "livelihood"):
        livelihood = record.livelihood
        livelihood.next_visit_due = add_months(delivered_on.replace(day=1), livelihood.follow_up_months)
        livelihood.save(update_fields=["next_visit_due"])
    _event(record, SupportEvent.EventKind.RECORD_DELIVERED, acting_user, value_vnd=record.value_vnd)
    return record


@transaction.atomic
def record_cancel(*, record: Record, reason: str, acting_user) -> Record:
    """Cancel planned support (delivered support is never cancelled: it happened)."""
    require(acting_user, "can_manage_registry", record.commune_id)
    record = _lock_record(record)
    problems = {}
    if record.status != Record.Status.PLANNED:
        problems["status"] = [_("Only planned support can be cancelled; this one is “%(status)s”.") % {
            "status": record.get_status_display()}]  # fmt: skip
    if not reason.strip():
        problems["reason"] = [_("Say why the support is cancelled.")]
    refuse(problems)
    record.status = Record.Status.CANCELLED
    record.save(update_fields=["status", "updated_at"])
    _event(record, SupportEvent.EventKind.RECORD_CANCELLED, acting_user, reason=reason.strip())
    return record


@transaction.atomic
def visit_record(*, record: Record, visited_on: date, outcome: str, note: str = "", acting_user) -> FollowUpVisit:
    """A follow-up visit to a livelihood model; the next visit falls due ``follow_up_months`` later
    (none after the asset is lost)."""
    require(acting_user, "can_manage_registry", record.commune_id)
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
    refuse(problems)
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
    _event(record, SupportEvent.EventKind.VISIT, acting_user, outcome=outcome, visited_on=str(visited_on))
    return visit


@transaction.atomic
def evidence_add(*, kind: str, file, title: str = "", record: Record | None = None, distribution=None, acting_user):
    target = record or distribution
    if target is None or (record is not None and distribution is not None):
        raise ValueError("evidence belongs to one record or one distribution")
    require(acting_user, "can_manage_registry", target.commune_id)
    problems = {}
    if kind not in Evidence.EvidenceKind.values:
        problems["kind"] = [_("unknown kind")]
    if file is None:
        problems["file"] = [_("choose a file")]
    elif problem := document_problem(file):
        problems["file"] = [problem]
    refuse(problems)
    evidence = Evidence.objects.create(
        record=record, distribution=distribution, kind=kind, title=title.strip() or file.name, file=file,
        uploaded_by=acting_user,
    )  # fmt: skip
    _event(target, SupportEvent.EventKind.EVIDENCE_ADDED, acting_user, title=evidence.title)
    return evidence
