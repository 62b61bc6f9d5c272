"""The API's read endpoints: thin, as the pages' views. Each one asks ``api.scoping`` for the actor's
objects (the pages' selectors and access doors), serializes them with the pages' masking, records the
read of personal data in the access log as the page does (purpose "api", the door's URL name), and
answers with an ETag (``api.conditional``).

The writes (register a household, add a member, record a death) are the pages' too: the same doors,
the same services with their refusals (by field, named as the body names them) and their events, and
the answer shows what the page would show next (logged as a read). The input is checked for its shape
first (``api.serializers.registry_writes``); a retry with an ``Idempotency-Key`` is answered, not done
again (``api.views.base.ApiView``)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scoping
from api.pagination import paginate
from api.problems import fields_named
from api.serializers.common import page_of
from api.serializers.households import (
    HouseholdRowSerializer,
    HouseholdSerializer,
    MemberSerializer,
    PersonDetailSerializer,
)
from api.serializers.registry_writes import DeathInput, HouseholdRegisterInput, MemberAddInput, PersonInput
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, PAGINATION, ApiView, ReadView
from households import services
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


LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201], description="The URL of what was made."
)


@extend_schema(tags=["households"])
class HouseholdList(ReadView):
    """The list page's households: current ones of the caller's communes, its filters and its search;
    POST registers one as the registration page does."""

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

    @extend_schema(
        operation_id="households_create",
        summary="Register a household with its head and members, as the registration page",
        request=HouseholdRegisterInput,
        parameters=[LOCATION],
        responses={201: HouseholdSerializer, **INVALID, **ERRORS},
    )
    def post(self, request):
        actor = scoping.actor(request)
        data = _valid(HouseholdRegisterInput, request)
        commune = scoping.commune(actor, data["commune"])
        village = scoping.village(commune, data["village"])
        if village is None:
            raise ValidationError({"village": [_("is not in this commune")]})
        with fields_named(_register_field):
            household = services.household_register(
                commune=commune,
                village=village,
                code=data["code"],
                address=data["address"],
                area=data["area"],
                housing_area_m2=data["housing_area_m2"],
                head=PersonInput.person_data(data["head"]),
                members=[(PersonInput.person_data(member), member["relationship"]) for member in data["members"]],
                acting_user=actor,
            )
        url = reverse("api:household_detail", kwargs={"household_uuid": household.uuid})
        body = _household_answer(request, actor, household)
        return Response(body, status=201, headers={"Location": request.build_absolute_uri(url)})


def _valid(serializer_class, request) -> dict:
    """The body checked for its shape (400 naming the field), before any door or service."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _register_field(name: str) -> str:
    """The registration service names the head's fields bare and the members' ``members[i].field``
    (i = 1 for the first member, after the head); the body names them ``head.field``, ``members.0.field``."""
    if name.startswith("members[") and "]." in name:
        index, field = name.removeprefix("members[").split("].", 1)
        return f"members.{int(index) - 1}.{field}"
    return f"head.{name}" if name in services.PERSON_FIELDS else name


def _household_answer(request, actor, household) -> dict:
    """The household page's data, masked for the actor; the read recorded as the page records it."""
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
    return HouseholdSerializer(household, context=scoping.visibility(actor)).data


def _person_answer(request, actor, person) -> dict:
    """A person with their households of the actor's communes; the read recorded."""
    person.households = list(person_memberships_for_user(actor, person))
    record_view(
        request,
        purpose=Purpose.API,
        person_ids=[person.pk],
        commune_ids=[membership.household.commune_id for membership in person.households],
    )
    return PersonDetailSerializer(person, context=scoping.visibility(actor)).data


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
        return Response(_household_answer(request, actor, household))


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
        return Response(_person_answer(request, actor, person))


@extend_schema(tags=["households"])
class HouseholdMembers(ApiView):
    """The household page's "add a member": a new person, or one whose transfer here is pending."""

    scope_area = "registry"

    @extend_schema(
        operation_id="households_members_create",
        summary="Add a member to a household, as the household page",
        request=MemberAddInput,
        parameters=[LOCATION],
        responses={201: MemberSerializer, **INVALID, **ERRORS},
    )
    def post(self, request, household_uuid):
        actor = scoping.actor(request)
        household = scoping.household(actor, household_uuid, for_edit=True)
        data = _valid(MemberAddInput, request)
        membership = services.member_add(
            household=household,
            data=PersonInput.person_data(data),
            relationship=data["relationship"],
            joined_on=data["joined_on"],
            acting_user=actor,
        )
        record_view(request, purpose=Purpose.API, person_ids=[membership.person_id], commune_ids=[household.commune_id])
        url = reverse("api:person_detail", kwargs={"person_uuid": membership.person.uuid})
        body = MemberSerializer(membership, context=scoping.visibility(actor)).data
        return Response(body, status=201, headers={"Location": request.build_absolute_uri(url)})


@extend_schema(tags=["persons"])
class PersonDeath(ApiView):
    """A member row's "record a death": the person leaves their household that day (a head names the
    new head), and what the service ends with it (a pending transfer, an emptied household) ends."""

    scope_area = "registry"

    @extend_schema(
        operation_id="persons_death_create",
        summary="Record a person's death, as the household page",
        request=DeathInput,
        responses={200: PersonDetailSerializer, **INVALID, **ERRORS},
    )
    def post(self, request, person_uuid):
        actor = scoping.actor(request)
        person = scoping.person(actor, person_uuid, for_edit=True)
        data = _valid(DeathInput, request)
        new_head = None
        if data["new_head"] is not None:
            new_head = scoping.housemate(person, data["new_head"])
            if new_head is None:
                raise ValidationError({"new_head": [_("is not a current member of this household")]})
        services.person_record_death(
            person=person,
            date_of_death=data["date_of_death"],
            new_head=new_head,
            reason=data["reason"],
            acting_user=actor,
        )
        return Response(_person_answer(request, actor, person))
