"""Synthetic households: deterministic, valid and unique identifiers, coherent families, and the
demo loader's figures (43 poor or near-poor households in Tân Đông for 2024)."""

from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.db import transaction

from core.text import fold_vietnamese
from demo.households import DEMO_HOUSEHOLDS, load_demo_households
from demo.synthetic import generate_households
from households.ethnicity import ETHNIC_GROUPS
from households.identity import national_id_problems, normalise_phone
from households.models import (
    Household,
    HouseholdEvent,
    HouseholdYearStatus,
    Membership,
    Person,
    Relationship,
)
from households.selectors import commune_code_prefix
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _snapshot() -> list[tuple]:
    """Everything that must not depend on ids or time: household by household, member by member."""
    rows = Membership.objects.select_related("person", "household").order_by("household__code", "person__national_id")
    return [
        (
            m.household.code,
            str(m.household.uuid),
            m.household.address,
            m.relationship,
            m.person.full_name,
            m.person.date_of_birth,
            m.person.sex,
            m.person.national_id,
            str(m.person.uuid),
            m.person.health_insurance_number,
        )
        for m in rows
    ]


def _generated_then_undone(**kwargs) -> list[tuple]:
    try:
        with transaction.atomic():
            generate_households(**kwargs)
            snapshot = _snapshot()
            raise _Undo
    except _Undo:
        return snapshot


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_the_same_seed_gives_the_same_households_whatever_the_chunk_size(units):
    first = _generated_then_undone(communes=[units.tan_dong], households_per_commune=120, seed=7)
    again = _generated_then_undone(communes=[units.tan_dong], households_per_commune=120, seed=7, chunk_size=25)
    other_seed = _generated_then_undone(communes=[units.tan_dong], households_per_commune=120, seed=8)

    assert len(first) > 120
    assert first == again
    assert [row[4] for row in first] != [row[4] for row in other_seed]


def test_every_person_is_valid_and_every_national_id_unique(units):
    generate_households(communes=[units.tan_dong, units.binh_minh], households_per_commune=300, seed=1)

    persons = list(Person.objects.all())
    assert len(persons) > 1_800
    assert len({p.national_id for p in persons}) == len(persons)
    for person in persons:
        assert national_id_problems(person.national_id, sex=person.sex, date_of_birth=person.date_of_birth) == []
        assert person.search_name == fold_vietnamese(person.full_name)
        assert person.ethnicity in dict(ETHNIC_GROUPS)
        assert person.phone == "" or normalise_phone(person.phone) == person.phone
        assert person.health_insurance_number == "" or len(person.health_insurance_number) == 15
        assert date(1900, 1, 1) <= person.date_of_birth <= date.today()
    # Plausible shares (wide bounds; the generator aims at ~70 % insured, ~5 % phones).
    insured = sum(1 for p in persons if p.health_insurance_number) / len(persons)
    phones = sum(1 for p in persons if p.phone) / len(persons)
    kinh = sum(1 for p in persons if p.ethnicity == "01") / len(persons)
    assert 0.6 < insured < 0.8 and 0.02 < phones < 0.08 and kinh > 0.9
    assert Counter(p.full_name.split()[0] for p in persons).most_common(1)[0][0] == "Nguyễn"


def test_each_household_has_its_head_its_members_and_a_registered_event(units):
    report = generate_households(communes=[units.tan_dong], households_per_commune=200, seed=3)

    households = list(Household.objects.filter(commune=units.tan_dong))
    assert len(households) == report.households == 200
    assert report.persons == Person.objects.count() == Membership.objects.count()
    sizes = []
    for household in households:
        members = list(household.memberships.select_related("person"))
        heads = [m for m in members if m.relationship == Relationship.HEAD]
        assert len(heads) == 1 and household.head_id == heads[0].person_id
        assert household.member_count == len(members) and 1 <= len(members) <= 7
        assert household.has_disability == any(m.person.disability_level != "none" for m in members)
        assert household.area == units.tan_dong.area and household.village.commune_id == units.tan_dong.code
        assert all(m.left_on is None and m.joined_on >= m.person.date_of_birth for m in members)
        sizes.append(len(members))
        event = household.events.get()
        assert (event.kind, event.actor, event.commune_id) == ("registered", None, units.tan_dong.code)
        assert event.data == {"code": household.code, "members": len(members)}
    assert 3.0 < sum(sizes) / len(sizes) < 4.0
    assert HouseholdEvent.objects.count() == 200


def test_ages_agree_with_relationships(units):
    generate_households(communes=[units.tan_dong], households_per_commune=400, seed=4)
    on = date(2025, 7, 1)

    for household in Household.objects.prefetch_related("memberships__person"):
        members = {m.relationship: [] for m in household.memberships.all()}
        for m in household.memberships.all():
            members[m.relationship].append(_age(m.person.date_of_birth, on))
        head = members["head"][0]
        mothers = [
            _age(m.person.date_of_birth, on)
            for m in household.memberships.all()
            if m.relationship in ("head", "spouse") and m.person.sex == "F"
        ]
        assert 25 <= head <= 85
        assert all(spouse >= 18 for spouse in members.get("spouse", []))
        for child in members.get("child", []):
            assert head - child >= 15
            assert all(mother - child >= 18 for mother in mothers)
        assert all(parent - head >= 20 for parent in members.get("parent", []))
        assert all(head - grandchild >= 35 for grandchild in members.get("grandchild", []))


def test_a_second_run_continues_the_codes_and_never_reuses_a_national_id(units):
    existing = make_household(units.tan_dong, units.tan_dong_village, code="TD-000007")
    generate_households(communes=[units.tan_dong], households_per_commune=40, seed=1)
    generate_households(communes=[units.tan_dong], households_per_commune=40, seed=2)
    generate_households(communes=[units.tan_dong], households_per_commune=40, seed=1)

    codes = sorted(Household.objects.exclude(pk=existing.pk).values_list("code", flat=True))
    assert commune_code_prefix(units.tan_dong) == "TD"
    assert codes == [f"TD-{number:06d}" for number in range(8, 128)]
    ids = list(Person.objects.values_list("national_id", flat=True))
    assert len(ids) == len(set(ids))
    # The same seed later draws new families, not copies of the first ones.
    first, third = (
        list(
            Person.objects.filter(memberships__household__code__in=[f"TD-{n:06d}" for n in numbers]).values_list(
                "full_name", "date_of_birth"
            )
        )
        for numbers in (range(8, 48), range(88, 128))
    )
    assert set(first) != set(third)


def test_a_commune_without_villages_gets_numbered_ones(units):
    report = generate_households(communes=[units.other_commune], households_per_commune=30, seed=1)

    names = sorted(units.other_commune.villages.values_list("name", flat=True))
    assert report.villages_created == 4
    assert names == ["Khu phố 1", "Khu phố 2", "Khu phố 3", "Khu phố 4"]
    assert Household.objects.filter(commune=units.other_commune, village__isnull=True).count() == 0


def test_year_statuses_are_exact_per_commune_and_go_to_households_in_need(units):
    generate_households(
        communes=[units.tan_dong, units.binh_minh],
        households_per_commune=500,
        seed=5,
        year_statuses={2024: {"poor": 9, "near_poor": 0.02}},
        chunk_size=300,  # Bình Minh's households span two chunks
    )

    for commune in (units.tan_dong, units.binh_minh):
        counts = Counter(
            HouseholdYearStatus.objects.filter(household__commune=commune, year=2024).values_list("status", flat=True)
        )
        assert counts == {"poor": 9, "near_poor": 10, "none": 481}
    in_need = HouseholdYearStatus.objects.filter(status__in=["poor", "near_poor"]).values("household")
    needy = Household.objects.filter(pk__in=in_need)
    assert needy.filter(has_disability=True).count() > needy.count() / 2
    assert Household.objects.exclude(pk__in=in_need).filter(has_disability=True).count() < 0.2 * 962


def test_generate_synthetic_spreads_the_households_over_the_province(units, capsys):
    call_command("generate_synthetic", province="80", households=11, seed=3)

    assert dict(Counter(Household.objects.values_list("commune_id", flat=True))) == {"25480": 6, "25522": 5}
    assert HouseholdYearStatus.objects.filter(year=2024).count() == 11
    assert "Done: 11 households" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_second_connection_writes_the_chunks(units):
    report = generate_households(
        communes=[units.tan_dong, units.binh_minh],
        households_per_commune=90,
        seed=6,
        chunk_size=40,
        year_statuses={2024: {"poor": 2}},
    )

    assert report.households == Household.objects.count() == 180
    assert report.persons == Person.objects.count() == Membership.objects.count()
    assert report.statuses == HouseholdYearStatus.objects.filter(year=2024).count() == 180
    assert HouseholdYearStatus.objects.filter(status="poor").count() == 4


def test_demo_households_are_loaded_once_with_43_poor_or_near_poor_in_tan_dong(on_demo_day):
    from demo.accounts import load_demo

    load_demo(with_households=False)  # admin units, users, villages
    created = load_demo_households()

    assert created == {code: count for code, (count, _statuses) in DEMO_HOUSEHOLDS.items()}
    # The statuses of the year before the day of loading (DEMO_DAY: 2025), the list last year's review starts from.
    tan_dong = Counter(
        HouseholdYearStatus.objects.filter(household__commune_id="25522", year=2025).values_list("status", flat=True)
    )
    assert tan_dong == {"poor": 18, "near_poor": 25, "none": 4_657}
    assert round(100 * 43 / 4_700, 2) == 0.91
    binh_minh = Counter(
        HouseholdYearStatus.objects.filter(household__commune_id="25480", year=2025).values_list("status", flat=True)
    )
    assert binh_minh == {"poor": 1, "near_poor": 6, "none": 2_993}
    names_before = set(Person.objects.values_list("national_id", flat=True))

    assert load_demo_households() == {"25522": 0, "25480": 0}
    load_demo()
    assert Household.objects.count() == 7_700
    assert set(Person.objects.values_list("national_id", flat=True)) == names_before
