"""The entitlement engine: for a set of cases and a month, each person's amount and why.

``compute(cases, month)`` reads everything it needs in a fixed number of queries (cases with their
person and province; categories; suspensions; base levels; coefficient bands), whatever the number
of cases, then works in memory. For each case it pays the month itself and every earlier month that
is eligible and not yet paid (**arrears**), each month at its own base level and age:

- eligible: from ``start_month`` to the earliest of ``end_month`` and the month of death, outside a
  suspension (unless the chair resumed it with arrears), under the case's categories of that month;
- already paid: up to ``paid_through_month`` (before this product), and the months in ``paid``
  (the payment runs pass the months they have paid);
- the amount of a month: base × the highest coefficient among the categories payable at the
  person's age that month, plus base × the 5.4 coefficient × dependent children (Decree 20
  Art. 6(2)); nothing when no category is payable.
"""

import calendar
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from beneficiaries.models import BaseLevel, Case, CaseCategory, CoefficientBand, Suspension
from core.months import add_months, first_of_month

# Cases whose months can be owed: active ones, and ended ones with months still unpaid.
PAYABLE_STATUSES = (Case.Status.ACTIVE, Case.Status.SUSPENDED, Case.Status.TERMINATED, Case.Status.TRANSFERRED)


@dataclass(frozen=True)
class MonthAmount:
    month: date
    age: int
    base: int
    category: str  # the category whose coefficient is paid ("" when only 5.4, or nothing)
    coefficient: Decimal  # of that category (0 when none)
    per_child_category: str = ""
    per_child_coefficient: Decimal = Decimal(0)
    dependent_children: int = 0
    payable: tuple[str, ...] = ()  # every category payable that month
    amount: int = 0

    @property
    def explanation(self) -> str:
        """'2025-05: 750,000 = 500,000 × 1.5 (5.5a, age 72)'"""
        parts = []
        if self.category:
            age = _("age %(age)d") % {"age": self.age}
            parts.append(f"{self.base:,} × {_coefficient_text(self.coefficient)} ({self.category}, {age})")
        if self.dependent_children:
            parts.append(
                f"{self.base:,} × {_coefficient_text(self.per_child_coefficient)} × {self.dependent_children} "
                f"({self.per_child_category})"
            )
        if not parts:
            return f"{self.month:%Y-%m}: 0 (" + _("age %(age)d: no category payable") % {"age": self.age} + ")"
        return f"{self.month:%Y-%m}: {self.amount:,} = " + " + ".join(parts)


def _coefficient_text(coefficient: Decimal) -> str:
    """1.50 -> '1.5', 2.00 -> '2.0': the way the decree writes coefficients."""
    return f"{coefficient:.2f}".rstrip("0").rstrip(".") if coefficient % 1 else f"{coefficient:.1f}"


@dataclass
class Entitlement:
    case_id: int
    month: date
    months: list[MonthAmount] = field(default_factory=list)  # oldest first; the run's month last

    @property
    def amount(self) -> int:
        return sum(line.amount for line in self.months)

    @property
    def arrears_months(self) -> list[date]:
        return [line.month for line in self.months if line.month < self.month and line.amount]

    @property
    def current(self) -> MonthAmount | None:
        return self.months[-1] if self.months and self.months[-1].month == self.month else None


def age_in_month(born: date, month: date) -> int:
    """Completed years on the last day of ``month`` (rules.md §2)."""
    last_day = calendar.monthrange(month.year, month.month)[1]
    return month.year - born.year - ((month.month, last_day) < (born.month, born.day))


class Rules:
    """Base levels and coefficient bands, read once (2 queries) and looked up in memory."""

    def __init__(self):
        levels = defaultdict(list)
        for province_id, effective_from, amount in BaseLevel.objects.order_by("effective_from").values_list(
            "province_id", "effective_from", "amount"
        ):
            levels[province_id].append((effective_from, amount))
        self._levels = {
            key: ([start for start, _ in rows], [amount for _, amount in rows]) for key, rows in levels.items()
        }
        bands = defaultdict(list)
        for code, low, high, coefficient, effective_from in CoefficientBand.objects.order_by(
            "effective_from"
        ).values_list("category_id", "min_age", "max_age", "coefficient", "effective_from"):
            bands[code].append((effective_from, low, high, coefficient))
        self._bands = dict(bands)
        self._base_cache: dict = {}

    def base(self, province_id, month: date) -> int:
        key = (province_id, month)
        if key not in self._base_cache:
            self._base_cache[key] = self._lookup(province_id, month) or self._lookup(None, month) or 0
        return self._base_cache[key]

    def _lookup(self, province_id, month: date) -> int | None:
        if province_id not in self._levels:
            return None
        starts, amounts = self._levels[province_id]
        index = bisect_right(starts, month) - 1
        return amounts[index] if index >= 0 else None

    def coefficient(self, code: str, age: int, month: date) -> Decimal | None:
        """The band of ``code`` for ``age`` in force in ``month`` (latest effective_from wins)."""
        rows = self._bands.get(code, ())
        latest = max((start for start, *_rest in rows if start <= month), default=None)
        if latest is None:
            return None
        for start, low, high, coefficient in rows:
            if start == latest and (low is None or age >= low) and (high is None or age < high):
                return coefficient
        return None


def _amount(base: int, coefficient: Decimal) -> int:
    return int(base * coefficient)  # coefficients have two decimals: base × 2.5 is whole đồng


def compute(
    cases: QuerySet[Case] | Iterable[int],
    month: date,
    *,
    paid: dict[int, set[date]] | None = None,
    rules: Rules | None = None,
) -> dict[int, Entitlement]:
    """Each case's entitlement for ``month`` (its amount plus arrears), by case id."""
    month = first_of_month(month)
    rules = rules or Rules()
    paid = paid or {}
    # A queryset stays a subquery (a million ids never travel as a list); ids are used as given.
    case_ids = cases.values("pk") if isinstance(cases, QuerySet) else list(cases)
    rows = Case.objects.filter(pk__in=case_ids).values_list(
        "pk", "person__date_of_birth", "person__date_of_death", "commune__province_id", "start_month",
        "end_month", "paid_through_month",
    )  # fmt: skip
    categories = defaultdict(list)
    for case_id, code, children, from_month, to_month, per_child in CaseCategory.objects.filter(
        case_id__in=case_ids
    ).values_list(
        "case_id", "category_id", "dependent_children", "from_month", "to_month", "category__per_child_addition"
    ):
        categories[case_id].append((code, children, from_month, to_month, per_child))
    suspended = defaultdict(list)
    for case_id, from_month, to_month, with_arrears in Suspension.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "from_month", "to_month", "arrears_on_resume"
    ):
        if not (with_arrears and to_month is not None):
            suspended[case_id].append((from_month, to_month))
    result = {}
    for case_id, born, died, province_id, start, end, paid_through in rows:
        entitlement = Entitlement(case_id=case_id, month=month)
        result[case_id] = entitlement
        if start is None:
            continue
        last = month
        if end is not None:
            last = min(last, end)
        if died is not None:
            last = min(last, first_of_month(died))
        first = start if paid_through is None else max(start, add_months(paid_through, 1))
        already = paid.get(case_id, ())
        gaps = suspended.get(case_id, ())
        current = first
        while current <= last:
            if current not in already and not any(
                low <= current and (high is None or current <= high) for low, high in gaps
            ):
                entitlement.months.append(_month_amount(rules, categories[case_id], born, province_id, current))
            current = add_months(current, 1)
        entitlement.months = [line for line in entitlement.months if line.amount or line.month == month]
    return result


def _month_amount(rules: Rules, categories, born: date, province_id, month: date) -> MonthAmount:
    age = age_in_month(born, month)
    base = rules.base(province_id, month)
    best_code, best = "", Decimal(0)
    child_code, child_coefficient, children = "", Decimal(0), 0
    payable = []
    for code, dependent_children, from_month, to_month, per_child in categories:
        if (from_month and month < from_month) or (to_month and month > to_month):
            continue
        coefficient = rules.coefficient(code, age, month)
        if coefficient is None:
            continue
        payable.append(code)
        if per_child:
            child_code, child_coefficient, children = code, coefficient, dependent_children
        elif coefficient > best:
            best_code, best = code, coefficient
    amount = _amount(base, best) + _amount(base, child_coefficient) * children
    return MonthAmount(
        month=month, age=age, base=base, category=best_code, coefficient=best, per_child_category=child_code,
        per_child_coefficient=child_coefficient, dependent_children=children, payable=tuple(payable), amount=amount,
    )  # fmt: skip


def projection(case: Case, first_month: date, months: int = 12, *, rules: Rules | None = None) -> list[MonthAmount]:
    """What the case will be owed month by month from ``first_month`` (ignoring payments), for the
    case page: age bands changing by themselves show up in the month they happen."""
    rules = rules or Rules()
    categories = [
        (row.category_id, row.dependent_children, row.from_month, row.to_month, row.category.per_child_addition)
        for row in case.categories.select_related("category")
    ]
    person = case.person
    lines = []
    for offset in range(months):
        month = add_months(first_of_month(first_month), offset)
        if case.start_month is None or month < case.start_month:
            continue
        if (case.end_month and month > case.end_month) or (
            person.date_of_death and month > first_of_month(person.date_of_death)
        ):
            break
        lines.append(_month_amount(rules, categories, person.date_of_birth, case.commune.province_id, month))
    return lines
