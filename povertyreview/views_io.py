"""Import of survey results (rules.md §4.4) and export of the classification (§4.5).

Thin: ``access_campaign`` decides who may (404 out of scope; 403 for an import by a role that may
not run the review, e.g. a provincial viewer, who may still export); ``importing`` checks and writes.
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import FileImportForm
from core.import_templates import template_response
from households.models import PovertyStatus
from povertyreview.access import access_campaign
from povertyreview.exporting import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_chunks, write_xlsx
from povertyreview.importing import COLUMNS, FILE_INDICATORS, import_survey, read_survey
from povertyreview.models import Campaign
from privacy.log import Purpose, record_view

# The page lists this many errors and changes; the command line prints them all.
SHOWN = 2_000


class SurveyImportForm(FileImportForm):
    file_help = gettext_lazy("One line per household, in the format described on this page.")


@login_required
@require_http_methods(["GET", "POST"])
def survey_import(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id, for_edit=True)
    form = SurveyImportForm(request.POST or None, request.FILES or None)
    context = {
        "campaign": campaign,
        "columns": COLUMNS,
        "is_surveying": campaign.status == Campaign.Status.SURVEYING,
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            survey = read_survey(upload, upload.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            report = import_survey(survey, campaign=campaign, acting_user=request.user, dry_run=dry_run)
            labels = dict(PovertyStatus.choices)
            return render(
                request,
                "povertyreview/import_report.html",
                {
                    **context,
                    "report": report,
                    "filename": upload.name,
                    "errors": report.errors[:SHOWN],
                    "errors_not_shown": max(len(report.errors) - SHOWN, 0),
                    "counts": [(labels[status], count) for status, count in report.counts.items()],
                    "listed": [(c.line, c.household_code, labels[c.new]) for c in report.listed[:SHOWN]],
                    "reclassified": [
                        (c.line, c.household_code, labels[c.old], labels[c.new]) for c in report.reclassified[:SHOWN]
                    ],
                    "listed_not_shown": max(len(report.listed) - SHOWN, 0),
                    "reclassified_not_shown": max(len(report.reclassified) - SHOWN, 0),
                    # After a clean check the next step is the import itself; after errors, another check.
                    "form": SurveyImportForm(initial={"dry_run": not (report.ok and dry_run)}),
                },
            )
    return render(request, "povertyreview/import.html", {**context, "form": form})


@login_required
@require_GET
def classification_export(request, campaign_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("format")
    campaign = access_campaign(request.user, campaign_id)
    record_view(
        request,
        purpose=Purpose.EXPORT,
        commune_ids=[campaign.commune_id],
        count=campaign.assessments.filter(surveyed_at__isnull=False).count(),
        filters={"campaign": campaign.pk, "year": campaign.year, "format": fmt},
    )
    filename = f"poverty-classification-{campaign.commune_id}-{campaign.year}.{fmt}"
    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        write_xlsx(campaign, spool)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response = StreamingHttpResponse(csv_chunks(campaign), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def survey_template(request, campaign_id: int):
    """The XLSX template of the survey import, checked as the import page is: Vietnamese headers,
    0/1 lists on the indicators, an example household of the review's commune."""
    campaign = access_campaign(request.user, campaign_id, for_edit=True)
    example = {
        "household_code": "HO-001",
        "commune_code": campaign.commune_id,
        "area": "nông thôn",
        "members": 4,
        "income_per_capita_vnd": 1500000,
        **dict.fromkeys(FILE_INDICATORS, 0),
    }
    choices = dict.fromkeys(FILE_INDICATORS, ["0", "1"])
    return template_response("mau-nhap-ket-qua-ra-soat.xlsx", COLUMNS, example, choices=choices)
