"""Pages of the poverty review. Thin: access.py decides who sees what, services.py writes."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from povertyreview.selectors import campaigns_for_user


@login_required
def campaign_list(request):
    return render(request, "povertyreview/campaign_list.html", {"campaigns": campaigns_for_user(request.user)})
