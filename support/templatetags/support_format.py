"""Money on the support pages: đồng grouped by thousands with the separator of the interface's
language ("10.000.000" in Vietnamese, "10,000,000" in English), by ``core.formatting.number``."""

from django import template

from core.formatting import number

register = template.Library()


@register.filter
def vnd(value) -> str:
    if value in (None, ""):
        return ""
    return number(int(value))
