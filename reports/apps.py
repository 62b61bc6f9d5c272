from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards and official tables, read-only roll-ups over every other app (issue 8)."""

    name = "reports"
    verbose_name = _("Reports")
