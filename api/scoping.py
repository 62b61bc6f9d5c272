"""What the actor of an API call may read: the same doors as the pages, nothing of its own.

The actor is the signed-in user today. A system client of the next slice will be an actor of the same
shape (a role, admin units, ``has_national_scope``), so these functions, and through them
``geography.scoping`` and each app's ``access_*`` doors and selectors, serve both unchanged.
Out of scope and missing are the same 404, raised by the doors.
"""

from datetime import date

from django.db.models import F, QuerySet

from disbursements.access import access_run
from disbursements.models import Run, RunLine
from disbursements.selectors import run_lines, run_list_for_user
from geography.access import access_commune_by_code
from geography.models import Commune, Province, Village
from geography.selectors import commune_list_for_user, village_list_for_commune
from households.access import access_household_by_uuid, access_person_by_uuid, can_see_full_identifiers
from households.forms import HouseholdFilterForm, household_filter_form
from households.models import Household, Person
from households.searching import refuse_identifier_search
from households.selectors import household_list_for_user
from privacy.visibility import sees_health
from reports.access import access_commune_dashboard, access_province_dashboard


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


def household(actor, household_uuid) -> Household:
    return access_household_by_uuid(actor, household_uuid)


def person(actor, person_uuid) -> Person:
    return access_person_by_uuid(actor, person_uuid)


def visibility(actor) -> dict:
    """The masking the pages apply to this actor, as the serializers' context: the data is already
    scoped to the actor's communes (``commune_id=None``), as on the household page."""
    return {"full_identifiers": can_see_full_identifiers(actor), "full_health": sees_health(actor)}


def runs(actor, *, commune: Commune | None = None, month: date | None = None, statuses=None) -> QuerySet[Run]:
    """The run list page's runs (``disbursements.selectors.run_list_for_user``: every month unless one
    is asked for), of one commune of the actor's if asked, in the page's order; the commune's name as
    an annotation, so that the keyset cursor can carry it."""
    found = run_list_for_user(actor, month=month, statuses=statuses)
    if commune is not None:
        found = found.filter(commune=commune)
    return found.annotate(commune_name=F("commune__name")).order_by("-month", "commune_name", "-id")


def run(actor, run_id: int, *, for_edit: bool = False) -> Run:
    """A run of the actor's communes (404 otherwise); ``for_edit``: the officer's acts (403 otherwise)."""
    return access_run(actor, run_id, for_edit=for_edit)


def lines(run: Run, **filters) -> QuerySet[RunLine]:
    """The run page's lines and filters (``payment_method``, ``flag``) in its order (by name), with each
    line's case and person for their references."""
    return run_lines(run, **filters).select_related("case__person")


def commune_report(actor, code: str) -> Commune:
    """A commune whose dashboard the actor may read (its scope holds it; 404 otherwise)."""
    return access_commune_dashboard(actor, code)


def province_report(actor, code: str) -> tuple[Province, list[Commune]]:
    """A province of the actor's (404 otherwise) for a provincial viewer or an administrator (403 for
    the other roles), and those of its communes the actor may see: its figures are theirs only."""
    return access_province_dashboard(actor, code)
