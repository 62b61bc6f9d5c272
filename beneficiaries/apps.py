from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    """Social-allowance categories, base levels, cases and the entitlement engine (issue 5)."""

    name = "beneficiaries"
    verbose_name = _("Social assistance")

    def ready(self) -> None:
        from beneficiaries.changes import birth_date_guard
        from beneficiaries.selectors import allowance_worklist, change_request_worklist, household_case_timeline
        from beneficiaries.selectors_batches import import_batch_worklist
        from core.timeline import register_timeline_provider
        from core.worklists import register_worklist_provider
        from households.guards import register_person_change_guard

        register_person_change_guard(birth_date_guard)
        register_timeline_provider(household_case_timeline)
        register_worklist_provider(allowance_worklist)
        register_worklist_provider(change_request_worklist)
        register_worklist_provider(import_batch_worklist)

        from beneficiaries.privacy import person_case_records
        from privacy.subjects import register_record_provider

        register_record_provider(person_case_records)
