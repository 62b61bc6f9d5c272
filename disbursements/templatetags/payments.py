"""Payments on other apps' pages without those apps importing disbursements: the case page loads
this library and asks for ``{% case_payments case %}``."""

from django import template

from core.formatting import number
from disbursements.selectors import case_payment_lines

register = template.Library()


@register.filter
def money(value) -> str:
    """Đồng grouped the way the interface's language writes them: "750.000" in Vietnamese,
    "750,000" in English."""
    return "" if value in (None, "") else number(int(value))


@register.inclusion_tag("disbursements/_case_payments.html")
def case_payments(case) -> dict:
    """A case's payment history: its lines in every run, newest month first (one query)."""
    return {"lines": case_payment_lines(case)}
