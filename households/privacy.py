"""What the registry tells the access log (``privacy.subjects``): who a national ID names, a short
label for person ids, and a person's registry records for their data report. Registered in
``HouseholdsConfig.ready()``; privacy imports nothing of households."""

from collections.abc import Iterable

from django.db.models import F
from django.utils.translation import gettext as _

from households.identity import mask
from households.models import Membership, Person
from privacy.subjects import DataSubject, RecordSection


def subject_by_national_id(national_id: str) -> DataSubject | None:
    person = Person.objects.filter(national_id=national_id).only("national_id", "full_name", "date_of_birth").first()
    if person is None:
        return None
    communes = (
        Membership.objects.filter(person=person).order_by().values_list("household__commune_id", flat=True).distinct()
    )
    return DataSubject(
        person_id=person.pk,
        national_id=person.national_id,
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        commune_ids=tuple(sorted(communes)),
    )


def person_labels(person_ids: Iterable[int]) -> dict[int, str]:
    return {
        pk: f"{name} ({mask(national_id)})"
        for pk, name, national_id in Person.objects.filter(pk__in=list(person_ids)).values_list(
            "pk", "full_name", "national_id"
        )
    }


def person_registry_records(person_id: int) -> list[RecordSection]:
    """The person's identity as the registry holds it, then every household they belonged to."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return []
    identity = [
        (_("Full name"), person.full_name),
        (_("National ID (CCCD)"), person.national_id),
        (_("Date of birth"), person.date_of_birth.strftime("%d/%m/%Y")),
        (_("Sex"), person.get_sex_display()),
        (_("Ethnicity"), person.get_ethnicity_display()),
        (_("Phone"), person.phone or "—"),
        (_("Disability level"), person.get_disability_level_display()),
        (_("Health-insurance card number"), person.health_insurance_number or "—"),
    ]
    if person.date_of_death:
        identity.append((_("Date of death"), person.date_of_death.strftime("%d/%m/%Y")))
    memberships = (
        Membership.objects.filter(person_id=person_id)
        .select_related("household__commune")
        .order_by(F("joined_on").asc(nulls_first=True), "id")
    )
    households = [
        (
            f"{membership.household.code} · {membership.household.commune.name}",
            _("%(relationship)s, from %(joined)s%(left)s")
            % {
                "relationship": membership.get_relationship_display(),
                "joined": membership.joined_on.strftime("%d/%m/%Y") if membership.joined_on else _("a date not known"),
                "left": (" " + _("to %(date)s") % {"date": membership.left_on.strftime("%d/%m/%Y")})
                if membership.left_on
                else "",
            },
        )
        for membership in memberships
    ]
    return [
        RecordSection(title=_("Identity (household registry)"), rows=identity),
        RecordSection(title=_("Households"), rows=households, empty=_("No household.")),
    ]


def person_ids_by_national_id(national_ids: Iterable[str]) -> list[int]:
    """The ids of the persons these national IDs name (one query): for the access log of pages that
    show identities without their ids, such as a transfer's snapshot of its members."""
    ids = [value for value in national_ids if value]
    if not ids:
        return []
    return list(Person.objects.filter(national_id__in=ids).values_list("pk", flat=True))
