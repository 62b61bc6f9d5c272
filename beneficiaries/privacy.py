"""What the allowance cases tell a person's data report (``privacy.subjects``): each case, its
categories (health-related ones included: the data subject has the right to see them) and how it is
paid. Registered in ``BeneficiariesConfig.ready()``."""

from django.db.models import Prefetch
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from beneficiaries.models import Case, CaseCategory
from beneficiaries.selectors import masked_account
from privacy.subjects import RecordSection


def person_case_records(person_id: int) -> list[RecordSection]:
    categories = Prefetch("categories", queryset=CaseCategory.objects.select_related("category"))
    cases = Case.objects.filter(person_id=person_id).select_related("commune").prefetch_related(categories)
    english = (get_language() or "vi").startswith("en")
    sections = []
    for case in cases.order_by("created_at", "id"):
        names = [
            f"{row.category.code} {row.category.name_en if english else row.category.name_vi}"
            for row in case.categories.all()
        ]
        rows = [
            (_("Commune"), case.commune.name),
            (_("Status"), case.get_status_display()),
            (_("Categories"), "; ".join(names) or "—"),
            (_("First month paid"), case.start_month.strftime("%m/%Y") if case.start_month else "—"),
            (_("Last month paid"), case.end_month.strftime("%m/%Y") if case.end_month else "—"),
            (_("Payment"), masked_account(case, full=True)),
        ]
        if case.account_name:
            rows.append((_("Account holder"), case.account_name))
        sections.append(
            RecordSection(
                title=_("Allowance case filed %(date)s") % {"date": case.created_at.strftime("%d/%m/%Y")}, rows=rows
            )
        )
    return sections
