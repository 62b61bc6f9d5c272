"""What an officer reads for an allowance category: the decree's words, never the product's code.

The codes (``5.5a``, ``5.6es``…, rules.md §2) stay what the machine files, the database and the
filters use. People read a **short label** with its citation in tables and badges ("Người khuyết tật
đặc biệt nặng (k.6 Đ.5)") and the **full wording** of Decree 20/2021/NĐ-CP Art. 5 (as amended by
Decree 76/2024/NĐ-CP) with the whole citation in a tooltip and on the case page. Each text is a
catalogue entry (English source, Vietnamese in ``locale/vi``), so the page, the PDF and the XLSX say
the same words. A category an administrator adds with a code unknown here reads as its code.
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


@dataclass(frozen=True)
class CategoryLabel:
    short: Promise  # "Người khuyết tật đặc biệt nặng"
    clause: int  # of Art. 5
    point: str  # "a" for 5.5a, "" for a whole clause
    full: Promise  # the decree's wording

    @property
    def citation(self) -> str:
        """'k.6 Đ.5', 'điểm a k.5 Đ.5'."""
        if self.point:
            return pgettext("decree citation", "pt %(point)s cl. %(clause)d Art. 5") % {
                "point": self.point, "clause": self.clause}  # fmt: skip
        return pgettext("decree citation", "cl. %(clause)d Art. 5") % {"clause": self.clause}

    @property
    def full_citation(self) -> str:
        """'khoản 6 Điều 5 Nghị định 20/2021/NĐ-CP', 'điểm a khoản 5 Điều 5 Nghị định 20/2021/NĐ-CP'."""
        if self.point:
            return pgettext("decree citation", "point %(point)s clause %(clause)d Article 5 of Decree 20/2021/NĐ-CP") % {
                "point": self.point, "clause": self.clause}  # fmt: skip
        return pgettext("decree citation", "clause %(clause)d Article 5 of Decree 20/2021/NĐ-CP") % {
            "clause": self.clause}  # fmt: skip


LABELS: dict[str, CategoryLabel] = {
    "5.1": CategoryLabel(
        _("Child without a source of support"),
        1,
        "",
        _(
            "Child under 16 with no source of support: abandoned and not adopted, orphaned of both parents, "
            "or whose parents are missing, in a social-assistance facility or serving a prison sentence"
        ),
    ),
    "5.2": CategoryLabel(
        _("Aged 16–22 in education, formerly under clause 1"),
        2,
        "",
        _(
            "Person aged 16 to 22 in general education, vocational training, professional secondary school, "
            "college or a first university degree who was a child without a source of support (clause 1)"
        ),
    ),
    "5.3": CategoryLabel(
        _("Child with HIV/AIDS in a poor household"),
        3,
        "",
        _("Child with HIV/AIDS in a poor household"),
    ),
    "5.4": CategoryLabel(
        _("Poor single parent raising children"),
        4,
        "",
        _(
            "Person of a poor or near-poor household without a spouse, or whose spouse has passed away or is "
            "missing, raising a child under 16 or a child aged 16 to 22 in education"
        ),
    ),
    "5.5a": CategoryLabel(
        _("Poor elderly person with no one to support them"),
        5,
        "a",
        _(
            "Elderly person of a poor household with no one obliged and entitled to support them, or whose "
            "supporter receives a monthly social allowance"
        ),
    ),
    "5.5b": CategoryLabel(
        _("Aged 75 to 80, poor or near-poor, in an extremely difficult area"),
        5,
        "b",
        _(
            "Person aged 75 to under 80 of a poor or near-poor household, not under point a, living in a commune "
            "or village of ethnic-minority and mountain areas with extremely difficult conditions"
        ),
    ),
    "5.5c": CategoryLabel(
        _("Aged 80 or more without a pension or allowance"),
        5,
        "c",
        _(
            "Person aged 80 or more, not under point a, with no pension, monthly social-insurance allowance or "
            "monthly social allowance"
        ),
    ),
    "5.5d": CategoryLabel(
        _("Poor elderly person cared for in the community"),
        5,
        "d",
        _(
            "Elderly person of a poor household with no one to support them and unable to live in the community, "
            "eligible for a social-assistance facility, taken in by a carer in the community"
        ),
    ),
    "5.6es": CategoryLabel(
        _("Person with an extremely severe disability"),
        6,
        "",
        _(
            "Person with an extremely severe disability under the law on persons with disabilities (a child or "
            "an elderly person with it has a higher coefficient)"
        ),
    ),
    "5.6s": CategoryLabel(
        _("Person with a severe disability"),
        6,
        "",
        _(
            "Person with a severe disability under the law on persons with disabilities (a child or an elderly "
            "person with it has a higher coefficient)"
        ),
    ),
    "5.7": CategoryLabel(
        _("Child under 3 in an extremely difficult area"),
        7,
        "",
        _(
            "Child under 3 of a poor or near-poor household, not under clauses 1, 3 and 6, living in a commune or "
            "village of ethnic-minority and mountain areas with extremely difficult conditions"
        ),
    ),
    "5.8": CategoryLabel(
        _("Person with HIV/AIDS in a poor household"),
        8,
        "",
        _(
            "Person with HIV/AIDS of a poor household with no stable monthly income (wage, pension, "
            "social-insurance allowance or monthly social allowance)"
        ),
    ),
}

# The clauses of Art. 5, by which the dashboard and the case list group the categories.
CLAUSES: dict[str, tuple[Promise, int]] = {
    "5.1": (_("Children without a source of support"), 1),
    "5.2": (_("Aged 16–22 in education"), 2),
    "5.3": (_("Children with HIV/AIDS"), 3),
    "5.4": (_("Poor single parents"), 4),
    "5.5": (_("Elderly people"), 5),
    "5.6": (_("People with disabilities"), 6),
    "5.7": (_("Children under 3 in extremely difficult areas"), 7),
    "5.8": (_("People with HIV/AIDS"), 8),
}


def short_label(code: str) -> str:
    """'Người khuyết tật đặc biệt nặng (k.6 Đ.5)'; an unknown code as it is."""
    found = LABELS.get(code)
    return f"{found.short} ({found.citation})" if found else code


def full_label(code: str) -> str:
    """The decree's wording with the whole citation, for a tooltip or a detail page."""
    found = LABELS.get(code)
    return f"{found.full} ({found.full_citation})" if found else code


def clause_label(clause: str) -> str:
    """'Người cao tuổi (k.5 Đ.5)' for the clause '5.5'; an unknown clause as it is."""
    found = CLAUSES.get(clause)
    if not found:
        return clause
    return f"{found[0]} ({pgettext('decree citation', 'cl. %(clause)d Art. 5') % {'clause': found[1]}})"


def in_vietnamese(text) -> str:
    """A label as the documents print it (Vietnamese by law), whatever the page's language."""
    with translation.override("vi"):
        return str(text)
