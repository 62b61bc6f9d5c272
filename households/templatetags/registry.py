from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from households.identity import display_phone, mask

register = template.Library()


@register.filter
def identifier(value: str, show_full: bool) -> str:
    """A national ID in full for roles that need it, masked ("•••••••••234") for the others."""
    return value if show_full else mask(value)


@register.filter
def phone(value: str, show_full: bool) -> str:
    return display_phone(value) if show_full else mask(value)


_STATUS_BADGES = {
    "poor": ("text-bg-danger", _("Poor")),
    "near_poor": ("text-bg-warning", _("Near-poor")),
    "middle_income": ("text-bg-secondary", _("Middle-income")),
}


@register.filter
def status_badge(status: str) -> str:
    """A household's poverty status as a badge (a filter, not an include: lists show 50 of them)."""
    if status in _STATUS_BADGES:
        css, label = _STATUS_BADGES[status]
        return format_html('<span class="badge {}">{}</span>', css, label)
    if status == "none":
        return format_html('<span class="text-muted">{}</span>', _("Not classified"))
    return mark_safe('<span class="text-muted">—</span>')
