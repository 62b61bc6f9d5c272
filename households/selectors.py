"""Shared reads of the registry: lists, search and the registry's part of a household timeline."""

import re

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from core.text import fold_vietnamese
from core.timeline import TimelineEntry
from geography.scoping import scope_to_user
from households.identity import normalise_phone
from households.models import DuplicateFlag, Household, HouseholdEvent, HouseholdYearStatus, Membership, PersonTransfer

PAGE_SIZE = 50


def household_list_for_user(
    user,
    *,
    commune_code: str = "",
    village_id: int | None = None,
    status: str = "",
    year: int | None = None,
    has_disability: bool | None = None,
    search: str = "",
) -> QuerySet[Household]:
    households = scope_to_user(Household.objects.all(), user).filter(dissolved_on__isnull=True)
    if commune_code:
        households = households.filter(commune_id=commune_code)
    if village_id:
        households = households.filter(village_id=village_id)
    if status and year:
        if status == "none":
            households = households.exclude(
                year_statuses__year=year, year_statuses__status__in=["poor", "near_poor", "middle_income"]
            )
        else:
            households = households.filter(year_statuses__year=year, year_statuses__status=status)
    if has_disability is not None:
        households = households.filter(has_disability=has_disability)
    if search:
        households = households.filter(household_search_q(search))
    # Only what a list row shows: at 50 rows a page, unused columns cost more than the query.
    return (
        households.select_related("commune", "village", "head")
        .only("uuid", "code", "member_count", "has_disability", "commune__name", "village__name", "head__full_name")
        .order_by("commune_id", "code")
    )


def household_search_q(text: str) -> Q:
    """One box finds households by code, by a member's name (diacritics optional), national ID or phone."""
    text = text.strip()
    digits = re.sub(r"[\s.\-]", "", text)
    # Identifiers resolve to a handful of households through the person's unique index first.
    if digits.isdigit() and len(digits) == 12:
        return Q(pk__in=_current_households_of(Q(person__national_id=digits)))
    if digits.lstrip("+").isdigit() and 9 <= len(digits.lstrip("+")) <= 12:
        try:
            phone = normalise_phone(digits)
        except ValueError:
            phone = None
        if phone:
            return Q(pk__in=_current_households_of(Q(person__phone=phone))) | Q(code__iexact=text)
    # Each arm of an OR needs an index of its own (household_code_upper, household_search_trgm): with one
    # arm unindexed PostgreSQL can only filter every household of the commune (10 ms at 10,000).
    return Q(code__iexact=text) | Q(search_text__contains=fold_vietnamese(text))


def _current_households_of(person_filter: Q):
    return Membership.objects.filter(person_filter, left_on__isnull=True).values("household_id")


def household_page_data(household: Household) -> dict:
    """Members (current, then former) and the status by year, in a fixed number of queries."""
    memberships = list(household.memberships.select_related("person").order_by("left_on", "joined_on", "id"))
    return {
        "current_members": [m for m in memberships if m.left_on is None],
        "former_members": [m for m in memberships if m.left_on is not None],
        "statuses": list(household.year_statuses.order_by("-year")),
    }


def status_for_year(household_ids: list[int], year: int) -> dict[int, str]:
    return dict(
        HouseholdYearStatus.objects.filter(household_id__in=household_ids, year=year).values_list(
            "household_id", "status"
        )
    )


def arrivals_for_user(user) -> dict:
    """Households and persons that arrived from other communes and await placement."""
    households = scope_to_user(Household.objects.filter(village__isnull=True, dissolved_on__isnull=True), user)
    persons = scope_to_user(
        PersonTransfer.objects.filter(completed_at__isnull=True).select_related("person", "from_commune"),
        user,
        commune_field="to_commune",
    )
    duplicates = scope_to_user(
        DuplicateFlag.objects.filter(status=DuplicateFlag.Status.OPEN).select_related("person", "existing"), user
    )
    return {"households": households, "persons": persons, "duplicates": duplicates}


def household_registry_timeline(household_id: int) -> list[TimelineEntry]:
    events = HouseholdEvent.objects.filter(household_id=household_id).select_related("actor", "person", "commune")
    return [
        TimelineEntry(
            occurred_at=event.occurred_at,
            title=event.get_kind_display(),
            detail=_event_detail(event),
            actor=event.actor.display_name if event.actor else "",
            source=event.commune.name,
            reason=event.reason,
        )
        for event in events
    ]


def _event_detail(event: HouseholdEvent) -> str:
    data = event.data or {}
    name = data.get("name", "")
    kind = HouseholdEvent.Kind
    if event.kind == kind.REGISTERED:
        return _("code %(code)s, %(members)s members") % data
    if event.kind in (kind.MEMBER_ADDED, kind.DEATH, kind.HEAD_CHANGED):
        return name + (f" ({data['date_of_death']})" if "date_of_death" in data else "")
    if event.kind == kind.MEMBER_EDITED:
        changes = data.get("changes", {})
        return f"{name}: " + ", ".join(f"{field} {old} → {new}" for field, (old, new) in changes.items())
    if event.kind == kind.HOUSEHOLD_EDITED:
        return ", ".join(f"{field} {old} → {new}" for field, (old, new) in data.get("changes", {}).items())
    if event.kind == kind.MEMBER_LEFT:
        return name + " → " + (data.get("to_household") or data.get("to_commune", ""))
    if event.kind == kind.MEMBER_JOINED:
        return name + " ← " + data.get("from_household", "")
    if event.kind == kind.SPLIT:
        other = data.get("new_household") or data.get("from_household", "")
        return f"{other}: " + ", ".join(data.get("members", []))
    if event.kind == kind.TRANSFERRED_OUT:
        return "→ " + data.get("to_commune", "")
    if event.kind == kind.TRANSFERRED_IN:
        return "← " + data.get("from_commune", "")
    if event.kind == kind.PERSONS_MERGED:
        return _("%(name)s: kept %(kept)s, removed %(removed)s") % data
    if event.kind == kind.IMPORTED:
        return _("%(created)s new, %(updated)s updated members") % {
            "created": data.get("created", 0),
            "updated": data.get("updated", 0),
        }
    return ""


def registry_worklist(user) -> list:
    """Work-list items for the home page: arrivals to place and possible duplicates to check."""
    from django.urls import reverse

    from core.worklists import WorkItem

    if not user.can_manage_registry:
        return []
    found = arrivals_for_user(user)
    arriving = found["households"].count() + found["persons"].count()
    duplicates = found["duplicates"].count()
    items = []
    if arriving:
        items.append(
            WorkItem(
                title=_("Arrivals from other communes to place"), url=reverse("households:arrivals"), count=arriving
            )
        )
    if duplicates:
        items.append(
            WorkItem(
                title=_("Possible duplicate persons to check"), url=reverse("households:arrivals"), count=duplicates
            )
        )
    return items


def status_in_force(year: int, household_ref: str = "pk") -> Subquery:
    """An expression: the household's poverty status in force in ``year``, i.e. its latest status of
    that year or before (until a review's result for ``year`` is approved, the earlier list stays in
    force). Annotate a Household queryset with it: ``.annotate(status=status_in_force(2026))``."""
    return Subquery(
        HouseholdYearStatus.objects.filter(household_id=OuterRef(household_ref), year__lte=year)
        .order_by("-year")
        .values("status")[:1]
    )
