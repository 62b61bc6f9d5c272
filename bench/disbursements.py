"""Payment-run benchmark: ``python -m bench.disbursements`` (``make bench``).

Reuses the allowance bench's database (``casework_bench_allowances``, or
$BENCH_ALLOWANCES_DATABASE_NAME) and its 1,000,000 active cases spread over the communes (written
by ``bench.beneficiaries`` when missing). Starts 2 real Celery worker processes (``--pool solo``,
one task at a time each) on a broker of its own (Redis db 7 of 127.0.0.1:6379 when it answers,
or $BENCH_BROKER_URL; otherwise the filesystem transport in a temporary folder), prepares one run
per commune for one month with ``run_prepare_as_system`` (every run enqueued together) and times
enqueue → last run computed (totals included). In the same run it times a plain ``COPY`` of as
many rows as the runs wrote, of the same width (the run lines themselves), into a scratch table,
and prints both figures and their ratio against the target. The runs, their lines and paid
months are deleted at the start and at the end, so the bench can be run again. See
bench/README.md.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.registry import ROOT, ensure_database, say, server_url

WORKERS = 2
MAX_RATIO = 4.0
REDIS_URL = "redis://127.0.0.1:6379/7"
TIMEOUT_S = 1800
SCRATCH = "bench_copy_scratch"
TABLES = (
    "disbursements_paidmonth, disbursements_runline, disbursements_runbatch, disbursements_runevent, disbursements_run"
)


def broker_url() -> str:
    if os.environ.get("BENCH_BROKER_URL"):
        return os.environ["BENCH_BROKER_URL"]
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return "filesystem://"
    return REDIS_URL


def start_workers(count: int, folder: Path) -> list[tuple[subprocess.Popen, Path]]:
    """``count`` worker processes on the bench database and broker, each ready before returning."""
    workers = []
    for number in range(1, count + 1):
        log_path = folder / f"worker-{number}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "casework", "worker", "--pool", "solo", "--concurrency", "1",
                 "--loglevel", "INFO", "--hostname", f"bench-{number}-{os.getpid()}@casework", "--without-mingle",
                 "--without-gossip"],
                cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        workers.append((process, log_path))
    deadline = time.monotonic() + 120
    for process, log_path in workers:
        while " ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                stop_workers(workers)
                sys.exit(f"a Celery worker did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
    return workers


def stop_workers(workers) -> None:
    for process, _log in workers:
        process.terminate()
    for process, _log in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def clean() -> None:
    """Delete every run, line, paid month and batch (this database holds nothing else), and the
    scratch table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLES}")
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute("TRUNCATE django_celery_results_taskresult")


def prepare_all(month) -> tuple[float, float, int]:
    """One run per commune with payable cases, all enqueued; (seconds to enqueue, seconds to the
    last run computed, runs)."""
    from disbursements.models import Run
    from disbursements.services import run_prepare_as_system

    communes = sorted(set(payable_cases_all().values_list("commune_id", flat=True)))
    started = time.perf_counter()
    for commune_id in communes:
        run_prepare_as_system(commune_id=commune_id, month=month)
    enqueued = time.perf_counter() - started
    say(f"{len(communes):,} runs enqueued in {enqueued:.1f} s")
    deadline = time.monotonic() + TIMEOUT_S
    while Run.objects.filter(month=month, status=Run.Status.PREPARING).exists():
        if time.monotonic() > deadline:
            sys.exit("the runs were not computed in time")
        time.sleep(0.1)
    return enqueued, time.perf_counter() - started, len(communes)


def payable_cases_all():
    from beneficiaries.entitlement import PAYABLE_STATUSES
    from beneficiaries.models import Case

    return Case.objects.filter(status__in=PAYABLE_STATUSES, start_month__isnull=False).order_by()


def time_copy() -> tuple[float, int]:
    """COPY the run lines (read beforehand into memory) into a plain table of the same columns."""
    import io

    from django.db import connection

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy("COPY disbursements_runline TO STDOUT") as copy:
            for chunk in copy:
                buffer.write(chunk)
        cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE disbursements_runline INCLUDING DEFAULTS)")
        cursor.execute("CHECKPOINT")
        data = buffer.getvalue()
        started = time.perf_counter()
        with raw.copy(f"COPY {SCRATCH} FROM STDIN") as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        seconds = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {SCRATCH}")
        rows = cursor.fetchone()[0]
    return seconds, rows


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    name = os.environ.get("BENCH_ALLOWANCES_DATABASE_NAME", "casework_bench_allowances")
    os.environ["DATABASE_URL"] = ensure_database(server_url(), name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")
    folder = Path(tempfile.mkdtemp(prefix="bench-disbursements-"))
    os.environ["CELERY_BROKER_URL"] = broker_url()
    os.environ["CELERY_BROKER_DIR"] = str(folder / "broker")
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.db.models import Sum

    from bench.beneficiaries import MONTH, prepare_data
    from casework.celery import app
    from disbursements.models import Run, RunLine

    say(f"database {name}, broker {os.environ['CELERY_BROKER_URL'].split('://')[0]}")
    prepare_data()
    clean()
    if not os.environ["CELERY_BROKER_URL"].startswith("filesystem"):
        app.control.purge()  # messages a killed earlier run left on our Redis database
    say(f"starting {WORKERS} Celery workers (pool solo), logs in {folder}")
    workers = start_workers(WORKERS, folder)
    try:
        enqueued, prepare_s, runs = prepare_all(MONTH)
    finally:
        stop_workers(workers)
    totals = Run.objects.filter(month=MONTH).aggregate(lines=Sum("line_count"), total=Sum("total_amount"))
    assert totals["lines"] == RunLine.objects.count(), "run totals disagree with the lines"
    say(f"all {runs:,} runs computed: {totals['lines']:,} lines, {totals['total']:,} đồng")
    copy_s, copied = time_copy()
    clean()
    ratio = prepare_s / copy_s
    passed = ratio <= MAX_RATIO
    print()
    print(f"{'benchmark':<34} {'s':>8}  verdict  detail")
    print(f"{'COPY of the lines, plain table':<34} {copy_s:>8.2f}           {copied:,} rows")
    print(
        f"{'prepare, 2 workers':<34} {prepare_s:>8.2f}  {'PASS' if passed else 'FAIL':<7}  {runs:,} runs for "
        f"{MONTH:%Y-%m}, {totals['lines']:,} lines (enqueue alone {enqueued:.1f} s); {ratio:.1f}× the COPY"
    )
    print(f"\nTarget: the whole prepare (enqueue → last run computed) ≤ {MAX_RATIO:g}× the COPY of as many lines.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
