"""The API's read endpoints: thin, as the pages' views. Each one asks ``api.scoping`` for the actor's
objects (the pages' selectors and access doors), serializes them with the pages' masking, records the
read of personal data in the access log as the page does (purpose "api", the door's URL name), and
answers with an ETag (``api.conditional``)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scoping
from api.pagination import paginate
from api.serializers.common import page_of
from api.serializers.households import HouseholdRowSerializer, HouseholdSerializer, PersonDetailSerializer
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, PAGINATION, ReadView
from households.selectors import (
    RANK_EXACT_MEMBER,
    count_up_to,
    household_page_data,
    person_memberships_for_user,
    status_for_year,
)
from privacy.log import Purpose, query_filters, record_view

HOUSEHOLD_FILTERS = [
    OpenApiParameter("q", str, description="Name (diacritics optional), whole national ID or phone, or household code."),
    OpenApiParameter("commune", str, description="A commune code of the caller's."),
    OpenApiParameter("village", str, description="A village id of those communes, or `none`: waiting for a village."),
    OpenApiParameter(
        "year", {"type": "integer", "minimum": 2000, "maximum": 2100},
        description="The year of `status`, `change` and the rows' `year_status`.",
    ),
    OpenApiParameter("status", str, enum=["poor", "near_poor", "listed", "middle_income", "none"]),
    OpenApiParameter(
        "change", str, enum=["escaped_poverty", "escaped_near_poverty", "new_listed", "fell_back"],
        description="A change of the list of `year` against the year before.",
    ),
    OpenApiParameter("disability", str, enum=["yes"], description="Households with a member with a disability."),
    OpenApiParameter(
        "uninsured_on", OpenApiTypes.DATE,
        description="Households with a member living that day without a valid health-insurance card.",
    ),
    OpenApiParameter("province", str, description="A province code: its communes of the caller's."),
]  # fmt: skip


@extend_schema(tags=["households"])
class HouseholdList(ReadView):
    """The list page's households: current ones of the caller's communes, its filters and its search."""

    scope_area = "registry"

    @extend_schema(
        operation_id="households_list",
        summary="The caller's households, filtered and searched as on the list page",
        parameters=[*HOUSEHOLD_FILTERS, *PAGINATION],
        responses={200: page_of(HouseholdRowSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request):
        actor = scoping.actor(request)
        form = scoping.household_filters(actor, request.query_params)
        if form.is_bound and not form.is_valid():
            raise ValidationError({field: [str(error) for error in errors] for field, errors in form.errors.items()})
        filters = form.filters()
        households = scoping.households(actor, **filters)
        page = paginate(households, request)
        year = filters.get("year") or timezone.localdate().year - 1
        statuses = status_for_year([household.pk for household in page.rows], year)
        for household in page.rows:
            household.year_status = {"year": year, "status": statuses.get(household.pk)}
            household.matched_member = _matched(household)
        searched = bool(filters.get("search"))
        count = None
        if searched:
            count = len(page.rows) if page.first and page.next_url is None else count_up_to(households)
        shown = [household.head_id for household in page.rows]
        shown += [household.matched_member["person_id"] for household in page.rows if household.matched_member]
        # As the list page records it: the persons named on the page; a search with its query and count.
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=shown,
            count=count,
            filters=query_filters(request.query_params, ignore=("cursor", "limit")) if searched else None,
        )
        return Response(page.body(HouseholdRowSerializer(page.rows, many=True).data))


def _matched(household) -> dict | None:
    """The member a name search found when it was not the head, as the list page shows it."""
    member = getattr(household, "matched_member", None)
    if not member or household.search_rank < RANK_EXACT_MEMBER:
        return None
    return {
        "person_id": member["person_id"],
        "full_name": member["name"],
        "relationship": member["relationship"],
        "birth_year": member["born"],
    }


@extend_schema(tags=["households"])
class HouseholdDetail(ReadView):
    """The household page's data; identifiers masked for the roles the pages mask them for."""

    scope_area = "registry"

    @extend_schema(
        operation_id="households_retrieve",
        summary="A household with its members (current and former) and its statuses by year",
        responses={200: HouseholdSerializer, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, household_uuid):
        actor = scoping.actor(request)
        household = scoping.household(actor, household_uuid)
        data = household_page_data(household)
        household.current_members = data["current_members"]
        household.former_members = data["former_members"]
        household.statuses = data["statuses"]
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=[m.person_id for m in (*data["current_members"], *data["former_members"])],
            commune_ids=[household.commune_id],
        )
        return Response(HouseholdSerializer(household, context=scoping.visibility(actor)).data)


@extend_schema(tags=["persons"])
class PersonDetail(ReadView):
    """A person seen through their households of the caller's communes (current or past)."""

    scope_area = "registry"

    @extend_schema(
        operation_id="persons_retrieve",
        summary="A person of a household (current or past) of the caller's communes",
        responses={200: PersonDetailSerializer, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, person_uuid):
        actor = scoping.actor(request)
        person = scoping.person(actor, person_uuid)
        person.households = list(person_memberships_for_user(actor, person))
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=[person.pk],
            commune_ids=[membership.household.commune_id for membership in person.households],
        )
        return Response(PersonDetailSerializer(person, context=scoping.visibility(actor)).data)
