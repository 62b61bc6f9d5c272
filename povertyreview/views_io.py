"""Import of survey results (rules.md §4.4) and export of the classification (§4.5)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def survey_import(request, campaign_id: int):
    raise Http404("not built yet")


@login_required
def classification_export(request, campaign_id: int, fmt: str):
    raise Http404("not built yet")
