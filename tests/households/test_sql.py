"""The registry's SQL fragments (``households/sql.py``) on a small world: Tân Đông's households, one
dissolved and one without a village, whose statuses make each kind of change of a year's list; a
member who left, one who died, a baby born in the year. Exact values, and the same as the registry's
own reads (``Household.member_count``, ``selectors.status_in_force``)."""

from datetime import date

import pytest
from django.db import connection

from households import sql
from households.models import Household, HouseholdYearStatus, Membership, Person
from households.selectors import status_in_force
from tests.conftest import BINH_MINH, TAN_DONG
from tests.households.factories import make_household, make_person

ONE = (("Chủ Hộ", "M", date(1960, 1, 1), "head"),)


def _rows(query: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@pytest.fixture
def registry(units):
    td, v = units.tan_dong, units.tan_dong_village
    made = {
        "fell_back": make_household(
            td, v, "TD-1", (("Một", "M", date(1960, 1, 1), "head"), ("Vợ", "F", date(1962, 1, 1), "spouse"))
        ),
        "escaped": make_household(td, v, "TD-2", ONE),
        "escaped_near": make_household(td, None, "TD-3", ONE),
        "new": make_household(td, v, "TD-4", ONE),
        "dissolved": make_household(td, v, "TD-5", ONE),
        "bm": make_household(units.binh_minh, units.binh_minh_village, "BM-1", ONE),
    }
    statuses = {
        "fell_back": {2022: "poor", 2023: "none", 2024: "middle_income", 2025: "poor"},
        "escaped": {2024: "poor", 2025: "near_poor"},
        "escaped_near": {2024: "near_poor", 2025: "middle_income"},
        "new": {2024: "none", 2025: "near_poor"},
        "dissolved": {2024: "poor", 2025: "poor"},
        "bm": {2024: "poor"},
    }
    for key, years in statuses.items():
        for year, status in years.items():
            HouseholdYearStatus.objects.create(household=made[key], year=year, status=status)
    Household.objects.filter(pk=made["dissolved"].pk).update(dissolved_on=date(2026, 5, 1))
    return made


def test_the_households_by_commune_and_by_village(registry, units):
    found = _rows(
        f"SELECT * FROM ({sql.households_by_commune()}) r ORDER BY commune_id", {"codes": [TAN_DONG, BINH_MINH]}
    )
    assert found == [(BINH_MINH, 1, 1), (TAN_DONG, 4, 5)]  # the dissolved household is not counted
    current = Household.objects.filter(commune_id=TAN_DONG, dissolved_on__isnull=True)
    assert sum(current.values_list("member_count", flat=True)) == 5

    by_village = _rows(f"SELECT * FROM ({sql.households_by_village()}) v ORDER BY village_id NULLS LAST",
                       {"code": TAN_DONG, "year": 2025})  # fmt: skip
    # Ấp Đông Hà: TD-1 poor, TD-2 near-poor, TD-4 near-poor; no village: TD-3 middle-income.
    assert by_village == [(units.tan_dong_village.pk, 3, 4, 1, 2), (None, 1, 1, 0, 0)]


def test_the_lists_by_commune_and_year_and_the_list_in_force(registry):
    found = _rows(f"SELECT * FROM ({sql.list_counts()}) s ORDER BY year, status", {"codes": [TAN_DONG], "year": 2025})
    assert found == [
        (TAN_DONG, 2022, "poor", 1),
        (TAN_DONG, 2024, "middle_income", 1), (TAN_DONG, 2024, "near_poor", 1), (TAN_DONG, 2024, "poor", 1),
        (TAN_DONG, 2025, "middle_income", 1), (TAN_DONG, 2025, "near_poor", 2), (TAN_DONG, 2025, "poor", 1),
    ]  # fmt: skip
    assert _rows(f"SELECT count(*) FROM ({sql.list_counts()}) s", {"codes": [TAN_DONG], "year": 2023}) == [(1,)]
    # The list of 2025 is each current household's status in force in 2025 (and in 2026: no newer list).
    for year in (2025, 2026):
        in_force = (
            Household.objects.filter(commune_id=TAN_DONG, dissolved_on__isnull=True)
            .annotate(status=status_in_force(year))
            .values_list("status", flat=True)
        )
        assert sorted(in_force) == ["middle_income", "near_poor", "near_poor", "poor"]


def test_year_on_year_changes(registry, units):
    found = _rows(f"SELECT * FROM ({sql.list_changes()}) k ORDER BY commune_id",
                  {"codes": [TAN_DONG, BINH_MINH], "years": [2025, 2024]})  # fmt: skip
    # Tân Đông 2025 against 2024: TD-2 escaped poverty, TD-3 near-poverty, TD-4 new, TD-1 fell back
    # (poor in 2022); the dissolved TD-5 is not read. Bình Minh 2024: its poor household is new.
    assert found == [(BINH_MINH, 0, 0, 1, 0), (TAN_DONG, 1, 1, 1, 1)]


def test_members_persons_and_deaths(registry, units):
    spouse = Membership.objects.get(household=registry["fell_back"], relationship="spouse").person
    Membership.objects.filter(person=spouse).update(left_on=date(2026, 3, 1))
    head = registry["escaped"].head
    Person.objects.filter(pk=head.pk).update(date_of_death=date(2026, 6, 10))
    baby = make_person("Bé", "F", date(2026, 7, 2))
    Membership.objects.create(person=baby, household=registry["new"], relationship="child", joined_on=date(2026, 7, 2))

    def members(day):
        return sorted(
            row[1] for row in _rows(f"SELECT * FROM ({sql.members_on('%(day)s')}) m", {"codes": [TAN_DONG], "day": day})
        )

    everyone = {registry[key].head_id for key in ("fell_back", "escaped", "escaped_near", "new", "dissolved")}
    assert members(date(2026, 2, 28)) == sorted(everyone | {spouse.pk})  # the dissolved household's member too
    assert members(date(2026, 3, 1)) == sorted(everyone)  # the day she left: no longer a member
    assert members(date(2026, 6, 10)) == sorted(everyone - {head.pk})  # the day he died
    assert members(date(2026, 7, 2)) == sorted(everyone - {head.pk} | {baby.pk})  # the day she was born

    # The living members of each day in one pass (members_between, living_member_on).
    days = [date(2026, 2, 28), date(2026, 3, 1), date(2026, 7, 1), date(2026, 7, 2)]
    counts = ", ".join(f"count(*) FILTER (WHERE {sql.living_member_on('m', f'%(d{i})s')})" for i in range(4))
    params = {"codes": [TAN_DONG], "first": days[0], "last": days[-1]} | {f"d{i}": day for i, day in enumerate(days)}
    (row,) = _rows(f"SELECT {counts} FROM ({sql.members_between('%(first)s', '%(last)s')}) m", params)
    assert list(row) == [len(members(day)) for day in days] == [6, 5, 4, 5]

    died = f"SELECT p.person_id FROM ({sql.persons()}) p WHERE {sql.died_before('p.person_id', '%(day)s')}"
    assert _rows(died, {"day": date(2026, 6, 10)}) == []
    assert _rows(died, {"day": date(2026, 6, 11)}) == [(head.pk,)]
