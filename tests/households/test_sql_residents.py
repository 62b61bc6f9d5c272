"""The registry's SQL fragments (``households.sql``) on small households: exact rows."""

from datetime import date

import pytest
from django.db import connection

from households import sql
from households.models import Household, HouseholdYearStatus, Membership, Person
from tests.households.factories import make_household


def rows(query: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or {})
        return cursor.fetchall()


@pytest.fixture
def homes(units):
    """TD-1 in the village: the head (no phone), his mother (phone), his wife (phone), a child; a
    member who died and one who moved out. TD-2, waiting for a village: one man with a phone."""
    first = make_household(
        units.tan_dong,
        units.tan_dong_village,
        code="TD-1",
        members=(
            ("Nguyễn Văn An", "M", date(1970, 1, 1), "head"),
            ("Lê Thị Mẹ", "F", date(1945, 2, 2), "parent"),
            ("Trần Thị Bình", "F", date(1972, 3, 4), "spouse"),
            ("Nguyễn Văn Cường", "M", date(2012, 6, 7), "child"),
            ("Nguyễn Văn Dũng", "M", date(1940, 1, 1), "parent"),
            ("Nguyễn Thị Em", "F", date(1998, 1, 1), "child"),
        ),
    )
    Person.objects.filter(full_name="Lê Thị Mẹ").update(phone="+84901000001")
    Person.objects.filter(full_name="Trần Thị Bình").update(phone="+84901000002")
    Person.objects.filter(full_name="Nguyễn Văn Dũng").update(phone="+84901000003", date_of_death=date(2023, 5, 1))
    Membership.objects.filter(person__full_name="Nguyễn Thị Em").update(left_on=date(2023, 1, 1))
    second = make_household(
        units.tan_dong, None, code="TD-2", members=(("Phạm Văn Giang", "M", date(1990, 1, 1), "head"),)
    )
    Person.objects.filter(full_name="Phạm Văn Giang").update(phone="+84901000004")
    return first, second


def test_residents_are_the_living_current_members_with_their_household_commune_and_village(homes, units):
    found = rows(
        f"SELECT full_name, household_code, commune_id, commune_name, village_name, phone "
        f"FROM ({sql.residents()}) r ORDER BY full_name"
    )

    commune, village = units.tan_dong.name, units.tan_dong_village.name
    assert found == [
        ("Lê Thị Mẹ", "TD-1", units.tan_dong.pk, commune, village, "+84901000001"),
        ("Nguyễn Văn An", "TD-1", units.tan_dong.pk, commune, village, ""),
        ("Nguyễn Văn Cường", "TD-1", units.tan_dong.pk, commune, village, ""),
        ("Phạm Văn Giang", "TD-2", units.tan_dong.pk, commune, "", "+84901000004"),
        ("Trần Thị Bình", "TD-1", units.tan_dong.pk, commune, village, "+84901000002"),
    ]


def test_the_contact_is_the_head_with_a_phone_else_the_oldest_living_adult_member_with_one(homes):
    first, _second = homes
    contact = f"SELECT * FROM ({sql.household_contact('%(household)s', '%(adult)s')}) c"

    # The head has no phone, the dead father has one: the mother (the oldest living adult with one).
    assert rows(contact, {"household": first.pk, "adult": date(2007, 1, 1)}) == [("+84901000001", "Lê Thị Mẹ")]
    Person.objects.filter(full_name="Nguyễn Văn An").update(phone="+84901000009")
    assert rows(contact, {"household": first.pk, "adult": date(2007, 1, 1)}) == [("+84901000009", "Nguyễn Văn An")]
    # Nobody is an adult (born by the day) yet: no contact.
    assert rows(contact, {"household": first.pk, "adult": date(1940, 1, 1)}) == []


def test_living_members_of_a_commune_on_a_day(homes, units):
    def members_on(day: date) -> list[str]:
        return [
            name
            for (name,) in rows(
                f"SELECT p.full_name FROM ({sql.living_members_in('%(commune)s', '%(day)s')}) m "
                f"JOIN households_person p ON p.id = m.person_id ORDER BY p.full_name",
                {"commune": units.tan_dong.pk, "day": day},
            )
        ]

    assert members_on(date(2019, 12, 31)) == []  # everyone joined on 1 January 2020
    assert members_on(date(2022, 6, 1)) == [
        "Lê Thị Mẹ", "Nguyễn Thị Em", "Nguyễn Văn An", "Nguyễn Văn Cường", "Nguyễn Văn Dũng", "Phạm Văn Giang",
        "Trần Thị Bình",
    ]  # fmt: skip
    assert members_on(date(2024, 6, 1)) == [
        "Lê Thị Mẹ", "Nguyễn Văn An", "Nguyễn Văn Cường", "Phạm Văn Giang", "Trần Thị Bình",
    ]  # fmt: skip
    assert rows(
        f"SELECT count(*) FROM ({sql.living_members_in('%(commune)s', '%(day)s')}) m",
        {"commune": units.binh_minh.pk, "day": date(2024, 6, 1)},
    ) == [(0,)]


def test_person_identities(homes):
    giang = Person.objects.get(full_name="Phạm Văn Giang")

    assert rows(f"SELECT * FROM ({sql.person_identities()}) p WHERE p.person_id = %(id)s", {"id": giang.pk}) == [
        (giang.pk, giang.national_id, "Phạm Văn Giang")
    ]


def test_poverty_summary_compares_the_review_years_list_with_the_year_before(units):
    statuses = {  # code: {year: status}
        "P": {2024: "poor", 2025: "poor"},
        "E": {2024: "poor", 2025: "near_poor"},  # escaped poverty
        "M": {2024: "near_poor", 2025: "middle_income"},  # escaped near-poverty
        "F": {2022: "poor", 2024: "none", 2025: "poor"},  # fell back
        "N": {2025: "near_poor"},  # newly listed
        "X": {2024: "none", 2025: "none"},
        "D": {2024: "poor", 2025: "poor"},  # dissolved: not counted
    }
    for code, years in statuses.items():
        village = None if code == "X" else units.tan_dong_village
        household = make_household(units.tan_dong, village, code=code)
        for year, status in years.items():
            HouseholdYearStatus.objects.create(household=household, year=year, status=status)
    Household.objects.filter(code="D").update(dissolved_on=date(2025, 2, 1))
    params = {"communes": [units.tan_dong.pk, units.binh_minh.pk], "year": 2024, "next": 2025}

    by_commune = rows(sql.poverty_summary("commune"), params)
    by_village = rows(sql.poverty_summary("village"), params)

    # key, households, poor, near-poor, escaped poverty, escaped near-poverty, new, fell back
    assert by_commune == [(units.tan_dong.pk, 6, 2, 2, 1, 1, 1, 1)]
    assert sorted(by_village, key=lambda row: row[0] is not None) == [
        (None, 1, 0, 0, 0, 0, 0, 0),
        (units.tan_dong_village.pk, 5, 2, 2, 1, 1, 1, 1),
    ]


def test_memberships_with_home_keeps_past_memberships_and_says_who_heads(homes, units):
    found = rows(
        f"SELECT p.full_name, m.left_on, m.is_head, m.household_code, m.commune_id, m.village_name, m.member_count "
        f"FROM ({sql.memberships_with_home()}) m JOIN households_person p ON p.id = m.person_id "
        f"WHERE p.full_name IN ('Nguyễn Văn An', 'Nguyễn Thị Em', 'Phạm Văn Giang') ORDER BY p.full_name"
    )

    first, second = homes
    village = units.tan_dong_village.name
    assert found == [
        ("Nguyễn Thị Em", date(2023, 1, 1), False, "TD-1", units.tan_dong.pk, village, first.member_count),
        ("Nguyễn Văn An", None, True, "TD-1", units.tan_dong.pk, village, first.member_count),
        ("Phạm Văn Giang", None, True, "TD-2", units.tan_dong.pk, "", 1),
    ]


def test_households_with_status_gives_the_status_of_exactly_that_year_or_null(homes, units):
    first, second = homes
    HouseholdYearStatus.objects.create(household=first, year=2024, status="poor")
    HouseholdYearStatus.objects.create(household=first, year=2025, status="near_poor")
    Household.objects.filter(pk=second.pk).update(dissolved_on=date(2025, 3, 1))

    query = (
        f"SELECT code, commune_id, dissolved, status FROM ({sql.households_with_status('%(year)s')}) h ORDER BY code"
    )
    assert rows(query, {"year": 2025}) == [
        ("TD-1", units.tan_dong.pk, False, "near_poor"),
        ("TD-2", units.tan_dong.pk, True, None),
    ]
    assert rows(query, {"year": 2023}) == [
        ("TD-1", units.tan_dong.pk, False, None),
        ("TD-2", units.tan_dong.pk, True, None),
    ]
