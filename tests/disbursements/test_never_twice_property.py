"""No sequence of case operations lets a run pay a person twice for a month (issue 14, "What to build" 7).

Hypothesis draws a life of one person's allowance across two communes, month after month: payment
runs (every line paid, or the person's line failed with the payer's reason), termination back-dated,
a new case re-opened through an imported list confirmed by the chair (back-dated, with or without
months paid before the product), a move to the other commune with the case transferred after it,
suspension and resumption with or without arrears, and a corrected first month approved by the
chair. Every operation goes through the services, as the pages and commands do; one the services
refuse is simply not done. After every step:

- no month is paid twice to the person: the months of their lines that were not reported failed are
  all different, and each is held by exactly one ``PaidMonth`` row;
- every run prepared is computed (a batch that met a month taken meanwhile was recomputed without it,
  never stuck).

Each example builds its own two communes and staff, so the runs of one example never meet another's.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from beneficiaries import changes
from beneficiaries import services as case_services
from beneficiaries.batches import import_batch_confirm
from beneficiaries.importing import COLUMNS, import_beneficiaries
from beneficiaries.models import Case
from core.months import add_months
from disbursements import services
from disbursements.models import PaidMonth, Run, RunLine
from households.services import household_transfer, transfer_accept_household
from tests.conftest import VIETNAM
from tests.disbursements.conftest import prepare_now
from tests.factories import CommuneFactory, UserFactory, VillageFactory
from tests.households.factories import make_household

FIRST_MONTH = date(2026, 1, 1)
BORN = date(1950, 3, 10)  # 5.5a at 75–76: 750,000 a month
OPEN = (Case.Status.APPLIED, Case.Status.VERIFIED, Case.Status.ACTIVE, Case.Status.SUSPENDED)
REFUSED = (ValidationError, PermissionDenied)

steps = st.lists(
    st.one_of(
        # This month's runs (every line paid, or the person's line failed), then the next month.
        st.tuples(st.just("pay"), st.booleans()),
        st.tuples(st.just("pay"), st.just(False)),
        st.tuples(st.just("next_month"), st.just(0)),  # a month without a run: its months become arrears
        st.tuples(st.just("terminate"), st.integers(0, 3)),  # the last month, this many months back
        st.tuples(st.just("reopen"), st.integers(0, 8)),  # an imported case from this many months back
        st.tuples(st.just("reopen_paid_through"), st.integers(0, 8)),
        st.tuples(st.just("move"), st.integers(0, 3)),  # to the other commune; the case follows
        st.tuples(st.just("suspend"), st.just(0)),
        st.tuples(st.just("resume"), st.booleans()),  # with the suspended months as arrears, or not
        st.tuples(st.just("earlier_start"), st.integers(1, 6)),  # a months correction, approved
    ),
    min_size=4,
    max_size=20,
)


@dataclass
class Life:
    communes: list
    villages: dict
    officers: dict
    chairs: dict
    household: object
    person: object
    month: date = FIRST_MONTH
    runs: list = field(default_factory=list)

    def today(self) -> datetime:
        return datetime(self.month.year, self.month.month, 20, 10, 0, tzinfo=VIETNAM)

    def home(self) -> str:
        self.household.refresh_from_db()
        return self.household.commune_id

    def other(self) -> object:
        return next(commune for commune in self.communes if commune.pk != self.home())

    def open_case(self) -> Case | None:
        return Case.objects.filter(person=self.person, status__in=OPEN).first()


def _world(units) -> Life:
    communes = [CommuneFactory(province=units.tay_ninh) for _ in range(2)]
    villages = {commune.pk: VillageFactory(commune=commune) for commune in communes}
    officers = {c.pk: UserFactory(role=Role.COMMUNE_OFFICER, communes=[c]) for c in communes}
    chairs = {c.pk: UserFactory(role=Role.COMMUNE_CHAIR, communes=[c]) for c in communes}
    household = make_household(communes[0], villages[communes[0].pk], code="P-1",
                               members=(("Nguyễn Thị Hoa", "F", BORN, "head"),))  # fmt: skip
    return Life(communes, villages, officers, chairs, household, household.head)


def _import_line(life: Life, start: date, paid_through: date | None) -> dict:
    commune = life.home()
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        national_id=life.person.national_id, full_name=life.person.full_name,
        date_of_birth=life.person.date_of_birth.isoformat(), sex=life.person.sex, commune_code=commune,
        village=life.villages[commune].name, household_code=life.household.code, categories="5.5a",
        decision_number="01/QĐ-UBND", decision_date=life.today().date().isoformat(), start_month=f"{start:%Y-%m}",
        paid_through_month=f"{paid_through:%Y-%m}" if paid_through else "", payment_method="cash",
    )  # fmt: skip
    return row


def _pay(life: Life, failed: bool) -> None:
    for commune in life.communes:
        officer, chair = life.officers[commune.pk], life.chairs[commune.pk]
        if not Case.objects.filter(commune=commune, person=life.person).exists():
            continue
        if Run.objects.filter(commune=commune, month=life.month).exclude(status=Run.Status.CANCELLED).exists():
            continue  # this month's run of the commune is done: a payment run happens once a month
        run = prepare_now(services.run_prepare(commune=commune, month=life.month, acting_user=officer, enqueue=False))
        assert run.status == Run.Status.COMPUTED, "a batch stayed unfinished"
        life.runs.append(run.pk)
        if not run.line_count:
            continue
        run = services.run_approve(run=run, acting_user=chair)
        services.run_send_to_payer(run=run, acting_user=officer)
        status = "failed" if failed else "paid"
        rows = [{"reference": reference, "status": status, "paid_on": "" if failed else f"{life.month:%Y-%m}-20",
                 "note": "Sai số tài khoản" if failed else ""}
                for reference in run.lines.values_list("reference", flat=True)]  # fmt: skip
        services.run_reconcile(run=run, rows=rows, acting_user=officer)


def _terminate(life: Life, back: int) -> None:
    case = life.open_case()
    if case is None or case.status not in (Case.Status.ACTIVE, Case.Status.SUSPENDED):
        return
    last = max(add_months(life.month, -back), case.start_month)
    case_services.case_terminate(case=case, last_month=last, reason="Hết điều kiện",
                                 acting_user=life.chairs[case.commune_id])  # fmt: skip


def _reopen(life: Life, back: int, *, paid_through: bool) -> None:
    if life.open_case() is not None:
        return
    start = add_months(life.month, -back)
    report = import_beneficiaries(
        [_import_line(life, start, add_months(start, 1) if paid_through else None)],
        acting_user=life.officers[life.home()],
    )
    if report.errors:
        event(f"import refused: {report.errors[0]}"[:90])
        return
    import_batch_confirm(batch=report.batch, acting_user=life.chairs[life.home()])


def _move(life: Life, back: int) -> None:
    """The family moves to the other commune, which accepts it; an active case follows from the
    month after its last month in the old commune (``back`` months before this one)."""
    case = life.open_case()
    origin, destination = life.home(), life.other()
    transfer = household_transfer(household=life.household, to_commune=destination, transferred_on=life.today().date(),
                                  reason="Chuyển nơi ở", acting_user=life.officers[origin])  # fmt: skip
    transfer_accept_household(transfer=transfer, village=life.villages[destination.pk],
                              acting_user=life.officers[destination.pk])  # fmt: skip
    if case is None or case.status != Case.Status.ACTIVE:
        return
    last = max(add_months(life.month, -back), case.start_month)
    arriving = case_services.case_transfer(case=case, to_commune=destination, last_month=last, reason="Chuyển nơi ở",
                                           acting_user=life.chairs[origin])  # fmt: skip
    confirmed = [text for row in arriving.categories.select_related("category") for text in row.category.declarations]
    arriving = case_services.case_verify(case=arriving, confirmed=confirmed, acting_user=life.officers[destination.pk])
    case_services.case_decide(case=arriving, decision_number="02/QĐ-UBND", decision_date=life.today().date(),
                              acting_user=life.chairs[destination.pk])  # fmt: skip


def _suspend(life: Life) -> None:
    case = life.open_case()
    if case is not None and case.status == Case.Status.ACTIVE:
        case_services.case_suspend(case=case, from_month=life.month, reason="Không nhận 3 tháng",
                                   acting_user=life.chairs[case.commune_id])  # fmt: skip


def _resume(life: Life, arrears: bool) -> None:
    case = life.open_case()
    if case is not None and case.status == Case.Status.SUSPENDED:
        case_services.case_resume(case=case, from_month=life.month, pay_arrears=arrears,
                                  acting_user=life.chairs[case.commune_id])  # fmt: skip


def _earlier_start(life: Life, back: int) -> None:
    case = life.open_case()
    if case is None or case.status != Case.Status.ACTIVE:
        return
    request = changes.change_request_create(
        case=case, kind="months", reason="Sửa tháng bắt đầu", acting_user=life.officers[case.commune_id],
        proposal=changes.MonthsChange(add_months(case.start_month, -back), case.paid_through_month),
    )  # fmt: skip
    changes.change_request_approve(change_request=request, acting_user=life.chairs[case.commune_id])


def _apply(life: Life, step: str, value) -> None:
    if step == "next_month":
        life.month = add_months(life.month, 1)
        return
    if step == "pay":
        _pay(life, value)  # refusals here are failures: a month must always be payable
        life.month = add_months(life.month, 1)
        return
    actions = {
        "terminate": lambda: _terminate(life, value),
        "reopen": lambda: _reopen(life, value, paid_through=False),
        "reopen_paid_through": lambda: _reopen(life, value, paid_through=True),
        "move": lambda: _move(life, value),
        "suspend": lambda: _suspend(life),
        "resume": lambda: _resume(life, value),
        "earlier_start": lambda: _earlier_start(life, value),
    }
    try:
        actions[step]()
    except REFUSED as refusal:  # the services said no (a month before the start, a status that does not allow it …)
        event(f"refused {step}: {refusal}"[:90])
    else:
        event(f"done {step}")


def _assert_paid_once(life: Life) -> None:
    lines = RunLine.objects.filter(case__person=life.person).exclude(status=RunLine.Status.FAILED)
    months = Counter(month for line_months in lines.values_list("months", flat=True) for month in line_months)
    twice = sorted(month for month, count in months.items() if count > 1)
    assert twice == [], f"paid twice: {twice}"
    event(f"lines paid {min(len(months), 9)}+")
    held = sorted(
        f"{month:%Y-%m}" for month in PaidMonth.objects.filter(person=life.person).values_list("month", flat=True)
    )
    assert held == sorted(months)
    assert not Run.objects.filter(pk__in=life.runs, status=Run.Status.PREPARING).exists()


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(life_steps=steps)
def test_no_sequence_of_case_operations_pays_a_person_twice_for_a_month(rules, units, life_steps):
    life = _world(units)
    # The first case: imported from the list the commune kept, confirmed by the chair.
    with time_machine.travel(life.today(), tick=False):
        _reopen(life, 2, paid_through=False)
    for step, value in life_steps:
        with time_machine.travel(life.today(), tick=False):
            _apply(life, step, value)
            _assert_paid_once(life)
    with time_machine.travel(life.today(), tick=False):
        _pay(life, False)
        _assert_paid_once(life)
