"""Shared reads of the registry: lists, search and the registry's part of a household timeline."""

import re
from datetime import date

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, JSONObject, Length
from django.utils.translation import gettext as _

from core.formatting import change_text, field_label, field_value
from core.sql import count_each
from core.text import fold_vietnamese
from core.timeline import TimelineEntry
from geography.models import Commune
from geography.scoping import commune_codes_for_user, has_national_scope, in_scope, scope_to_user
from households.identity import normalise_phone
from households.models import (
    DuplicateFlag,
    Household,
    HouseholdEvent,
    HouseholdYearStatus,
    Membership,
    Person,
    PovertyStatus,
    Relationship,
    Transfer,
)
from privacy.visibility import mask_value

PAGE_SIZE = 50
# A list says how many records it holds (the number a dashboard links to); past this many it says
# "more than". Every commune's lists are counted exactly; a province of 1,000,000 households is
# counted up to here in 20–230 ms (500 ms for the households with a member without a card), not
# the seconds of a full count.
COUNT_LIMIT = 100_000

LISTED = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)
# ``status=`` of the list: one status of the year, or "listed" (poor or near-poor, the headline figure).
STATUS_FILTERS = {
    "poor": (PovertyStatus.POOR,),
    "near_poor": (PovertyStatus.NEAR_POOR,),
    "middle_income": (PovertyStatus.MIDDLE_INCOME,),
    "listed": LISTED,
}
# Year-on-year changes of a list against the year before (``year_change_q``).
YEAR_CHANGES = ("escaped_poverty", "escaped_near_poverty", "new_listed", "fell_back")


def household_list_for_user(user, *, uninsured_on: date | None = None, **filters) -> QuerySet[Household]:
    """The user's current households, filtered (``_filtered_households``), with what a list row
    shows. ``uninsured_on``: households with a member living that day without a valid
    health-insurance card (``uninsured_members_q``), each annotated with those members' names
    (``uninsured_names``)."""
    households = _filtered_households(user, uninsured_on=uninsured_on, **filters)
    fields = ["uuid", "code", "member_count", "has_disability", "dissolved_on", "commune__name", "village__name",
              "head__full_name"]  # fmt: skip
    if uninsured_on is not None:
        uninsured = Membership.objects.filter(household=OuterRef("pk")).filter(uninsured_members_q(uninsured_on))
        households = households.filter(Exists(uninsured)).annotate(
            uninsured_names=Subquery(
                uninsured.order_by()
                .values("household_id")
                .annotate(names=ArrayAgg("person__full_name", order_by="person__full_name"))
                .values("names")
            )
        )
    # Only what a list row shows: at 50 rows a page, unused columns cost more than the query.
    households = households.select_related("commune", "village", "head").only(*fields)
    name = _name_search(filters.get("search", ""))
    if name:
        # Ranking sorts every household found, so the number found costs nothing more here
        # (``search_total``, a window count over the same rows before the page's LIMIT); a count
        # query would search the commune's households again.
        return households.annotate(
            search_rank=search_rank(name, filters["search"].strip()),
            matched_member=matched_member(name),
            search_total=Window(Count("pk")),
        ).order_by("search_rank", "commune_id", "code")
    return households.order_by("commune_id", "code")


def uninsured_members_for_user(user, *, uninsured_on: date, **filters) -> QuerySet[Membership]:
    """The members the list of ``household_list_for_user(user, uninsured_on=…, **filters)`` names:
    living on ``uninsured_on`` without a valid card, in the households of the other filters. Their
    households are not asked again whether they have such a member (a count of a commune's 13,000
    took 310 ms that way, 40 ms this way)."""
    households = _filtered_households(user, uninsured_on=uninsured_on, **filters)
    return Membership.objects.filter(uninsured_members_q(uninsured_on), household__in=households.values("pk"))


def _filtered_households(
    user,
    *,
    province_code: str = "",
    commune_code: str = "",
    village_id: int | None = None,
    waiting_for_village: bool = False,
    status: str = "",
    year: int | None = None,
    change: str = "",
    has_disability: bool | None = None,
    uninsured_on: date | None = None,
    search: str = "",
    born_on: date | None = None,
    matches_nothing: bool = False,
) -> QuerySet[Household]:
    """The user's households, filtered. ``status`` (with ``year``): the status of that very year;
    ``change`` (with ``year``): a change of the list of ``year`` against ``year - 1``
    (``year_change_q``); ``born_on``: households with a current member born that day (the API's search by
    birth date, as the civil registers ask); ``matches_nothing``: the filter did not validate (an out-of-scope commune,
    a malformed date), so the list is empty rather than wider than asked. Current households only,
    unless ``uninsured_on``: a past day counts the members of that day, of households dissolved
    since too (as the dashboard's coverage does), and the members narrow the list themselves."""
    if matches_nothing:
        return Household.objects.none()
    households = scope_to_user(Household.objects.all(), user)
    if uninsured_on is None:
        households = households.filter(dissolved_on__isnull=True)
    if province_code:
        households = households.filter(commune_id__in=province_commune_codes(province_code))
    if commune_code:
        households = households.filter(commune_id=commune_code)
    if waiting_for_village:
        households = households.filter(village__isnull=True)
    elif village_id:
        households = households.filter(village_id=village_id)
    if status and year:
        if status == "none":
            households = households.exclude(
                year_statuses__year=year, year_statuses__status__in=["poor", "near_poor", "middle_income"]
            )
        elif status in STATUS_FILTERS:
            households = households.filter(_status_of(year, STATUS_FILTERS[status]))
    if change in YEAR_CHANGES and year:
        households = households.filter(year_change_q(change, year))
    if has_disability is not None:
        households = households.filter(has_disability=has_disability)
    if search:
        households = households.filter(household_search_q(search))
    if born_on is not None:
        households = households.filter(pk__in=_current_households_of(Q(person__date_of_birth=born_on)))
    return households


def current_members_for_user(user, *, search: str = "", born_on: date | None = None) -> QuerySet[Membership]:
    """The current members of the user's current households that a search names: the households the list
    finds (``_filtered_households``, the same scope and search), and in them the members whose own national
    ID or phone is the number searched, whose name holds the name (diacritics optional), and who were born
    on ``born_on``. A name matched across two members' names finds the household but none of them. By name,
    birth date and id, with household and commune, for the API's search of persons."""
    households = _filtered_households(user, search=search, born_on=born_on)
    members = Membership.objects.filter(household__in=households.values("pk"), left_on__isnull=True)
    if born_on is not None:
        members = members.filter(person__date_of_birth=born_on)
    text = (search or "").strip()
    if text:
        members = members.filter(_person_search_q(text))
    return members.select_related("person", "household__commune").order_by(
        "person__search_name", "person__date_of_birth", "id"
    )


def _person_search_q(text: str) -> Q:
    """``household_search_q`` for one person: the whole national ID or phone, else the folded name."""
    digits = re.sub(r"[\s.\-]", "", text)
    if digits.isdigit() and len(digits) == 12:
        return Q(person__national_id=digits)
    if digits.lstrip("+").isdigit() and 9 <= len(digits.lstrip("+")) <= 12:
        try:
            phone = normalise_phone(digits)
        except ValueError:
            phone = None
        if phone:
            return Q(person__phone=phone)
    return Q(person__search_name__contains=fold_vietnamese(text))


def province_commune_codes(province_code: str) -> list[str]:
    """The codes of a province's communes, read first (one small query): a list of constants lets
    PostgreSQL plan for those communes, where a join to the communes made it walk every household of
    the province probing each one's status (0.7 s against 40 ms for a count of 1,000,000 households)."""
    return list(Commune.objects.filter(province_id=province_code).values_list("code", flat=True))


def count_up_to(queryset: QuerySet, limit: int = COUNT_LIMIT) -> int:
    """``queryset.count()``, but never more than ``limit + 1`` rows read (one query). Its rows' keys
    only: a name search's rank and matched member are not compiled into the count (nor computed)."""
    return queryset.order_by().values("pk")[: limit + 1].count()


def _status_of(year: int, statuses, household_ref: str = "pk") -> Exists:
    return Exists(
        HouseholdYearStatus.objects.filter(household_id=OuterRef(household_ref), year=year, status__in=statuses)
    )


def year_change_q(change: str, year: int) -> Q:
    """Households whose status of ``year`` changed from their status of ``year - 1``, by the
    definitions of ``povertyreview.selectors.review_results`` (and the dashboard's, which a test holds
    to it): escaped poverty (poor, then a status that is not poor), escaped near-poverty (near-poor,
    then middle-income or none), new (listed, not listed the year before nor in any earlier year),
    fell back (listed, not listed the year before but in some earlier year). Every change needs a
    status of ``year``."""
    before = year - 1
    has_status = Exists(HouseholdYearStatus.objects.filter(household_id=OuterRef("pk"), year=year))
    listed_now, listed_before = _status_of(year, LISTED), _status_of(before, LISTED)
    listed_earlier = Exists(
        HouseholdYearStatus.objects.filter(household_id=OuterRef("pk"), year__lt=before, status__in=LISTED)
    )
    if change == "escaped_poverty":
        return Q(_status_of(before, [PovertyStatus.POOR])) & Q(has_status) & ~Q(_status_of(year, [PovertyStatus.POOR]))
    if change == "escaped_near_poverty":
        return Q(_status_of(before, [PovertyStatus.NEAR_POOR])) & Q(
            _status_of(year, [PovertyStatus.MIDDLE_INCOME, PovertyStatus.NONE])
        )
    if change == "new_listed":
        return Q(listed_now) & ~Q(listed_before) & ~Q(listed_earlier)
    if change == "fell_back":
        return Q(listed_now) & ~Q(listed_before) & Q(listed_earlier)
    raise ValueError(f"unknown change {change!r}")


def living_members_q(day: date) -> Q:
    """Memberships of a person alive and in the household on ``day`` (a Membership filter): joined
    by then, not left by then, born by then and not dead by then, as the dashboard's and the
    reminders' coverage count the living members."""
    return (
        # An unknown "member since" (a hand-over from the paper registers) has no lower bound.
        (Q(joined_on__isnull=True) | Q(joined_on__lte=day))
        & Q(person__date_of_birth__lte=day)
        & (Q(left_on__isnull=True) | Q(left_on__gt=day))
        & (Q(person__date_of_death__isnull=True) | Q(person__date_of_death__gt=day))
    )


def uninsured_members_q(day: date) -> Q:
    """Living members on ``day`` (``living_members_q``) holding no health-insurance card valid that
    day (``valid_from <= day <= valid_to``): the complement of the dashboard's members covered.

    The cards are ``beneficiaries.HealthInsuranceCard`` (``Person.health_cards``); the registry reads
    them through the relation's name only and imports nothing of the allowances, whose models depend
    on the registry and not the other way round."""
    covered = Person.objects.filter(
        pk=OuterRef("person_id"), health_cards__valid_from__lte=day, health_cards__valid_to__gte=day
    )
    return living_members_q(day) & ~Q(Exists(covered))


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


def _name_search(text: str) -> str:
    """The folded name a search box's text searches for; "" for a search by national ID or phone,
    whose households are a handful and keep the list's order."""
    text = (text or "").strip()
    digits = re.sub(r"[\s.\-+()]", "", text)
    if not text or digits.isdigit():
        return ""
    return fold_vietnamese(text)


# The rank of a household found by a name (``search_rank``): the smaller, the nearer the top.
RANK_EXACT_HEAD, RANK_HEAD, RANK_EXACT_MEMBER, RANK_MEMBER, RANK_OTHER = range(5)


def _word_start(name: str) -> str:
    """A POSIX regular expression: ``name`` (folded) beginning at the start of a word."""
    return r"(^| )" + re.escape(name)


def search_rank(name: str, text: str = "") -> Case:
    """How well a household found by ``name`` (folded) matches, as a number to sort by:

    0. the household's code is the text, or its head's name is the name exactly (diacritics aside);
    1. the head's name holds the name from the start of a word ("nguyen van" in "Nguyễn Văn Anh");
    2. another current member's name is the name exactly;
    3. another current member's name holds it from the start of a word;
    4. any other match (inside a word, "hieu" in "Thiều", or across two members' names).

    The head is read through the household's own join; the members, for the households the head
    did not rank, through one subquery on the current-membership index (a person each by primary
    key). The 1,080 households of the demo's Tân Đông that "nguyen van" finds give their first page
    in 26 ms ranked, 12 ms unranked (the best of 15 runs, on 2 shared cores)."""
    closeness = Case(
        When(person__search_name=name, then=Value(0)),
        When(person__search_name__regex=_word_start(name), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    nearest_member = Subquery(
        Membership.objects.filter(household=OuterRef("pk"), left_on__isnull=True)
        .annotate(closeness=closeness)
        .order_by("closeness")
        .values("closeness")[:1],
        output_field=IntegerField(),
    )
    exact = [When(code__iexact=text, then=Value(RANK_EXACT_HEAD))] if text else []
    return Case(
        *exact,
        When(head__search_name=name, then=Value(RANK_EXACT_HEAD)),
        When(head__search_name__regex=_word_start(name), then=Value(RANK_HEAD)),
        default=Value(RANK_EXACT_MEMBER) + Coalesce(nearest_member, Value(2)),
        output_field=IntegerField(),
    )


def matched_member(name: str) -> Subquery:
    """The current member (not the head) whose name matched ``name`` best (exact, then from the start
    of a word, then inside one; then the eldest), as {"person_id", "name", "relationship", "born"};
    None when no member's name holds it. A page shows it when the head's name did not match
    (``search_rank`` ≥ 2). One subquery that PostgreSQL runs for the rows of the page only (after
    the sort and the limit)."""
    candidates = (
        Membership.objects.filter(household=OuterRef("pk"), left_on__isnull=True, person__search_name__contains=name)
        .exclude(relationship=Relationship.HEAD)
        .annotate(
            closeness=Case(
                When(person__search_name=name, then=Value(0)),
                When(person__search_name__regex=_word_start(name), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("closeness", "person__date_of_birth", "person_id")
    )
    return Subquery(
        candidates.values(
            json=JSONObject(
                person_id="person_id",
                name="person__full_name",
                relationship="relationship",
                born=ExtractYear("person__date_of_birth"),
            )
        )[:1],
        output_field=JSONField(),
    )


def _current_households_of(person_filter: Q):
    return Membership.objects.filter(person_filter, left_on__isnull=True).values("household_id")


def household_page_data(household: Household) -> dict:
    """Members (current, then former; each current one with the transfer they await, if any), the
    status by year and the household's own pending transfer, in a fixed number of queries."""
    memberships = list(
        household.memberships.select_related("person").order_by("left_on", F("joined_on").asc(nulls_first=True), "id")
    )
    pending = list(household.transfers.filter(status=Transfer.Status.PENDING).select_related("to_commune"))
    leaving = {transfer.person_id: transfer for transfer in pending if transfer.kind == Transfer.Kind.PERSON}
    current = [m for m in memberships if m.left_on is None]
    for membership in current:
        membership.pending_transfer = leaving.get(membership.person_id)
    return {
        "current_members": current,
        "former_members": [m for m in memberships if m.left_on is not None],
        "statuses": list(household.year_statuses.order_by("-year")),
        "pending_transfer": next((t for t in pending if t.kind == Transfer.Kind.HOUSEHOLD), None),
    }


def current_housemate(person: Person, other_uuid) -> Membership | None:
    """The current membership of the person ``other_uuid`` in the household ``person`` lives in now
    (the new head named when the head dies, as the death form offers them), else None."""
    return (
        Membership.objects.filter(
            person__uuid=other_uuid, left_on__isnull=True, household__in=_current_households_of(Q(person=person))
        )
        .exclude(person=person)
        .select_related("person", "household")
        .first()
    )


def person_memberships_for_user(user, person: Person) -> QuerySet[Membership]:
    """A person's memberships (current and past) of households in the user's scope, oldest first,
    with their household and commune: where the person is visible from (``access_person_by_uuid``)."""
    households = scope_to_user(Household.objects.all(), user).values("pk")
    return (
        person.memberships.filter(household__in=households)
        .select_related("household__commune")
        .order_by(F("joined_on").asc(nulls_first=True), "id")
    )


def status_for_year(household_ids: list[int], year: int) -> dict[int, str]:
    return dict(
        HouseholdYearStatus.objects.filter(household_id__in=household_ids, year=year).values_list(
            "household_id", "status"
        )
    )


def residence_commune_id(person: Person) -> str | None:
    """The commune whose registry writes this person: the commune of their current household; for
    someone without one (died, or left before transfers were requests), the commune that now keeps
    the household they left last. None for a person who never belonged to a household."""
    return (
        Membership.objects.filter(person=person)
        .order_by(F("left_on").desc(nulls_first=True), "-id")
        .values_list("household__commune_id", flat=True)
        .first()
    )


IDENTITY_FIELDS = ("full_name", "date_of_birth", "sex", "national_id")


def transfer_identities(transfer: Transfer) -> list[dict]:
    """Who a transfer is about, as the receiving commune may see them: name, date of birth, sex
    and national ID, nothing else of the sending commune's registry. Read live while the request
    is pending (the household's current members, head first), then from the snapshot its decision
    kept (``Transfer.members``), so that neither side later reads the other's registry through it."""
    if not transfer.is_pending:
        return [{**member, "date_of_birth": date.fromisoformat(member["date_of_birth"])} for member in transfer.members]
    if transfer.kind == Transfer.Kind.PERSON:
        return list(Person.objects.filter(pk=transfer.person_id).values(*IDENTITY_FIELDS))
    members = (
        Membership.objects.filter(household_id=transfer.household_id, left_on__isnull=True)
        .order_by(Case(When(relationship="head", then=0), default=1), "id")
        .values_list(*(f"person__{name}" for name in IDENTITY_FIELDS))
    )
    return [dict(zip(IDENTITY_FIELDS, row, strict=True)) for row in members]


def transfers_for_user(user) -> QuerySet[Transfer]:
    """Transfers from or to the user's communes (either side sees the request)."""
    transfers = Transfer.objects.select_related("from_commune", "to_commune", "household", "person")
    if has_national_scope(user):
        return transfers
    codes = commune_codes_for_user(user)
    return transfers.filter(Q(from_commune__in=codes) | Q(to_commune__in=codes))


def arrivals_for_user(user) -> dict:
    """The registry's work list: transfers awaiting this commune's answer (``arriving``), its own
    requests awaiting another commune's (``departing``), the latest decided ones (``decided``),
    households that arrived before transfers were requests and still wait for a village, and
    possible duplicate persons."""
    pending = Transfer.objects.filter(status=Transfer.Status.PENDING).select_related(
        "from_commune", "to_commune", "household", "person"
    )
    arriving = scope_to_user(pending, user, commune_field="to_commune").order_by("moved_on", "id")
    departing = scope_to_user(pending, user, commune_field="from_commune").order_by("moved_on", "id")
    decided = transfers_for_user(user).exclude(status=Transfer.Status.PENDING).order_by("-decided_at", "-id")[:20]
    households = scope_to_user(Household.objects.filter(village__isnull=True, dissolved_on__isnull=True), user)
    duplicates = scope_to_user(
        DuplicateFlag.objects.filter(status=DuplicateFlag.Status.OPEN).select_related("person", "existing"), user
    ).annotate(existing_commune_id=_residence_commune_of("existing_id"))
    return {
        "arriving": arriving,
        "departing": departing,
        "decided": decided,
        "households": households,
        "duplicates": duplicates,
    }


def _residence_commune_of(person_field: str):
    """``residence_commune_id`` of the person in ``person_field``, as a subquery of the same query."""
    return Subquery(
        Membership.objects.filter(person_id=OuterRef(person_field))
        .order_by(F("left_on").desc(nulls_first=True), "-id")
        .values("household__commune_id")[:1]
    )


def duplicates_shown(user, duplicates) -> list[DuplicateFlag]:
    """The open duplicate flags of ``arrivals_for_user`` as the work list shows them: each with
    ``existing_in_scope``, whether the person already registered lives in one of the user's
    communes. When not, the page names nothing of them (their national ID, household or commune:
    issue 15 §3) and offers no merge, which that commune's registry would have to write."""
    flags = list(duplicates)
    for flag in flags:
        flag.existing_in_scope = in_scope(user, flag.existing_commune_id)
    return flags


def sender_history(transfer: Transfer, *, masked: bool = False) -> list[TimelineEntry]:
    """The events the sending commune recorded about the household of a transfer (its history,
    which it keeps after the household has moved away)."""
    if transfer.household_id is None:
        return []
    events = HouseholdEvent.objects.filter(household_id=transfer.household_id, commune_id=transfer.from_commune_id)
    if transfer.kind == Transfer.Kind.PERSON:
        events = events.filter(person_id=transfer.person_id)
    return [entry.for_reader(masked=masked) for entry in _timeline_entries(events)]


def household_registry_timeline(household_id: int) -> list[TimelineEntry]:
    return _timeline_entries(HouseholdEvent.objects.filter(household_id=household_id))


def _timeline_entries(events) -> list[TimelineEntry]:
    events = events.select_related("actor", "person", "commune")
    return [
        TimelineEntry(
            occurred_at=event.occurred_at,
            title=event.get_kind_display(),
            detail=_event_detail(event),
            masked_detail=_event_detail(event, masked=True),
            actor=event.actor.display_name if event.actor else "",
            source=event.commune.name,
            reason=event.reason,
        )
        for event in events
    ]


# Fields of a person whose values an edit event shows masked to a reader who may not see them.
_IDENTIFIER_FIELDS = frozenset({"national_id", "phone", "health_insurance_number"})
_HIDDEN_FIELDS = frozenset({"disability_level"})


def _change_text(model, field: str, old, new, *, masked: bool) -> str:
    """'Mức độ khuyết tật: Không → Nặng': the field's verbose name and the values' labels
    (``core.formatting.change_text``), identifiers masked and hidden fields hidden when ``masked``."""
    if masked and field in _IDENTIFIER_FIELDS:
        old, new = mask_value(str(old or "")), mask_value(str(new or ""))
        return f"{field_label(model, field)}: {old} → {new}"
    if masked and field in _HIDDEN_FIELDS:
        return f"{field_label(model, field)}: ••• → •••"
    return change_text(model, field, old, new)


def _event_detail(event: HouseholdEvent, *, masked: bool = False) -> str:
    """The event as one line; ``masked``: national IDs, phones and card numbers by their last digits,
    a disability level not at all (``privacy.visibility``)."""
    data = event.data or {}
    name = data.get("name", "")
    kind = HouseholdEvent.Kind
    if event.kind == kind.REGISTERED:
        return _("code %(code)s, %(members)s members") % data
    if event.kind == kind.MEMBER_ADDED and data.get("from_commune"):
        return f"{name} ← {data['from_commune']}"
    if event.kind in (kind.MEMBER_ADDED, kind.DEATH, kind.HEAD_CHANGED):
        return name + (
            f" ({field_value(Person, 'date_of_death', data['date_of_death'])})" if "date_of_death" in data else ""
        )
    if event.kind == kind.MEMBER_EDITED:
        changes = data.get("changes", {})
        text = f"{name}: " + ", ".join(
            _change_text(Person, field, old, new, masked=masked) for field, (old, new) in changes.items()
        )
        if data.get("requested_by"):  # a correction approved by the chair (services.person_birth_date_correct)
            text += " · " + _("requested by %(maker)s, approved by %(checker)s") % {
                "maker": data["requested_by"],
                "checker": data.get("approved_by", ""),
            }
        return text
    if event.kind == kind.HOUSEHOLD_EDITED:
        return ", ".join(
            _change_text(Household, field, old, new, masked=masked)
            for field, (old, new) in data.get("changes", {}).items()
        )
    if event.kind == kind.MEMBER_LEFT:
        return name + " → " + (data.get("to_household") or data.get("to_commune", ""))
    if event.kind == kind.MEMBER_JOINED:
        return name + " ← " + data.get("from_household", "")
    if event.kind == kind.SPLIT:
        other = data.get("new_household") or data.get("from_household", "")
        return f"{other}: " + ", ".join(data.get("members", []))
    if event.kind in (kind.TRANSFERRED_OUT, kind.TRANSFER_REQUESTED, kind.TRANSFER_REJECTED, kind.TRANSFER_CANCELLED):
        return (f"{name} " if name else "") + "→ " + data.get("to_commune", "")
    if event.kind == kind.TRANSFERRED_IN:
        return "← " + data.get("from_commune", "")
    if event.kind == kind.PERSONS_MERGED:
        if masked:
            data = {**data, "kept": mask_value(data.get("kept", "")), "removed": mask_value(data.get("removed", ""))}
        return _("%(name)s: kept %(kept)s, removed %(removed)s") % data
    if event.kind == kind.IMPORTED:
        return _("%(created)s new, %(updated)s updated members") % {
            "created": data.get("created", 0),
            "updated": data.get("updated", 0),
        }
    return ""


def registry_worklist(user) -> list:
    """Work-list items for the home page: transfers to answer (and households that arrived before
    transfers were requests, to place in a village), this commune's requests awaiting another
    commune, and possible duplicates to check."""
    from django.urls import reverse

    from core.worklists import WorkItem

    if not user.can_manage_registry:
        return []
    found = arrivals_for_user(user)
    counts = count_each(  # one query for the four counts
        arriving=found["arriving"], households=found["households"], departing=found["departing"],
        duplicates=found["duplicates"],
    )  # fmt: skip
    arriving = counts["arriving"] + counts["households"]
    departing, duplicates = counts["departing"], counts["duplicates"]
    url = reverse("households:arrivals")
    items = []
    if arriving:
        items.append(WorkItem(title=_("Arrivals from other communes to answer"), url=url, count=arriving))
    if departing:
        items.append(WorkItem(title=_("Transfers awaiting another commune"), url=url, count=departing))
    if duplicates:
        items.append(WorkItem(title=_("Possible duplicate persons to check"), url=url, count=duplicates))
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


# --- what the registration form suggests -------------------------------------------------------

_CODE_DIGITS = "[0-9]+$"
CODE_DIGITS_WHEN_NONE = 6


def commune_code_prefix(commune: Commune) -> str:
    """The default prefix of the commune's household codes, the initials of its name without its type
    ("Xã Tân Đông" -> "TD"): ``next_household_code`` starts there, and so do the synthetic households."""
    folded = fold_vietnamese(commune.name)
    for kind in ("phuong ", "xa ", "dac khu ", "thi tran "):
        if folded.startswith(kind):
            folded = folded[len(kind) :]
            break
    initials = "".join(word[0] for word in folded.split() if word).upper()
    return initials or commune.code


def next_household_code(commune: Commune, village=None) -> str:
    """The next free household code of ``commune`` in the pattern its codes follow: the prefix most
    of its codes share before their trailing digits (of ``village``'s households, when it has some:
    a commune may number each village apart), numbered one past the highest number with that prefix
    in the whole commune (codes are unique per commune), with as many digits as they have
    ("TD-004700" -> "TD-004701"). A commune without numbered codes starts at the demo's pattern,
    its initials and six digits ("TD-000001"). Free when read; ``services.household_register``
    refuses it if someone takes it first."""
    numbered = Household.objects.filter(commune=commune, code__regex=_CODE_DIGITS)
    pattern = None
    for scope in ([numbered.filter(village=village)] if village is not None else []) + [numbered]:
        pattern = (
            scope.annotate(prefix=_code_prefix())
            .values("prefix")
            .annotate(households=Count("pk"), latest=Max("pk"))
            .order_by("-households", "-latest")
            .values_list("prefix", flat=True)
            .first()
        )
        if pattern is not None:
            break
    if pattern is None:
        return f"{commune_code_prefix(commune)}-{1:0{CODE_DIGITS_WHEN_NONE}d}"
    same = numbered.annotate(prefix=_code_prefix()).filter(prefix=pattern)
    highest = same.aggregate(
        number=Max(Cast(_substring_digits(), output_field=DecimalField(max_digits=30, decimal_places=0))),
        width=Max(Length(_substring_digits())),
    )
    return f"{pattern}{int(highest['number']) + 1:0{highest['width']}d}"


def _code_prefix():
    return Func(F("code"), Value(_CODE_DIGITS), Value(""), function="regexp_replace", output_field=CharField())


def _substring_digits():
    return Func(F("code"), Value(_CODE_DIGITS), function="substring", template="substring(%(expressions)s)",
                arg_joiner=" FROM ", output_field=CharField())  # fmt: skip


def common_ethnicities(commune: Commune, *, limit: int = 5) -> list[str]:
    """The codes of the ethnic groups most of the commune's current residents belong to, most
    common first (the registration form offers these first and picks the first)."""
    return list(
        Person.objects.filter(
            memberships__household__commune=commune, memberships__left_on__isnull=True, date_of_death__isnull=True
        )
        .values("ethnicity")
        .annotate(people=Count("pk"))
        .order_by("-people", "ethnicity")
        .values_list("ethnicity", flat=True)[:limit]
    )
