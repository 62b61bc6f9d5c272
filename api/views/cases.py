"""Allowance cases: the list page's cases and filters, the case page's data with this month's amount
explained, and filing a case through the case form's service. Thin, as the pages: the doors of
``api.scoping``, the service's refusals as 400 problem details (``api.problems``), the access log."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scoping
from api.pagination import paginate
from api.serializers.cases import CaseFileSerializer, CaseRowSerializer, CaseSerializer, case_answer
from api.serializers.common import page_of
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, PAGINATION, ReadView
from beneficiaries import selectors, services
from beneficiaries.models import Case, PaymentMethod
from beneficiaries.services import PaymentDetails
from core.months import first_of_month
from households.selectors import count_up_to
from privacy.log import Purpose, query_filters, record_view

CASE_FILTERS = [
    OpenApiParameter("q", str, description="Name (diacritics optional) or a whole national ID."),
    OpenApiParameter("commune", str, description="A commune code of the caller's."),
    OpenApiParameter("status", str, enum=Case.Status.values),
    OpenApiParameter("clause", str, description="A clause of Decree 20 Art. 5 (`5.5`): its categories."),
    OpenApiParameter(
        "category", str, description="A category code (`5.5a`); the health-related ones only for the roles that see them."
    ),
    OpenApiParameter("month", str, description="`YYYY-MM`: the cases paid for that month (its categories then)."),
    OpenApiParameter("village", int, description="A village id of the caller's communes."),
    OpenApiParameter("payment_method", str, enum=PaymentMethod.values),
    OpenApiParameter("uninsured_on", OpenApiTypes.DATE, description="No valid health-insurance card that day."),
    OpenApiParameter("province", str, description="A province code: its communes of the caller's."),
]  # fmt: skip


def _form_errors(form) -> ValidationError:
    return ValidationError({field: [str(error) for error in errors] for field, errors in form.errors.items()})


@extend_schema(tags=["allowances"])
class CaseList(ReadView):
    """The case list page's cases (newest application first) and the case form (POST)."""

    scope_area = "allowances"

    @extend_schema(
        operation_id="cases_list",
        summary="The caller's allowance cases, filtered and searched as on the list page",
        parameters=[*CASE_FILTERS, *PAGINATION],
        responses={200: page_of(CaseRowSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request):
        actor = scoping.actor(request)
        form = scoping.case_filters(actor, request.query_params)
        if form.is_bound and not form.is_valid():
            raise _form_errors(form)
        filters = form.filters()
        cases = scoping.cases(actor, **filters)
        page = paginate(cases, request)
        for case in page.rows:
            case.category_codes = [row.category_id for row in case.current_categories]
        searched = bool(filters.get("search"))
        count = None
        if searched:
            count = len(page.rows) if page.first and page.next_url is None else count_up_to(cases)
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=[case.person_id for case in page.rows],
            count=count,
            filters=query_filters(request.query_params, ignore=("cursor", "limit")) if searched else None,
        )
        body = CaseRowSerializer(page.rows, many=True, context=scoping.visibility(actor)).data
        return Response(page.body(body))

    @extend_schema(
        operation_id="cases_create",
        summary="File an allowance case for a person of the caller's communes (it waits for verification)",
        request=CaseFileSerializer,
        responses={201: CaseSerializer, **INVALID, **ERRORS},
    )
    def post(self, request):
        """The case form's service (``services.case_apply``): its refusals are 400s naming the field,
        a person outside the caller's communes is a 400 on ``person`` as on the form."""
        actor = scoping.actor(request)
        if not actor.can_manage_registry:  # the form's door: only the registry's officers file cases
            raise PermissionDenied
        asked = CaseFileSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        residence = scoping.residence(actor, data["person"])
        if residence is None:
            raise ValidationError({"person": [_("no one with this id lives in your communes")]})
        case = services.case_apply(
            person=residence.person,
            commune=residence.household.commune,
            categories=services.category_choices(data["categories"], data.get("dependent_children") or 0),
            applied_on=data["applied_on"],
            payment=PaymentDetails(
                method=data["payment_method"],
                bank_bin=data["bank_bin"].strip(),
                account_number=data["account_number"].replace(" ", ""),
                account_name=data["account_name"],
            ),
            acting_user=actor,
        )
        response = _case_response(request, actor, scoping.case(actor, case.uuid), code=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api:case_detail", args=[case.uuid]))
        return response


def _case_response(request, actor, case: Case, *, code: int = 200) -> Response:
    month = first_of_month(timezone.localdate())
    case_answer(case, selectors.case_page(case, month), month)
    record_view(request, purpose=Purpose.API, person_ids=[case.person_id], commune_ids=[case.commune_id])
    return Response(CaseSerializer(case, context=scoping.visibility(actor)).data, status=code)


@extend_schema(tags=["allowances"])
class CaseDetail(ReadView):
    """The case page's data: the person (masked as on the page), categories, decision, payment and
    what this month is owed, explained month by month."""

    scope_area = "allowances"

    @extend_schema(
        operation_id="cases_retrieve",
        summary="An allowance case with this month's amount and its breakdown",
        responses={200: CaseSerializer, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, case_uuid):
        actor = scoping.actor(request)
        return _case_response(request, actor, scoping.case(actor, case_uuid))
