from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    """The menu for the signed-in user's role; later apps add their entries here."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(_("Trang chính"), reverse("core:home"))]
    items.append(
        (_("Xã/phường") if not user.is_read_only else _("Các xã/phường trong tỉnh"), reverse("geography:commune_list"))
    )
    if user.has_national_scope:
        items.append((_("Quản trị"), reverse("admin:index")))
    return {"nav_items": items}
