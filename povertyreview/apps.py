from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PovertyReviewConfig(AppConfig):
    """The annual poverty review: standards, campaigns, assessments, approvals (issue 4)."""

    name = "povertyreview"
    verbose_name = _("Poverty review")

    def ready(self) -> None:
        from core.timeline import register_timeline_provider
        from core.worklists import register_worklist_provider
        from povertyreview.selectors import household_review_timeline, review_worklist

        register_timeline_provider(household_review_timeline)
        register_worklist_provider(review_worklist)
