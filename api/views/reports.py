"""The dashboards' figures of a month, as numbers: a commune's (computed on the spot, as its dashboard)
and a province's (the caller's communes of it, from the same cached snapshot as its dashboard).
The doors are the dashboards' (``reports.access``): a commune out of scope is 404; a province out of
scope is 404, and in scope for another role than a provincial viewer or an administrator 403.
No person is named, so nothing is written to the access log."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scoping
from api.serializers.reports import CommuneReportSerializer, ProvinceReportSerializer
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, ReadView
from reports import figures
from reports.snapshots import province_figures

# The months the dashboards show (``reports.views_dashboards``).
YEARS = (2000, 2100)
PERIOD = [
    OpenApiParameter("code", str, OpenApiParameter.PATH),
    OpenApiParameter(
        "year", {"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]}, OpenApiParameter.PATH,
        description="Another year: 400.",
    ),
    OpenApiParameter(
        "month", {"type": "integer", "minimum": 1, "maximum": 12}, OpenApiParameter.PATH, description="Another: 400."
    ),
]  # fmt: skip


def _period(year: int, month: int) -> tuple[int, int]:
    errors = {}
    if not YEARS[0] <= year <= YEARS[1]:
        errors["year"] = [f"A year from {YEARS[0]} to {YEARS[1]}."]
    if not 1 <= month <= 12:
        errors["month"] = ["A month from 1 to 12."]
    if errors:
        raise ValidationError(errors)
    return year, month


@extend_schema(tags=["reports"])
class CommuneReport(ReadView):
    """A commune's dashboard figures of a month: every caller whose scope holds the commune."""

    scope_area = "reports"

    @extend_schema(
        operation_id="reports_commune_retrieve",
        summary="The figures of a commune's dashboard for a month",
        parameters=PERIOD,
        responses={200: CommuneReportSerializer, **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, code, year, month):
        commune = scoping.commune_report(scoping.actor(request), code)
        year, month = _period(year, month)
        dashboard = figures.dashboard([commune.code], year=year, month=month, names={commune.code: commune.name})
        dashboard.commune = commune
        return Response(CommuneReportSerializer(dashboard).data)


@extend_schema(tags=["reports"])
class ProvinceReport(ReadView):
    """A province's dashboard figures of a month: the sums of the caller's communes of it, and each one's."""

    scope_area = "reports"

    @extend_schema(
        operation_id="reports_province_retrieve",
        summary="The figures of a province's dashboard for a month",
        parameters=PERIOD,
        responses={200: ProvinceReportSerializer, **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, code, year, month):
        province, communes = scoping.province_report(scoping.actor(request), code)
        year, month = _period(year, month)
        dashboard = province_figures(communes, year=year, month=month)
        return Response(
            ProvinceReportSerializer(
                {
                    "province": province,
                    "month": dashboard.period.month,
                    "period": dashboard.period,
                    "computed_at": dashboard.computed_at,
                    "total": dashboard.total,
                    "poverty_years": dashboard.poverty_years,
                    "payment_months": dashboard.payment_months,
                    "communes": dashboard.communes,
                }
            ).data
        )
