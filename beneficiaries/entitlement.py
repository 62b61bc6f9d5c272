"""The entitlement engine: for a set of cases and a month, each person's amount and why.

``compute(cases, month)`` reads everything it needs in a fixed number of queries (cases with their
person and province; categories; suspensions; base levels; coefficient bands), whatever the number
of cases, then works in memory. For each case it pays the month itself and every earlier month that
is eligible and not yet paid (**arrears**), each month at its own base level and age:

- eligible: from ``start_month`` to the earliest of ``end_month`` and the month of death, outside a
  suspension (unless the chair resumed it with arrears), under the case's categories of that month;
- already paid: up to ``paid_through_month`` (before this product), and the months in ``paid``
  (the payment runs pass the months they have paid);
- **a person is paid at most once for a month, whatever the case or commune**: the payment runs'
  provider answers, for each case, the months paid to the case's *person* by any of their cases
  (``disbursements.selectors.paid_months_for``); a person's ``paid_through_month`` is the greatest
  over all their cases (months a closed, transferred or earlier case had paid before the product
  count for a re-opened or transferred one); and when two cases of the same person are computed
  together and owe the same month, only the older case (the lower id) pays it;
- the amount of a month: base × the highest coefficient among the categories payable at the
  person's age that month, plus base × the 5.4 coefficient × dependent children (Decree 20
  Art. 6(2)); nothing when no category is payable.
"""

import calendar
import gc
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from beneficiaries.models import BaseLevel, Case, CaseCategory, CoefficientBand, Suspension
from core.formatting import month, number
from core.months import add_months, first_of_month
from privacy.visibility import generalised_category

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
        """'05/2025: 750.000 = 500.000 × 1,5 (5.5a, age 72)' (numbers in the interface's language)"""
        return self.explained(full_health=True)

    def explained(self, *, full_health: bool) -> str:
        """The explanation as a reader reads it: a health-related category (its code alone tells HIV or
        a disability's level) generalised for one who may not see health data, as everywhere else."""
        shown = (lambda code: code) if full_health else generalised_category
        parts = []
        if self.category:
            age = _("age %(age)d") % {"age": self.age}
            parts.append(f"{number(self.base)} × {coefficient_text(self.coefficient)} ({shown(self.category)}, {age})")
        if self.dependent_children:
            parts.append(
                f"{number(self.base)} × {coefficient_text(self.per_child_coefficient)} × {self.dependent_children} "
                f"({shown(self.per_child_category)})"
            )
        if not parts:
            return f"{month(self.month)}: 0 (" + _("age %(age)d: no category payable") % {"age": self.age} + ")"
        return f"{month(self.month)}: {number(self.amount)} = " + " + ".join(parts)


def coefficient_text(coefficient: Decimal) -> str:
    """1.50 -> '1,5', 2.00 -> '2,0' in Vietnamese ('1.5', '2.0' in English): the way the decree
    writes coefficients, with the interface's decimal separator."""
    places = len(f"{coefficient:.2f}".rstrip("0").split(".")[1]) if coefficient % 1 else 1
    return number(Decimal(coefficient), places)


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
            # A province may set a *higher* level (Decree 20 Art. 4(3)): when the national level
            # later rises above the province's, the national one applies.
            self._base_cache[key] = max(self._lookup(province_id, month) or 0, self._lookup(None, month) or 0)
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


def _index(month: date) -> int:
    """A month as a number (year × 12 + month − 1): the loops below count in these."""
    return month.year * 12 + month.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


# Months already paid come from the payment runs (disbursements), which register a provider here
# so that this module does not depend on them: provider(case ids or a queryset) -> {case id: months
# paid to that case's person by any case}.
_paid_months_provider = None


def register_paid_months_provider(provider) -> None:
    global _paid_months_provider
    _paid_months_provider = provider


def paid_months(cases) -> dict[int, set[date]]:
    """Months already covered by a payment run for each case's person (by any of the person's
    cases), per case id (empty without the payments app)."""
    return _paid_months_provider(cases) if _paid_months_provider else {}


def compute(
    cases: QuerySet[Case] | Iterable[int],
    month: date,
    *,
    paid: dict[int, set[date]] | None = None,
    rules: Rules | None = None,
) -> dict[int, Entitlement]:
    """Each case's entitlement for ``month`` (its amount plus arrears), by case id. ``paid``:
    months already paid per case; ``None`` asks the payment runs (``paid_months``)."""
    # Millions of small objects and no reference cycles: the cyclic garbage collector would walk
    # all of them again and again while they are created (a third of the time at a million cases).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compute(cases, month, paid=paid, rules=rules)
    finally:
        if collecting:
            gc.enable()


def _compute(cases, month: date, *, paid, rules) -> dict[int, Entitlement]:
    month = first_of_month(month)
    rules = rules or Rules()
    paid = paid_months(cases) if paid is None else paid
    # A queryset stays a subquery (a million ids never travel as a list); ids are used as given.
    case_ids = cases.values("pk") if isinstance(cases, QuerySet) else list(cases)
    # No ORDER BY (the models' default ordering would sort a million rows on disk for nothing).
    # The cases themselves are read from the queryset given (no join of the table with itself).
    selected = (
        cases if isinstance(cases, QuerySet) and not cases.query.is_sliced else Case.objects.filter(pk__in=case_ids)
    )
    rows = _fetch(
        selected.order_by().values_list(
            "pk", "person_id", "person__date_of_birth", "person__date_of_death", "commune__province_id",
            "start_month", "end_month", "paid_through_month",
        )
    )  # fmt: skip
    # Persons with more than one case (any status, any commune) -> the greatest paid_through_month
    # over all their cases: months any case had paid before the product are paid for the person.
    several = dict(
        _fetch(
            Case.objects.filter(person_id__in=selected.values("person_id"))
            .order_by()
            .values("person_id")
            .annotate(cases=Count("pk"), paid_through=Max("paid_through_month"))
            .filter(cases__gt=1)
            .values_list("person_id", "paid_through")
        )
    )
    if several:
        # Their cases come last, oldest case first, so that a month two of them owe goes to the
        # older one whatever order the database returned (every other case keeps its place).
        deferred = sorted((row for row in rows if row[1] in several), key=lambda row: row[0])
        if deferred:
            rows = [row for row in rows if row[1] not in several] + deferred
    # Months already given to a case of a person with several, in this computation (indexes).
    taken_by_person: dict[int, set[int]] = {}
    # Per case: (categories, dated, key). ``categories`` is a tuple of (code, children, from index,
    # to index, per child), one object for every case holding the same ones; ``key`` numbers it.
    held_by_case = defaultdict(list)
    for case_id, code, children, from_month, to_month, per_child in _fetch(
        CaseCategory.objects.filter(case_id__in=case_ids)
        .order_by()
        .values_list(
            "case_id", "category_id", "dependent_children", "from_month", "to_month", "category__per_child_addition"
        )
    ):
        held_by_case[case_id].append((
            code, children, from_month and _index(from_month), to_month and _index(to_month), per_child
        ))  # fmt: skip
    shared: dict = {}
    categories = {}
    for case_id, held in held_by_case.items():
        held = tuple(held)
        if held not in shared:
            dated = any(row[2] is not None or row[3] is not None for row in held)
            shared[held] = (held, dated, len(shared))
        categories[case_id] = shared[held]
    del held_by_case, shared
    suspended = defaultdict(list)
    for case_id, from_month, to_month, with_arrears in _fetch(
        Suspension.objects.filter(case_id__in=case_ids)
        .order_by()
        .values_list("case_id", "from_month", "to_month", "arrears_on_resume")
    ):
        if not (with_arrears and to_month is not None):
            suspended[case_id].append((_index(from_month), _index(to_month) if to_month else None))
    run = _index(month)
    bases: dict = {}
    # A month's line depends only on (month, age, base, categories in force): a million cases
    # share a few thousand of them (MonthAmount is frozen), so each is built once.
    lines: dict = {}
    nothing = ((), False, -1)
    result = {}
    # A million cases pass through this loop: months are counted as integers (see _index) and
    # the dates' fields read inline.
    for case_id, person_id, born, died, province_id, start, end, paid_through in rows:
        entitlement = Entitlement(case_id, month)
        result[case_id] = entitlement
        if start is None:
            continue
        taken = None
        if several and person_id in several:
            taken = taken_by_person.setdefault(person_id, set())
            person_paid_through = several[person_id]
            if person_paid_through is not None and (paid_through is None or person_paid_through > paid_through):
                paid_through = person_paid_through
        last = run
        if end is not None and end.year * 12 + end.month - 1 < last:
            last = end.year * 12 + end.month - 1
        if died is not None and died.year * 12 + died.month - 1 < last:
            last = died.year * 12 + died.month - 1
        first = start.year * 12 + start.month - 1
        if paid_through is not None and paid_through.year * 12 + paid_through.month > first:
            first = paid_through.year * 12 + paid_through.month  # the month after it
        if first > last:
            continue
        held, dated, held_key = categories.get(case_id, nothing)
        already = {_index(day) for day in paid[case_id]} if case_id in paid else ()
        if taken:
            already = set(already) | taken
        gaps = suspended.get(case_id)
        born_index = born.year * 12 + born.month - 1
        # Born on 29 February: in the February of a common year the birthday is not reached.
        leapling = born.month == 2 and born.day == 29
        months = entitlement.months
        for current in range(first, last + 1):
            if current in already or (
                gaps and any(low <= current and (high is None or current <= high) for low, high in gaps)
            ):
                continue
            # Completed years on the last day of the month (rules.md §2), as age_in_month.
            age = (current - born_index) // 12
            if leapling and current % 12 == 1 and not calendar.isleap(current // 12):
                age -= 1
            base = bases.get((province_id, current))
            if base is None:
                base = bases[(province_id, current)] = rules.base(province_id, _month(current))
            if dated:
                in_force = tuple(
                    row for row in held
                    if (row[2] is None or current >= row[2]) and (row[3] is None or current <= row[3])
                )  # fmt: skip
                key = (current, age, base, in_force)
            else:
                in_force, key = held, (current, age, base, held_key)
            line = lines.get(key)
            if line is None:
                line = lines[key] = _line(rules, in_force, age, base, _month(current))
            if line.amount or current == run:
                months.append(line)
        if taken is not None:
            taken.update(_index(line.month) for line in months if line.amount)
    return result


def _fetch(queryset) -> list[tuple]:
    """The rows of a ``values_list`` queryset in one fetch (iterating it fetches 100 at a time,
    which a million rows feel). Only for fields the database returns as Python wants them."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. no ids at all
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _month_amount(rules: Rules, categories, born: date, province_id, month: date) -> MonthAmount:
    """``categories`` as (code, children, from month, to month, per child), months as dates."""
    in_force = [row for row in categories if not ((row[2] and month < row[2]) or (row[3] and month > row[3]))]
    return _line(rules, in_force, age_in_month(born, month), rules.base(province_id, month), month)


def _line(rules: Rules, categories, age: int, base: int, month: date) -> MonthAmount:
    """The amount of a month for the categories in force that month."""
    best_code, best = "", Decimal(0)
    child_code, child_coefficient, children = "", Decimal(0), 0
    payable = []
    for code, dependent_children, _from_month, _to_month, per_child in categories:
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


def funeral_support(case: Case, *, rules: Rules | None = None) -> tuple[int, str] | None:
    """Funeral support for a beneficiary who died (Decree 20 Art. 11): the ``funeral`` rate
    (20 ×) times the base level of the month of death, paid once to whoever arranges the funeral.
    None while the person is alive or the case never started."""
    from beneficiaries.models import OneOffRate

    died = case.person.date_of_death
    if died is None or case.start_month is None:
        return None
    rate = OneOffRate.objects.filter(code="funeral").values_list("coefficient", flat=True).first()
    if rate is None:
        return None
    rules = rules or Rules()
    base = rules.base(case.commune.province_id, first_of_month(died))
    amount = _amount(base, rate)
    return amount, f"{number(amount)} = {coefficient_text(rate)} × {number(base)} ({month(died)})"
