"""The list of poor and near-poor households in force in a year in one of the caller's communes."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scoping
from api.pagination import paginate
from api.serializers.common import page_of
from api.serializers.poverty import PovertyListRowSerializer
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, PAGINATION, ReadView
from povertyreview.selectors import LISTED, poverty_list
from privacy.log import Purpose, record_view

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years the review pages accept


def _year(raw: str) -> int:
    if raw == "":
        return timezone.localdate().year
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        raise ValidationError({"year": [f"A year from {FIRST_YEAR} to {LAST_YEAR}."]})
    return int(raw)


@extend_schema(tags=["poverty"])
class PovertyList(ReadView):
    """The households on the commune's list in force in a year (``povertyreview.selectors.poverty_list``:
    each household's latest status of that year or before), by code, each with the decision that
    recognised its list when a review of the product made it."""

    scope_area = "registry"

    @extend_schema(
        operation_id="poverty_list",
        summary="The poor and near-poor households of a commune on the list in force in a year",
        parameters=[
            OpenApiParameter("year", int, description="The year the list is in force (this year by default)."),
            OpenApiParameter("status", str, enum=list(LISTED), description="Only the poor or only the near-poor."),
            *PAGINATION,
        ],
        responses={200: page_of(PovertyListRowSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, code):
        commune = scoping.commune(scoping.actor(request), code)
        year = _year(request.query_params.get("year", ""))
        status = request.query_params.get("status", "")
        if status not in ("", *LISTED):
            raise ValidationError({"status": [f"One of: {', '.join(LISTED)}."]})
        page = paginate(poverty_list(commune, year, status=status), request)
        for household in page.rows:
            household.list_decision = household if household.decision_number else None
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=[household.head_id for household in page.rows],
            commune_ids=[commune.code],
        )
        return Response(page.body(PovertyListRowSerializer(page.rows, many=True).data))
