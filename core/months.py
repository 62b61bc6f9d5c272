"""Months are stored as the first day of the month (a DateField with a check constraint)."""

from datetime import date

from django.db.models import Q


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def is_first_of_month_q(field: str) -> Q:
    """A check-constraint condition: ``field`` holds the first day of a month."""
    return Q(**{f"{field}__day": 1})
