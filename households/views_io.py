"""Pages for the registry import (upload, check, report) and the export download."""

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

from core.forms import FileImportForm
from core.import_templates import template_response
from core.tabular import Echo, csv_writer
from geography.models import Village
from geography.scoping import communes_for_user
from households.access import can_see_full_identifiers
from households.ethnicity import ETHNIC_GROUPS
from households.exporting import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, export_rows, write_xlsx
from households.forms import HouseholdFilterForm
from households.importing import COLUMNS, FILE_COLUMNS, OPTIONAL_COLUMNS, import_households, read_rows
from households.searching import refuse_identifier_search
from households.selectors import household_list_for_user
from privacy.log import Purpose, communes_of, query_filters, record_view

# The page lists this many errors; the command line prints them all.
ERRORS_SHOWN = 2_000


class ImportForm(FileImportForm):
    file_help = gettext_lazy("One line per member of each household, in the format described on this page.")


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    if not request.user.can_manage_registry:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            rows = read_rows(upload, upload.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            report = import_households(rows=rows, user=request.user, dry_run=dry_run)
            if report.ok and not dry_run:
                messages.success(
                    request,
                    _(
                        "Imported %(file)s: %(households_created)s households registered, %(households_updated)s "
                        "updated; %(persons_created)s persons added, %(persons_updated)s updated."
                    )
                    % {
                        "file": upload.name,
                        "households_created": report.households_created,
                        "households_updated": report.households_updated,
                        "persons_created": report.persons_created,
                        "persons_updated": report.persons_updated,
                    },
                )
                return redirect("households:list")
            return render(
                request,
                "households/import_report.html",
                {
                    "report": report,
                    "filename": upload.name,
                    "errors": report.errors[:ERRORS_SHOWN],
                    "errors_not_shown": max(len(report.errors) - ERRORS_SHOWN, 0),
                    # After a clean check the next step is the import itself; after errors, another check.
                    "form": ImportForm(initial={"dry_run": not report.ok}),
                },
            )
    return render(
        request, "households/import.html", {"form": form, "columns": COLUMNS, "optional_columns": OPTIONAL_COLUMNS}
    )


@login_required
@require_GET
def export_view(request):
    """The households of the list (same filters, same scope) as CSV or XLSX."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Unknown format."))
    communes = communes_for_user(request.user).order_by("name")
    villages = Village.objects.filter(commune__in=communes.values("code"))
    form = HouseholdFilterForm(request.GET or None, communes=communes, villages=villages)
    refuse_identifier_search(form, request.user)  # as the list: a refused search exports nothing
    households = household_list_for_user(request.user, **form.filters())
    masked = not can_see_full_identifiers(request.user)
    filters = form.filters()
    record_view(
        request,
        purpose=Purpose.EXPORT,
        commune_ids=communes_of(request.user, filters.get("commune_code", "")),
        count=households.count(),
        filters=query_filters(request.GET),
    )
    filename = f"households-{timezone.localdate():%Y-%m-%d}.{file_format}"
    if file_format == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        write_xlsx(households, spool, mask_identifiers=masked)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response = StreamingHttpResponse(_csv_lines(households, masked), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_lines(households, masked: bool):
    writer = csv_writer(Echo())
    yield "\ufeff"  # a BOM, so that Excel reads UTF-8 (the import accepts it)
    for row in export_rows(households, mask_identifiers=masked):
        yield writer.writerow(row)


@login_required
@require_GET
def import_template(request):
    """The XLSX template of the registry import: Vietnamese headers, drop-down lists, and the head
    of a household of the user's first commune (and its first village) as the example line."""
    if not request.user.can_manage_registry:
        raise PermissionDenied
    commune = communes_for_user(request.user).order_by("code").first()
    village = Village.objects.filter(commune=commune).order_by("name").first() if commune is not None else None
    example = {
        "household_code": "HO-001",
        "commune_code": commune.code if commune is not None else "",
        "village": village.name if village is not None else "",
        "address": "Số 12, đường Số 1",
        "national_id": "072060001234",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": date(1960, 6, 15),
        "sex": "Nam",
        "relationship": "chủ hộ",
        "ethnicity": "Kinh",
        "disability_level": "không",
        "member_since": "không rõ",
    }
    ethnic_groups = [name for _code, name in ETHNIC_GROUPS]
    return template_response("mau-nhap-ho.xlsx", FILE_COLUMNS, example, choices={"ethnicity": ethnic_groups})
