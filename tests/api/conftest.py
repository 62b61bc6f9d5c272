"""A household of Tân Đông whose every value is fixed, for the API's exact answers."""

from datetime import date

import pytest

from core.text import fold_vietnamese
from households.models import Household, HouseholdYearStatus, Membership, Person
from households.services import household_summaries_refresh


def person(full_name, sex, born, national_id, **extra) -> Person:
    return Person.objects.create(
        full_name=full_name, search_name=fold_vietnamese(full_name), date_of_birth=born, sex=sex,
        national_id=national_id, **extra,
    )  # fmt: skip


@pytest.fixture
def family(units):
    """TD-API in Ấp Đông Hà: the head, his wife (severely disabled, a card), and a son who left in 2024;
    poor in 2024, near-poor in 2025."""
    household = Household.objects.create(
        commune=units.tan_dong, village=units.tan_dong_village, code="TD-API", area=units.tan_dong.area,
        address="Tổ 3, ấp Đông Hà",
    )  # fmt: skip
    head = person("Nguyễn Văn An", "M", date(1970, 1, 1), "072070000101", phone="+84987654321")
    wife = person(
        "Trần Thị Bình", "F", date(1972, 3, 4), "072172000102", disability_level="severe",
        health_insurance_number="HN4797212345678",
    )  # fmt: skip
    son = person("Nguyễn Văn Cường", "M", date(1995, 6, 7), "072095000103")
    Membership.objects.create(person=head, household=household, relationship="head", joined_on=date(2020, 1, 1))
    Membership.objects.create(person=wife, household=household, relationship="spouse", joined_on=None)
    Membership.objects.create(
        person=son, household=household, relationship="child", joined_on=date(2020, 1, 1), left_on=date(2024, 5, 1),
        left_reason="lập gia đình",
    )  # fmt: skip
    household.head = head
    household.save()
    household_summaries_refresh([household.pk])
    HouseholdYearStatus.objects.create(household=household, year=2024, status="poor")
    HouseholdYearStatus.objects.create(household=household, year=2025, status="near_poor")
    household.refresh_from_db()
    return household
