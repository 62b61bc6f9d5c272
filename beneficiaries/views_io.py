"""Pages for the beneficiaries import (upload, check, report; rules.md §4.1) and the export download.

Thin: the officer's role is checked here (403 otherwise), the commune of each line by the import; a
clean import (not a dry run) leads to the page of the batch it stored, which awaits the chair;
the export is the user's own cases (``scope_to_user``), masked for viewers who see identifiers masked.
"""

import tempfile
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from beneficiaries.exporting import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, cases_for_export, csv_chunks, write_xlsx
from beneficiaries.importing import COLUMNS, import_beneficiaries, read_beneficiaries
from core.forms import FileImportForm
from core.import_templates import template_response
from geography.models import Village
from geography.scoping import communes_for_user
from households.access import can_see_full_identifiers
from privacy.log import Purpose, communes_of, query_filters, record_view

# The page lists this many errors; the command line prints them all.
ERRORS_SHOWN = 2_000


class BeneficiaryImportForm(FileImportForm):
    file_help = gettext_lazy("One line per beneficiary, in the format described on this page.")


@login_required
@require_http_methods(["GET", "POST"])
def beneficiaries_import(request):
    if not request.user.can_manage_registry:
        raise PermissionDenied
    form = BeneficiaryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            source = read_beneficiaries(upload, upload.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            report = import_beneficiaries(source, acting_user=request.user, dry_run=dry_run, filename=upload.name)
            if report.batch is not None:
                messages.success(
                    request,
                    _("The list is imported; nothing of it is payable until the commune chair confirms it."),
                )
                return redirect("beneficiaries:import_batch", batch_uuid=report.batch.uuid)
            return render(
                request,
                "beneficiaries/import_report.html",
                {
                    "report": report,
                    "filename": upload.name,
                    "errors": report.errors[:ERRORS_SHOWN],
                    "errors_not_shown": max(len(report.errors) - ERRORS_SHOWN, 0),
                    # After a clean check the next step is the import itself; after errors, another check.
                    "form": BeneficiaryImportForm(initial={"dry_run": not (report.ok and dry_run)}),
                },
            )
    return render(request, "beneficiaries/import.html", {"form": form, "columns": COLUMNS})


@login_required
@require_GET
def beneficiaries_export(request):
    """The user's active and suspended cases (``?commune=CODE`` for one commune) as CSV or XLSX."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Unknown format."))
    commune_code = request.GET.get("commune", "").strip()
    cases = cases_for_export(request.user, commune_code=commune_code)
    masked = not can_see_full_identifiers(request.user)
    record_view(
        request,
        purpose=Purpose.EXPORT,
        commune_ids=communes_of(request.user, commune_code),
        count=cases.count(),
        filters=query_filters(request.GET),
    )
    filename = (
        f"beneficiaries-{commune_code + '-' if commune_code else ''}{timezone.localdate():%Y-%m-%d}.{file_format}"
    )
    if file_format == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        write_xlsx(cases, spool, mask_identifiers=masked)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response = StreamingHttpResponse(csv_chunks(cases, mask_identifiers=masked), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def import_template(request):
    """The XLSX template of the beneficiaries import (Vietnamese headers, drop-down lists, an
    example line of the user's first commune: a registered person's details go in its place)."""
    if not request.user.can_manage_registry:
        raise PermissionDenied
    commune = communes_for_user(request.user).order_by("code").first()
    village = Village.objects.filter(commune=commune).order_by("name").first() if commune is not None else None
    example = {
        "national_id": "072145001234",
        "full_name": "Nguyễn Thị Hoa",
        "date_of_birth": date(1945, 9, 30),
        "sex": "Nữ",
        "commune_code": commune.code if commune is not None else "",
        "village": village.name if village is not None else "",
        "household_code": "HO-001",
        "categories": "5.5c",
        "decision_number": "125/QĐ-UBND",
        "decision_date": date(2025, 9, 12),
        "start_month": "09/2025",
        "payment_method": "tiền mặt",
    }
    return template_response("mau-nhap-doi-tuong.xlsx", COLUMNS, example)
