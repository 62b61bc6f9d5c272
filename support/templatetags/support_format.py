"""Money on the support pages: đồng grouped by thousands with the separator of the interface's
language ("10.000.000" in Vietnamese, "10,000,000" in English). Django's own ``floatformat:"0g"``
does not group in Vietnamese (its ``vi`` formats set no ``NUMBER_GROUPING``)."""

from django import template
from django.utils.formats import get_format
from django.utils.numberformat import format as number_format

register = template.Library()


@register.filter
def vnd(value) -> str:
    if value in (None, ""):
        return ""
    return number_format(int(value), get_format("DECIMAL_SEPARATOR"), decimal_pos=0, grouping=3,
                         thousand_sep=get_format("THOUSAND_SEPARATOR"), force_grouping=True)  # fmt: skip
