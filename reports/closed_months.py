"""Health-insurance coverage of the months that have closed, stored once per commune and month
(``reports.models.ClosedMonthCoverage``) so that a dashboard computes only the month that runs.

**What is frozen.** For a commune and a month whose last day has passed (``is_closed``): the living
members of its households on that last day and those of them holding a valid card, the month's
beneficiaries (the cases paid for it) and those of them holding a valid card on that day: the four
numbers of the coverage trend (``figures.MonthCoverage``), counted by exactly the rules and the SQL
the dashboards count the month that runs with (``beneficiaries.sql.coverage_on_days`` and
``paid_and_covered_by_month``; a test computes them both ways and compares). Nothing else is
stored: the month's beneficiaries by category, its run, the lists, open work and lateness are
computed every time.

**Why that is right.** A closed month's coverage is a report of that month: what the records said
when it ended. Beat writes it the day after it ends (``close_months``: the month that has just
closed, for every commune with records), and a dashboard that finds it missing computes and writes
it then (the first reader freezes it). A correction entered later with a date in the past (a death
registered weeks after it happened, a card keyed in late, a membership moved back) changes the
month that runs at once but does not rewrite the report of a closed month, as a report sent to the
province is not rewritten.

**What recomputes it.** ``manage.py close_coverage_months --recompute [--month YYYY-MM]
[--province CODE | --commune CODE]`` counts the chosen months again from the records as they stand
and replaces the stored rows (after a data correction, or an import of past records that the
province decides should count in the past months' reports); without ``--recompute`` it writes only
the missing ones, as beat does. Deleting rows has the same effect: the next reader computes them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils import timezone

from beneficiaries import sql as beneficiaries_sql
from core.months import add_months, first_of_month
from reports.models import ClosedMonthCoverage

TABLE = ClosedMonthCoverage._meta.db_table


@dataclass(frozen=True)
class Counts:
    living_members: int = 0
    members_covered: int = 0
    beneficiaries: int = 0
    beneficiaries_covered: int = 0


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def is_closed(month: date, today: date) -> bool:
    """A month has closed once its last day has passed: its coverage day is its last day for good."""
    return month_end(month) < today


def coverage(codes: list[str], months: list[date], today: date) -> dict[tuple[str, date], Counts]:
    """(commune, month) → ``Counts`` for each of ``codes`` and ``months`` (first days): a closed month
    read from the store (computed and written first where missing), a month that runs counted on
    today. One query when every closed month is stored and none runs; two more to count what is
    missing or runs (members, beneficiaries: one pass each, a column per month), one to store."""
    codes = list(codes)
    closed = [month for month in months if is_closed(month, today)]
    running = [month for month in months if not is_closed(month, today)]
    found = _stored(codes, closed) if closed and codes else {}
    missing = [(code, month) for code in codes for month in closed if (code, month) not in found]
    to_count = sorted({month for _code, month in missing} | set(running))
    if to_count and codes:
        counted_codes = codes if running else sorted({code for code, _month in missing})
        counted = _count(counted_codes, to_count, today)
        if missing:
            found |= _store({key: counted[key] for key in missing}, replace=False)
        found |= {(code, month): counted[(code, month)] for code in codes for month in running}
    return found


def _stored(codes: list[str], months: list[date]) -> dict[tuple[str, date], Counts]:
    sql = f"""
    SELECT commune_id, month, living_members, members_covered, beneficiaries, beneficiaries_covered
    FROM {TABLE} WHERE commune_id = ANY(%(codes)s) AND month = ANY(%(months)s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"codes": codes, "months": months})
        return {(code, month): Counts(*numbers) for code, month, *numbers in cursor.fetchall()}


def _count(codes: list[str], months: list[date], today: date) -> dict[tuple[str, date], Counts]:
    """The four numbers of each commune and month, counted now from the records (two queries)."""
    days = [min(month_end(month), today) for month in months]
    n = len(months)
    params = {
        "codes": codes,
        "first_day": min(days),
        "last_day": max(days),
        **{f"m{i}": month for i, month in enumerate(months)},
        **{f"d{i}": day for i, day in enumerate(days)},
    }
    month_sql, day_sql = [f"%(m{i})s" for i in range(n)], [f"%(d{i})s" for i in range(n)]
    members_sql = f"SELECT * FROM ({beneficiaries_sql.coverage_on_days(day_sql, '%(first_day)s', '%(last_day)s')}) c"
    paid_sql = f"""SELECT * FROM ({
        beneficiaries_sql.paid_and_covered_by_month(month_sql, day_sql, "%(first_day)s", "%(last_day)s",
                                                    by_commune=True)
    }) b"""  # fmt: skip
    members, paid = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(members_sql, params)
        members = {code: counts for code, *counts in cursor.fetchall()}
        cursor.execute(paid_sql, params)
        paid = {code: counts for code, *counts in cursor.fetchall()}
    zeros = [0] * (2 * n)
    return {
        (code, month): Counts(
            members.get(code, zeros)[i],
            members.get(code, zeros)[n + i],
            paid.get(code, zeros)[i],
            paid.get(code, zeros)[n + i],
        )
        for code in codes
        for i, month in enumerate(months)
    }


def _store(counted: dict[tuple[str, date], Counts], *, replace: bool) -> dict[tuple[str, date], Counts]:
    """Write ``counted`` (closed months only); returns what the table holds for them afterwards: a row
    another reader wrote a moment before is kept (``replace=False``) and returned as it is."""
    if not counted:
        return {}
    keys = sorted(counted)
    columns = ["living_members", "members_covered", "beneficiaries", "beneficiaries_covered"]
    on_conflict = (
        "DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in [*columns, "day", "computed_at"])
        if replace
        else f"DO UPDATE SET day = {TABLE}.day"  # no change: only so that RETURNING gives the stored row
    )
    sql = f"""
    INSERT INTO {TABLE} (commune_id, month, day, {", ".join(columns)}, computed_at)
    SELECT * FROM unnest(%(codes)s::varchar[], %(months)s::date[], %(days)s::date[], %(living)s::int[],
                         %(covered)s::int[], %(paid)s::int[], %(paid_covered)s::int[]) AS t,
           (SELECT %(now)s::timestamptz) AS n
    ON CONFLICT (commune_id, month) {on_conflict}
    RETURNING commune_id, month, {", ".join(columns)}
    """
    params = {
        "codes": [code for code, _month in keys],
        "months": [month for _code, month in keys],
        "days": [month_end(month) for _code, month in keys],
        "living": [counted[key].living_members for key in keys],
        "covered": [counted[key].members_covered for key in keys],
        "paid": [counted[key].beneficiaries for key in keys],
        "paid_covered": [counted[key].beneficiaries_covered for key in keys],
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(code, month): Counts(*numbers) for code, month, *numbers in cursor.fetchall()}


def close_months(codes: list[str], months: list[date], *, today: date | None = None, recompute: bool = False) -> int:
    """Count and store the coverage of ``codes`` for each of ``months`` that has closed: the missing
    rows only, or every row again (``recompute``: the records as they stand now replace what was
    stored). Returns the number of rows written. Beat calls it for the month that has just closed;
    ``manage.py close_coverage_months`` for any."""
    today = today or timezone.localdate()
    months = sorted({first_of_month(month) for month in months if is_closed(first_of_month(month), today)})
    codes = sorted(set(codes))
    if not months or not codes:
        return 0
    if recompute:
        todo = [(code, month) for code in codes for month in months]
    else:
        found = _stored(codes, months)
        todo = [(code, month) for code in codes for month in months if (code, month) not in found]
    if not todo:
        return 0
    counted = _count(sorted({code for code, _month in todo}), sorted({month for _code, month in todo}), today)
    return len(_store({key: counted[key] for key in todo}, replace=recompute))


def communes_with_records() -> list[str]:
    """The communes that keep households or allowance cases here (beat closes their months)."""
    from beneficiaries.models import Case
    from households.models import Household

    households = Household.objects.values_list("commune_id", flat=True).distinct().order_by()
    cases = Case.objects.values_list("commune_id", flat=True).distinct().order_by()
    return sorted(set(households) | set(cases))


def close_last_month(today: date | None = None) -> int:
    """Beat, daily: store the month that has just closed for every commune with records (a second
    run the same month writes nothing)."""
    today = today or timezone.localdate()
    return close_months(communes_with_records(), [add_months(first_of_month(today), -1)], today=today)
