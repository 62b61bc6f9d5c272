"""Shared fixtures of the social-allowance tests.

The shipped rules (base levels, categories, bands) come from the data migration. ``family`` is a
household of Xã Tân Đông: an elder (born 1945-09-30, so 80 in September 2025), an adult and a
child; ``elder_case`` is the elder's 5.5a application filed by the officer.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from beneficiaries import services
from beneficiaries.services import CategoryChoice, PaymentDetails
from households.models import Person
from tests.households.factories import make_household

CASH = PaymentDetails(method="cash")
BANK = PaymentDetails(method="bank", bank_bin="970436", account_number="0123456789", account_name="nguyen van an")


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


@pytest.fixture
def chair(users):
    return users["tandong_chair"]


@pytest.fixture
def committee(users):
    return users["tandong_committee"]


@pytest.fixture
def viewer(users):
    return users["tayninh_province"]


@dataclass
class Family:
    household: object
    elder: Person
    adult: Person
    child: Person


@pytest.fixture
def family(units) -> Family:
    household = make_household(
        units.tan_dong,
        units.tan_dong_village,
        code="TD-TC1",
        members=(
            ("Nguyễn Thị Hoa", "F", date(1945, 9, 30), "head"),
            ("Trần Văn Bình", "M", date(1985, 6, 15), "child"),
            ("Trần Thị Cúc", "F", date(2020, 2, 29), "grandchild"),
        ),
    )
    people = {membership.person.full_name: membership.person for membership in household.memberships.all()}
    return Family(
        household=household,
        elder=people["Nguyễn Thị Hoa"],
        adult=people["Trần Văn Bình"],
        child=people["Trần Thị Cúc"],
    )


@pytest.fixture
def elder_case(family, units, officer):
    return services.case_apply(
        person=family.elder,
        commune=units.tan_dong,
        categories=[CategoryChoice("5.5a")],
        applied_on=date(2026, 3, 2),
        payment=CASH,
        acting_user=officer,
    )


def move_household(family, to_commune, users, receiver: str) -> None:
    """The family moves: their commune asks, the receiving commune's officer accepts."""
    from households.services import household_transfer, transfer_accept_household

    request = household_transfer(household=family.household, to_commune=to_commune, transferred_on=date(2026, 5, 31),
                                 reason="Chuyển nơi ở", acting_user=users["tandong_officer"])  # fmt: skip
    village = to_commune.villages.first()
    transfer_accept_household(transfer=request, village=village, acting_user=users[receiver])
