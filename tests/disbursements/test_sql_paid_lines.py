"""The runs' SQL fragments (``disbursements.sql``): exact rows on a few runs."""

from datetime import date

import pytest
from django.db import connection

from beneficiaries.models import PaymentMethod
from disbursements import sql
from disbursements.models import Run, RunLine
from tests.disbursements.conftest import Beneficiary, make_cases

PAID = [Run.Status.APPROVED, Run.Status.EXPORTED, Run.Status.RECONCILED]


def paid_lines(communes, first, last, statuses=PAID) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({sql.paid_lines()}) line ORDER BY line.month, line.case_id",
            {"communes": communes, "first": first, "last": last, "statuses": list(statuses)},
        )
        return cursor.fetchall()


@pytest.fixture
def runs(units, users, rules):
    """Tân Đông: a reconciled run of January (Hoa paid, Lan's transfer failed), an approved one of
    February, a computed one of March; Bình Minh: an approved run of January."""
    officer = users["tandong_officer"]
    hoa, lan = make_cases(
        units.tan_dong, officer,
        [Beneficiary("Nguyễn Thị Hoa", date(1945, 9, 30), date(2025, 1, 1)),
         Beneficiary("Trần Thị Lan", date(1950, 3, 10), date(2025, 1, 1), "5.5b", PaymentMethod.CASH)],
    )  # fmt: skip
    (minh,) = make_cases(units.binh_minh, officer, [Beneficiary("Lê Văn Minh", date(1940, 1, 1), date(2025, 1, 1))])

    def run(commune, month, status, *lines):
        made = Run.objects.create(commune=commune, month=month, status=status)
        for case, amount, line_status in lines:
            RunLine.objects.create(
                run=made, case=case, reference=f"{made.pk}-{case.pk}", national_id=case.person.national_id,
                full_name=case.person.full_name, category=case.categories.get().category_id, amount=amount,
                payment_method=case.payment_method, bank_bin=case.bank_bin, status=line_status,
            )  # fmt: skip
        return made

    run(units.tan_dong, date(2025, 1, 1), Run.Status.RECONCILED, (hoa, 750_000, "paid"), (lan, 500_000, "failed"))
    run(units.tan_dong, date(2025, 2, 1), Run.Status.APPROVED, (hoa, 750_000, "pending"), (lan, 1_000_000, "pending"))
    run(units.tan_dong, date(2025, 3, 1), Run.Status.COMPUTED, (hoa, 750_000, "pending"))
    run(units.binh_minh, date(2025, 1, 1), Run.Status.APPROVED, (minh, 750_000, "pending"))
    return hoa, lan, minh


def test_paid_lines_are_the_lines_of_paid_runs_without_the_failed_transfers(runs, units):
    hoa, lan, minh = runs

    assert paid_lines([units.tan_dong.pk], date(2025, 1, 1), date(2025, 3, 1)) == [
        ("5.5a", date(2025, 1, 1), hoa.pk, 750_000, "bank", "970436"),
        ("5.5a", date(2025, 2, 1), hoa.pk, 750_000, "bank", "970436"),
        ("5.5b", date(2025, 2, 1), lan.pk, 1_000_000, "cash", ""),
    ]
    assert paid_lines([units.tan_dong.pk, units.binh_minh.pk], date(2025, 1, 1), date(2025, 1, 1)) == [
        ("5.5a", date(2025, 1, 1), hoa.pk, 750_000, "bank", "970436"),
        ("5.5a", date(2025, 1, 1), minh.pk, 750_000, "bank", "970436"),
    ]
    assert paid_lines([units.tan_dong.pk], date(2025, 3, 1), date(2025, 3, 1), [Run.Status.COMPUTED]) == [
        ("5.5a", date(2025, 3, 1), hoa.pk, 750_000, "bank", "970436"),
    ]
