"""Numbers and months in the interface's language on every page: ``{% load formats %}`` then
``{{ amount|number }}`` (295.750.000), ``{{ coefficient|number:1 }}`` (1,0), ``{{ day|month }}``
(12/2026), ``{{ line.months|months }}`` (11/2026, 12/2026). See core/formatting.py."""

from django import template

from core import formatting

register = template.Library()


@register.filter
def number(value, decimals=None) -> str:
    return formatting.number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def month(value) -> str:
    return formatting.month(value)


@register.filter
def months(values) -> str:
    return formatting.months(values or [])
