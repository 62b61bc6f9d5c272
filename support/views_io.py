"""The page for the Bank for Social Policies' loan list (upload, check, report).

Thin: ``access_commune_by_code`` answers 404 for a commune out of scope (or missing), then a role
that may not keep the commune's records is refused (403); ``importing`` checks and writes.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import FileImportForm
from core.import_templates import template_response
from geography.access import access_commune_by_code
from support.importing import COLUMNS, import_loans, read_loans

# The page lists this many errors; the command line prints them all.
ERRORS_SHOWN = 2_000


class LoanImportForm(FileImportForm):
    file_help = gettext_lazy("The bank's list: one line per loan, in the format described on this page.")


@login_required
@require_http_methods(["GET", "POST"])
def loans_import(request, commune_code: str):
    commune = access_commune_by_code(request.user, commune_code)
    if not request.user.can_manage_registry:
        raise PermissionDenied
    form = LoanImportForm(request.POST or None, request.FILES or None)
    context = {"commune": commune, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            source = read_loans(upload, upload.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            report = import_loans(source, commune=commune, acting_user=request.user, dry_run=dry_run,
                                  filename=upload.name)  # fmt: skip
            return render(
                request,
                "support/import_loans_report.html",
                {
                    **context,
                    "report": report,
                    "filename": upload.name,
                    "errors": report.errors[:ERRORS_SHOWN],
                    "errors_not_shown": max(len(report.errors) - ERRORS_SHOWN, 0),
                    # After a clean check the next step is the import itself; after errors, another check.
                    "form": LoanImportForm(initial={"dry_run": not (report.ok and dry_run)}),
                },
            )
    return render(request, "support/import_loans.html", {**context, "form": form})


@login_required
@require_GET
def loans_template(request, commune_code: str):
    """The XLSX template of the bank's loan list, checked as the import page is."""
    access_commune_by_code(request.user, commune_code)
    if not request.user.can_manage_registry:
        raise PermissionDenied
    example = {
        "contract_number": "7302240001",
        "household_code": "HO-001",
        "borrower_national_id": "072060001234",
        "borrower_name": "Nguyễn Văn An",
        "loan_programme": "Cho vay hộ nghèo",
        "amount_vnd": 50000000,
        "disbursed_on": date(2024, 3, 15),
        "term_months": 60,
        "outstanding_vnd": 40000000,
        "balance_on": date(2025, 9, 30),
        "repayment_status": "trong hạn",
    }
    return template_response("mau-nhap-du-no-vay.xlsx", COLUMNS, example)
