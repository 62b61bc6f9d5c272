"""Entitlement engine benchmark: ``python -m bench.beneficiaries`` (``make bench``).

Uses a database of its own (``casework_bench_allowances``, or $BENCH_ALLOWANCES_DATABASE_NAME) on
the server of $DATABASE_URL, or of the embedded server (.data/database_url) when that is unset. It
creates and migrates that database (which loads the allowance rules), loads the admin units, and
writes 1,000,000 active cases (or $BENCH_CASES) with their persons and categories by COPY (a second
run reuses them). Then it times ``compute(Case.objects.filter(status="active"), month)`` for one
month, three times, and prints the median beside its reference in the same run: a plain COPY of the
payment lines a run would write for that result (built in memory, the columns of
``disbursements_runline``) into a scratch table without indexes, as ``bench.disbursements`` times
its own. Target: the median ≤ 1 × the COPY. ``BENCH_FINGERPRINT=1`` also prints a hash of every
(case, month, amount, explanation), to compare two versions of the engine. See bench/README.md.
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date

from bench import results
from bench.registry import ROOT, ensure_database, say, server_url

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
MONTH = date(2025, 10, 1)  # the month computed; ages and arrears are drawn around it
RUNS = 3
SEED = 20
MAX_RATIO = 1.0  # issue 19: compute ≤ 1 × the COPY of as many payment lines
SCRATCH = "bench_copy_scratch"
USERNAME = "bench.allowances.chair"
ARREARS_SHARE = 0.10  # cases with 1–6 months not yet paid
SUSPENDED_SHARE = 0.005  # active cases with a past suspension (half of them resumed with arrears)
NATIONAL_ID_PREFIX = "072"  # Tây Ninh

# A rough national mix of the monthly allowances (most beneficiaries are 80+ or disabled):
# (weight, categories with dependent children, lowest age, highest age) at MONTH.
MIX = [
    (44.0, [("5.5c", 0)], 80, 100),
    (3.0, [("5.5a", 0)], 60, 95),
    (1.0, [("5.5b", 0)], 75, 79),
    (0.2, [("5.5d", 0)], 60, 95),
    (22.0, [("5.6s", 0)], 0, 95),
    (9.0, [("5.6es", 0)], 0, 95),
    (3.0, [("5.5c", 0), ("5.6s", 0)], 80, 100),
    (2.0, [("5.1", 0)], 0, 15),
    (0.5, [("5.2", 0)], 16, 22),
    (0.1, [("5.3", 0)], 0, 15),
    (1.5, [("5.4", 1)], 20, 55),
    (0.5, [("5.4", 2)], 20, 55),
    (0.5, [("5.4", 1), ("5.6s", 0)], 20, 55),
    (0.3, [("5.4", 2), ("5.8", 0)], 20, 55),
    (1.0, [("5.7", 0)], 0, 2),
    (0.5, [("5.8", 0)], 16, 60),
]


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _copy(cursor, table: str, columns: str, lines: list[str]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for start in range(0, len(lines), 20_000):
            copy.write("".join(lines[start : start + 20_000]))


def generate(count: int, prepared_by_id: int, communes: list[str] | None = None) -> None:
    """``count`` persons, each with one active case and its categories, ids 1..count (the tables
    are emptied first: this database holds nothing else), spread over ``communes`` (codes; every
    commune of the country when None)."""
    from django.db import connection, transaction

    from geography.models import Commune
    from privacy.encryption import blind_index, encrypt

    rng = random.Random(SEED)
    communes = sorted(communes) if communes else list(Commune.objects.order_by("code").values_list("code", flat=True))
    weights = [weight for weight, *_rest in MIX]
    serials: dict[tuple[int, int], int] = {}
    now = "2025-10-01 00:00:00+07"
    persons, cases, categories, suspensions = [], [], [], []
    for pk in range(1, count + 1):
        _weight, chosen, low, high = rng.choices(MIX, weights)[0]
        age = rng.randint(low, high)
        born = date(MONTH.year - age - 1, rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.5:  # half of them have had this year's birthday by the end of MONTH
            born = born.replace(year=born.year + 1, month=rng.randint(1, MONTH.month))
        sex = rng.choice("MF")
        key = ({1900: 0, 2000: 2}[born.year // 100 * 100] + (sex == "F"), born.year % 100)
        serials[key] = serials.get(key, 0) + 1
        national_id = f"{NATIONAL_ID_PREFIX}{key[0]}{key[1]:02d}{serials[key]:06d}"
        disability = "severe" if any(c == "5.6s" for c, _ in chosen) else ""
        disability = "extremely_severe" if any(c == "5.6es" for c, _ in chosen) else disability or "none"
        persons.append(
            f"{pk}\t{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{national_id}\tNguyễn Văn {pk}\t"
            f"nguyen van {pk}\t{born}\t{sex}\t01\t\t{disability}\t\t\\N\t{now}\t{now}\n"
        )
        unpaid = rng.randint(1, 6) if rng.random() < ARREARS_SHARE else 0
        start = _months_before(MONTH, rng.randint(unpaid + 1, 120))
        start = max(start, date(born.year, born.month, 1))
        paid_through = _months_before(MONTH, 1 + unpaid)
        paid_through_text = "\\N" if paid_through < start else str(paid_through)
        bank = rng.random() < 0.6
        # Accounts are stored as the product stores them: ciphertext and keyed hash (privacy.encryption).
        account = str(rng.randint(10**9, 10**10 - 1)) if bank else ""
        payment = (
            f"bank\t970436\t{encrypt(account)}\t{blind_index(account, purpose='account')}\tNGUYEN VAN {pk}"
            if bank
            else "cash\t\t\t\t"
        )
        cases.append(
            f"{pk}\t{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{pk}\t{rng.choice(communes)}\tactive\t"
            f"{start}\t{prepared_by_id}\t{{}}\tQĐ-{pk}\t{start}\t{start}\t\\N\t{paid_through_text}\t{payment}\t"
            f"{now}\t{now}\n"
        )
        for code, children in chosen:
            categories.append(f"{pk}\t{code}\t{children}\t\\N\t\\N\n")
        if rng.random() < SUSPENDED_SHARE and start < _months_before(MONTH, 3):
            resumed = _months_before(MONTH, 1)
            arrears = "t" if rng.random() < 0.5 else "f"
            suspensions.append(
                f"{pk}\t{_months_before(MONTH, 3)}\t{resumed}\tkhông nhận 3 tháng\t{arrears}\t{now}\t{now}\n"
            )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE beneficiaries_suspension, beneficiaries_casecategory, beneficiaries_caseevent, "
            "beneficiaries_case, households_person RESTART IDENTITY CASCADE"
        )
        raw = cursor.cursor
        _copy(raw, "households_person", "id, uuid, national_id, full_name, search_name, date_of_birth, sex, "
              "ethnicity, phone, disability_level, health_insurance_number, date_of_death, created_at, updated_at",
              persons)  # fmt: skip
        _copy(raw, "beneficiaries_case", "id, uuid, person_id, commune_id, status, applied_on, prepared_by_id, "
              "checklist, decision_number, decision_date, start_month, end_month, paid_through_month, "
              "payment_method, bank_bin, account_number, account_hash, account_name, created_at, updated_at", cases)  # fmt: skip
        _copy(raw, "beneficiaries_casecategory", "case_id, category_id, dependent_children, from_month, to_month",
              categories)  # fmt: skip
        _copy(raw, "beneficiaries_suspension", "case_id, from_month, to_month, reason, arrears_on_resume, "
              "created_at, updated_at", suspensions)  # fmt: skip
        for table in ("households_person", "beneficiaries_case", "beneficiaries_casecategory"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        for table in (
            "households_person",
            "beneficiaries_case",
            "beneficiaries_casecategory",
            "beneficiaries_suspension",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def prepare_data(province: str | None = None) -> None:
    """Migrate, load the admin units and write CASES active cases over the communes of
    ``province`` (every commune of the country when None), unless they are there already."""
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import user_create_or_update
    from beneficiaries.models import Case
    from geography.models import Commune

    say("migrate, load_admin_units")
    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    communes = list(Commune.objects.filter(province_id=province).values_list("code", flat=True)) if province else None
    present = Case.objects.filter(status="active").count()
    elsewhere = communes is not None and Case.objects.exclude(commune_id__in=communes).exists()
    if present == CASES and not elsewhere:
        say(f"{present:,} active cases: reusing them")
        return
    user = user_create_or_update(
        username=USERNAME,
        role=Role.COMMUNE_CHAIR,
        password="bench-chair-12345",
        communes=[Commune.objects.get(code="25522")],
    )
    where = f"the {len(communes)} communes of province {province}" if communes else "every commune"
    say(f"{present:,} active cases: writing {CASES:,} persons and cases over {where} by COPY")
    started = time.perf_counter()
    generate(CASES, user.pk, communes)
    say(f"written in {time.perf_counter() - started:.0f} s")


def _copy_text(value) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def payment_lines(result, month: date) -> bytes:
    """The payment lines a run would write for ``result`` (``compute``'s answer), as COPY text in
    memory: the columns of ``disbursements_runline`` (see ``disbursements.services._write_lines``),
    the account snapshot read from the cases, the months and explanations from the engine."""
    import json

    from django.db import connection

    from beneficiaries import sql as allowances

    payees = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.case_id, c.national_id, c.full_name, c.payment_method, c.bank_bin, c.account_number, "
            f"c.account_hash, c.account_name FROM ({allowances.case_payees()}) c"
        )
        for row in cursor.fetchall():
            payees[row[0]] = row[1:]
    texts: dict[int, tuple[str, str]] = {}
    lines = []
    for line_id, (case_id, entitlement) in enumerate(
        ((case_id, e) for case_id, e in result.items() if e.amount > 0), start=1
    ):
        paying = [line for line in entitlement.months if line.amount]
        pairs = []
        for line in paying:
            pair = texts.get(id(line))
            if pair is None:
                pair = texts[id(line)] = (f"{line.month:%Y-%m}", line.explanation)
            pairs.append(pair)
        current = entitlement.current
        category = (current.category or current.per_child_category) if current else paying[-1].category
        national_id, full_name, method, bank_bin, account, account_hash, account_name = payees[case_id]
        values = (
            line_id, f"1-{case_id}", national_id, full_name, category,
            json.dumps([pair[0] for pair in pairs], ensure_ascii=False),
            json.dumps([pair[1] for pair in pairs], ensure_ascii=False),
            entitlement.amount, method, bank_bin, account, account_name, "pending", None, "", case_id, 1,
            sum(1 for line in paying if line.month < month), "[]", None, account_hash,
        )  # fmt: skip
        lines.append("\t".join(map(_copy_text, values)) + "\n")
    return "".join(lines).encode()


def time_copy(data: bytes) -> tuple[float, int]:
    """A plain COPY of ``data`` into a scratch table of the payment line's columns, without
    indexes or constraints, as ``bench.disbursements`` times its reference."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE disbursements_runline INCLUDING DEFAULTS)")
        cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        with raw.copy(f"COPY {SCRATCH} ({RUNLINE_COLUMNS}) FROM STDIN") as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        seconds = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {SCRATCH}")
        rows = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {SCRATCH}")
    return seconds, rows


RUNLINE_COLUMNS = (
    "id, reference, national_id, full_name, category, months, breakdown, amount, payment_method, bank_bin, "
    "account_number, account_name, status, paid_on, note, case_id, run_id, arrears_months, months_failed_before, "
    "report_id, account_hash"
)


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    name = os.environ.get("BENCH_ALLOWANCES_DATABASE_NAME", "casework_bench_allowances")
    os.environ["DATABASE_URL"] = ensure_database(server_url(), name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    from beneficiaries.entitlement import compute
    from beneficiaries.models import Case

    say(f"database {name} ({os.environ['DJANGO_SETTINGS_MODULE']})")
    prepare_data()
    seconds, result = [], None
    for run in range(1, RUNS + 1):
        result = None  # free the previous run's result before the next one
        started = time.perf_counter()
        result = compute(Case.objects.filter(status="active"), MONTH)
        seconds.append(time.perf_counter() - started)
        say(f"run {run}: {seconds[-1]:.2f} s")
    median = statistics.median(seconds)
    total = sum(entitlement.amount for entitlement in result.values())
    with_arrears = sum(1 for entitlement in result.values() if entitlement.arrears_months)
    digest = fingerprint(result) if os.environ.get("BENCH_FINGERPRINT") else "not computed (BENCH_FINGERPRINT=1)"
    say("writing the payment lines in memory for the COPY reference")
    data = payment_lines(result, MONTH)
    result = None
    copy_s, copied = time_copy(data)
    ratio = median / copy_s
    passed = results.ratio_row("engine", median, copy_s, f"COPY of {copied:,} lines", MAX_RATIO)
    print()
    print(f"{'benchmark':<28} {'median s':>9}  verdict  detail")
    print(f"{'COPY of the lines, plain':<28} {copy_s:>9.2f}           {copied:,} payment lines, {len(data):,} bytes")
    print(
        f"{'compute, one month':<28} {median:>9.2f}  {'PASS' if passed else 'FAIL':<7}  {ratio:.2f}× the COPY; "
        f"{CASES:,} active cases for {MONTH:%Y-%m}, "
        f"{with_arrears:,} with arrears, {total:,} đồng (runs: " + ", ".join(f"{value:.2f}" for value in seconds) + ")"
    )
    print(f"Result fingerprint (sha256 of every case, month, amount and explanation): {digest}")
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(
        f"\nTarget: compute one month of {CASES:,} active cases (arrears included) ≤ {MAX_RATIO:g}× a plain COPY of "
        f"as many payment lines, median of {RUNS}."
    )
    return 0 if passed else 1


def fingerprint(result) -> str:
    """A hash of every (case, month, amount, explanation) of ``result``, in case order: two
    versions of the engine agree when their fingerprints do."""
    import hashlib

    digest = hashlib.sha256()
    texts: dict[int, str] = {}
    for case_id in sorted(result):
        digest.update(f"{case_id}\n".encode())
        for line in result[case_id].months:
            text = texts.get(id(line))
            if text is None:
                text = texts[id(line)] = f"{line.month:%Y-%m}\t{line.amount}\t{line.explanation}\t{line.payable}"
            digest.update(f"{case_id}\t{text}\n".encode())
    return digest.hexdigest()


if __name__ == "__main__":
    sys.exit(main())
