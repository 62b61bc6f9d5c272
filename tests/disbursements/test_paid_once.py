"""A person is paid at most once for a month, whatever the case or commune (issue 14, finding 2).

The insider's door: a chair terminates a case whose months 09–12/2026 are paid, and a new case for
the same person starting 2026-09 owed those four months again. Each test pays months through real
runs (prepared, approved, sent, reconciled), opens the other door (a new case, a transfer to another
commune and back, a case taken over with months paid before the product), and asserts the exact
amounts of the next run; the database itself refuses a second paid month of the same person.

Transfers are written as the rows they leave (the old case transferred with its last month, the new
one active in the other commune): how a transfer is requested and accepted is the registry's
business; what matters here is that no pair of cases can pay a month twice.
"""

from datetime import date
from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, StaffAssignment
from beneficiaries import services as case_services
from beneficiaries.entitlement import compute
from beneficiaries.models import Case, CaseCategory
from disbursements import services
from disbursements.models import PaidMonth, Run, RunLine
from tests.disbursements.conftest import Beneficiary, make_cases, pending_batches, prepare_now

SEP, OCT, NOV, DEC = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
JAN, FEB = date(2027, 1, 1), date(2027, 2, 1)
MONTHLY = 750_000  # 5.5a at 76: 500,000 × 1.5


@pytest.fixture
def binh_minh_chair(units, users):
    chair = users["tandong_chair"].__class__.objects.create(username="binhminh.chair", role=Role.COMMUNE_CHAIR)
    StaffAssignment.objects.create(user=chair, commune=units.binh_minh)
    return chair


@pytest.fixture
def staff(users, binh_minh_chair, units) -> dict:
    """(officer, chair) of each commune."""
    return {
        units.tan_dong.pk: (users["tandong_officer"], users["tandong_chair"]),
        units.binh_minh.pk: (users["binhminh_officer"], binh_minh_chair),
    }


@pytest.fixture
def first_case(rules, units, officer) -> Case:
    """Hoa, 76 in 2026 (5.5a: 750,000 a month), paid by Tân Đông from September 2026."""
    (case,) = make_cases(units.tan_dong, officer, [Beneficiary("Nguyễn Thị Hoa", date(1950, 3, 10), SEP)])
    return case


def prepare(commune, month, staff) -> Run:
    officer, _chair = staff[commune.pk]
    return prepare_now(services.run_prepare(commune=commune, month=month, acting_user=officer, enqueue=False))


def pay(commune, month, staff) -> Run:
    """The month's run of the commune: prepared, approved, sent, every line reported paid."""
    officer, chair = staff[commune.pk]
    run = services.run_approve(run=prepare(commune, month, staff), acting_user=chair)
    services.run_send_to_payer(run=run, acting_user=officer)
    rows = [{"reference": reference, "status": "paid", "paid_on": f"{month:%Y-%m}-20", "note": ""}
            for reference in run.lines.values_list("reference", flat=True)]  # fmt: skip
    services.run_reconcile(run=run, rows=rows, acting_user=officer)
    return run


def another_case(before: Case, commune, *, start: date, status=Case.Status.ACTIVE, **fields) -> Case:
    """A second case of the same person (same category, cash), as the rows a decision leaves."""
    case = Case.objects.create(
        person=before.person, commune=commune, status=status, applied_on=start, prepared_by=before.prepared_by,
        decision_number="99/QĐ-UBND", decision_date=start, start_month=start, payment_method="cash", **fields,
    )  # fmt: skip
    CaseCategory.objects.create(case=case, category_id="5.5a")
    return case


def lines(run: Run) -> list[tuple]:
    return list(run.lines.order_by("case_id").values_list("case_id", "months", "amount"))


def months_paid(person) -> list[tuple]:
    """(month, the commune of the case that paid it) for each month paid to the person."""
    return list(PaidMonth.objects.filter(person=person).order_by("month").values_list("month", "line__run__commune_id"))


def test_a_new_case_after_a_termination_owes_nothing_for_months_already_paid(first_case, units, staff, chair):
    # Given September to December 2026 paid to Hoa by her case
    for month in (SEP, OCT, NOV, DEC):
        pay(units.tan_dong, month, staff)
    # and the chair terminates that case, and a new case for her starts in September 2026
    case_services.case_terminate(case=first_case, last_month=DEC, reason="Hồ sơ lập lại", acting_user=chair)
    second = another_case(first_case, units.tan_dong, start=SEP)

    # Then the engine owes the new case January only,
    assert [(line.month, line.amount) for line in compute([second.pk], JAN)[second.pk].months] == [(JAN, MONTHLY)]
    # and January's run pays it January only: 750,000, not 3,750,000
    january = prepare(units.tan_dong, JAN, staff)
    assert lines(january) == [(second.pk, ["2027-01"], MONTHLY)]
    assert (january.line_count, january.total_amount) == (1, MONTHLY)
    assert months_paid(first_case.person) == [(SEP, "25522"), (OCT, "25522"), (NOV, "25522"), (DEC, "25522"),
                                              (JAN, "25522")]  # fmt: skip


def test_the_database_refuses_a_second_paid_month_of_the_same_person_through_another_case(
    first_case, units, staff, chair
):
    pay(units.tan_dong, OCT, staff)  # September and October
    case_services.case_terminate(case=first_case, last_month=OCT, reason="Hồ sơ lập lại", acting_user=chair)
    second = another_case(first_case, units.tan_dong, start=SEP)
    november = prepare(units.tan_dong, NOV, staff)
    line = november.lines.get(case=second)
    before = list(PaidMonth.objects.order_by("pk").values())

    # An insider writing the paid month of the other case directly
    with pytest.raises(IntegrityError, match="paid_month_once_per_person"), transaction.atomic():
        PaidMonth.objects.create(case=second, person=second.person, month=OCT, line=line)

    assert list(PaidMonth.objects.order_by("pk").values()) == before


def test_a_transfer_to_another_commune_and_back_pays_each_month_once(first_case, units, staff):
    # Given Hoa paid September to December 2026 by Tân Đông
    for month in (SEP, OCT, NOV, DEC):
        pay(units.tan_dong, month, staff)
    # when her case is transferred to Bình Minh with October as its last month, and Bình Minh's case
    # is (wrongly) dated from September
    Case.objects.filter(pk=first_case.pk).update(status=Case.Status.TRANSFERRED, end_month=OCT)
    in_binh_minh = another_case(first_case, units.binh_minh, start=SEP, transferred_from=first_case)

    # then Bình Minh's January run pays January only
    january = pay(units.binh_minh, JAN, staff)
    assert lines(january) == [(in_binh_minh.pk, ["2027-01"], MONTHLY)]

    # and when she moves back to Tân Đông with a case dated from November, February pays February only
    Case.objects.filter(pk=in_binh_minh.pk).update(status=Case.Status.TRANSFERRED, end_month=JAN)
    back = another_case(first_case, units.tan_dong, start=NOV, transferred_from=in_binh_minh)
    february = prepare(units.tan_dong, FEB, staff)
    assert lines(february) == [(back.pk, ["2027-02"], MONTHLY)]
    assert (february.line_count, february.total_amount) == (1, MONTHLY)
    assert months_paid(first_case.person) == [
        (SEP, "25522"), (OCT, "25522"), (NOV, "25522"), (DEC, "25522"), (JAN, "25480"), (FEB, "25522"),
    ]  # fmt: skip


def test_months_an_earlier_case_had_paid_before_the_product_count_for_a_reopened_case(first_case, units, staff):
    # Given Hoa's first case taken over with everything through December 2026 paid before the product
    Case.objects.filter(pk=first_case.pk).update(
        status=Case.Status.TERMINATED, start_month=date(2025, 1, 1), end_month=DEC, paid_through_month=DEC
    )
    # and a re-opened case for her from September 2026 (no paid_through_month of its own)
    reopened = another_case(first_case, units.tan_dong, start=SEP)

    january = prepare(units.tan_dong, JAN, staff)

    assert lines(january) == [(reopened.pk, ["2027-01"], MONTHLY)]


def test_two_cases_of_one_person_in_the_same_batch_share_each_month_once(first_case, units, staff):
    # Given Hoa's first case ended in October with nothing paid yet, and a new case from September
    Case.objects.filter(pk=first_case.pk).update(status=Case.Status.TERMINATED, end_month=OCT)
    second = another_case(first_case, units.tan_dong, start=SEP)

    november = prepare(units.tan_dong, NOV, staff)

    # Then the older case pays September and October, the new one November: each month once
    assert lines(november) == [
        (first_case.pk, ["2026-09", "2026-10"], 2 * MONTHLY),
        (second.pk, ["2026-11"], MONTHLY),
    ]
    assert (november.status, november.total_amount) == ("computed", 3 * MONTHLY)


def test_a_month_another_commune_paid_to_the_person_meanwhile_aborts_the_batch_and_the_retry_skips_it(
    first_case, units, staff
):
    """Bình Minh's batch computed September and October for Hoa's new case before Tân Đông's run
    wrote them for her old one: the write fails as a whole (MonthsTaken, the task retries) and the
    retry pays November only."""
    Case.objects.filter(pk=first_case.pk).update(status=Case.Status.TERMINATED, end_month=OCT)
    in_binh_minh = another_case(first_case, units.binh_minh, start=SEP)
    officer, _chair = staff[units.binh_minh.pk]
    binh_minh = services.run_prepare(commune=units.binh_minh, month=NOV, acting_user=officer, enqueue=False)
    ((low, high),) = pending_batches(binh_minh)
    seen_before = compute(services.payable_cases(units.binh_minh.pk), NOV, paid={})
    prepare(units.tan_dong, NOV, staff)  # pays September and October to the old case
    before = (list(RunLine.objects.order_by("pk").values()), list(PaidMonth.objects.order_by("pk").values()))

    with mock.patch.object(services, "compute", return_value=seen_before), pytest.raises(services.MonthsTaken):
        services.batch_prepare(binh_minh.pk, 1, low, high)

    assert (list(RunLine.objects.order_by("pk").values()), list(PaidMonth.objects.order_by("pk").values())) == before
    prepare_now(binh_minh)
    assert lines(binh_minh) == [(in_binh_minh.pk, ["2026-11"], MONTHLY)]
    assert months_paid(first_case.person) == [(SEP, "25522"), (OCT, "25522"), (NOV, "25480")]
