from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    """Social-allowance categories, base levels, cases and the entitlement engine (issue 5)."""

    name = "beneficiaries"
    verbose_name = _("Social assistance")
