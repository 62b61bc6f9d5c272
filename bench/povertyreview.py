"""Poverty survey import benchmark: ``python -m bench.povertyreview`` (``make bench``).

Uses a database of its own (``casework_bench_review``, or $BENCH_REVIEW_DATABASE_NAME) on the
server of $DATABASE_URL, or of the embedded server (.data/database_url) when that is unset. It
creates and migrates that database, loads the admin units, and tops Xã Tân Đông (25522) up to
100,000 synthetic households (a second run reuses them). Then it opens that commune's 2025 review,
moves it to the survey step, and times a 100,000-line survey file (rules.md §4.4) read from disk,
checked, classified and written by ``povertyreview.importing.import_survey``; then the same file
again (every line an update), and the §4.5 export of the result. The review is deleted afterwards
(and at the start, in case an earlier run was interrupted). See bench/README.md.
"""

from __future__ import annotations

import csv
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.registry import ROOT, ensure_database, say, server_url
from bench.results import record

COMMUNE = "25522"  # Xã Tân Đông, Tây Ninh
YEAR = 2025
HOUSEHOLDS = int(os.environ.get("BENCH_REVIEW_HOUSEHOLDS", "100000"))
SEED = 4
IMPORT_MAX_S = 8.0  # issue 19: each 100,000-line import ≤ 8 s
OFFICER = "bench.review.officer"


def prepare_data():
    from django.core.management import call_command
    from django.db import connection

    from demo.synthetic import generate_households
    from geography.models import Commune
    from households.models import Household

    say("migrate, load_admin_units")
    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    commune = Commune.objects.get(code=COMMUNE)
    present = Household.objects.filter(commune=commune, dissolved_on__isnull=True).count()
    if present < HOUSEHOLDS:
        say(f"{present:,} households in {commune.name}: generating {HOUSEHOLDS - present:,} more")
        report = generate_households(
            communes=[commune],
            households_per_commune=HOUSEHOLDS - present,
            seed=SEED,
            # Tây Ninh, 2024: about 0.5 % poor and 1 % near-poor: the review's list at its opening.
            year_statuses={YEAR: {"poor": 0.005, "near_poor": 0.01}},
        )
        say(f"generated {report.households:,} households, {report.persons:,} persons in {report.seconds:.0f} s")
        say("VACUUM ANALYZE")
        with connection.cursor() as cursor:
            for table in ("household", "person", "membership", "householdevent", "householdyearstatus"):
                cursor.execute(f"VACUUM (ANALYZE) households_{table}")
    else:
        say(f"{present:,} households in {commune.name}: reusing them")
    return commune


def delete_review(commune) -> None:
    """The commune's review of YEAR and everything under it, by plain DELETEs (the ORM's cascade
    would load 200,000 rows into Python first)."""
    from django.db import connection, transaction

    from povertyreview.models import Campaign

    ids = list(Campaign.objects.filter(commune=commune, year=YEAR).values_list("pk", flat=True))
    if not ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("reviewevent", "assessment", "historicalcampaign", "campaign"):
            column = "id" if table.endswith("campaign") else "campaign_id"
            cursor.execute(f"DELETE FROM povertyreview_{table} WHERE {column} = ANY(%s)", [ids])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE povertyreview_assessment")
        cursor.execute("VACUUM ANALYZE povertyreview_reviewevent")


def write_survey(commune, path: Path, *, shift: int = 0) -> int:
    """One line per current household of the commune, incomes and deprivations drawn at random
    (a few percent at or below the line); ``shift`` moves every income, so a second file
    re-classifies some households."""
    from households.models import Household
    from povertyreview.importing import COLUMNS, FILE_INDICATORS

    generator = random.Random(SEED + shift)
    codes = Household.objects.filter(commune=commune, dissolved_on__isnull=True).order_by("code")
    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for code in codes.values_list("code", flat=True).iterator(chunk_size=10_000):
            income = int(generator.lognormvariate(15.0, 0.5)) + shift
            deprived = set(generator.sample(FILE_INDICATORS, generator.choice([0, 0, 0, 1, 1, 2, 3, 4])))
            area = generator.choice(["", "", "", "", "urban"])
            writer.writerow(
                [code, commune.code, area, generator.randint(1, 8), income]
                + ["1" if name in deprived else "0" for name in FILE_INDICATORS]
            )
            count += 1
    return count


def survey_phases(phases) -> None:
    """Time the read, check and write phases of the survey import (``bench.phases``)."""
    from povertyreview import bulk, importing

    for name, part in [
        ("read_survey", "read the CSV (read_survey)"),
        ("import_survey", "import"),
        ("_load_households", "check: the file's households, their assessments and statuses"),
        ("_check_lines", CHECK),
        ("_fill_report", "the report's lists"),
        ("assessments_import", "write (in the transaction)"),
    ]:
        phases.wrap(importing, name, part)
    for name, part in [
        ("complete_rows", "new assessments: rows completed (Python)"),
        ("copy_insert", "new assessments: COPY"),
        ("_update_assessments", "assessments already listed: COPY + UPDATE"),
        ("write_events", "events: COPY"),
    ]:
        phases.wrap(bulk, name, part)


CHECK = "check: every line (Python)"


def survey_phase_rows(spent: dict) -> list[tuple[str, object]]:
    from bench.phases import Spent

    load, write = "check: the file's households, their assessments and statuses", "write (in the transaction)"
    parts = [label for label in spent if label.startswith(("new ", "assessments ", "events"))]
    rows = [("read the CSV (read_survey)", spent["read the CSV (read_survey)"]), (load, spent[load])]
    rows.append((CHECK, spent[CHECK] - spent[load]))
    rows.append(("the report's lists", spent["the report's lists"]))
    rows.append((write, spent[write]))
    rows += [(f"  {label}", spent[label]) for label in parts]
    rows.append(
        ("  the rest (rows and events built in Python)", spent[write] - sum((spent[p] for p in parts), Spent()))
    )
    named = spent[CHECK] + spent["the report's lists"] + spent[write]
    rows.append(("the rest (header, campaigns, lock, commit)", spent["import"] - named))
    return rows


def timed_import(path: Path, user, label: str) -> tuple[float, float, object]:
    from bench.phases import Phases, cpu_summary, print_phases
    from core.tabular import operator_file
    from povertyreview import importing

    with Phases() as phases:
        survey_phases(phases)
        with path.open("rb") as stream, operator_file():
            survey = importing.read_survey(stream, path.name)
        report = importing.import_survey(survey, year=YEAR, acting_user=user, dry_run=False)
    read, spent = phases.spent["read the CSV (read_survey)"], phases.spent["import"]
    total = read + spent
    if not report.ok:
        first = report.errors[0]
        say(f"{label}: {len(report.errors)} errors, first: line {first.row} {first.column}: {first.message}")
    else:
        print_phases(
            f"Where the {label}'s {total.wall:.1f} s went ({cpu_summary(total)}):", survey_phase_rows(phases.spent)
        )
    return read.wall, total.wall, report


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    name = os.environ.get("BENCH_REVIEW_DATABASE_NAME", "casework_bench_review")
    os.environ["DATABASE_URL"] = ensure_database(server_url(), name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    from accounts.models import Role
    from accounts.services import user_create_or_update
    from povertyreview.exporting import write_csv
    from povertyreview.models import Campaign
    from povertyreview.services import campaign_advance, campaign_open

    say(f"database {name} ({os.environ['DJANGO_SETTINGS_MODULE']})")
    commune = prepare_data()
    user = user_create_or_update(
        username=OFFICER, role=Role.COMMUNE_OFFICER, password="bench-officer-12345", communes=[commune]
    )
    delete_review(commune)
    campaign = campaign_advance(campaign=campaign_open(commune=commune, year=YEAR, acting_user=user), acting_user=user)
    listed = campaign.assessments.count()
    results = []
    try:
        with tempfile.TemporaryDirectory() as directory:
            first, second = Path(directory) / "survey.csv", Path(directory) / "survey-again.csv"
            lines = write_survey(commune, first)
            write_survey(commune, second, shift=150_000)
            say(f"importing {lines:,} lines ({listed:,} households on the list at the opening)")
            read, total, report = timed_import(first, user, "first import")
            results.append(("first import", read, total, report, f"{len(report.listed):,} listed, "
                            f"{len(report.surveyed):,} already on the list"))  # fmt: skip
            say(f"importing {lines:,} lines again (every line an update)")
            read, total, report = timed_import(second, user, "re-import")
            results.append(("re-import", read, total, report, f"{len(report.reclassified):,} reclassified, "
                            f"{report.unchanged:,} as before"))  # fmt: skip
            started = time.perf_counter()
            with (Path(directory) / "classification.csv").open("w", encoding="utf-8", newline="") as stream:
                write_csv(Campaign.objects.get(pk=campaign.pk), stream)
            export_seconds = time.perf_counter() - started
    finally:
        delete_review(commune)

    print()
    print(f"{'benchmark':<14} {'read s':>8} {'total s':>8}  verdict  detail")
    ok = True
    for label, read, total, report, detail in results:
        passed = report.ok and total <= IMPORT_MAX_S
        ok = ok and passed
        counts = ", ".join(f"{status} {count:,}" for status, count in report.counts.items())
        print(f"{label:<14} {read:>8.1f} {total:>8.1f}  {'PASS' if passed else 'FAIL':<7}  {detail}; {counts}")
    print(f"{'export (info)':<14} {'':>8} {export_seconds:>8.1f}  {'info':<7}  §4.5 CSV of the review")
    print(
        f"\nTarget: reading, checking, classifying and writing a {HOUSEHOLDS:,}-line survey file ≤ {IMPORT_MAX_S:g} s "
        "(total s; read s is the part spent reading the CSV)."
    )
    record(
        "survey import",
        measured=", ".join(f"{label} {total:.1f} s" for label, _read, total, _report, _detail in results),
        reference=f"{HOUSEHOLDS:,} lines; load average {os.getloadavg()[0]:.1f}",
        passed=ok,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
