"""The allowances' SQL fragments for the payment runs (``beneficiaries.sql``): exact rows."""

from datetime import date

import pytest
from django.db import connection

from beneficiaries import sql
from beneficiaries.models import Case, PaymentMethod
from beneficiaries.rule_data import load_rules
from tests.disbursements.conftest import Beneficiary, make_cases


def rows(query: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or {})
        return cursor.fetchall()


@pytest.fixture
def cases(units, users):
    """Hoa's case paid to her bank account, Lan's in cash, and an earlier case of Hoa's in Bình Minh, closed."""
    load_rules()  # a transactional test before this one may have emptied them
    officer = users["tandong_officer"]
    hoa, lan = make_cases(
        units.tan_dong,
        officer,
        [
            Beneficiary("Nguyễn Thị Hoa", date(1945, 9, 30), date(2025, 1, 1)),
            Beneficiary("Trần Thị Lan", date(1950, 3, 10), date(2025, 1, 1), method=PaymentMethod.CASH),
        ],
    )
    moved = Case.objects.create(
        person=hoa.person, commune=units.binh_minh, status=Case.Status.TERMINATED, applied_on=date(2024, 6, 1),
        prepared_by=officer, payment_method=PaymentMethod.CASH,
    )  # fmt: skip
    return hoa, lan, moved


def test_case_payees_carry_the_persons_identity_and_the_account_as_stored(cases):
    hoa, lan, _moved = cases
    query = f"SELECT * FROM ({sql.case_payees()}) p WHERE p.case_id = ANY(%(ids)s) ORDER BY p.case_id"

    found = rows(query, {"ids": [hoa.pk, lan.pk]})

    stored = {  # the account number's ciphertext and keyed hash, as the case's row holds them
        case_id: (number, digest)
        for case_id, number, digest in rows(
            "SELECT id, account_number, account_hash FROM beneficiaries_case WHERE id = ANY(%(ids)s)",
            {"ids": [hoa.pk, lan.pk]},
        )
    }
    assert found == [
        (hoa.pk, hoa.person_id, hoa.person.national_id, "Nguyễn Thị Hoa", "bank", "970436", *stored[hoa.pk],
         "NGUYEN THI HOA"),
        (lan.pk, lan.person_id, lan.person.national_id, "Trần Thị Lan", "cash", "", *stored[lan.pk], ""),
    ]  # fmt: skip
    assert stored[hoa.pk][0] != "0123400000"  # ciphertext, not the number


def test_cases_and_the_cases_of_the_same_person(cases, units):
    hoa, lan, moved = cases

    assert rows(f"SELECT * FROM ({sql.cases()}) c ORDER BY c.case_id") == [
        (hoa.pk, hoa.uuid, hoa.person_id, units.tan_dong.pk, "active"),
        (lan.pk, lan.uuid, lan.person_id, units.tan_dong.pk, "active"),
        (moved.pk, moved.uuid, hoa.person_id, units.binh_minh.pk, "terminated"),
    ]
    assert rows(f"SELECT * FROM ({sql.cases_of_the_same_person()}) s ORDER BY 1, 2") == [
        (hoa.pk, hoa.pk),
        (hoa.pk, moved.pk),
        (lan.pk, lan.pk),
        (moved.pk, hoa.pk),
        (moved.pk, moved.pk),
    ]
