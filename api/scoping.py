"""What the actor of an API call may read: the same doors as the pages, nothing of its own.

The actor is the signed-in user, or a system client's service account (its bearer token acts as it:
``api/oauth.py``), an actor of the same shape (a role, admin units, ``has_national_scope``), so these
functions, and through them ``geography.scoping`` and each app's ``access_*`` doors and selectors, serve
both unchanged.
Out of scope and missing are the same 404, raised by the doors.
"""

from datetime import date

from django.db.models import F, Prefetch, QuerySet

from beneficiaries.access import access_case_by_uuid
from beneficiaries.forms import CaseFilterForm, case_filter_form
from beneficiaries.models import Case
from beneficiaries.selectors import case_list_for_user, residence_for_user
from disbursements.access import access_run
from disbursements.models import Run, RunLine
from disbursements.selectors import run_lines, run_list_for_user
from geography.access import access_commune_by_code
from geography.models import Commune, Province, Village
from geography.selectors import commune_list_for_user, village_list_for_commune
from households.access import access_household_by_uuid, access_person_by_uuid, can_see_full_identifiers
from households.forms import HouseholdFilterForm, household_filter_form
from households.models import Household, Membership, Person
from households.searching import refuse_identifier_search
from households.selectors import current_housemate, current_members_for_user, household_list_for_user
from privacy.visibility import sees_health
from reports.access import access_commune_dashboard, access_province_dashboard
from support.models import Record
from support.selectors import records_for_user


def actor(request):
    """Whom the call acts for: the signed-in user, or the service account of the client whose token it is."""
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


def households_with_members(actor, **filters) -> QuerySet[Household]:
    """``households`` in full (the SPDCI group record shows the address), each with its current members
    and their persons (``current_memberships``, by "member since", unknown first, as the household page):
    one query more."""
    members = (
        Membership.objects.filter(left_on__isnull=True)
        .select_related("person")
        .order_by("household_id", F("joined_on").asc(nulls_first=True), "id")
    )
    return (
        households(actor, **filters)
        .defer(None)
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="current_memberships"))
    )


def members(actor, **filters) -> QuerySet[Membership]:
    """The current members of the actor's households that a search names
    (``households.selectors.current_members_for_user``), with their household and commune."""
    return current_members_for_user(actor, **filters)


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


# --- allowances and support: the same doors as their pages --------------------------------------


def case_filters(actor, query) -> CaseFilterForm:
    """The case list page's filter form over the query string (health-related categories only for
    the roles that see them), with the same refusal of partial identifier searches for masked roles."""
    form = case_filter_form(actor, query)
    refuse_identifier_search(form, actor)
    return form


def cases(actor, **filters) -> QuerySet[Case]:
    """The case list page's cases (``beneficiaries.selectors.case_list_for_user``) and order."""
    return case_list_for_user(actor, **filters)


def case(actor, case_uuid) -> Case:
    return access_case_by_uuid(actor, case_uuid)


def residence(actor, person_uuid) -> Membership | None:
    """Where a person the actor may file a case for lives now (None: not in the actor's communes)."""
    return residence_for_user(actor, person__uuid=person_uuid)


def household_support(actor, household: Household) -> QuerySet[Record]:
    """The household's support records of the actor's communes, newest plan first (the records
    list's order), with what a row shows: programme, member, commune and the funding lines."""
    return (
        records_for_user(actor)
        .filter(household=household)
        .select_related("commune")
        .prefetch_related("fundings__donor")
        .order_by("-planned_on", "-id")
    )


# --- payment runs and report figures: the same doors as their pages --------------------------------


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
