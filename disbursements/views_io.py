"""Downloads of a run for the payer (rules.md §4.2 export, bank files, cash list) and the upload
of the payer's report (§4.3). Thin: ``access_run`` (404 out of scope, 403 for a role other than
the commune's officer), then ``exporting.download`` (refuses a run not yet sent to the payer or
already reconciled, and records the download: the first of each file is the original, later ones
are copies) or ``importing.reconcile``; the files come from exporting.py and documents.py.

Downloads are GETs that never change the run: sending it to the payer is a POST of its own
(``views.run_send``).
"""

import tempfile

from crispy_forms.layout import Submit
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from beneficiaries.models import Case
from core.forms import FileImportForm
from core.pdf import pdf_response
from disbursements import documents, exporting, iso20022
from disbursements.access import access_run
from disbursements.importing import COLUMNS, reconcile
from privacy.log import Purpose, record_view

# The page lists this many errors; the command line prints them all.
ERRORS_SHOWN = 2_000


def _downloading(request, run_id: int, file: str):
    """(run, copy number, None) if the user may download the file now, the download recorded;
    else (run, None, an HttpResponse saying why not: 409)."""
    run = access_run(request.user, run_id, for_edit=True)
    try:
        copy = exporting.download(run, acting_user=request.user, file=file)
    except ValidationError as error:
        response = render(
            request, "disbursements/pdf/not_available.html", {"run": run, "messages_list": error.messages}, status=409
        )
        return run, None, response
    # Every file of a run names its persons (bank account, amount): the run's persons, in the INSERT.
    record_view(
        request,
        purpose=Purpose.PRINT if file.endswith("pdf") else Purpose.EXPORT,
        person_ids=Case.objects.filter(payment_lines__run=run).values("person_id"),
        commune_ids=[run.commune_id],
        count=run.line_count,
        filters={"run": run.pk, "file": file, "copy": copy},
    )
    return run, copy, None


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export(request, run_id: int, fmt: str):
    """The payment export of §4.2, ``csv`` or ``xlsx``."""
    if fmt not in exporting.FORMATS:
        raise Http404("format")
    run, copy, refused = _downloading(request, run_id, fmt)
    if refused:
        return refused
    filename = exporting.export_filename(run, fmt, copy)
    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        exporting.write_xlsx(run, spool)
        spool.seek(0)
        response = FileResponse(spool, as_attachment=True, filename=filename, content_type=exporting.XLSX_CONTENT_TYPE)
    else:
        response = StreamingHttpResponse(exporting.csv_chunks(run), content_type=exporting.CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def bank_files(request, run_id: int):
    """Every bank's batch file of the run, in one ZIP."""
    run, copy, refused = _downloading(request, run_id, "bank-zip")
    if refused:
        return refused
    return _attachment(exporting.bank_zip(run), exporting.bank_zip_filename(run, copy), exporting.ZIP_CONTENT_TYPE)


@login_required
@require_GET
def bank_file(request, run_id: int, bin: str):
    """One bank's batch file (404 for a bank the run does not pay into)."""
    run = access_run(request.user, run_id, for_edit=True)
    if bin not in exporting.bank_bins(run):
        raise Http404("bank")
    run, copy, refused = _downloading(request, run_id, f"bank-{bin}")
    if refused:
        return refused
    return _attachment(
        exporting.bank_csv(run, bin), exporting.bank_filename(run, bin, copy), exporting.CSV_CONTENT_TYPE
    )


@login_required
@require_GET
def pain001(request, run_id: int):
    """The run's bank lines as one ISO 20022 ``pain.001.001.09`` file; refused (409, no download
    recorded) when the commune has no paying account or the run no bank line."""
    try:
        with transaction.atomic():
            run, copy, refused = _downloading(request, run_id, "pain001")
            if refused:
                return refused
            content = iso20022.pain001(run)
    except ValidationError as error:
        return render(
            request, "disbursements/pdf/not_available.html", {"run": run, "messages_list": error.messages}, status=409
        )
    return _attachment(content, iso20022.filename(run, copy), iso20022.CONTENT_TYPE)


@login_required
@require_GET
def cash_pdf(request, run_id: int):
    """The cash list the post office pays from, with a signature column; a copy is marked as such."""
    run, copy, refused = _downloading(request, run_id, "cash-pdf")
    if refused:
        return refused
    return pdf_response(documents.cash_list_pdf(run, copy=copy), documents.cash_list_filename(run, copy))


class ReconcileForm(FileImportForm):
    """One payer's report (the whole run or a part of it); applying it is all or nothing, so
    there is no separate check."""

    file_help = format_lazy(
        "{} {}",
        gettext_lazy(
            "Lines of the run, all or some of them: reference, status (paid or failed), paid_on, note (the payer's "
            "reason, required for a failed line)."
        ),
        gettext_lazy("Or the bank's ISO 20022 answer to the run's pain.001 file: pain.002 or camt.054 (XML)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["dry_run"]
        self.helper.inputs = [Submit("submit", _("Record the report"))]


@login_required
@require_http_methods(["GET", "POST"])
def reconcile_run(request, run_id: int):
    run = access_run(request.user, run_id, for_edit=True)
    form = ReconcileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = reconcile(run, upload, upload.name, acting_user=request.user)
        run.refresh_from_db()
        return render(
            request,
            "disbursements/reconcile_report.html",
            {
                "run": run,
                "report": report,
                "filename": upload.name,
                "errors": report.errors[:ERRORS_SHOWN],
                "errors_not_shown": max(len(report.errors) - ERRORS_SHOWN, 0),
                "form": ReconcileForm(),
            },
        )
    return render(
        request,
        "disbursements/reconcile.html",
        {"run": run, "form": form, "columns": COLUMNS, "reports": list(run.reports.select_related("uploaded_by"))},
    )
