"""Registry factories: valid persons (their national IDs agree with sex and birth date) in households."""

import itertools
from datetime import date

from core.text import fold_vietnamese
from households.models import Household, Membership, Person, Relationship
from households.services import PersonData

_serial = itertools.count(1)


def national_id_for(sex: str, born: date, *, prefix: str = "072") -> str:
    century_digit = {1900: 0, 2000: 2, 2100: 4}[born.year // 100 * 100] + (1 if sex == "F" else 0)
    return f"{prefix}{century_digit}{born.year % 100:02d}{next(_serial):06d}"


def person_data(full_name="Nguyễn Văn An", sex="M", born=date(1980, 5, 1), **extra) -> PersonData:
    national_id = extra.pop("national_id") if "national_id" in extra else national_id_for(sex, born)
    return PersonData(national_id=national_id, full_name=full_name, date_of_birth=born, sex=sex, **extra)


def make_person(full_name="Nguyễn Văn An", sex="M", born=date(1980, 5, 1), **extra) -> Person:
    return Person.objects.create(
        national_id=national_id_for(sex, born),
        full_name=full_name,
        search_name=fold_vietnamese(full_name),
        date_of_birth=born,
        sex=sex,
        **extra,
    )


def make_household(commune, village, code="HH-001", members=(("Nguyễn Văn An", "M", date(1970, 1, 1), "head"),)):
    """A household with members given as (name, sex, born, relationship); the first head is the head."""
    from households.services import household_summaries_refresh

    household = Household.objects.create(commune=commune, village=village, code=code, area=commune.area)
    for name, sex, born, relationship in members:
        person = make_person(name, sex, born)
        Membership.objects.create(
            person=person, household=household, relationship=relationship, joined_on=date(2020, 1, 1)
        )
        if relationship == Relationship.HEAD:
            household.head = person
    household.save()
    household_summaries_refresh([household.pk])
    household.refresh_from_db()
    return household
