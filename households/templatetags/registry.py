from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from households.identity import display_phone
from privacy.visibility import GENERALISED_DISABILITY, mask_account, mask_value

register = template.Library()

# Each filter takes the page's answer of ``privacy.visibility`` (``full_identifiers``, ``full_health``
# in the context): the view asks once, the template only shows.


@register.filter
def identifier(value: str, show_full: bool) -> str:
    """A national ID in full for roles that need it, masked ("•••••••••234") for the others."""
    return value if show_full else mask_value(value)


@register.filter
def phone(value: str, show_full: bool) -> str:
    return display_phone(value) if show_full else mask_value(value)


@register.filter
def account(value: str, show_full: bool) -> str:
    return value if show_full else mask_account(value)


@register.filter
def disability(level_display: str, show_full: bool) -> str:
    """A disability level's label, or only "with a disability" for a role that may not see the level."""
    return level_display if show_full or not level_display else str(GENERALISED_DISABILITY)


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
