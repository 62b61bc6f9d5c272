from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeographyConfig(AppConfig):
    name = "geography"
    verbose_name = _("Administrative units")

    def ready(self) -> None:
        from core.worklists import register_units_provider
        from geography.selectors import commune_list_for_user

        register_units_provider(commune_list_for_user)  # the home page's "Your units" (core sits below)
