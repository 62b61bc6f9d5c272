"""The API's read endpoints: thin, as the pages' views. Each one asks ``api.scoping`` for the actor's
objects (the pages' selectors and access doors), serializes them with the pages' masking, records the
read of personal data in the access log as the page does (purpose "api", the door's URL name), and
answers with an ETag (``api.conditional``)."""

from csp.decorators import csp_update
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import scoping
from api.conditional import conditional
from api.pagination import paginate
from api.serializers import (
    CommuneSerializer,
    HouseholdRowSerializer,
    HouseholdSerializer,
    PersonDetailSerializer,
    Problem,
    VillageSerializer,
    page_of,
)
from households.selectors import (
    RANK_EXACT_MEMBER,
    count_up_to,
    household_page_data,
    person_memberships_for_user,
    status_for_year,
)
from privacy.log import Purpose, query_filters, record_view

PAGINATION = [
    OpenApiParameter("cursor", str, description="The `next` URL's cursor (opaque)."),
    OpenApiParameter("limit", int, description="Rows a page, 1 to 200 (50)."),
]
PROBLEM_JSON = "application/problem+json"
ERRORS = {(status, PROBLEM_JSON): Problem for status in (401, 403, 404)}
INVALID = {(400, PROBLEM_JSON): Problem}
NOT_MODIFIED = {304: None}


class ReadView(APIView):
    """A read of the actor's data: every 200 carries an ETag, and If-None-Match answers 304."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return conditional(request, response)


@extend_schema(tags=["admin units"])
class CommuneList(ReadView):
    """The communes of the caller's scope (an administrator: every commune), by province and name."""

    @extend_schema(
        operation_id="communes_list",
        summary="The caller's communes",
        parameters=PAGINATION,
        responses={200: page_of(CommuneSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request):
        page = paginate(scoping.communes(scoping.actor(request)), request)
        return Response(page.body(CommuneSerializer(page.rows, many=True).data))


@extend_schema(tags=["admin units"])
class VillageList(ReadView):
    """The villages of a commune of the caller's, by name; another commune's answers 404."""

    @extend_schema(
        operation_id="villages_list",
        summary="The villages of one of the caller's communes",
        parameters=PAGINATION,
        responses={200: page_of(VillageSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, code):
        commune = scoping.commune(scoping.actor(request), code)
        page = paginate(scoping.villages(commune), request)
        return Response(page.body(VillageSerializer(page.rows, many=True).data))


HOUSEHOLD_FILTERS = [
    OpenApiParameter("q", str, description="Name (diacritics optional), whole national ID or phone, or household code."),
    OpenApiParameter("commune", str, description="A commune code of the caller's."),
    OpenApiParameter("village", str, description="A village id of those communes, or `none`: waiting for a village."),
    OpenApiParameter("year", int, description="The year of `status`, `change` and the rows' `year_status`."),
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


# The schema and its two readers describe the API, not anyone's data: open to every caller, so an
# integrator reads them before holding credentials. Both pages load only our own static files (the
# sidecar's Swagger UI and Redoc) and no inline script. Their scripts style the page by injecting
# <style> elements (and Redoc searches in a worker it builds from a blob): the CSP allows that on these
# two pages only, which show the schema and no personal data; scripts stay 'self'.
DOCS_CSP = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})


class Schema(SpectacularAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]


@method_decorator(DOCS_CSP, name="dispatch")
class SwaggerUI(SpectacularSwaggerSplitView):
    authentication_classes = []
    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


@method_decorator(DOCS_CSP, name="dispatch")
class Redoc(SpectacularRedocView):
    authentication_classes = []
    permission_classes = [AllowAny]
    template_name = "api/redoc.html"
    url_name = "api:schema"
