"""Reports benchmark at province scale: ``python -m bench.reports`` (``make bench``).

Uses a database of its own (``casework_bench_reports``, or $BENCH_REPORTS_DATABASE_NAME) on the
server of $DATABASE_URL, or of the embedded server (.data/database_url) when that is unset. It holds
ONE province (Tây Ninh, 80, or $BENCH_PROVINCE) with:

- **300,000 active allowance cases** ($BENCH_REPORT_CASES), written by ``bench.beneficiaries``'s COPY
  generator over the province's communes (its mix of categories, ages and payment methods);
- **1,000,000 households** ($BENCH_REPORT_HOUSEHOLDS, about 3.5 million persons), written by
  ``demo.synthetic.generate_households`` with the poverty lists of 2024 and 2025 (0.6 % / 1.1 %
  and 0.5 % / 1 % poor / near-poor, plus a few households newly near-poor in 2025);
- **payment runs** of the last six months (reconciled, every 200th line failed) and this month's
  (computed), one per commune, their lines written by INSERT … SELECT from the cases (the amounts are
  plausible, not the engine's: the reports read lines, not rules), and a health-insurance card for
  every person with a card number in the registry and for the beneficiaries (some expired mid-year).

The first run spends some minutes writing (the cases first: their generator empties the persons
table, households included); later runs reuse everything that is there (about 4 GB; drop it with
``dropdb casework_bench_reports``).

Then, signed in as a provincial viewer of the province (``django.test.Client.force_login``, in
process, no network), it measures 2 warm-ups then the median of 15 requests of the province
dashboard (target < 500 ms) and, for reference, a trivial page and a commune's dashboard; and the
median of 3 builds of each official table's XLSX for the whole province, as the export worker
builds it (``build_table`` + ``table_xlsx``; target < 10 s each), with the table pages and the
commune's (direct) XLSX for reference. See bench/README.md.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date

from bench.registry import ROOT, ensure_database, say, server_url
from bench.results import record

PROVINCE = os.environ.get("BENCH_PROVINCE", "80")
CASES = int(os.environ.get("BENCH_REPORT_CASES", "300000"))
HOUSEHOLDS = int(os.environ.get("BENCH_REPORT_HOUSEHOLDS", "1000000"))
SEED = 88
RUN_MONTHS = 6
PAGE_RUNS, PAGE_WARM_UPS, TABLE_RUNS = 15, 2, 3
DASHBOARD_MAX_MS, XLSX_MAX_S = 500.0, 10.0
FRESH_DASHBOARD_MAX_MS, COMMUNE_DASHBOARD_MAX_MS = 1000.0, 150.0  # issue 19: computed, not cached
VIEWER = "bench.reports.province"
BANK_BINS = ["970436", "970405", "970415", "970418", "970422"]  # Vietcombank, Agribank, VietinBank, BIDV, MB
# 2024 and 2025 lists: shares of each commune's households, the neediest first (demo/synthetic.py).
YEAR_STATUSES = {
    2024: {"poor": 0.006, "near_poor": 0.011},
    2025: {"poor": 0.005, "near_poor": 0.010},
}
# A plausible monthly amount per category (base 500,000 × a usual coefficient).
AMOUNTS = {
    "5.1": 1_250_000, "5.2": 750_000, "5.3": 1_250_000, "5.4": 500_000, "5.5a": 750_000, "5.5b": 750_000,
    "5.5c": 750_000, "5.5d": 1_500_000, "5.6es": 1_000_000, "5.6s": 750_000, "5.7": 750_000, "5.8": 750_000,
}  # fmt: skip
DASHBOARD_URL_NAME, COMMUNE_DASHBOARD_URL_NAME = "reports:province", "reports:commune"  # part 1's pages


# --- the data ------------------------------------------------------------------------------------


def province_communes() -> list[str]:
    from geography.models import Commune

    return list(Commune.objects.filter(province_id=PROVINCE).order_by("code").values_list("code", flat=True))


def prepare_cases(communes: list[str]) -> bool:
    """CASES active cases over the province's communes (bench.beneficiaries' generator); True when
    written now (the generator empties the persons table and, by cascade, the households)."""
    from accounts.models import Role
    from accounts.services import user_create_or_update
    from bench.beneficiaries import generate
    from beneficiaries.models import Case
    from geography.models import Commune

    present = Case.objects.filter(status="active").count()
    elsewhere = Case.objects.exclude(commune_id__in=communes).exists()
    if present == CASES and not elsewhere:
        say(f"{present:,} active cases in province {PROVINCE}: reusing them")
        return False
    chair = user_create_or_update(
        username="bench.reports.chair", role=Role.COMMUNE_CHAIR, password="bench-reports-12345",
        communes=[Commune.objects.get(code=communes[0])],
    )  # fmt: skip
    say(f"writing {CASES:,} active cases over the {len(communes)} communes of province {PROVINCE} (COPY)")
    started = time.perf_counter()
    generate(CASES, chair.pk, communes)
    say(f"cases written in {time.perf_counter() - started:.0f} s")
    return True


def prepare_households(communes: list[str]) -> None:

    from demo.synthetic import generate_households
    from geography.models import Commune
    from households.models import Household

    present = Household.objects.filter(commune__province_id=PROVINCE).count()
    if present >= HOUSEHOLDS:
        say(f"{present:,} households in province {PROVINCE}: reusing them")
        return
    wanted = HOUSEHOLDS - present
    base, extra = divmod(wanted, len(communes))
    per_commune = {code: base + (1 if index < extra else 0) for index, code in enumerate(communes)}
    say(f"{present:,} households: generating {wanted:,} more with the lists of 2024 and 2025")
    started = time.perf_counter()

    def progress(report, total):
        say(f"  {report.households:>9,}/{total:,} households, {report.rows:,} rows in {report.seconds:.0f} s")

    generate_households(
        communes=list(Commune.objects.filter(code__in=communes).order_by("code")),
        households_per_commune=per_commune,
        seed=SEED,
        year_statuses=YEAR_STATUSES,
        progress=progress,
    )
    say(f"households written in {time.perf_counter() - started:.0f} s")


def add_newly_listed() -> None:
    """Newly near-poor in 2025, one household in 500 (the generator ranks both years alike, so its
    lists alone have nobody new); does nothing the second time."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE households_householdyearstatus SET status = 'near_poor' "
            "WHERE year = 2025 AND status = 'none' AND mod(household_id, 500) = 0"
        )


def run_months(today: date) -> list[date]:
    from core.months import add_months, first_of_month

    current = first_of_month(today)
    return [add_months(current, -count) for count in range(RUN_MONTHS, -1, -1)]  # six past months and this one


def prepare_runs(communes: list[str], months: list[date], *, fresh_cases: bool) -> None:
    """One run per commune and month (the last computed, the others reconciled) and their lines, by
    INSERT … SELECT; the runs' totals by one aggregation."""
    from django.db import connection

    from disbursements.models import Run

    expected = len(communes) * len(months)
    if not fresh_cases and Run.objects.filter(month__in=months).count() == expected == Run.objects.count():
        say(f"{expected:,} payment runs of {months[0]:%Y-%m} to {months[-1]:%Y-%m}: reusing them")
        return
    say(f"writing {expected:,} payment runs ({months[0]:%Y-%m} to {months[-1]:%Y-%m}) and their lines")
    started = time.perf_counter()
    amounts = ", ".join(f"('{code}', {amount})" for code, amount in AMOUNTS.items())
    bins = "ARRAY[" + ", ".join(f"'{code}'" for code in BANK_BINS) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE disbursements_paidmonth, disbursements_runline, disbursements_runbatch, "
            "disbursements_runevent, disbursements_payerreport, disbursements_run RESTART IDENTITY"
        )
        for month in months:
            status = "computed" if month == months[-1] else "reconciled"
            cursor.execute(
                """
                INSERT INTO disbursements_run (commune_id, month, status, generation, line_count, total_amount,
                       bank_amount, cash_amount, created_at, updated_at)
                SELECT code, %s, %s, 1, 0, 0, 0, 0, now(), now() FROM geography_commune WHERE code = ANY(%s)
                """,
                [month, status, communes],
            )
            cursor.execute(
                f"""
                INSERT INTO disbursements_runline (run_id, case_id, reference, national_id, full_name, category,
                       months, breakdown, amount, payment_method, bank_bin, account_number, account_hash,
                       account_name, status,
                       paid_on, note)
                SELECT r.id, c.id, r.id || '-' || c.id, p.national_id, p.full_name, cat.category_id,
                       jsonb_build_array(to_char(r.month, 'YYYY-MM')), '[]'::jsonb, amount.vnd,
                       c.payment_method,
                       CASE WHEN c.payment_method = 'bank' THEN ({bins})[1 + c.id %% 5] ELSE '' END,
                       c.account_number, c.account_hash, c.account_name,
                       CASE WHEN r.status = 'computed' THEN 'pending'
                            WHEN c.payment_method = 'bank' AND c.id %% 200 = 0 THEN 'failed' ELSE 'paid' END,
                       CASE WHEN r.status = 'computed' THEN NULL ELSE r.month + 4 END, ''
                  FROM beneficiaries_case c
                  JOIN households_person p ON p.id = c.person_id
                  JOIN disbursements_run r ON r.commune_id = c.commune_id AND r.month = %s
                  JOIN (SELECT DISTINCT ON (case_id) case_id, category_id FROM beneficiaries_casecategory
                         ORDER BY case_id, category_id) cat ON cat.case_id = c.id
                  JOIN (VALUES {amounts}) AS amount(code, vnd) ON amount.code = cat.category_id
                 WHERE c.status = 'active'
                """,
                [month],
            )
        cursor.execute(
            """
            UPDATE disbursements_run r
               SET line_count = t.lines, total_amount = t.total, bank_amount = t.bank, cash_amount = t.cash,
                   computed_at = now(), approved_at = CASE WHEN r.status = 'reconciled' THEN now() END,
                   exported_at = CASE WHEN r.status = 'reconciled' THEN now() END,
                   reconciled_at = CASE WHEN r.status = 'reconciled' THEN now() END
              FROM (SELECT run_id, count(*) AS lines, sum(amount) AS total,
                           coalesce(sum(amount) FILTER (WHERE payment_method = 'bank'), 0) AS bank,
                           coalesce(sum(amount) FILTER (WHERE payment_method = 'cash'), 0) AS cash
                      FROM disbursements_runline GROUP BY run_id) t
             WHERE t.run_id = r.id
            """
        )
    say(f"runs written in {time.perf_counter() - started:.0f} s")


def prepare_cards(months: list[date]) -> None:
    """A health-insurance card for every person the registry gives a card number, and for every
    beneficiary: valid for the year, one in ten expired at the end of June."""
    from django.db import connection

    from beneficiaries.models import HealthInsuranceCard

    if HealthInsuranceCard.objects.exists():
        say(f"{HealthInsuranceCard.objects.count():,} health-insurance cards: reusing them")
        return
    year = months[-1].year
    say("writing health-insurance cards (INSERT … SELECT)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO beneficiaries_healthinsurancecard (person_id, number, "group", valid_from, valid_to,
                   created_at, updated_at)
            SELECT p.id,
                   CASE WHEN p.health_insurance_number <> '' THEN p.health_insurance_number
                        ELSE 'BT4' || lpad(p.id::text, 12, '0') END,
                   CASE WHEN p.health_insurance_number <> '' THEN '' ELSE 'BT' END,
                   make_date(%s, 1, 1),
                   CASE WHEN p.id %% 10 = 0 THEN make_date(%s, 6, 30) ELSE make_date(%s, 12, 31) END,
                   now(), now()
              FROM households_person p
             WHERE p.health_insurance_number <> ''
                OR EXISTS (SELECT 1 FROM beneficiaries_case c WHERE c.person_id = p.id)
            ON CONFLICT DO NOTHING
            """,
            [year, year, year],
        )
    say(f"cards written in {time.perf_counter() - started:.0f} s")


def vacuum() -> None:
    from django.db import connection

    tables = [
        "households_household", "households_person", "households_membership", "households_householdyearstatus",
        "beneficiaries_case", "beneficiaries_casecategory", "beneficiaries_healthinsurancecard",
        "disbursements_run", "disbursements_runline",
    ]  # fmt: skip
    say("VACUUM ANALYZE " + ", ".join(tables))
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Line:
    name: str
    detail: str
    median: float | None = None  # ms for pages, s for tables
    unit: str = "ms"
    verdict: str = "info"
    runs: list[float] | None = None


def url_or_none(name: str, **kwargs) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def time_page(client, url: str) -> tuple[int, list[float]]:
    response = None
    for _index in range(PAGE_WARM_UPS):
        response = client.get(url)
    if response.status_code != 200:
        return response.status_code, []
    times = []
    for _index in range(PAGE_RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return response.status_code, times


def page_line(client, name: str, detail: str, url: str | None, target_ms: float | None) -> Line:
    line = Line(name, detail)
    if url is None:
        line.verdict, line.detail = "n/a", f"{detail}: no such page yet"
        return line
    status, times = time_page(client, url)
    if status != 200:
        line.verdict, line.detail = ("n/a" if status == 404 else "FAIL"), f"{detail}: HTTP {status}"
        return line
    line.median, line.runs = statistics.median(times), times
    if target_ms is not None:
        line.verdict = "PASS" if line.median <= target_ms else "FAIL"
    return line


def time_table(
    table: str, scope, parameters: dict, *, target_s: float | None, detail: str, file_format: str = "xlsx"
) -> Line:
    from reports import exports
    from reports.tables import build_table

    times, size = [], 0
    for _index in range(TABLE_RUNS):
        started = time.perf_counter()
        built = build_table(table, scope, parameters)
        content = exports.render(built, file_format)
        times.append(time.perf_counter() - started)
        size = len(content)
    name = f"{table} {file_format.upper()}"
    line = Line(name, f"{detail}, {built.row_count} rows, {size:,} bytes", unit="s", runs=times)
    line.median = statistics.median(times)
    if target_s is not None:
        line.verdict = "PASS" if line.median < target_s else "FAIL"
    return line


def close_months_lines(client, communes: list[str], commune: str) -> list[Line]:
    """What storing the closed months' coverage costs (reports.closed_months), once each: beat closing
    last month for the whole province, and a commune dashboard's first visit that finds its eleven
    closed months missing (counted and stored; later visits read them). The stored rows are deleted
    first, so every run measures the same; the pages' runs that follow find them stored."""
    from django.utils import timezone

    from core.months import add_months, first_of_month
    from reports import closed_months
    from reports.models import ClosedMonthCoverage

    ClosedMonthCoverage.objects.filter(commune_id__in=communes).delete()
    started = time.perf_counter()
    written = closed_months.close_months(communes, [add_months(first_of_month(timezone.localdate()), -1)])
    beat = Line("close last month, province", f"beat: {written} communes' coverage stored (info)", unit="s")
    beat.median = time.perf_counter() - started
    beat.runs = [beat.median]
    url = url_or_none(COMMUNE_DASHBOARD_URL_NAME, code=commune)
    first = Line("commune dashboard, 1st visit", f"GET {url}: its closed months counted and stored (info)")
    started = time.perf_counter()
    status = client.get(url).status_code if url else 404
    first.median = (time.perf_counter() - started) * 1000
    first.runs = [first.median]
    if status != 200:
        first.verdict, first.median = "FAIL", None
    return [beat, first]


def print_table(lines: list[Line]) -> None:
    print()
    print(f"{'benchmark':<28} {'median':>10}  {'runs (min–max)':>18}  verdict  detail")
    for line in lines:
        if line.median is None:
            median, spread = "", ""
        else:
            median = f"{line.median:,.0f} ms" if line.unit == "ms" else f"{line.median:.2f} s"
            low, high = min(line.runs), max(line.runs)
            spread = f"{low:,.0f}–{high:,.0f} ms" if line.unit == "ms" else f"{low:.2f}–{high:.2f} s"
        print(f"{line.name:<28} {median:>10}  {spread:>18}  {line.verdict:<7}  {line.detail}")
    print(
        f"\nTargets: the province dashboard's median ≤ {DASHBOARD_MAX_MS:g} ms, computed fresh "
        f"< {FRESH_DASHBOARD_MAX_MS:g} ms; the commune dashboard's ≤ {COMMUNE_DASHBOARD_MAX_MS:g} ms ({PAGE_RUNS} requests after "
        f"{PAGE_WARM_UPS} warm-ups); each official table's XLSX for the whole province ≤ {XLSX_MAX_S:g} s "
        f"(median of {TABLE_RUNS})."
    )


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    name = os.environ.get("BENCH_REPORTS_DATABASE_NAME", "casework_bench_reports")
    os.environ["DATABASE_URL"] = ensure_database(server_url(), name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Role
    from accounts.services import user_create_or_update
    from geography.models import Province
    from households.models import Household
    from reports.tables import parse_parameters, table_scope

    say(f"database {name} ({os.environ['DJANGO_SETTINGS_MODULE']})")
    say("migrate, load_admin_units")
    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    communes = province_communes()
    months = run_months(timezone.localdate())
    fresh = prepare_cases(communes)
    prepare_households(communes)
    add_newly_listed()
    prepare_runs(communes, months, fresh_cases=fresh)
    prepare_cards(months)
    vacuum()

    viewer = user_create_or_update(
        username=VIEWER, role=Role.PROVINCIAL_VIEWER, password="bench-reports-12345",
        provinces=[Province.objects.get(code=PROVINCE)],
    )  # fmt: skip
    sizes = Household.objects.filter(commune_id__in=communes).values("commune_id").annotate(n=Count("id")).order_by()
    biggest = max(sizes, key=lambda row: (row["n"], row["commune_id"]))
    total = sum(row["n"] for row in sizes)
    say(f"{total:,} households in {len(communes)} communes; the largest, {biggest['commune_id']}: {biggest['n']:,}")

    client = Client(SERVER_NAME="localhost", raise_request_exception=False)
    client.force_login(viewer)
    closing = close_months_lines(client, communes, biggest["commune_id"])
    say(f"measuring pages ({PAGE_WARM_UPS} warm-ups, {PAGE_RUNS} runs each)")
    dashboard = url_or_none(DASHBOARD_URL_NAME, code=PROVINCE)
    commune_dashboard = url_or_none(COMMUNE_DASHBOARD_URL_NAME, code=biggest["commune_id"])
    lines = [
        page_line(client, "trivial page", "GET /accounts/password/done/", "/accounts/password/done/", None),
        page_line(client, "province dashboard", f"GET {dashboard}", dashboard, DASHBOARD_MAX_MS),
        # Beat keeps the figures warm in the shared cache (reports/snapshots.py), so the page as users
        # get it reads them from there; ?refresh=1 computes them again (the cost beat pays).
        page_line(
            client,
            "province dashboard, fresh",
            f"GET {dashboard}?refresh=1: figures computed, not cached",
            dashboard and f"{dashboard}?refresh=1",
            FRESH_DASHBOARD_MAX_MS,
        ),
        page_line(client, "commune dashboard", f"GET {commune_dashboard}", commune_dashboard, COMMUNE_DASHBOARD_MAX_MS),
    ]
    trivial_ms = lines[0].median
    for line, key in ((lines[2], "province dashboard"), (lines[3], "commune dashboard")):
        if line.median is not None:
            record(
                key,
                measured=f"{line.median:,.0f} ms",
                reference=f"trivial page {trivial_ms:,.1f} ms; load average {os.getloadavg()[0]:.1f}",
                passed=line.verdict == "PASS",
            )
    lines += closing
    province = table_scope(viewer, province=PROVINCE)
    commune = table_scope(viewer, commune=biggest["commune_id"])
    last = months[-2]
    tables = [
        ("poverty", {"year": 2024}, "review of 2024"),
        ("allowances", {"year": last.year, "half": 1 if last.month <= 6 else 2}, "half-year of last month"),
        ("payments", {"month_from": f"{months[0]:%Y-%m}", "month_to": f"{last:%Y-%m}"}, "six months"),
    ]
    for table, parameters, detail in tables:
        parameters = parse_parameters(table, parameters)
        say(f"measuring the {table} table ({TABLE_RUNS} builds)")
        lines.append(time_table(table, province, parameters, target_s=XLSX_MAX_S, detail=f"province, {detail}"))
    for table, parameters, detail in tables:
        parameters = parse_parameters(table, parameters)
        line = time_table(table, province, parameters, target_s=None, detail=f"province, {detail}", file_format="pdf")
        line.name = f"{table} PDF, province"
        lines.append(line)
    for table, parameters, detail in tables:
        parameters = parse_parameters(table, parameters)
        line = time_table(table, commune, parameters, target_s=None, detail=f"{biggest['commune_id']}, {detail}")
        line.name = f"{table} XLSX, commune"
        lines.append(line)
    for table, parameters, _detail in tables:
        query = "&".join(f"{key}={value}" for key, value in parameters.items())
        url = f"/reports/tables/{table}/?province={PROVINCE}&{query}"
        lines.append(page_line(client, f"{table} page, province", f"GET {url} (info)", url, None))
    print_table(lines)
    return 0 if all(line.verdict in ("PASS", "info", "n/a") for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
