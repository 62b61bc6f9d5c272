"""Printable documents of the review: the public posting list and the chair's decision list.

Anyone who may see the campaign may download them (read-only roles included): out of scope is a
404 like every other door. Asked for before it exists (the posting list before public posting,
the decision list before approval), a document answers **409 Conflict** with a page that says
when it will exist: the campaign is real and visible, it is only at an earlier step, so "not
found" would mislead the user.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render

from core.pdf import pdf_response
from povertyreview import documents
from povertyreview.access import access_campaign
from privacy.log import Purpose, record_view


def _not_yet(request, campaign, error: ValidationError):
    return render(
        request,
        "povertyreview/pdf/not_available.html",
        {"campaign": campaign, "messages_list": error.messages},
        status=409,
    )


@login_required
def posting_pdf(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    try:
        pdf = documents.posting_list_pdf(campaign)
    except ValidationError as error:
        return _not_yet(request, campaign, error)
    record_view(
        request,
        purpose=Purpose.PRINT,
        commune_ids=[campaign.commune_id],
        filters={"campaign": campaign.pk, "year": campaign.year, "document": "posting"},
    )
    return pdf_response(pdf, documents.posting_filename(campaign))


@login_required
def decision_pdf(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    try:
        pdf = documents.decision_list_pdf(campaign)
    except ValidationError as error:
        return _not_yet(request, campaign, error)
    record_view(
        request,
        purpose=Purpose.PRINT,
        commune_ids=[campaign.commune_id],
        filters={"campaign": campaign.pk, "year": campaign.year, "document": "decision"},
    )
    return pdf_response(pdf, documents.decision_filename(campaign))
