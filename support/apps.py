from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """Support programmes: houses, loans, livelihood models, gifts, check-ups (issue 7)."""

    name = "support"
    verbose_name = _("Support programmes")

    def ready(self) -> None:
        from core.timeline import register_household_panel, register_timeline_provider
        from core.worklists import register_worklist_provider
        from support.selectors import household_support_panel, household_support_timeline, support_worklist

        register_timeline_provider(household_support_timeline)
        register_household_panel(household_support_panel)
        register_worklist_provider(support_worklist)
