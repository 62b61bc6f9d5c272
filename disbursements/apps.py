from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisbursementsConfig(AppConfig):
    """Monthly payment runs: prepared on Celery, approved, exported, reconciled (issue 6)."""

    name = "disbursements"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from beneficiaries.entitlement import register_paid_months_provider
        from core.timeline import register_timeline_provider
        from core.worklists import register_worklist_provider
        from disbursements.selectors import household_payment_timeline, paid_months_for, payment_worklist

        register_paid_months_provider(paid_months_for)
        register_timeline_provider(household_payment_timeline)
        register_worklist_provider(payment_worklist)
