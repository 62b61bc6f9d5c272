"""The bank's loan-list import at the size of a very large commune: ``python -m bench.support``.

Uses a database of its own (``casework_bench_support``, or $BENCH_SUPPORT_DATABASE_NAME) on the
server of $DATABASE_URL, or of the embedded server (.data/database_url) when that is unset. It
creates and migrates that database, loads the admin units, and tops Xã Tân Đông (25522) up to
20,000 synthetic households ($BENCH_SUPPORT_HOUSEHOLDS; a second run reuses them). Then it writes
the bank's list of 20,000 loans ($BENCH_LOANS, one per household, borrowers in capitals without
diacritics as the bank writes them) and times ``support.importing`` reading, checking and writing
it: a dry run, the import (every line a new contract) and a newer list (every line a new balance,
some repaid, some overdue). The bench officer's loans, programmes and events are deleted at the end
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
from datetime import date, timedelta
from pathlib import Path

from bench.registry import ROOT, ensure_database, say, server_url

COMMUNE = "25522"  # Xã Tân Đông, Tây Ninh
HOUSEHOLDS = int(os.environ.get("BENCH_SUPPORT_HOUSEHOLDS", "20000"))
LOANS = int(os.environ.get("BENCH_LOANS", "20000"))
SEED = 76
IMPORT_MAX_S = 30.0
OFFICER = "bench.support.officer"


def prepare_data():
    from django.core.management import call_command

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
        report = generate_households(communes=[commune], households_per_commune=HOUSEHOLDS - present, seed=SEED)
        say(f"generated {report.households:,} households, {report.persons:,} persons in {report.seconds:.0f} s")
    else:
        say(f"{present:,} households in {commune.name}: reusing them")
    return commune


def delete_loans(user) -> None:
    """The bench officer's loan records, programmes and events, by plain DELETEs."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        records = "SELECT id FROM support_record WHERE created_by_id = %s"
        programmes = "SELECT id FROM support_programme WHERE created_by_id = %s"
        cursor.execute("DELETE FROM support_supportevent WHERE actor_id = %s", [user.pk])
        cursor.execute(f"DELETE FROM support_historicalloan WHERE record_id IN ({records})", [user.pk])
        cursor.execute(f"DELETE FROM support_loan WHERE record_id IN ({records})", [user.pk])
        cursor.execute(f"DELETE FROM support_recordfunding WHERE record_id IN ({records})", [user.pk])
        cursor.execute("DELETE FROM support_historicalrecord WHERE created_by_id = %s", [user.pk])
        cursor.execute("DELETE FROM support_record WHERE created_by_id = %s", [user.pk])
        cursor.execute(f"DELETE FROM support_historicalfunding WHERE programme_id IN ({programmes})", [user.pk])
        cursor.execute(f"DELETE FROM support_funding WHERE programme_id IN ({programmes})", [user.pk])
        cursor.execute("DELETE FROM support_historicalprogramme WHERE created_by_id = %s", [user.pk])
        cursor.execute("DELETE FROM support_programme WHERE created_by_id = %s", [user.pk])


def write_lists(commune, first: Path, second: Path) -> int:
    """The bank's list a year ago and today's: one loan per household head, 30–100 million đồng,
    disbursed over the last five years; today's balances lower, some repaid, a few overdue."""
    from core.text import fold_vietnamese
    from households.models import Household
    from support.importing import COLUMNS

    generator = random.Random(SEED)
    today = date.today()
    then = today - timedelta(days=365)
    heads = (
        Household.objects.filter(commune=commune, dissolved_on__isnull=True, head__isnull=False)
        .order_by("code")
        .values_list("code", "head__national_id", "head__full_name")[:LOANS]
    )
    count = 0
    with first.open("w", encoding="utf-8", newline="") as old, second.open("w", encoding="utf-8", newline="") as new:
        old_writer, new_writer = csv.writer(old), csv.writer(new)
        old_writer.writerow(COLUMNS)
        new_writer.writerow(COLUMNS)
        for number, (code, national_id, name) in enumerate(heads.iterator(chunk_size=10_000), start=1):
            amount = generator.randrange(30, 101, 5) * 1_000_000
            disbursed = then - timedelta(days=generator.randrange(4 * 365))
            owed_then = amount - amount * generator.randrange(0, 6) // 10 // 1_000_000 * 1_000_000
            fate = generator.random()
            if fate < 0.15:
                owed_now, status = 0, "đã trả"
            elif fate < 0.18:
                owed_now, status = owed_then, "quá hạn"
            else:
                owed_now, status = owed_then * 7 // 10, "trong hạn"
            row = [f"73522{number:07d}", code, national_id, fold_vietnamese(name).upper(),
                   "Cho vay hỗ trợ tạo việc làm", amount, f"{disbursed:%d/%m/%Y}", 60]  # fmt: skip
            old_writer.writerow([*row, owed_then, f"{then:%d/%m/%Y}", "trong hạn"])
            new_writer.writerow([*row, owed_now, f"{today - timedelta(days=1):%d/%m/%Y}", status])
            count += 1
    return count


def timed_import(path: Path, commune, user, *, dry_run: bool):
    from core.tabular import operator_file
    from support.importing import import_loans, read_loans

    started = time.perf_counter()
    with path.open("rb") as stream, operator_file():
        source = read_loans(stream, path.name)
    read = time.perf_counter() - started
    report = import_loans(source, commune=commune, acting_user=user, dry_run=dry_run, filename=path.name)
    total = time.perf_counter() - started
    if not report.ok:
        first = report.errors[0]
        say(f"{len(report.errors)} errors, first: line {first.row} {first.column}: {first.message}")
    return read, total, report


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    name = os.environ.get("BENCH_SUPPORT_DATABASE_NAME", "casework_bench_support")
    os.environ["DATABASE_URL"] = ensure_database(server_url(), name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    from accounts.models import Role
    from accounts.services import user_create_or_update

    say(f"database {name} ({os.environ['DJANGO_SETTINGS_MODULE']})")
    commune = prepare_data()
    user = user_create_or_update(
        username=OFFICER, role=Role.COMMUNE_OFFICER, password="bench-officer-12345", communes=[commune]
    )
    delete_loans(user)
    results = []
    try:
        with tempfile.TemporaryDirectory() as directory:
            first, second = Path(directory) / "dsvay-then.csv", Path(directory) / "dsvay-now.csv"
            lines = write_lists(commune, first, second)
            for label, path, dry_run in (("dry run", first, True), ("import", first, False),
                                         ("new balances", second, False)):  # fmt: skip
                say(f"{label}: {lines:,} lines")
                read, total, report = timed_import(path, commune, user, dry_run=dry_run)
                detail = (f"created {report.created:,}, updated {report.updated:,}, unchanged {report.unchanged:,}, "
                          f"lent {report.lent_vnd:,} đ")  # fmt: skip
                results.append((label, read, total, report, detail))
    finally:
        delete_loans(user)

    print()
    print(f"{'benchmark':<14} {'read s':>8} {'total s':>8}  verdict  detail")
    ok = True
    for label, read, total, report, detail in results:
        passed = report.ok and total < IMPORT_MAX_S
        ok = ok and passed
        print(f"{label:<14} {read:>8.1f} {total:>8.1f}  {'PASS' if passed else 'FAIL':<7}  {detail}")
    print(f"\nTarget: reading, checking and writing a {LOANS:,}-line loan list < {IMPORT_MAX_S:g} s (total s).")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
