"""What the actor of an API call may read: the same doors as the pages, nothing of its own.

The actor is the signed-in user today. A system client of the next slice will be an actor of the same
shape (a role, admin units, ``has_national_scope``), so these functions, and through them
``geography.scoping`` and each app's ``access_*`` doors and selectors, serve both unchanged.
Out of scope and missing are the same 404, raised by the doors.
"""

from django.db.models import QuerySet

from geography.access import access_commune_by_code
from geography.models import Commune, Village
from geography.selectors import commune_list_for_user, village_list_for_commune
from households.access import access_household_by_uuid, access_person_by_uuid, can_see_full_identifiers
from households.forms import HouseholdFilterForm, household_filter_form
from households.models import Household, Membership, Person
from households.searching import refuse_identifier_search
from households.selectors import current_housemate, household_list_for_user
from privacy.visibility import sees_health


def actor(request):
    """Whom the call acts for: the authenticated user (a client's bound account later)."""
    return request.user


def communes(actor) -> QuerySet[Commune]:
    """The actor's communes, in a total order (the keyset pagination needs one)."""
    return commune_list_for_user(actor).order_by("province_id", "name", "code")


def commune(actor, code: str) -> Commune:
    return access_commune_by_code(actor, code)


def villages(commune: Commune) -> QuerySet[Village]:
    return village_list_for_commune(commune).order_by("name", "id")


def household_filters(actor, query) -> HouseholdFilterForm:
    """The list page's filter form over the query string, with the same refusal of partial identifier
    searches for masked roles (and their rate limit); its errors are the call's 400."""
    form = household_filter_form(actor, query)
    refuse_identifier_search(form, actor)
    return form


def households(actor, **filters) -> QuerySet[Household]:
    """The list page's households (``households.selectors.household_list_for_user``) and order."""
    return household_list_for_user(actor, **filters)


def village(commune: Commune, village_id: int) -> Village | None:
    """A village of the commune (a write names it), or None."""
    return village_list_for_commune(commune).filter(pk=village_id).first()


def household(actor, household_uuid, *, for_edit: bool = False) -> Household:
    """The household page's door; ``for_edit``: its edit pages' (the registry role, else 403)."""
    return access_household_by_uuid(actor, household_uuid, for_edit=for_edit)


def person(actor, person_uuid, *, for_edit: bool = False) -> Person:
    return access_person_by_uuid(actor, person_uuid, for_edit=for_edit)


def housemate(person: Person, person_uuid) -> Membership | None:
    """A current member of the household ``person`` lives in (the death form's new head)."""
    return current_housemate(person, person_uuid)


def visibility(actor) -> dict:
    """The masking the pages apply to this actor, as the serializers' context: the data is already
    scoped to the actor's communes (``commune_id=None``), as on the household page."""
    return {"full_identifiers": can_see_full_identifiers(actor), "full_health": sees_health(actor)}
