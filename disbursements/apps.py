from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisbursementsConfig(AppConfig):
    """Monthly payment runs: prepared on Celery, approved, exported, reconciled (issue 6)."""

    name = "disbursements"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from beneficiaries.entitlement import register_paid_months_provider
        from disbursements.selectors import paid_months_for

        register_paid_months_provider(paid_months_for)
