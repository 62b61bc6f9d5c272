"""Template filters of the allowance categories, in the decree's words (``beneficiaries.category_labels``),
for the pages that show a case's categories: the allowance, payment and report pages load them."""

from django import template
from django.utils.html import format_html

from beneficiaries import category_labels
from privacy.visibility import HEALTH_CATEGORIES, generalised_category

register = template.Library()

# Each filter takes the page's answer of ``privacy.visibility`` (``full_health`` in the context): the
# view asks once, the template only shows.


@register.filter
def category(code: str, show_full: bool) -> str:
    """An allowance category in the decree's words: its short label and citation ("Người khuyết tật
    đặc biệt nặng (k.6 Đ.5)") with the decree's full wording as a tooltip; a health-related one
    generalised for a role that may not see it. A code unknown to ``category_labels`` shows as it is."""
    if not show_full and code in HEALTH_CATEGORIES:
        return str(generalised_category(code))
    if code not in category_labels.LABELS:
        return code
    return format_html(
        '<span title="{}" data-category="{}">{}</span>',
        category_labels.full_label(code),
        code,
        category_labels.short_label(code),
    )


@register.filter
def category_name(category_object, show_full: bool) -> str:
    """An allowance category's full wording with its citation (the case page); a health-related one
    generalised for a role that may not see it."""
    if show_full or category_object.code not in HEALTH_CATEGORIES:
        if category_object.code in category_labels.LABELS:
            return category_labels.full_label(category_object.code)
        return category_object.name
    return generalised_category(category_object.code)


@register.filter
def clause(code: str) -> str:
    """A clause of Decree 20 Art. 5 ("5.5") in words: "Người cao tuổi (k.5 Đ.5)"."""
    return category_labels.clause_label(code)
