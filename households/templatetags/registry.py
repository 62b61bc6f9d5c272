from django import template

from households.identity import display_phone, mask

register = template.Library()


@register.filter
def identifier(value: str, show_full: bool) -> str:
    """A national ID in full for roles that need it, masked ("•••••••••234") for the others."""
    return value if show_full else mask(value)


@register.filter
def phone(value: str, show_full: bool) -> str:
    return display_phone(value) if show_full else mask(value)
