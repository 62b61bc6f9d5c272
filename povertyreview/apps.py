from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PovertyReviewConfig(AppConfig):
    """The annual poverty review: standards, campaigns, assessments, approvals (issue 4)."""

    name = "povertyreview"
    verbose_name = _("Poverty review")
