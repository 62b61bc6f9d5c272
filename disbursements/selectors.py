"""Shared reads of payment runs."""

from datetime import date

from django.db.models import QuerySet

from disbursements.models import PaidMonth


def paid_months_for(cases) -> dict[int, set[date]]:
    """Months covered by a run line, per case: what the entitlement engine must not pay again.
    ``cases``: a queryset of cases (kept as a subquery) or case ids."""
    covered = PaidMonth.objects.filter(case__in=cases if isinstance(cases, QuerySet) else list(cases))
    paid: dict[int, set[date]] = {}
    for case_id, month in covered.values_list("case_id", "month").order_by():
        paid.setdefault(case_id, set()).add(month)
    return paid
