from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    """The menu for the signed-in user's role; later apps add their entries here."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        (_("Home"), reverse("core:home")),
        (_("Households"), reverse("households:list")),
        (_("Poverty review"), reverse("povertyreview:list")),
        (_("Social allowances"), reverse("beneficiaries:list")),
        (_("Payments"), reverse("disbursements:list")),
        (_("Support"), reverse("support:list")),
        (_("Reminders"), reverse("notifications:reminder_communes")),
        (_("Reports"), reverse("reports:home")),
    ]
    items.append(
        (_("Communes") if not user.is_read_only else _("Communes of the province"), reverse("geography:commune_list"))
    )
    if user.has_national_scope:
        items.append((_("Administration"), reverse("admin:index")))
        items.append((_("Personal data accesses"), reverse("privacy:access_log")))
    return {"nav_items": items}
