from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Household registry")

    def ready(self) -> None:
        from core.timeline import register_timeline_provider
        from core.worklists import register_worklist_provider
        from households.selectors import household_registry_timeline, registry_worklist

        register_timeline_provider(household_registry_timeline)
        register_worklist_provider(registry_worklist)

        from households.privacy import person_labels, person_registry_records, subject_by_national_id
        from privacy.subjects import register_record_provider, register_subject_finder, register_subject_namer

        register_subject_finder(subject_by_national_id)
        register_subject_namer(person_labels)
        register_record_provider(person_registry_records)
