from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# These entries go in the menu's "More" dropdown, so that the menu fits a 1200 px laptop screen
# (issue 16): the daily work stays one click away, the rest two.
IN_MORE = (
    "notifications:reminder_communes",
    "geography:commune_list",
    "admin:index",
    "privacy:access_log",
    "api_clients:list",
    "core:guide",
)


def navigation(request):
    """The menu for the signed-in user's role; later apps add their entries here. ``nav_items`` is the
    whole menu; ``nav_main`` and ``nav_more`` are its first entries and the rest, as base.html shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_main": [], "nav_more": []}
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
        items.append((_("API clients"), reverse("api_clients:list")))
    # Last, for every role: the user guide (docs/huong-dan/), the pages of their own work.
    items.append((_("User guide"), reverse("core:guide")))
    more = {reverse(name) for name in IN_MORE}
    return {
        "nav_items": items,
        "nav_main": [(label, url) for label, url in items if url not in more],
        "nav_more": [(label, url) for label, url in items if url in more],
    }
