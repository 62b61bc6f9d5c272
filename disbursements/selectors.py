"""Shared reads of payment runs."""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries import banks
from beneficiaries import sql as allowances
from beneficiaries.models import Case, PaymentMethod
from core.formatting import months as format_months
from core.formatting import number
from core.text import fold_vietnamese
from core.timeline import TimelineEntry
from core.worklists import WorkItem
from disbursements.models import PayerReport, Run, RunEvent, RunLine
from geography.scoping import commune_codes_for_user, has_national_scope, scope_to_user
from households.models import Membership
from privacy.visibility import mask_account


def paid_months_for(cases) -> dict[int, set[date]]:
    """Months covered by a run line for each case's **person**, by any of the person's cases in any
    commune (a terminated, transferred or re-opened case included), per case id: what the
    entitlement engine must not pay again. ``cases``: a queryset of cases (kept as a subquery) or
    case ids. One query: the cases joined to their person's paid months (unique per person and
    month, so the index answers it)."""
    ids = cases.values("pk") if isinstance(cases, QuerySet) else list(cases)
    covered = (
        Case.objects.filter(pk__in=ids, person__paid_months__isnull=False)
        .order_by()
        .values_list("pk", "person__paid_months__month")
    )
    paid: dict[int, set[date]] = {}
    for case_id, month in covered:
        paid.setdefault(case_id, set()).add(month)
    return paid


# --- the pages: runs of a month, a run's lines and totals, a case's payments -----------------------
# (appended for the pages of issue 6; the reads above serve the services and the engine)

PAGE_SIZE = 50
UNPAID_STREAK = 3  # failed in this many consecutive monthly runs: review the suspension


def run_list_for_user(user, *, month: date | None = None, statuses: list[str] | None = None) -> QuerySet:
    """The user's runs of ``month`` (every month when None), or of the given statuses: one query
    with the commune, whatever the number of runs."""
    runs = scope_to_user(Run.objects.all(), user).select_related("commune")
    if month is not None:
        runs = runs.filter(month=month)
    if statuses:
        runs = runs.filter(status__in=statuses)
    return runs.order_by("-month", "commune__name", "-id")


FLAGGED_SHOWN = 50  # flagged lines listed on the approve page (the run page filters its table)
FLAG_FAILED_BEFORE, FLAG_ARREARS = "failed_before", "arrears"


def failed_before_q() -> Q:
    """Lines paying months a payer reported failed on an earlier line of the same person."""
    return ~Q(months_failed_before=[])


def long_arrears_q() -> Q:
    """Lines paying more months of arrears than ``ALLOWANCE_ARREARS_WARN_MONTHS``."""
    return Q(arrears_months__gt=settings.ALLOWANCE_ARREARS_WARN_MONTHS)


def is_line_reference(search: str) -> bool:
    """Whether ``search`` is a line's reference ("<run>-<case>"), which names no person."""
    return bool(re.fullmatch(r"\d+-\d+", search.strip()))


def run_lines(run: Run, *, search: str = "", payment_method: str = "", category: str = "", flag: str = "") -> QuerySet:
    """A run's lines, by name: ``search`` finds a national ID (12 digits), a reference
    ("RUN-CASE") or a name with or without diacritics; ``flag`` keeps the lines flagged for the
    chair (``failed_before`` or ``arrears``)."""
    lines = run.lines.all()
    if payment_method:
        lines = lines.filter(payment_method=payment_method)
    if category:
        lines = lines.filter(category=category)
    if flag == FLAG_FAILED_BEFORE:
        lines = lines.filter(failed_before_q())
    elif flag == FLAG_ARREARS:
        lines = lines.filter(long_arrears_q())
    search = search.strip()
    if search:
        digits = re.sub(r"[\s.]", "", search)
        if digits.isdigit() and len(digits) == 12:
            lines = lines.filter(national_id=digits)
        elif is_line_reference(search):
            lines = lines.filter(reference=search)
        else:
            lines = lines.filter(case__person__search_name__contains=fold_vietnamese(search))
    return lines.order_by("full_name", "id")


def masked_line_account(line: RunLine, *, full: bool) -> str:
    """How a line is paid, as the lines table shows it: the account's last 4 digits unless ``full``."""
    if line.payment_method == PaymentMethod.CASH:
        return str(PaymentMethod.CASH.label)
    number = line.account_number if full else mask_account(line.account_number)
    return banks.account_text(line.bank_bin, number)


@dataclass
class TotalRow:
    key: str
    label: str
    people: int = 0
    total: int = 0

    @property
    def total_display(self) -> str:
        return number(self.total)


@dataclass
class RunTotals:
    by_method: list[TotalRow]
    by_category: list[TotalRow]
    people: int
    total: int
    # Flags for the approving chair: lines paying months a payer reported failed before, and lines
    # with more months of arrears than ALLOWANCE_ARREARS_WARN_MONTHS.
    failed_before: int = 0
    long_arrears: int = 0
    # The payer's reports: lines not yet reported; lines (and đồng) reported paid and failed.
    pending: int = 0
    paid: int = 0
    paid_total: int = 0
    failed: int = 0
    failed_total: int = 0

    @property
    def total_display(self) -> str:
        return number(self.total)

    @property
    def flagged(self) -> bool:
        return bool(self.failed_before or self.long_arrears)

    @property
    def reported(self) -> int:
        return self.people - self.pending

    @property
    def warn_months(self) -> int:
        return settings.ALLOWANCE_ARREARS_WARN_MONTHS


def run_totals(run: Run) -> RunTotals:
    """People and amounts by payment method and by category, the flagged lines, the lines not yet
    reported and those reported paid and failed (people and đồng): one GROUP BY over the lines."""
    rows = (
        run.lines.order_by()
        .values("payment_method", "category")
        .annotate(
            people=Count("pk"),
            total=Sum("amount"),
            failed_before=Count("pk", filter=failed_before_q()),
            long_arrears=Count("pk", filter=long_arrears_q()),
            pending=Count("pk", filter=Q(status=RunLine.Status.PENDING)),
            paid=Count("pk", filter=Q(status=RunLine.Status.PAID)),
            paid_total=Sum("amount", filter=Q(status=RunLine.Status.PAID), default=0),
            failed=Count("pk", filter=Q(status=RunLine.Status.FAILED)),
            failed_total=Sum("amount", filter=Q(status=RunLine.Status.FAILED), default=0),
        )
        .values_list(
            "payment_method", "category", "people", "total", "failed_before", "long_arrears", "pending",
            "paid", "paid_total", "failed", "failed_total",
        )
    )  # fmt: skip
    methods = dict(PaymentMethod.choices)
    by_method: dict[str, TotalRow] = {}
    by_category: dict[str, TotalRow] = {}
    totals = RunTotals(by_method=[], by_category=[], people=0, total=0)
    for method, category, count, amount, failed_before, long_arrears, pending, *reported in rows:
        method_row = by_method.setdefault(method, TotalRow(method, str(methods.get(method, method))))
        category_row = by_category.setdefault(category, TotalRow(category, category or "—"))
        for row in (method_row, category_row):
            row.people += count
            row.total += amount
        totals.people += count
        totals.total += amount
        totals.failed_before += failed_before
        totals.long_arrears += long_arrears
        totals.pending += pending
        totals.paid += reported[0]
        totals.paid_total += reported[1]
        totals.failed += reported[2]
        totals.failed_total += reported[3]
    totals.by_method = sorted(by_method.values(), key=lambda row: row.key)
    totals.by_category = sorted(by_category.values(), key=lambda row: row.key)
    return totals


def flagged_lines(run: Run, *, limit: int = FLAGGED_SHOWN) -> list[RunLine]:
    """The run's lines flagged for the chair (months reported failed before, long arrears), by
    name: one query, the first ``limit``."""
    return list(run.lines.filter(failed_before_q() | long_arrears_q()).order_by("full_name", "id")[:limit])


def run_downloads(run: Run) -> list:
    """Every download of the run's files (the original, then the copies), oldest first: one query."""
    return list(run.events.filter(kind=RunEvent.Kind.DOWNLOADED).select_related("actor").order_by("occurred_at", "id"))


def run_reports(run: Run) -> list[PayerReport]:
    """The payer's reports of the run, in the order they came: one query."""
    return list(run.reports.select_related("uploaded_by").order_by("created_at", "id"))


def run_categories(run: Run) -> list[str]:
    """The categories a run's lines are paid under (the lines filter's choices)."""
    return list(run.lines.order_by("category").values_list("category", flat=True).distinct())


def case_payment_lines(case) -> list[RunLine]:
    """A case's lines in every run (cancelled runs keep none), newest month first: one query."""
    return list(RunLine.objects.filter(case=case).select_related("run").order_by("-run__month", "-id"))


def household_payment_timeline(household_id: int) -> list[TimelineEntry]:
    """Reported payments of the household's members, current and former: "Paid 750,000 for
    2025-10 (bank)" or failed (one query)."""
    members = Membership.objects.filter(household_id=household_id).values("person_id")
    lines = (
        RunLine.objects.filter(case__person_id__in=members, status__in=[RunLine.Status.PAID, RunLine.Status.FAILED])
        .select_related("run__commune", "report")
        .order_by()
    )
    entries = []
    for line in lines:
        months = format_months(line.months)
        values = {
            "amount": number(line.amount),
            "months": months,
            "method": line.get_payment_method_display(),
            "name": line.full_name,
        }
        if line.status == RunLine.Status.PAID:
            title = _("Paid %(amount)s for %(months)s (%(method)s): %(name)s") % values
        else:
            title = _("Payment failed, %(amount)s for %(months)s (%(method)s): %(name)s") % values
        # When the payer's report that settled the line came (runs before reports: the run's end).
        occurred = line.report.created_at if line.report else (line.run.reconciled_at or line.run.updated_at)
        entries.append(
            TimelineEntry(
                occurred_at=occurred,
                title=title,
                detail=line.note,
                source=_("Payment run %(month)s, %(commune)s")
                % {"month": f"{line.run.month:%m/%Y}", "commune": line.run.commune.name},
            )
        )
    return entries


def unpaid_streaks_for_user(user) -> list[dict]:
    """Active cases of the user's communes whose lines failed in the last ``UNPAID_STREAK``
    consecutive monthly runs (reconciled): for the officer's suspension review. One SQL query
    with a window over each case's lines."""
    scoped = not has_national_scope(user)
    sql = f"""
        SELECT ranked.case_id, ranked.case_uuid, max(ranked.full_name), array_agg(ranked.month ORDER BY ranked.month)
          FROM (
            SELECT line.case_id, c.case_uuid, line.full_name, line.status, run.month,
                   row_number() OVER (PARTITION BY line.case_id ORDER BY run.month DESC) AS recent
              FROM disbursements_runline line
              JOIN disbursements_run run ON run.id = line.run_id
              JOIN ({allowances.cases()}) c ON c.case_id = line.case_id
             WHERE run.status = 'reconciled' AND c.status = '{Case.Status.ACTIVE.value}'
               {"AND run.commune_id = ANY(%s)" if scoped else ""}
          ) ranked
         WHERE ranked.recent <= %s
         GROUP BY ranked.case_id, ranked.case_uuid
        HAVING count(*) = %s
           AND bool_and(ranked.status = 'failed')
           AND max(ranked.month) = (min(ranked.month) + make_interval(months => %s))::date
         ORDER BY max(ranked.full_name), ranked.case_id
    """
    params = ([commune_codes_for_user(user)] if scoped else []) + [UNPAID_STREAK, UNPAID_STREAK, UNPAID_STREAK - 1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        {"case_id": case_id, "case_uuid": case_uuid, "full_name": name, "months": months}
        for case_id, case_uuid, name, months in rows
    ]


def payment_worklist(user) -> list[WorkItem]:
    """Home-page items: for the chair, runs awaiting approval; for the officer, runs to export,
    runs to reconcile and beneficiaries unpaid for three consecutive months (two queries; none
    for the roles without payment work)."""
    if not (user.can_manage_registry or user.can_sign_decisions):
        return []
    list_url = reverse("disbursements:list")
    counts = scope_to_user(Run.objects.all(), user).aggregate(
        computed=Count("pk", filter=Q(status=Run.Status.COMPUTED)),
        approved=Count("pk", filter=Q(status=Run.Status.APPROVED)),
        exported=Count("pk", filter=Q(status=Run.Status.EXPORTED)),
    )
    items = []

    def add(title, count, url):
        if count:
            items.append(WorkItem(title=title, url=url, count=count))

    if user.can_sign_decisions:
        add(_("Payment runs awaiting your approval"), counts["computed"], f"{list_url}?status=computed")
    if user.can_manage_registry:
        add(
            _("Payment runs computed or approved, not yet sent to the payer"),
            counts["computed"] + counts["approved"],
            f"{list_url}?status=computed&status=approved",
        )
        add(_("Payment runs sent to the payer, not yet reconciled"), counts["exported"], f"{list_url}?status=exported")
        add(
            _("Beneficiaries not paid for %(months)d consecutive months, for suspension review")
            % {"months": UNPAID_STREAK},
            len(unpaid_streaks_for_user(user)),
            reverse("disbursements:unpaid"),
        )
    return items


def lines_paid_to(account_number: str, *, among: QuerySet[RunLine] | None = None) -> QuerySet[RunLine]:
    """The run lines (of ``among``, scoped by the caller; every line when None) paid to this account
    number, found by its keyed hash (the account is encrypted: privacy.fields)."""
    lines = RunLine.objects.all() if among is None else among
    if not account_number:
        return lines.none()
    return lines.filter(account_hash=RunLine._meta.get_field("account_hash").digest(account_number))
