"""Pages of the official tables and their exports. Thin: ``tables.table_scope`` is the door (404 for
a commune or province out of the user's scope), ``tables.build_table`` computes, ``exports`` draws the
files and keeps the export jobs.

- ``/reports/tables/``: the three tables;
- ``/reports/tables/<table>/?scope=commune:25522&year=2024``: a table as a page, with its downloads;
- ``POST /reports/tables/export/``: a PDF or XLSX, at once when small, else an export job;
- ``/reports/exports/``: the user's export jobs (htmx follows the unfinished ones), and each job's
  download, for its owner only.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.formatting import month
from core.forms import month_field, plain_bootstrap
from geography.scoping import communes_for_user, has_national_scope, provinces_for_user
from reports import exports
from reports.access import may_see_provinces
from reports.models import ExportJob, FileFormat, OfficialTable
from reports.tables import (
    MAX_PAYMENT_MONTHS,
    Kind,
    NotRecognised,
    Table,
    build_table,
    parse_parameters,
    poverty_period,
    poverty_title,
    table_scope,
)

POLL_SECONDS = 2
# A select of every commune in scope is offered up to this many (a province has at most ~170).
COMMUNES_LISTED = 400
PERIOD_FIELDS = {
    OfficialTable.POVERTY: ("year",),
    OfficialTable.ALLOWANCES: ("year", "half"),
    OfficialTable.PAYMENTS: ("month_from", "month_to"),
}
URL_NAMES = {
    OfficialTable.POVERTY: "reports:table_poverty",
    OfficialTable.ALLOWANCES: "reports:table_allowances",
    OfficialTable.PAYMENTS: "reports:table_payments",
}
DESCRIPTIONS = {
    OfficialTable.POVERTY: gettext_lazy(
        "Households, poor and near-poor households and their rates, households leaving and coming onto the "
        "list, by village (by commune for a province), from the year's poverty review."
    ),
    OfficialTable.ALLOWANCES: gettext_lazy(
        "Beneficiaries and amounts paid by category and month over a half-year: the content of the "
        "half-yearly report of Decree 20/2021."
    ),
    OfficialTable.PAYMENTS: gettext_lazy("Payments and amounts by payment method and by bank, for a month or a range."),
}


class TableForm(forms.Form):
    """Which scope and period: shape only; ``tables.parse_parameters`` and ``table_scope`` decide."""

    scope = forms.ChoiceField(label=gettext_lazy("Commune or province"))
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    half = forms.TypedChoiceField(
        label=gettext_lazy("Half-year"),
        coerce=int,
        choices=[(1, gettext_lazy("January – June")), (2, gettext_lazy("July – December"))],
    )
    month_from = month_field(gettext_lazy("From month"))
    month_to = month_field(gettext_lazy("To month"))

    def __init__(self, *args, table: str, scope_choices: list, **kwargs):
        super().__init__(*args, **kwargs)
        for name in [name for name in self.fields if name != "scope" and name not in PERIOD_FIELDS[table]]:
            del self.fields[name]
        self.fields["scope"].choices = scope_choices
        if "year" in self.fields:
            this_year = timezone.localdate().year
            self.fields["year"].choices = [(year, year) for year in range(this_year, 2019, -1)]
        plain_bootstrap(self)


def _scope_arguments(data) -> dict:
    """``scope=commune:25522`` (the form) or ``commune=25522`` / ``province=80`` (links)."""
    kind, _sep, code = (data.get("scope") or "").partition(":")
    if kind in ("commune", "province") and code:
        return {kind: code}
    return {key: data[key] for key in ("commune", "province") if data.get(key)}


def _scope_choices(user, scope) -> list[tuple[str, str]]:
    """For a provincial viewer or an administrator, each province in scope as a whole, then its
    communes in scope (for a national scope only the chosen commune: 3,321 communes are not a list to
    choose from); for a commune's staff, their communes."""
    communes = communes_for_user(user).order_by("province_id", "name")
    if not may_see_provinces(user):
        return [(f"commune:{code}", name) for code, name in communes.values_list("code", "name")]
    listed = (
        [] if has_national_scope(user) else list(communes.values_list("code", "name", "province_id")[:COMMUNES_LISTED])
    )
    if scope.commune and not any(code == scope.commune.code for code, _name, _province in listed):
        listed.append((scope.commune.code, scope.commune.name, scope.province.code))
    choices = []
    for province in provinces_for_user(user).order_by("code"):
        choices.append((f"province:{province.code}", _("%(province)s (whole)") % {"province": province.name}))
        choices.extend((f"commune:{code}", name) for code, name, province_id in listed if province_id == province.code)
    return choices


def page_rows(table: Table) -> list[dict]:
    return [
        {
            "level": row.level,
            "cells": [
                {
                    "text": exports.number_page(cell["value"], cell["kind"]),
                    "link": cell["link"],
                    "number": cell["kind"] != Kind.TEXT,
                }
                for cell in row.cells(table.columns)
            ],
        }
        for row in [*table.rows, table.total]
    ]


@login_required
@require_GET
def tables_index(request):
    query = urlencode(_scope_arguments(request.GET))
    tables = [
        {
            "key": key,
            "label": label,
            "description": DESCRIPTIONS[key],
            "url": reverse(URL_NAMES[key]) + (f"?{query}" if query else ""),
        }
        for key, label in OfficialTable.choices
    ]
    return render(request, "reports/table_index.html", {"tables": tables})


@login_required
@require_GET
def table_page(request, table: str):
    scope = table_scope(request.user, **_scope_arguments(request.GET))
    errors = []
    try:
        parameters = parse_parameters(table, request.GET, scope=scope)
    except ValidationError as error:
        errors = error.messages
        parameters = parse_parameters(table, {}, scope=scope)
    warnings = []
    try:
        built = build_table(table, scope, parameters)
    except NotRecognised as refused:  # a year whose review the chair has not recognised: no table of zeros
        built, warnings = None, refused.messages
    initial = {"scope": f"{'commune' if scope.commune else 'province'}:{scope.code}", **parameters}
    form = TableForm(initial=initial, table=table, scope_choices=_scope_choices(request.user, scope))
    context = {
        "table": built,
        "title": built.title if built else poverty_title(parameters["year"]),
        "period": built.period if built else poverty_period(parameters["year"]),
        "scope_label": scope.label(),
        "warnings": warnings or (built.warnings if built else []),
        "form": form,
        "errors": errors,
        "header_rows": built.header_rows(vietnamese=False) if built else [],
        "rows": page_rows(built) if built else [],
        "export_fields": {**scope.query, **parameters, "table": table},
        "formats": FileFormat.choices,
        "max_months": MAX_PAYMENT_MONTHS,
        "direct_max_rows": exports.number_page(exports.DIRECT_MAX_SOURCE_ROWS, Kind.COUNT),
        "other_tables": [
            (label, reverse(URL_NAMES[key]) + "?" + urlencode(scope.query))
            for key, label in OfficialTable.choices
            if key != table
        ],
    }
    return render(request, "reports/table_page.html", context)


@login_required
@require_POST
def table_export(request):
    """The file at once when the table's source is small, else an export job and the jobs page."""
    table, file_format = request.POST.get("table", ""), request.POST.get("format", "")
    if table not in OfficialTable.values or file_format not in FileFormat.values:
        raise Http404("table or format")
    scope = table_scope(request.user, **_scope_arguments(request.POST))
    try:
        parameters = parse_parameters(table, request.POST, scope=scope)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain; charset=utf-8")
    wanted = exports.ExportRequest(table=table, file_format=file_format, scope=scope, parameters=parameters)
    try:
        if not wanted.is_large:
            content, filename = exports.export_now(wanted)
            return exports.attachment(content, filename, file_format)
        job = exports.export_job_create(request=wanted, acting_user=request.user)
    except NotRecognised as refused:  # no file of a year whose review the chair has not recognised
        for message in refused.messages:
            messages.error(request, message)
        return redirect(reverse(URL_NAMES[table]) + "?" + urlencode({**scope.query, **parameters}))
    messages.info(
        request,
        _("This table is large: it is being prepared in the background. Download it here when it is ready."),
    )
    return redirect(reverse("reports:exports") + f"#job-{job.uuid}")


def _period_text(job: ExportJob) -> str:
    parameters = job.parameters
    if job.table == OfficialTable.POVERTY:
        return str(parameters.get("year", ""))
    if job.table == OfficialTable.ALLOWANCES:
        return _("%(half)s half of %(year)s") % {
            "half": _("first") if parameters.get("half") == 1 else _("second"),
            "year": parameters.get("year"),
        }
    first, last = month(parameters.get("month_from", "")), month(parameters.get("month_to", ""))
    return first if first == last else f"{first} – {last}"


@login_required
@require_GET
def export_list(request):
    """The user's own export jobs; while one is unfinished htmx asks again every few seconds."""
    jobs = exports.jobs_for(request.user)
    rows = [{"job": job, "period": _period_text(job)} for job in jobs]
    context = {
        "rows": rows,
        "polling": any(not job.is_finished for job in jobs),
        "poll_seconds": POLL_SECONDS,
    }
    template = "reports/table_exports_list.html" if request.htmx else "reports/table_exports.html"
    return render(request, template, context)


@login_required
@require_GET
def export_download(request, job_uuid):
    """A finished job's file, for its owner (scope checked again); 404 for anyone else."""
    job = exports.access_export_job(request.user, job_uuid)
    if job.status != ExportJob.Status.DONE:
        return HttpResponse(_("This export is not ready."), status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(job.file.open("rb"), content_type=exports.CONTENT_TYPES[job.file_format])
    return exports.as_download(response, job.filename)
