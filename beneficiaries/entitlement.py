"""The entitlement engine: for a set of cases and a month, each person's amount and why.

``compute(cases, month)`` reads everything it needs in a fixed number of queries (base levels and
coefficient bands; then one query that groups the cases by what decides their months, see
``_SIGNATURES``), whatever the number of cases, and works out each group's months once in memory.
It answers a mapping case id -> ``Entitlement`` (``Entitlements``; ``groups()`` gives the cases
owed the same months together). For each case it pays the month itself and every earlier month that
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
import contextlib
import gc
import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from beneficiaries.models import BaseLevel, Case, CoefficientBand
from core.formatting import month, number
from core.months import add_months, first_of_month
from privacy.visibility import generalised_category

WORK_MEM = "256MB"  # for the engine's one query (see _compute)

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


@dataclass(slots=True)  # a million of them for a province: no __dict__ each
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


class Entitlements(Mapping):
    """``compute``'s answer: case id -> ``Entitlement``, read as the dict it used to be (lookup,
    ``in``, ``len``, iteration, ``items()``, ``values()``, equality with a dict). The cases owed the
    same months are kept together, one list of ``MonthAmount`` for all of them, and a case's
    ``Entitlement`` is built when it is first read, then kept (reading it again gives the same
    object). ``groups()`` gives the cases together to a reader that works over arrays."""

    def __init__(self, month: date):
        self.month = month
        self._groups: list[tuple[list[int], list[MonthAmount]]] = []
        self._built: dict[int, Entitlement] = {}
        self._where: dict[int, list[MonthAmount]] | None = None  # case id -> months, on the first lookup
        self._count = 0

    def add_group(self, case_ids: list[int], months: list[MonthAmount]) -> None:
        if case_ids:
            self._groups.append((case_ids, months))
            self._count += len(case_ids)
            self._where = None

    def add_one(self, case_id: int, months: list[MonthAmount]) -> None:
        self.add_group([case_id], months)

    def groups(self) -> Iterator[tuple[list[int], list[MonthAmount]]]:
        """(case ids, the months each of them is owed, oldest first): every case once. The lists
        are the engine's own: read them, do not change them."""
        return iter(self._groups)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        for case_ids, _months in self._groups:
            yield from case_ids

    def __contains__(self, case_id) -> bool:
        return case_id in self._index()

    def __getitem__(self, case_id) -> Entitlement:
        entitlement = self._built.get(case_id)
        if entitlement is None:
            entitlement = self._built[case_id] = Entitlement(case_id, self.month, list(self._index()[case_id]))
        return entitlement

    def items(self):
        return _EntitlementItems(self)

    def values(self):
        return _EntitlementValues(self)

    def __repr__(self) -> str:
        return f"Entitlements({dict(self.items())!r})"

    def _index(self) -> dict[int, list[MonthAmount]]:
        if self._where is None:
            where: dict[int, list[MonthAmount]] = {}
            for case_ids, months in self._groups:
                where.update(dict.fromkeys(case_ids, months))
            self._where = where
        return self._where

    def _pairs(self) -> Iterator[tuple[int, Entitlement]]:
        built, month = self._built, self.month
        for case_ids, months in self._groups:
            for case_id in case_ids:
                entitlement = built.get(case_id)
                if entitlement is None:
                    entitlement = built[case_id] = Entitlement(case_id, month, list(months))
                yield case_id, entitlement


class _EntitlementItems(ItemsView):
    def __iter__(self):
        return self._mapping._pairs()


class _EntitlementValues(ValuesView):
    def __iter__(self):
        return (entitlement for _case_id, entitlement in self._mapping._pairs())


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
        self._categories = {}  # code -> (position, paid per child)
        for code, low, high, coefficient, effective_from, position, per_child in CoefficientBand.objects.order_by(
            "effective_from"
        ).values_list(
            "category_id", "min_age", "max_age", "coefficient", "effective_from", "category__position",
            "category__per_child_addition",
        ):  # fmt: skip
            bands[code].append((effective_from, low, high, coefficient))
            self._categories[code] = (position, per_child)
        self._bands = dict(bands)
        self._base_cache: dict = {}

    def own_level_provinces(self) -> list:
        """The provinces with a base level of their own (the others pay the national one)."""
        return [province_id for province_id in self._levels if province_id is not None]

    def per_child(self, code: str) -> bool:
        """Whether ``code`` is paid per dependent child, in addition (5.4); False for a category
        without bands (never payable)."""
        return self._categories.get(code, (0, False))[1]

    def position(self, code: str) -> int:
        """The category's place in the decree's order (``Category.position``); last without bands."""
        return self._categories.get(code, (1 << 15, False))[0]

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
) -> Entitlements:
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


# One query answers every case: each case's months owed are decided by its *signature* (first and
# last month owed, its birth month as far as its ages in those months go, its province when the
# province has a base level of its own, its categories and its suspensions), and a million cases
# share a few thousand signatures: the database groups the cases by signature (the ids of a group
# in an array) and Python expands each signature's months once. Months are numbers (``_index``);
# the parameters: the provinces with a base level of their own, the month computed three times,
# the case query's own, and its ids' (twice) and persons' when the other tables are restricted
# to them (_signatures_query). Cases of a person with several cases (any status,
# any commune) come alone (``alone``: their person), paid through the greatest
# ``paid_through_month`` of the person's cases; a case that owes nothing (not started, ended, or paid up) has a NULL signature.
_SIGNATURES = """
SELECT CASE WHEN live THEN first END, CASE WHEN live THEN last END,
       -- the birth month, moved within its year where no birthday falls in [first, last]
       CASE WHEN live THEN first - CASE WHEN offset_ < 0 THEN offset_ ELSE offset_ / 12 * 12
           + CASE WHEN offset_ %% 12 > 12 - length THEN offset_ %% 12 ELSE 0 END END END,
       live AND leapling, CASE WHEN live THEN province_id END COLLATE "C", CASE WHEN live THEN held END COLLATE "C",
       CASE WHEN live THEN gaps END COLLATE "C", CASE WHEN live THEN alone END, CASE WHEN live AND alone IS NOT NULL THEN id END,
       array_agg(id)
  FROM (
    SELECT *, coalesce(first <= last, false) AS live, first - born AS offset_, last - first + 1 AS length
      FROM (
        SELECT selected.id, CASE WHEN s.person_id IS NOT NULL THEN selected.person_id END AS alone, held, gaps,
               CASE WHEN selected.province_id = ANY(%s) THEN selected.province_id END AS province_id,
               {born} AS born,
               date_part('month', selected.born) = 2 AND date_part('day', selected.born) = 29 AS leapling,
               -- (greatest ignores NULL: a case not started owes nothing)
               CASE WHEN selected.start_month IS NOT NULL
                    THEN greatest({start_month}, coalesce({paid_through} + 1, 0)) END AS first,
               least(%s, coalesce({end_month}, %s), coalesce({died}, %s)) AS last
          FROM ({cases}) AS selected (id, person_id, born, died, province_id, start_month, end_month, paid_through)
          LEFT JOIN (
            SELECT case_id,
                   string_agg(category_id || ':' || dependent_children || CASE
                       WHEN from_month IS NOT NULL OR to_month IS NOT NULL
                       THEN ':' || coalesce({from_month}::text, '') || ':' || coalesce({to_month}::text, '') ELSE '' END,
                   ',') AS held
              FROM beneficiaries_casecategory
             {held_where}
             GROUP BY case_id
          ) h ON h.case_id = selected.id
          LEFT JOIN (
            SELECT case_id, string_agg({from_month} || ':' || coalesce({to_month}::text, ''), ',') AS gaps
              FROM beneficiaries_suspension
             WHERE NOT (arrears_on_resume AND to_month IS NOT NULL) {gaps_where}
             GROUP BY case_id
          ) g ON g.case_id = selected.id
          LEFT JOIN (
            SELECT person_id, max(paid_through_month) AS paid_through
              FROM beneficiaries_case
             {several_where}
             GROUP BY person_id
            HAVING count(*) > 1
          ) s ON s.person_id = selected.person_id
        OFFSET 0  -- each month number computed once per case
      ) AS cases
  ) AS owed
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
"""


def _month_sql(column: str) -> str:
    return f"(date_part('year', {column})::int * 12 + date_part('month', {column})::int - 1)"


_SIGNATURES = _SIGNATURES.format(
    cases="{cases}",
    held_where="{held_where}",
    gaps_where="{gaps_where}",
    several_where="{several_where}",
    **{
        name: _month_sql(column)
        for name, column in {
            "born": "selected.born", "start_month": "selected.start_month", "end_month": "selected.end_month",
            "died": "selected.died", "from_month": "from_month", "to_month": "to_month",
            "paid_through": "coalesce(s.paid_through, selected.paid_through)",
        }.items()
    },
)  # fmt: skip


def _compute(cases, month: date, *, paid, rules) -> Entitlements:
    month = first_of_month(month)
    rules = rules or Rules()
    paid = paid_months(cases) if paid is None else paid
    # A queryset stays a subquery (a million ids never travel as a list); ids are used as given.
    # No ORDER BY (the models' default ordering would sort a million rows on disk for nothing).
    # The cases themselves are read from the queryset given (no join of the table with itself).
    selected = (
        cases
        if isinstance(cases, QuerySet) and not cases.query.is_sliced
        else Case.objects.filter(pk__in=cases.values("pk") if isinstance(cases, QuerySet) else list(cases))
    )
    result = Entitlements(month)
    try:
        sql, params = (
            selected.order_by()
            .values_list(
                "pk", "person_id", "person__date_of_birth", "person__date_of_death", "commune__province_id",
                "start_month", "end_month", "paid_through_month",
            )
            .query.sql_with_params()
        )  # fmt: skip
        ids_sql, ids_params = selected.order_by().values("pk").query.sql_with_params()
        persons_sql, persons_params = selected.order_by().values("person_id").query.sql_with_params()
    except EmptyResultSet:  # e.g. no ids at all
        return result
    run = _index(month)
    with connections[selected.db].cursor() as cursor:
        # Without JIT (compiling this query's expressions took seconds, more than running them) and
        # with the memory to hash a million cases (the default spills them to disk); the settings
        # are put back as they were afterwards.
        cursor.execute(
            "SELECT current_setting('jit'), current_setting('work_mem'), set_config('jit', 'off', false), "
            "set_config('work_mem', %s, false)",
            [WORK_MEM],
        )
        settings = cursor.fetchone()[:2]
        try:
            cursor.execute(
                *_signatures_query(cursor, sql, params, ids_sql, ids_params, persons_sql, persons_params, run, rules)
            )
            rows = cursor.fetchall()
        finally:
            with contextlib.suppress(DatabaseError):  # a failed transaction: its rollback puts them back
                cursor.execute("SELECT set_config('jit', %s, false), set_config('work_mem', %s, false)", settings)
    bases: dict = {}
    # A month's line depends only on (month, age, base, categories in force): a million cases
    # share a few thousand of them (MonthAmount is frozen), so each is built once.
    lines: dict = {}
    parsed_held: dict = {}
    parsed_gaps: dict = {}
    alone = []
    for first, last, born, leapling, province_id, held_text, gaps_text, person_id, case_id, ids in rows:
        if first is None:  # nothing owed
            result.add_group(ids, [])
            continue
        held = parsed_held.get(held_text)
        if held is None:
            held = parsed_held[held_text] = _parse_held(held_text, rules)
        gaps = parsed_gaps.get(gaps_text)
        if gaps is None:
            gaps = parsed_gaps[gaps_text] = _parse_gaps(gaps_text)
        signature = (first, last, born, leapling, province_id, held, gaps)
        if person_id is not None:
            alone.append((case_id, person_id, signature))
            continue
        if paid:
            # Months already paid to the case's person inside [first, last]: the case is
            # computed on its own (a month paid outside that span changes nothing).
            own = []
            for one in [one for one in ids if one in paid]:
                already = {index for index in map(_index, paid[one]) if first <= index <= last}
                if already:
                    own.append(one)
                    result.add_one(one, _months(rules, bases, lines, run, signature, already))
            if own:
                own = set(own)
                ids = [one for one in ids if one not in own]
        result.add_group(ids, _months(rules, bases, lines, run, signature, ()))
    # A month two cases of the same person owe goes to the older one (the lower id); their cases
    # come last, oldest first (every other case keeps its place).
    taken_by_person: dict[int, set[int]] = {}
    for case_id, person_id, signature in sorted(alone, key=lambda row: row[0]):
        taken = taken_by_person.setdefault(person_id, set())
        already = {_index(day) for day in paid[case_id]} if case_id in paid else set()
        months = _months(rules, bases, lines, run, signature, already | taken)
        taken.update(_index(line.month) for line in months if line.amount)
        result.add_one(case_id, months)
    return result


def _signatures_query(cursor, sql, params, ids_sql, ids_params, persons_sql, persons_params, run, rules):
    """_SIGNATURES for the cases of ``sql`` (their ids and persons in ``ids_sql``, ``persons_sql``).
    When the planner expects them to be a good part of all cases (a province's run in one go, the
    bench), the categories, suspensions and persons with several cases are aggregated over whole
    tables (one pass each, and the join keeps the cases asked); for fewer (a batch of a run, a
    case page), over the cases asked only."""
    cursor.execute(
        f"EXPLAIN (FORMAT JSON) SELECT 1 FROM ({ids_sql}) AS asked UNION ALL SELECT 1 FROM beneficiaries_case",
        ids_params,
    )
    plan = cursor.fetchone()[0]
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    asked, every = (part["Plan Rows"] for part in plan["Plans"])
    statement = _SIGNATURES.replace("{cases}", sql)
    if asked * 4 >= every:
        held, gaps, several, where_params = "", "", "", []
    else:
        held, gaps = f"WHERE case_id IN ({ids_sql})", f"AND case_id IN ({ids_sql})"
        several, where_params = f"WHERE person_id IN ({persons_sql})", [*ids_params, *ids_params, *persons_params]
    statement = statement.replace("{held_where}", held).replace("{gaps_where}", gaps)
    statement = statement.replace("{several_where}", several)
    return statement, [rules.own_level_provinces(), run, run, run, *params, *where_params]


def _parse_held(text: str | None, rules: Rules) -> tuple[tuple, bool]:
    """``code:children:from:to,…`` (months as numbers, empty when open) -> ((code, children, from,
    to, per child), …), and whether any of them is dated; in the categories' order (the order of
    ``CaseCategory``'s Meta and of ``projection``), whatever order the database aggregated them in."""
    if not text:
        return (), False
    held = []
    for part in text.split(","):
        code, children, from_month, to_month = (part + "::").split(":")[:4]
        held.append((
            code, int(children), int(from_month) if from_month else None, int(to_month) if to_month else None,
            rules.per_child(code),
        ))  # fmt: skip
    held.sort(key=lambda row: (rules.position(row[0]), row[0], row[2] or 0, row[3] or 0, row[1]))
    return tuple(held), any(row[2] is not None or row[3] is not None for row in held)


def _parse_gaps(text: str | None) -> tuple[tuple[int, int | None], ...]:
    """``from:to,…`` (months as numbers, ``to`` empty while still suspended) -> ((from, to), …)."""
    if not text:
        return ()
    return tuple((int(low), int(high) if high else None) for low, high in (part.split(":") for part in text.split(",")))


def _months(rules: Rules, bases: dict, lines: dict, run: int, signature: tuple, already) -> list[MonthAmount]:
    """The months owed by a signature (see _SIGNATURES), less those in ``already`` (numbers):
    each eligible month's line, a month worth nothing only when it is the run's own."""
    first, last, born, leapling, province_id, (held, dated), gaps = signature
    months = []
    for current in range(first, last + 1):
        if current in already or (
            gaps and any(low <= current and (high is None or current <= high) for low, high in gaps)
        ):
            continue
        # Completed years on the last day of the month (rules.md §2), as age_in_month.
        age = (current - born) // 12
        # Born on 29 February: in the February of a common year the birthday is not reached.
        if leapling and current % 12 == 1 and not calendar.isleap(current // 12):
            age -= 1
        base = bases.get((province_id, current))
        if base is None:
            base = bases[(province_id, current)] = rules.base(province_id, _month(current))
        if dated:
            held_now = tuple(
                row for row in held if (row[2] is None or current >= row[2]) and (row[3] is None or current <= row[3])
            )
        else:
            held_now = held
        key = (current, age, base, held_now)
        line = lines.get(key)
        if line is None:
            line = lines[key] = _line(rules, held_now, age, base, _month(current))
        if line.amount or current == run:
            months.append(line)
    return months


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
