"""Every dashboard figure, as SQL aggregation over the tables the other apps write.

``dashboard(codes, year=, month=)`` computes the figures of a set of communes for a month. The codes
come from ``geography.scoping`` (``reports.access``), so a figure or a total never includes a
commune the user may not see. Each figure group is **one** query grouped by commune, whatever the
number of communes: the commune dashboard is the computation for one code, the province dashboard
for all of them, and a total is the sum of the per-commune rows. Nothing is typed in and nothing is
looped over row by row in Python. The result holds codes and numbers only (labels are looked up
when a page is rendered), so it can be cached and shown in any language.

Definitions (the pages say them too):

- **Households, members**: the registry now: households not dissolved, their living current members
  (``Household.member_count``, kept by the registry's services).
- **List in force in year Y**: a periodic review of year R writes the status of R + 1 of each household
  it reviewed (``povertyreview``). The list in force in Y is the statuses of the latest year ≤ Y for
  which the commune has a list (a poor, near-poor or middle-income status, or an approved review
  writing that year): until a new review is approved, the last one stays in force. Counts, rates
  (over the current households), escaped / new / fell back (against the year before) and the
  result against the poverty-reduction target of the review that wrote the list are exactly those
  of ``povertyreview.selectors.review_results`` for that review (a test holds them together).
- **Beneficiaries of month M**: cases the entitlement engine pays for M (status active, suspended,
  terminated or transferred; M from the start to the end month; no suspension over M; not after the
  month of death), under each category they hold in M, grouped by the clause of Decree 20 Art. 5
  (5.5a and 5.5c are "elderly", 5.6s and 5.6es "people with disabilities").
- **This month's run**: the commune's run of M (not cancelled): total, people, and the share of the
  people (and of the amount) paid through bank accounts.
- **Health-insurance coverage** on the month's coverage day (its last day once passed, today while it
  runs: never a day to come, when cards ending later in the month would count as gone): the living members of the commune's
  households that day, and the month's beneficiaries, holding a ``beneficiaries.HealthInsuranceCard``
  valid that day (as ``notifications.reminders.coverage`` counts it; a test holds them together).
  The trend covers the twelve months up to M.
- **Support**: records delivered (``support.selectors`` totals, reused): this year and all years.
- **Open work** (as of today): allowance cases waiting for verification or decision, suspended cases,
  open review complaints and those past their deadline, beneficiaries' health cards ending within
  30 days (the rules of the allowances' and the review's work lists).
- **Late**: a commune with beneficiaries in M is late with M's run when, after day
  ``DISBURSEMENT_PREPARE_DAY`` of M, it has no approved (or exported, reconciled) run for M. A
  commune with households in the registry is late with the review of Y when it has not opened it
  by ``REVIEW_OPEN_BY`` (30 September; the periodic review runs 1 September – 14 December) or not
  approved it by ``REVIEW_APPROVED_BY`` (14 December). Both are read on the month's last day
  (today while the month runs). A commune that keeps no records here is never "late".
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from beneficiaries import sql as beneficiaries_sql
from beneficiaries.selectors import clause_of
from core.months import add_months, first_of_month
from core.sql import fragment
from disbursements import sql as disbursements_sql
from disbursements.models import Run
from geography import sql as geography_sql
from households import sql as households_sql
from povertyreview import sql as povertyreview_sql

APPROVED_RUN_STATUSES = (Run.Status.APPROVED, Run.Status.EXPORTED, Run.Status.RECONCILED)
RUN_STATUS_ORDER = [status for status in Run.Status.values if status != Run.Status.CANCELLED]  # the procedure's
TREND_MONTHS = 12
POVERTY_YEARS = 6  # years on the poverty-rate chart
REVIEW_OPEN_BY = (9, 30)  # (month, day) in the review year
REVIEW_APPROVED_BY = (12, 14)
REMINDER_TEMPLATE = "bhyt_renewal"  # notifications.reminders.TEMPLATE_CODE


def percent(part: int, whole: int) -> float:
    """A share in percent with two decimals (as ``povertyreview.selectors`` rounds its rates)."""
    return round(100 * part / whole, 2) if whole else 0.0


def clause_order(clause: str) -> tuple:
    head, _dot, tail = clause.partition(".")
    return (int(head) if head.isdigit() else 99, int(tail) if tail.isdigit() else 99, clause)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def coverage_day(month: date, today: date) -> date:
    """A month's coverage day: its last day, or today when that is still to come."""
    return min(month_end(month), today)


# --- the period -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The month a dashboard shows, and today."""

    month: date  # first day
    today: date

    @property
    def year(self) -> int:
        return self.month.year

    @property
    def last_day(self) -> date:
        return month_end(self.month)

    @property
    def is_current(self) -> bool:
        return self.month == first_of_month(self.today)

    @property
    def coverage_day(self) -> date:
        """The day health-insurance coverage is counted on: the month's last day once it has passed,
        today while the month runs (a card ending later this month still covers its holder today;
        counting a day to come would count it gone)."""
        return coverage_day(self.month, self.today)

    @property
    def as_of(self) -> date:
        """The day lateness is read on: the month's last day, or today while the month runs."""
        return min(self.last_day, self.today)

    def trend_months(self) -> list[date]:
        return [add_months(self.month, index - TREND_MONTHS + 1) for index in range(TREND_MONTHS)]


def period_for(year: int | None = None, month: int | None = None, *, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(month=date(year or today.year, month or today.month, 1), today=today)


# --- results --------------------------------------------------------------------------------------


@dataclass
class CommuneFigures:
    """The figures of one commune (or, as ``Dashboard.total``, of all of them summed)."""

    code: str
    name: str
    households: int = 0
    members: int = 0
    # The list in force: the statuses of ``status_year`` (None: no list yet).
    status_year: int | None = None
    poor: int = 0
    near_poor: int = 0
    middle_income: int = 0
    previous_poor: int = 0
    previous_near_poor: int = 0
    escaped_poverty: int = 0
    escaped_near_poverty: int = 0
    new_listed: int = 0
    fell_back: int = 0
    planned_reduction: int | None = None  # the target of the review that wrote the list
    plan_achieved: int = 0  # poor households fewer than the year before, where there is a target
    # Beneficiaries of the month: in all (each person once), by category and by clause.
    beneficiaries: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_clause: dict[str, int] = field(default_factory=dict)
    beneficiaries_covered: int = 0
    # This month's run.
    run_id: int | None = None
    run_status: str = ""
    run_people: int = 0
    run_bank_people: int = 0
    run_total_vnd: int = 0
    run_bank_vnd: int = 0
    run_cash_vnd: int = 0
    # Health insurance on the month's last day.
    living_members: int = 0
    members_covered: int = 0
    # Open work, as of today.
    cases_applied: int = 0
    cases_verified: int = 0
    cases_suspended: int = 0
    complaints_open: int = 0  # the overdue ones included
    complaints_overdue: int = 0
    cards_expiring: int = 0
    complaint_campaign_id: int | None = None  # the latest campaign with an open complaint (its list)
    # This year's periodic review; lateness.
    review_id: int | None = None
    review_status: str = ""
    late_run: bool = False
    late_review: bool = False

    @property
    def listed(self) -> int:
        return self.poor + self.near_poor

    @property
    def listed_rate(self) -> float:
        return percent(self.listed, self.households)

    @property
    def poor_rate(self) -> float:
        return percent(self.poor, self.households)

    @property
    def near_poor_rate(self) -> float:
        return percent(self.near_poor, self.households)

    @property
    def previous_listed(self) -> int:
        return self.previous_poor + self.previous_near_poor

    @property
    def achieved_reduction(self) -> int:
        return self.previous_poor - self.poor

    @property
    def plan_percent(self) -> float | None:
        return percent(self.plan_achieved, self.planned_reduction) if self.planned_reduction else None

    @property
    def bank_share(self) -> float:
        """Share of the run's people paid through a bank account."""
        return percent(self.run_bank_people, self.run_people)

    @property
    def bank_amount_share(self) -> float:
        return percent(self.run_bank_vnd, self.run_total_vnd)

    @property
    def run_cash_people(self) -> int:
        return self.run_people - self.run_bank_people

    @property
    def run_approved(self) -> bool:
        return self.run_status in APPROVED_RUN_STATUSES

    @property
    def member_coverage(self) -> float:
        return percent(self.members_covered, self.living_members)

    @property
    def beneficiary_coverage(self) -> float:
        return percent(self.beneficiaries_covered, self.beneficiaries)

    @property
    def has_data(self) -> bool:
        """Whether the commune keeps any record here: households, beneficiaries, a run or a review
        (a province's communes that do not yet are summed up in one line, not rows of zeros)."""
        return bool(
            self.households or self.beneficiaries or self.run_status or self.review_status or self.status_year
            or self.open_cases or self.cases_suspended or self.complaints_open
        )  # fmt: skip

    @property
    def open_cases(self) -> int:
        return self.cases_applied + self.cases_verified

    @property
    def run_status_label(self) -> str:
        return str(dict(Run.Status.choices).get(self.run_status, self.run_status))

    @property
    def review_status_label(self) -> str:
        from povertyreview.models import Campaign

        return str(dict(Campaign.Status.choices).get(self.review_status, self.review_status))


# Summed into a total; the rest are per commune.
SUMMED = [
    "households", "members", "poor", "near_poor", "middle_income", "previous_poor", "previous_near_poor",
    "escaped_poverty", "escaped_near_poverty", "new_listed", "fell_back", "plan_achieved", "beneficiaries",
    "beneficiaries_covered", "run_people", "run_bank_people", "run_total_vnd", "run_bank_vnd", "run_cash_vnd",
    "living_members", "members_covered", "cases_applied", "cases_verified", "cases_suspended", "complaints_open",
    "complaints_overdue", "cards_expiring",
]  # fmt: skip


@dataclass
class YearRate:
    """One year of the poverty-rate chart: the statuses of ``year`` over the current households."""

    year: int
    households: int
    poor: int
    near_poor: int

    @property
    def rate(self) -> float:
        return percent(self.poor + self.near_poor, self.households)

    @property
    def poor_rate(self) -> float:
        return percent(self.poor, self.households)

    @property
    def near_poor_rate(self) -> float:
        return percent(self.near_poor, self.households)


@dataclass
class CategoryCount:
    """Beneficiaries of a clause of Decree 20 Art. 5 (``code`` "5.5"), with its categories."""

    code: str
    people: int
    categories: list[tuple[str, int]] = field(default_factory=list)  # ("5.5a", 8), ("5.5c", 124)


@dataclass
class MonthPayments:
    month: date
    bank_vnd: int
    cash_vnd: int

    @property
    def total_vnd(self) -> int:
        return self.bank_vnd + self.cash_vnd


@dataclass
class MonthCoverage:
    month: date
    living_members: int
    members_covered: int
    beneficiaries: int
    beneficiaries_covered: int
    day: date | None = None  # the month's last day, or today for the month that runs (``coverage_day``)

    def __post_init__(self):
        if self.day is None:
            self.day = month_end(self.month)

    @property
    def member_coverage(self) -> float:
        return percent(self.members_covered, self.living_members)

    @property
    def beneficiary_coverage(self) -> float:
        return percent(self.beneficiaries_covered, self.beneficiaries)


@dataclass
class SupportFigures:
    """Support delivered (``support.selectors`` totals): by kind this year and in all years, by
    source this year, and the check-up days."""

    by_kind: list[dict]  # kind, records, households, value_vnd, all_records, all_value_vnd
    by_source: list[dict]  # source, donor_id, donor__name, value_vnd, records
    checkups: dict  # this year: programmes, attendees, cost_vnd
    all_checkups: dict

    @property
    def value_vnd(self) -> int:
        return sum(row["value_vnd"] for row in self.by_kind)

    @property
    def all_value_vnd(self) -> int:
        return sum(row["all_value_vnd"] for row in self.by_kind)


@dataclass
class Dashboard:
    period: Period
    communes: list[CommuneFigures]  # by name
    total: CommuneFigures
    poverty_years: list[YearRate]
    categories: list[CategoryCount]  # clauses in the Decree's order
    payment_months: list[MonthPayments]
    coverage_trend: list[MonthCoverage]
    support: SupportFigures | None
    reminders_began: date | None  # first day of the month the first health-insurance reminder was asked for
    computed_at: datetime
    workflow_stamp: tuple[str, str] | None = None  # set by reports.snapshots (``workflow_stamp``)

    @property
    def late_runs(self) -> list[CommuneFigures]:
        return [row for row in self.communes if row.late_run]

    @property
    def late_reviews(self) -> list[CommuneFigures]:
        return [row for row in self.communes if row.late_review]

    @property
    def status_years(self) -> list[int]:
        return sorted({row.status_year for row in self.communes if row.status_year})

    @property
    def runs_by_status(self) -> list[dict]:
        """The communes' runs of the month by status, in the order of the procedure: what a total
        (a province's) says of "the month's run", which is many runs."""
        counts: dict[str, int] = defaultdict(int)
        for row in self.communes:
            if row.run_status:
                counts[row.run_status] += 1
        return [
            {"status": status, "label": CommuneFigures(code="", name="", run_status=status).run_status_label,
             "communes": counts[status]}
            for status in sorted(counts, key=lambda status: RUN_STATUS_ORDER.index(status))
        ]  # fmt: skip

    @property
    def communes_with_runs(self) -> int:
        return sum(1 for row in self.communes if row.run_status)

    @property
    def communes_with_data(self) -> list[CommuneFigures]:
        return [row for row in self.communes if row.has_data]

    @property
    def communes_without_data(self) -> list[CommuneFigures]:
        return [row for row in self.communes if not row.has_data]

    @property
    def coverage_now(self) -> MonthCoverage | None:
        return self.coverage_trend[-1] if self.coverage_trend else None

    @property
    def reminder_effect(self) -> tuple[MonthCoverage, MonthCoverage] | None:
        """(coverage in the month reminders began, in the last month ended by today) when both are
        on the trend: the before/after of the reminders."""
        if self.reminders_began is None:
            return None
        months = {row.month: row for row in self.coverage_trend}
        ended = [row for row in self.coverage_trend if row.day < self.period.today and row.month > self.reminders_began]
        if self.reminders_began not in months or not ended:
            return None
        return months[self.reminders_began], ended[-1]


# --- SQL ------------------------------------------------------------------------------------------
#
# Each query composes the owners' fragments (``households.sql``, ``beneficiaries.sql``,
# ``disbursements.sql``, ``povertyreview.sql``, ``geography.sql``; notifications' through
# ``core.sql``): relations with stated output columns, so this module names no other app's table and
# rebuilds none of their rules. The parameters are the dashboard's (``dashboard``'s ``params``).


# How the dashboards' aggregates are planned, for the transaction that computes them (``planned``):
# - jit off: each figure is one aggregate over up to millions of rows, planned once; PostgreSQL's JIT
#   compiled every such query again and cost about half a second a page, for nothing;
# - random_page_cost 1.1 (the server's default, 4, is a spinning disk's): the registry's and the
#   allowances' tables are read from memory, and at 4 the planner read a whole province's statuses or
#   case categories to count one commune's (a hash join over every row instead of the commune's
#   index lookups): the commune dashboard's list, villages and beneficiaries, 5-10 times slower;
# - work_mem 64MB: the province's members' coverage hash-joins millions of memberships to the card
#   holders of the day, and its beneficiaries count distinct cases by category; at the server's
#   4MB both spill to disk (bench/README.md, the reports section, has the plans).
PLANNER_SETTINGS = {"jit": "off", "random_page_cost": "1.1", "work_mem": "64MB"}


@contextmanager
def planned():
    """A transaction whose aggregates are planned with ``PLANNER_SETTINGS`` (transaction-local, one
    statement): the dashboards compute their figures inside it."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            names = list(PLANNER_SETTINGS)
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _name in names),
                [value for name in names for value in (name, PLANNER_SETTINGS[name])],
            )
        yield


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_REGISTRY_SQL = f"SELECT commune_id, households, members FROM ({households_sql.households_by_commune()}) r"

# Statuses that make a list, by commune and year up to the dashboard's year: the lists in force and
# the chart.
_STATUSES_SQL = f"SELECT commune_id, year, status, households FROM ({households_sql.list_counts()}) s"

# Periodic reviews and poverty-reduction targets by commune and review year (two small tables).
_REVIEWS_SQL = f"""
SELECT commune_id, year, campaign_id, status, planned_reduction FROM ({povertyreview_sql.reviews_and_targets()}) r
"""

# Year on year as review_results counts it, for each commune's list (status_year) against the year
# before: read from the households listed in either year only.
_CHANGES_SQL = f"""
SELECT commune_id, escaped_poverty, escaped_near_poverty, new_listed, fell_back
FROM ({households_sql.list_changes()}) k
"""

# The month's beneficiaries (the cases paid for it, as the engine pays them) by commune and category;
# the commune's total (each person once) and those holding a card valid on the coverage day.
_BENEFICIARIES_SQL = f"""
WITH paid AS ({beneficiaries_sql.paid_cases("%(month)s")}),
held AS (
    SELECT paid.commune_id, paid.case_id, cc.category_id
    FROM paid JOIN ({beneficiaries_sql.categories_held("%(month)s")}) cc ON cc.case_id = paid.case_id
)
SELECT commune_id, category_id, count(DISTINCT case_id), 0 FROM held GROUP BY commune_id, category_id
UNION ALL
-- Each clause counts a person once, even one who holds two categories of it (5.5a and 5.5c).
SELECT commune_id, 'clause:' || {beneficiaries_sql.clause_of("category_id")}, count(DISTINCT case_id), 0
FROM held GROUP BY 1, 2
UNION ALL
SELECT paid.commune_id, NULL, count(*),
       count(*) FILTER (WHERE {beneficiaries_sql.holds_card_on("paid.person_id", "%(day)s")})
FROM paid
GROUP BY paid.commune_id
"""

# Each commune's run of the month, with the people paid by bank (the run keeps the amounts).
_RUNS_SQL = f"""
SELECT commune_id, run_id, status, people, total_vnd, bank_vnd, cash_vnd, bank_people
FROM ({disbursements_sql.runs_of_month()}) r
"""

_PAYMENT_MONTHS_SQL = f"SELECT month, bank_vnd, cash_vnd FROM ({disbursements_sql.payments_by_month()}) p"

# Health-insurance coverage on the coverage day of each month of the trend, counted from the records
# in one pass (each membership, or case, is read once with its person's cards, and counted in a column
# per month): ``counted_coverage_trend``. The dashboards read the closed months from
# ``reports.closed_months``, which counts them with the same fragments.
_TREND_MONTHS = [f"%(m{i})s" for i in range(TREND_MONTHS)]
_TREND_DAYS = [f"%(d{i})s" for i in range(TREND_MONTHS)]

_MEMBER_COVERAGE_SQL = f"""
SELECT * FROM ({beneficiaries_sql.coverage_on_days(_TREND_DAYS, "%(first_day)s", "%(last_day)s")}) c
"""

# The same count for the coverage day only, by commune, for a province.
_MEMBER_COVERAGE_DAY_SQL = f"SELECT commune_id, members, covered FROM ({beneficiaries_sql.coverage_on('%(day)s')}) c"

# The beneficiaries of each month of the trend and those covered on its coverage day, all communes
# together.
_BENEFICIARY_COVERAGE_SQL = f"""
SELECT * FROM ({
    beneficiaries_sql.paid_and_covered_by_month(_TREND_MONTHS, _TREND_DAYS, "%(first_day)s", "%(last_day)s")
}) b
"""

# Open work as of today, by commune: (commune, kind, count, campaign id for the complaints' link).
_OPEN_WORK_SQL = f"""
SELECT commune_id, status, cases, NULL::bigint FROM ({beneficiaries_sql.waiting_cases_by_commune()}) w
UNION ALL
SELECT commune_id, CASE WHEN overdue THEN 'complaint_overdue' ELSE 'complaint_open' END, complaints, campaign_id
FROM ({povertyreview_sql.open_complaints_by_commune()}) k
UNION ALL
SELECT commune_id, 'cards_expiring', people, NULL FROM ({beneficiaries_sql.cards_expiring_by_commune()}) e
"""

# The first health-insurance reminder asked for in the communes (notifications' fragment).
FIRST_MESSAGE = "notifications.first_message"


def _reminders_began_sql() -> str:
    return f"SELECT created_at FROM ({fragment(FIRST_MESSAGE)()}) f"


# --- the dashboard --------------------------------------------------------------------------------


def dashboard(
    codes,
    *,
    year: int | None = None,
    month: int | None = None,
    today: date | None = None,
    names: dict | None = None,
    trends: bool = True,
) -> Dashboard:
    """The figures of the communes ``codes`` for ``year``/``month`` (default: this month), in a fixed
    number of queries whatever the number of communes. ``names`` (code → name) saves a query when
    the caller has the communes already. ``trends=False`` (the province dashboard) leaves out the
    twelve-month coverage trend, which reads every membership and card of twelve month-ends; the
    month's coverage of each commune is still counted, by the same rule."""
    period = period_for(year, month, today=today)
    if names is None:
        from geography.models import Commune

        names = dict(Commune.objects.filter(code__in=list(codes)).values_list("code", "name"))
    rows = {code: CommuneFigures(code=code, name=names[code]) for code in codes if code in names}
    trend = period.trend_months()
    params = {
        "codes": list(rows),
        "year": period.year,
        "month": period.month,
        "first": trend[0],
        "first_day": month_end(trend[0]),
        # Coverage is counted on each month's coverage day: never a day after today.
        "last_day": period.coverage_day,
        "day": period.coverage_day,
        "today": period.today,
        "warn_until": beneficiaries_sql.card_warning_until(period.today),
        "template": REMINDER_TEMPLATE,
        **{f"m{i}": month for i, month in enumerate(trend)},
        **{f"d{i}": coverage_day(month, period.today) for i, month in enumerate(trend)},
    }
    empty = not rows
    if not empty:
        for code, households, members in _rows(_REGISTRY_SQL, params):
            rows[code].households, rows[code].members = households, members
    poverty_years = [] if empty else _poverty(rows, params, period)
    categories = [] if empty else _beneficiaries(rows, params)
    payment_months = [MonthPayments(month, 0, 0) for month in trend] if empty else _payments(rows, params, period)
    if empty:
        coverage_trend = []
    elif trends:
        coverage_trend = _coverage(rows, period)
    else:
        coverage_trend = []
        _month_coverage(rows, params, period)
    if not empty:
        _open_work(rows, params)
    communes = sorted(rows.values(), key=lambda row: (row.name, row.code))
    return Dashboard(
        period=period,
        communes=communes,
        total=_total(communes),
        poverty_years=poverty_years,
        categories=categories,
        payment_months=payment_months,
        coverage_trend=coverage_trend,
        support=None if empty else _support(list(rows), period),
        reminders_began=None if empty else _reminders_began(params),
        computed_at=timezone.now(),
    )


def _total(communes: list[CommuneFigures]) -> CommuneFigures:
    total = CommuneFigures(code="", name="")
    for name in SUMMED:
        setattr(total, name, sum(getattr(row, name) for row in communes))
    # The plan of a total: the targets of the communes that have one, against what they achieved.
    planned = [row.planned_reduction for row in communes if row.planned_reduction]
    total.planned_reduction = sum(planned) if planned else None
    years = {row.status_year for row in communes}
    total.status_year = years.pop() if len(years) == 1 else None
    for name in ("by_category", "by_clause"):
        summed: dict[str, int] = defaultdict(int)
        for row in communes:
            for key, count in getattr(row, name).items():
                summed[key] += count
        setattr(total, name, dict(summed))
    if len(communes) == 1:
        only = communes[0]
        total.code, total.name = only.code, only.name
        for name in ("run_id", "run_status", "review_id", "review_status", "late_run", "late_review",
                     "complaint_campaign_id"):  # fmt: skip
            setattr(total, name, getattr(only, name))
    return total


def _poverty(rows: dict[str, CommuneFigures], params: dict, period: Period) -> list[YearRate]:
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    list_years: dict[str, set[int]] = defaultdict(set)
    for code, year, status, count in _rows(_STATUSES_SQL, params):
        counts[(code, year)][status] = count
        list_years[code].add(year)
    reviews: dict[tuple[str, int], tuple] = {}
    for code, year, campaign_id, status, planned in _rows(_REVIEWS_SQL, params):
        reviews[(code, year)] = (campaign_id, status or "", planned)
        if status == "approved" and year + 1 <= period.year:
            list_years[code].add(year + 1)

    for code, row in rows.items():
        row.status_year = max(list_years[code], default=None)
        if row.status_year is not None:
            now, before = counts.get((code, row.status_year), {}), counts.get((code, row.status_year - 1), {})
            row.poor, row.near_poor = now.get("poor", 0), now.get("near_poor", 0)
            row.middle_income = now.get("middle_income", 0)
            row.previous_poor, row.previous_near_poor = before.get("poor", 0), before.get("near_poor", 0)
            row.planned_reduction = reviews.get((code, row.status_year - 1), (None, "", None))[2]
            row.plan_achieved = row.achieved_reduction if row.planned_reduction else 0
        row.review_id, row.review_status, _planned = reviews.get((code, period.year), (None, "", None))
        row.late_review = bool(row.households) and _review_late(row.review_status, period)

    with_lists = [row for row in rows.values() if row.status_year is not None]
    if with_lists:
        params = {"codes": [row.code for row in with_lists], "years": [row.status_year for row in with_lists]}
        for code, escaped, escaped_near, new, fell_back in _rows(_CHANGES_SQL, params):
            row = rows[code]
            row.escaped_poverty, row.escaped_near_poverty, row.new_listed, row.fell_back = (
                escaped, escaped_near, new, fell_back,
            )  # fmt: skip

    households = sum(row.households for row in rows.values())
    years = sorted({year for (_code, year) in counts if year > period.year - POVERTY_YEARS})
    return [
        YearRate(
            year=year,
            households=households,
            poor=sum(counts.get((code, year), {}).get("poor", 0) for code in rows),
            near_poor=sum(counts.get((code, year), {}).get("near_poor", 0) for code in rows),
        )
        for year in years
    ]


def _review_late(status: str, period: Period) -> bool:
    if not status:
        return period.as_of > date(period.year, *REVIEW_OPEN_BY)
    return status != "approved" and period.as_of > date(period.year, *REVIEW_APPROVED_BY)


def _beneficiaries(rows: dict[str, CommuneFigures], params: dict) -> list[CategoryCount]:
    by_category: dict[str, int] = defaultdict(int)
    by_clause: dict[str, int] = defaultdict(int)
    for code, category, people, covered in _rows(_BENEFICIARIES_SQL, params):
        row = rows[code]
        if category is None:
            row.beneficiaries, row.beneficiaries_covered = people, covered
        elif category.startswith("clause:"):
            clause = category.removeprefix("clause:")
            row.by_clause[clause] = people
            by_clause[clause] += people  # a case is in one commune: the communes' counts add up
        else:
            row.by_category[category] = people
            by_category[category] += people
    grouped: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for category in sorted(by_category, key=_category_order):
        grouped[clause_of(category)].append((category, by_category[category]))
    return [
        CategoryCount(code=clause, people=by_clause[clause], categories=members)
        for clause, members in sorted(grouped.items(), key=lambda item: clause_order(item[0]))
    ]


def _category_order(code: str) -> tuple:
    return (*clause_order(clause_of(code)), code)


def _payments(rows: dict[str, CommuneFigures], params: dict, period: Period) -> list[MonthPayments]:
    for code, run_id, status, people, total, bank, cash, bank_people in _rows(_RUNS_SQL, params):
        row = rows[code]
        row.run_id, row.run_status, row.run_people, row.run_bank_people = run_id, status, people, bank_people
        row.run_total_vnd, row.run_bank_vnd, row.run_cash_vnd = total, bank, cash
    due = date(period.year, period.month.month, settings.DISBURSEMENT_PREPARE_DAY)
    for row in rows.values():
        row.late_run = bool(row.beneficiaries) and period.as_of > due and not row.run_approved
    found = {month: (bank, cash) for month, bank, cash in _rows(_PAYMENT_MONTHS_SQL, params)}
    return [MonthPayments(month, *found.get(month, (0, 0))) for month in period.trend_months()]


def _coverage(rows: dict[str, CommuneFigures], period: Period) -> list[MonthCoverage]:
    """The twelve months' coverage, summed over the communes: each closed month as stored when it
    closed (``reports.closed_months``), the month that runs counted now."""
    from reports import closed_months

    trend = period.trend_months()
    found = closed_months.coverage(list(rows), trend, period.today)
    for code, row in rows.items():
        row.living_members, row.members_covered = _month_counts(found, code, trend[-1])[:2]
    return [
        MonthCoverage(
            month,
            *[sum(_month_counts(found, code, month)[i] for code in rows) for i in range(4)],
            day=coverage_day(month, period.today),
        )  # fmt: skip
        for month in trend
    ]


def counted_coverage_trend(codes, period: Period) -> list[MonthCoverage]:
    """The twelve months' coverage of ``codes`` counted from the records as they stand, every month
    (two one-pass queries): what ``_coverage`` returns when no record of a closed month has changed
    since it was stored (a test holds them together)."""
    trend = period.trend_months()
    params = {
        "codes": list(codes),
        "first_day": month_end(trend[0]),
        "last_day": period.coverage_day,
        **{f"m{i}": month for i, month in enumerate(trend)},
        **{f"d{i}": coverage_day(month, period.today) for i, month in enumerate(trend)},
    }
    living, covered = [0] * TREND_MONTHS, [0] * TREND_MONTHS
    for _code, *counts in _rows(_MEMBER_COVERAGE_SQL, params):
        for i in range(TREND_MONTHS):
            living[i] += counts[i]
            covered[i] += counts[TREND_MONTHS + i]
    beneficiaries = _rows(_BENEFICIARY_COVERAGE_SQL, params)[0]
    return [
        MonthCoverage(
            month,
            living[i],
            covered[i],
            beneficiaries[i],
            beneficiaries[TREND_MONTHS + i],
            day=coverage_day(month, period.today),
        )  # fmt: skip
        for i, month in enumerate(trend)
    ]


def _month_counts(found: dict, code: str, month: date) -> tuple[int, int, int, int]:
    counts = found[(code, month)]
    return counts.living_members, counts.members_covered, counts.beneficiaries, counts.beneficiaries_covered


def _month_coverage(rows: dict[str, CommuneFigures], params: dict, period: Period) -> None:
    """Each commune's members' coverage of the month alone (a province): a closed month as stored
    when it closed (``reports.closed_months``), the month that runs counted now in one aggregate."""
    from reports import closed_months

    if closed_months.is_closed(period.month, period.today):
        found = closed_months.coverage(list(rows), [period.month], period.today)
        for code, row in rows.items():
            row.living_members, row.members_covered = _month_counts(found, code, period.month)[:2]
        return
    for code, living, covered in _rows(_MEMBER_COVERAGE_DAY_SQL, params):
        rows[code].living_members, rows[code].members_covered = living, covered


def _open_work(rows: dict[str, CommuneFigures], params: dict) -> None:
    fields = {
        "applied": "cases_applied",
        "verified": "cases_verified",
        "suspended": "cases_suspended",
        "complaint_open": "complaints_open",
        "complaint_overdue": "complaints_overdue",
        "cards_expiring": "cards_expiring",
    }
    for code, kind, count, campaign_id in _rows(_OPEN_WORK_SQL, params):
        row = rows[code]
        setattr(row, fields[kind], getattr(row, fields[kind]) + count)
        if campaign_id and campaign_id > (row.complaint_campaign_id or 0):
            row.complaint_campaign_id = campaign_id
    for row in rows.values():
        row.complaints_open += row.complaints_overdue


def _support(codes: list[str], period: Period) -> SupportFigures:
    """Reuses the support app's totals, so the dashboard and its totals page agree."""
    from support import selectors

    this_year = {row["kind"]: row for row in selectors.totals_by_kind(codes, period.year)}
    kinds = []
    for row in selectors.totals_by_kind(codes, None):
        year_row = this_year.get(row["kind"], {})
        kinds.append(
            {
                "kind": row["kind"],
                "records": year_row.get("records", 0),
                "households": year_row.get("households", 0),
                "value_vnd": int(year_row.get("value_vnd") or 0),
                "all_records": row["records"],
                "all_households": row["households"],
                "all_value_vnd": int(row["value_vnd"] or 0),
            }
        )
    sources = [
        {key: row[key] for key in ("source", "donor_id", "donor__name", "records")}
        | {"value_vnd": int(row["value_vnd"])}
        for row in selectors.totals_by_source(codes, period.year)
    ]
    return SupportFigures(
        by_kind=kinds,
        by_source=sources,
        checkups=selectors.checkup_totals(codes, period.year),
        all_checkups=selectors.checkup_totals(codes, None),
    )


def _reminders_began(params: dict) -> date | None:
    (first,) = _rows(_reminders_began_sql(), params)[0]
    return first_of_month(timezone.localtime(first).date()) if first else None


# --- what a cached dashboard may have missed -------------------------------------------------------

# The runs of the trend's months and the periodic reviews up to the year, as they stand: any change of
# status (the chair approves a run or a review, a run is recomputed or cancelled) saves the row, so
# moves its updated_at. Two index reads, whatever the size of the province.
_CHANGES_SINCE_SQL = f"SELECT {disbursements_sql.runs_stamp()}, {povertyreview_sql.reviews_stamp()}"


def workflow_stamp(codes, period: Period) -> tuple[str, str]:
    """(runs, reviews): a stamp of the runs and reviews the figures of ``codes`` for ``period`` read;
    one query. Two computations with the same stamps saw the same statuses."""
    trend = period.trend_months()
    params = {"codes": list(codes), "first": trend[0], "month": period.month, "year": period.year}
    runs, reviews = _rows(_CHANGES_SINCE_SQL, params)[0]
    return runs, reviews


def refresh_runs(dashboard: Dashboard) -> Dashboard:
    """The month's runs and the payments by month read again into ``dashboard`` (two queries), with
    the lateness and the total they decide: what changes when a run changes status."""
    rows = {row.code: row for row in dashboard.communes}
    for row in rows.values():
        row.run_id, row.run_status, row.run_people, row.run_bank_people = None, "", 0, 0
        row.run_total_vnd = row.run_bank_vnd = row.run_cash_vnd = 0
    period = dashboard.period
    trend = period.trend_months()
    params = {"codes": list(rows), "month": period.month, "first": trend[0]}
    dashboard.payment_months = _payments(rows, params, period) if rows else dashboard.payment_months
    dashboard.total = _total(dashboard.communes)
    return dashboard


# --- a commune's villages ------------------------------------------------------------------------


@dataclass
class VillageFigures:
    village_id: int | None
    name: str | None  # None: households waiting for a village (arrived from another commune)
    households: int
    members: int
    poor: int
    near_poor: int

    @property
    def listed(self) -> int:
        return self.poor + self.near_poor

    @property
    def listed_rate(self) -> float:
        return percent(self.listed, self.households)


_VILLAGES_SQL = f"""
SELECT h.village_id, v.name, h.households, h.members, h.poor, h.near_poor
FROM ({households_sql.households_by_village()}) h
LEFT JOIN ({geography_sql.villages()}) v ON v.village_id = h.village_id
ORDER BY v.name NULLS LAST
"""


def villages(code: str, status_year: int | None) -> list[VillageFigures]:
    """The commune's households, members and list of ``status_year`` by village (one query), as
    ``review_results(...).by_village`` counts them."""
    return [VillageFigures(*row) for row in _rows(_VILLAGES_SQL, {"code": code, "year": status_year or 0})]
