"""A year's poverty statuses, written many at once (the review's decision lands here)."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied

from geography.scoping import commune_codes_for_user
from households.models import HouseholdYearStatus
from households.services import year_statuses_write
from tests.households.factories import make_household


@pytest.fixture
def chair(users):
    return users["tandong_chair"]


@pytest.fixture
def three(units):
    return [make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{n}") for n in (1, 2, 3)]


def statuses():
    return sorted(HouseholdYearStatus.objects.values_list("household__code", "year", "status"))


def test_a_mapping_writes_the_year_and_updates_a_status_already_there(three, units, chair):
    first, second, third = three
    existing = HouseholdYearStatus.objects.create(household=first, year=2025, status="near_poor")
    HouseholdYearStatus.objects.create(household=first, year=2024, status="poor")
    at = datetime(2025, 1, 3, 2, 0, tzinfo=UTC)

    written = year_statuses_write(
        year=2025, statuses={first.pk: "poor", second.pk: "middle_income"}, commune_id=units.tan_dong.pk,
        acting_user=chair, at=at,
    )  # fmt: skip

    assert written == 2
    assert statuses() == [
        ("TD-1", 2024, "poor"),
        ("TD-1", 2025, "poor"),
        ("TD-2", 2025, "middle_income"),
    ]
    created = HouseholdYearStatus.objects.get(household=second, year=2025)
    assert (created.created_at, created.updated_at) == (at, at)
    updated = HouseholdYearStatus.objects.get(household=first, year=2025)
    assert (updated.created_at, updated.updated_at) == (existing.created_at, at)


def test_a_query_is_read_as_the_source_in_one_statement(three, units, chair, django_assert_num_queries):
    first, second, third = three
    for household, status in ((first, "poor"), (third, "near_poor")):
        HouseholdYearStatus.objects.create(household=household, year=2025, status=status)
    commune_codes_for_user(chair)  # the user's communes are read once per request, before this
    last_year = HouseholdYearStatus.objects.filter(year=2025).values_list("household_id", "status")

    with django_assert_num_queries(1):
        written = year_statuses_write(year=2026, statuses=last_year, commune_id=units.tan_dong.pk, acting_user=chair)

    assert written == 2
    assert statuses() == [
        ("TD-1", 2025, "poor"),
        ("TD-1", 2026, "poor"),
        ("TD-3", 2025, "near_poor"),
        ("TD-3", 2026, "near_poor"),
    ]


def test_an_unknown_status_in_a_mapping_writes_nothing(three, units, chair):
    with pytest.raises(ValueError):
        year_statuses_write(year=2025, statuses={three[0].pk: "rich"}, commune_id=units.tan_dong.pk, acting_user=chair)

    assert statuses() == []


@pytest.mark.parametrize(("role", "commune"), [("tandong_officer", "tan_dong"), ("tandong_chair", "binh_minh")])
def test_refused_without_the_decision_role_in_the_commune(three, units, users, role, commune):
    with pytest.raises(PermissionDenied):
        year_statuses_write(
            year=2025, statuses={three[0].pk: "poor"}, commune_id=getattr(units, commune).pk, acting_user=users[role]
        )

    assert statuses() == []
