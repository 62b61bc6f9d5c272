from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """Support programmes: houses, loans, livelihood models, gifts, check-ups (issue 7)."""

    name = "support"
    verbose_name = _("Support programmes")
