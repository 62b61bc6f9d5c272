"""The support records' set-based writes, for the import of the bank's loan list (``support.importing``).

The importer reads and checks the file; ``loans_import`` then writes it set-based with COPY
(``core.bulk``): records, their funding and loans for new contracts, the balances of recorded ones,
with their history rows and events written by ``core.audit``, the one writer of set-based history
and events.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.utils import timezone

from core.audit import write_events, write_history
from core.bulk import allocate_ids, as_rows, complete_rows, copy_insert, copy_update
from support.models import Funding, Kind, Loan, Programme, Record, RecordFunding, Source, SupportEvent
from support.services import loans as loan_services
from support.services import programmes as programme_services

BANK = "NHCSXH"
PROGRAMME_NAME = "Vay vốn ưu đãi NHCSXH {year}"
PROGRAMME_ORGANISER = "Ngân hàng Chính sách xã hội"


@dataclass(frozen=True)
class LoanHousehold:
    pk: int
    code: str
    dissolved_on: date | None


@dataclass(frozen=True)
class LoanPerson:
    pk: int
    national_id: str
    full_name: str


@dataclass
class LoanLine:
    """One checked line of the bank's loan list, as the writer takes it."""

    row: int
    contract_number: str
    household: LoanHousehold
    person: LoanPerson
    loan_programme: str
    amount_vnd: int
    disbursed_on: date
    term_months: int
    outstanding_vnd: int
    balance_on: date
    repayment: str
    loan: Loan | None = None  # the contract on record this line updates


def _programmes(commune, new: list[LoanLine], *, acting_user) -> dict[int, Programme]:
    """Year -> the commune's loan programme of that year, created (through the service) if missing."""
    amounts: dict[int, int] = defaultdict(int)
    for line in new:
        amounts[line.disbursed_on.year] += line.amount_vnd
    names = {year: PROGRAMME_NAME.format(year=year) for year in amounts}
    programmes = {
        programme.year: programme
        for programme in Programme.objects.filter(commune=commune, kind=Kind.LOAN, name__in=list(names.values()))
        if programme.name == names[programme.year]
    }
    for year, amount in sorted(amounts.items()):
        if year not in programmes:
            programmes[year] = programme_services.programme_create(
                commune=commune,
                kind=Kind.LOAN,
                name=names[year],
                year=year,
                fundings=[programme_services.FundingLine(Source.STATE_BUDGET, amount)],
                organiser=PROGRAMME_ORGANISER,
                target_group="Hộ nghèo, hộ cận nghèo, hộ mới thoát nghèo và các đối tượng chính sách",
                acting_user=acting_user,
            )
    return programmes


def _keep_budgets(programmes: list[Programme]) -> None:
    """A loan programme funded by the state budget alone is funded for what it lent."""
    lent = dict(
        Record.objects.filter(programme__in=programmes)
        .exclude(status=Record.Status.CANCELLED)
        .values("programme")
        .annotate(total=Sum("value_vnd"))
        .values_list("programme", "total")
    )
    fundings = defaultdict(list)
    for funding in Funding.objects.filter(programme__in=programmes):
        fundings[funding.programme_id].append(funding)
    for programme in programmes:
        lines = fundings[programme.pk]
        alone = len(lines) == 1 and lines[0].source == Source.STATE_BUDGET
        if alone and lent.get(programme.pk) and lines[0].amount_vnd != lent[programme.pk]:
            lines[0].amount_vnd = lent[programme.pk]
            lines[0].save(update_fields=["amount_vnd", "updated_at"])


def loans_import(
    commune, new: list[LoanLine], changed: list[LoanLine], *, summary: dict, acting_user, filename: str
) -> None:
    """Write a checked loan list (``support.importing``) in the caller's transaction: a delivered
    record, its funding and its loan for each ``new`` line (in the year's loan programme, created
    through the programmes' service if missing), the balance of each ``changed`` loan, each with its
    history rows (``core.audit``), one event per record created or balance updated and one
    ``loans_imported`` event for the file (``summary``: its counts); then the programmes' budgets
    follow what they lent."""
    now = timezone.now()
    programmes = _programmes(commune, new, acting_user=acting_user)
    splits = {year: programme_services.programme_funding_lines(programme) for year, programme in programmes.items()}

    records = []
    for line in new:
        programme = programmes[line.disbursed_on.year]
        records.append(
            {
                "programme_id": programme.pk,
                "commune_id": commune.pk,
                "kind": Kind.LOAN.value,
                "household_id": line.household.pk,
                "person_id": line.person.pk,
                "distribution_id": None,
                "status": Record.Status.DELIVERED.value,
                "planned_on": line.disbursed_on,
                "delivered_on": line.disbursed_on,
                "value_vnd": line.amount_vnd,
                "in_kind": "",
                "note": "",
                "created_by_id": acting_user.pk,
            }
        )
    for row, pk in zip(records, allocate_ids(Record, len(records)), strict=True):
        row["id"] = pk
    copy_insert(Record, complete_rows(Record, records, now=now), with_pk=True)
    write_history(Record, records, user=acting_user, now=now, history_type="+")

    fundings = [
        {"record_id": row["id"], "source": split.source, "donor_id": split.donor.pk if split.donor else None,
         "amount_vnd": split.amount_vnd}
        for row, line in zip(records, new, strict=True)
        for split in programme_services.proportional_split(line.amount_vnd, splits[line.disbursed_on.year])
    ]  # fmt: skip
    copy_insert(RecordFunding, complete_rows(RecordFunding, fundings, now=now))

    loans = [
        {
            "record_id": row["id"],
            "bank": BANK,
            "contract_number": line.contract_number,
            "loan_programme": line.loan_programme,
            "disbursed_on": line.disbursed_on,
            "term_months": line.term_months,
            "due_on": loan_services.loan_due_on(line.disbursed_on, line.term_months),
            "outstanding_vnd": line.outstanding_vnd,
            "balance_on": line.balance_on,
            "repayment": line.repayment,
        }
        for row, line in zip(records, new, strict=True)
    ]
    copy_insert(Loan, loans, with_pk=True)
    write_history(Loan, loans, user=acting_user, now=now, history_type="+")

    updated = []
    events = []
    for line in changed:
        loan = line.loan
        before = {
            "outstanding_vnd": loan.outstanding_vnd,
            "repayment": loan.repayment,
            "balance_on": str(loan.balance_on),
        }
        loan.outstanding_vnd, loan.balance_on, loan.repayment = line.outstanding_vnd, line.balance_on, line.repayment
        updated.append(loan)
        events.append(
            {
                "kind": SupportEvent.EventKind.LOAN_BALANCE.value,
                "actor_id": acting_user.pk,
                "reason": "",
                "commune_id": commune.pk,
                "programme_id": loan.record.programme_id,
                "record_id": loan.record_id,
                "distribution_id": None,
                "data": {"before": before, "outstanding_vnd": line.outstanding_vnd, "repayment": line.repayment,
                         "balance_on": str(line.balance_on), "imported": True, "line": line.row},
            }
        )  # fmt: skip
    copy_update(Loan, updated, ["outstanding_vnd", "balance_on", "repayment"])
    write_history(Loan, as_rows(Loan, updated), user=acting_user, now=now, history_type="~")

    for row, line in zip(records, new, strict=True):
        events.append(
            {
                "kind": SupportEvent.EventKind.RECORD_DELIVERED.value,
                "actor_id": acting_user.pk,
                "reason": "",
                "commune_id": commune.pk,
                "programme_id": row["programme_id"],
                "record_id": row["id"],
                "distribution_id": None,
                "data": {"value_vnd": line.amount_vnd, "contract_number": line.contract_number, "imported": True,
                         "line": line.row},
            }
        )  # fmt: skip
    events.append(
        {
            "kind": SupportEvent.EventKind.LOANS_IMPORTED.value,
            "actor_id": acting_user.pk,
            "reason": "",
            "commune_id": commune.pk,
            "programme_id": None,
            "record_id": None,
            "distribution_id": None,
            "data": {"file": filename, **summary},
        }
    )  # fmt: skip
    write_events(SupportEvent, events, now=now)
    _keep_budgets(list(programmes.values()))
