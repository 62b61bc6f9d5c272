"""Printable documents of the review: the public posting list and the chair's decision list."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def posting_pdf(request, campaign_id: int):
    raise Http404("not built yet")


@login_required
def decision_pdf(request, campaign_id: int):
    raise Http404("not built yet")
