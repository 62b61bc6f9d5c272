"""Payment runs: the run list, a run and its lines, read through the run pages' selectors and door
(``disbursements.access.access_run``: out of scope is 404), and the payer's report posted as JSON,
applied by the same all-or-nothing reconciliation as the CSV report of the upload page and of
``manage.py disbursement reconcile`` (``disbursements.services.run_reconcile``).

Its refusals are the service's: a bad line is a 400 naming ``lines.<index>.<column>`` (the service
numbers the report's lines as a CSV file's, the header being line 1: line ``n`` is ``lines[n - 2]``),
a run that is not waiting for the payer's report is 409, another role than the commune's officer 403.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scoping
from api.pagination import paginate
from api.problems import Conflict, rows_refused
from api.serializers.common import Problem, page_of
from api.serializers.runs import (
    MONTH_PATTERN,
    PayerReportBody,
    ReconcileResult,
    RunLineSerializer,
    RunRowSerializer,
    RunSerializer,
)
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, PAGINATION, PROBLEM_JSON, ApiView, ReadView
from beneficiaries.models import PaymentMethod
from disbursements import selectors, services
from disbursements.importing import row_errors
from disbursements.models import Run
from privacy.log import Purpose, record_view

# The CSV report's first data line is line 2 (the header is line 1): the service's numbering.
FIRST_LINE = 2
CONFLICT = {(409, PROBLEM_JSON): Problem}
UNSUPPORTED = {(415, PROBLEM_JSON): Problem}  # a body that is not JSON

RUN_FILTERS = [
    OpenApiParameter("commune", str, description="A commune code of the caller's (another's: 404, as a missing one)."),
    OpenApiParameter(
        "month",
        {"type": "string", "pattern": f"^$|{MONTH_PATTERN}"},  # empty: absent
        description='A month, "YYYY-MM", 2000 to 2100 (every month when absent).',
    ),
    OpenApiParameter(
        "status", str, many=True, enum=Run.Status.values, description="One or more statuses (repeat the parameter)."
    ),
]
LINE_FILTERS = [
    OpenApiParameter("payment_method", str, enum=PaymentMethod.values),
    OpenApiParameter(
        "flag", str, enum=[selectors.FLAG_FAILED_BEFORE, selectors.FLAG_ARREARS],
        description="The lines flagged for the approving chair: months reported failed before, or long arrears.",
    ),
]  # fmt: skip


def _month(value: str) -> date:
    if not re.fullmatch(MONTH_PATTERN, value):
        raise ValidationError({"month": ['A month "YYYY-MM" from 2000 to 2100.']})
    return date(int(value[:4]), int(value[5:]), 1)


def _run_filters(actor, query) -> dict:
    """The list's filters, each refused by name (400) when it is not one the caller may use."""
    filters = {}
    code = query.get("commune", "")
    if code:  # another's commune is 404 as a missing one, as its page
        filters["commune"] = scoping.commune(actor, code)
    if query.get("month", ""):
        filters["month"] = _month(query["month"])
    statuses = query.getlist("status")
    unknown = [status for status in statuses if status not in Run.Status.values]
    if unknown:
        raise ValidationError({"status": [f"Not a status of runs: {', '.join(unknown)}."]})
    filters["statuses"] = statuses
    return filters


@extend_schema(tags=["payments"])
class RunList(ReadView):
    """The run list page's runs of the caller's communes: every month unless one is asked for."""

    scope_area = "payments"

    @extend_schema(
        operation_id="runs_list",
        summary="The caller's payment runs, newest month first",
        parameters=[*RUN_FILTERS, *PAGINATION],
        responses={200: page_of(RunRowSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request):
        actor = scoping.actor(request)
        page = paginate(scoping.runs(actor, **_run_filters(actor, request.query_params)), request)
        return Response(page.body(RunRowSerializer(page.rows, many=True).data))


def _reconciliation(run: Run, totals: selectors.RunTotals) -> dict:
    """The run page's count of what the payer's reports settled, and the reports themselves."""
    return {
        "reported": totals.reported,
        "pending": totals.pending,
        "paid": {"people": totals.paid, "amount": totals.paid_total},
        "failed": {"people": totals.failed, "amount": totals.failed_total},
        "reconciled_at": run.reconciled_at,
        "reports": selectors.run_reports(run),
    }


@extend_schema(tags=["payments"])
class RunDetail(ReadView):
    """The run page's figures: status, who acted, totals and reconciliation (no person: see its lines)."""

    scope_area = "payments"

    @extend_schema(
        operation_id="runs_retrieve",
        summary="A payment run with its totals and reconciliation",
        responses={200: RunSerializer, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, run_id):
        actor = scoping.actor(request)
        run = scoping.run(actor, run_id)
        run.totals = selectors.run_totals(run)
        run.reconciliation = _reconciliation(run, run.totals)
        return Response(RunSerializer(run, context=scoping.visibility(actor)).data)


@extend_schema(tags=["payments"])
class RunLineList(ReadView):
    """The run page's lines, by name; identifiers, accounts and health categories masked as there."""

    scope_area = "payments"

    @extend_schema(
        operation_id="runs_lines_list",
        summary="The lines of a payment run",
        parameters=[*LINE_FILTERS, *PAGINATION],
        responses={200: page_of(RunLineSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, run_id):
        actor = scoping.actor(request)
        run = scoping.run(actor, run_id)
        query = request.query_params
        method, flag = query.get("payment_method", ""), query.get("flag", "")
        if method and method not in PaymentMethod.values:
            raise ValidationError({"payment_method": [f"One of {', '.join(PaymentMethod.values)}."]})
        if flag and flag not in (selectors.FLAG_FAILED_BEFORE, selectors.FLAG_ARREARS):
            raise ValidationError({"flag": [f"One of {selectors.FLAG_FAILED_BEFORE}, {selectors.FLAG_ARREARS}."]})
        page = paginate(scoping.lines(run, payment_method=method, flag=flag), request)
        # As the run page records its table: the persons the lines name, in the run's commune.
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=[line.case.person_id for line in page.rows],
            commune_ids=[run.commune_id],
        )
        return Response(page.body(RunLineSerializer(page.rows, many=True, context=scoping.visibility(actor)).data))


@extend_schema(tags=["payments"])
class RunReport(ApiView):
    """The payer's report for a run (§4.3), all or nothing, as the upload page applies a CSV report."""

    scope_area = "payments"
    write_scope = "payments:report"

    @extend_schema(
        operation_id="runs_report_create",
        summary="Post the payer's report of some or all of a run's lines",
        description=(
            "Each line names a line of the run by its reference, paid (with the day) or failed (with the payer's "
            "reason); a report may cover part of the run, and the run is reconciled once every line is reported. "
            "A reported status is final. A bad line refuses the whole report (400, each error naming "
            "`lines.<index>.<column>`), nothing written; a run not sent to the payer (or already reconciled) is 409."
        ),
        request=PayerReportBody,
        responses={200: ReconcileResult, **INVALID, **ERRORS, **CONFLICT, **UNSUPPORTED},
    )
    def post(self, request, run_id):
        actor = scoping.actor(request)
        run = scoping.run(actor, run_id, for_edit=True)
        body = PayerReportBody(data=request.data)
        body.is_valid(raise_exception=True)
        rows = [
            {
                "reference": line["reference"],
                "status": line["status"],
                "paid_on": line["paid_on"].isoformat() if line.get("paid_on") else "",
                "note": line.get("note") or "",
                "amount": "" if line.get("amount") is None else str(line["amount"]),
            }
            for line in body.validated_data["lines"]
        ]
        try:
            counts = services.run_reconcile(run=run, rows=rows, acting_user=actor)
        except DjangoValidationError as refusal:
            if hasattr(refusal, "error_dict") and "status" in refusal.error_dict:  # the run's status: WORKFLOW
                raise Conflict(" ".join(refusal.message_dict["status"])) from refusal
            raise rows_refused(
                [
                    (error.row - FIRST_LINE if error.row >= FIRST_LINE else None, error.column, error.message)
                    for error in row_errors(refusal)
                ],
                "lines",
            ) from refusal
        run.refresh_from_db()
        totals = selectors.run_totals(run)
        result = {**counts, "run": run, "reconciliation": _reconciliation(run, totals)}
        return Response(ReconcileResult(result).data)
