"""Payment-run benchmark: ``python -m bench.disbursements`` (``make bench``).

Uses a database of its own (``casework_bench_payments``, or $BENCH_PAYMENTS_DATABASE_NAME) holding
1,000,000 active cases (or $BENCH_CASES) spread over the communes of ONE province (Tây Ninh, 80,
or $BENCH_PROVINCE: 96 communes, about 10,400 cases each), written by ``bench.beneficiaries``'s
COPY generator when missing (a second run reuses them). Starts 2 real Celery worker processes
(``--pool solo``, one task at a time each) on a broker of its own (Redis db 7 of 127.0.0.1:6379
when it answers, or $BENCH_BROKER_URL; otherwise the filesystem transport in a temporary folder),
prepares one run per commune for one month with ``run_prepare_as_system`` (every run enqueued
together) and times enqueue → last run computed (totals included). In the same run it times a
plain ``COPY`` of as many rows as the runs wrote, of the same width (the run lines themselves),
into a scratch table, and prints both figures and their ratio against the target. Then it
prepares a few of the runs again in this process, batch by batch, timing each part (compute, the
INSERT of the lines and their paid months, finalisation, the rest), and reads the workers' logs
for the time spent in tasks. The runs, their lines and paid months are deleted at the start and
at the end, so the bench can be run again. See bench/README.md.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench import results
from bench.registry import ROOT, ensure_database, say, server_url

WORKERS = 2
MAX_RATIO = 4.0
REDIS_URL = "redis://127.0.0.1:6379/7"
TIMEOUT_S = 1800
PROVINCE = os.environ.get("BENCH_PROVINCE", "80")  # Tây Ninh: 96 communes
PROFILED_RUNS = 3
SCRATCH = "bench_copy_scratch"
TABLES = (
    "disbursements_paidmonth, disbursements_runline, disbursements_runbatch, disbursements_runevent, "
    "disbursements_payerreport, disbursements_run"
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


def task_seconds(workers) -> list[float]:
    """Each task's run time as the workers logged it ("succeeded in 0.34s")."""
    pattern = re.compile(r"succeeded in ([0-9.]+)s")
    return [float(match) for _process, log in workers for match in pattern.findall(log.read_text())]


def profile(month, count: int) -> tuple[dict[str, float], int, int]:
    """Prepare the runs of ``count`` communes again, in this process and without the broker, each
    batch in turn, timing the parts of ``batch_prepare``; (seconds per part, batches, lines)."""
    from django.db import connection

    from disbursements import services
    from disbursements.models import Run, RunBatch

    parts: dict[str, float] = defaultdict(float)
    originals = {name: getattr(services, name) for name in
                 ("compute", "paid_months_for", "_write_lines", "finalize_if_done", "enqueue_pending_batches")}  # fmt: skip

    def timed(name, part):
        function = originals[name]

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[part] += time.perf_counter() - started

        return wrapper

    def sql(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            lines = "INSERT INTO disbursements_runline" in statement
            months = "INSERT INTO disbursements_paidmonth" in statement
            if lines or months:  # one statement since the lines' months come from its RETURNING
                part = (
                    "INSERT lines + paid months"
                    if lines and months
                    else "INSERT lines"
                    if lines
                    else "INSERT paid months"
                )
                parts[part] += time.perf_counter() - started

    services.compute = timed("compute", "compute (engine, its reads included)")
    services.paid_months_for = timed("paid_months_for", "paid months read")
    services._write_lines = timed("_write_lines", "_write_lines")
    services.finalize_if_done = timed("finalize_if_done", "finalize_if_done (totals)")
    services.enqueue_pending_batches = lambda run_id, generation: 0
    communes = sorted(set(payable_cases_all().values_list("commune_id", flat=True)))[:count]
    batches = lines = 0
    try:
        with connection.execute_wrapper(sql):
            for commune_id in communes:
                started = time.perf_counter()
                run = services.run_prepare_as_system(commune_id=commune_id, month=month)
                parts["create run, plan batches"] += time.perf_counter() - started
                for low, high in RunBatch.objects.filter(run=run).order_by("low").values_list("low", "high"):
                    started = time.perf_counter()
                    services.batch_prepare(run.pk, run.generation, low, high)
                    parts["batch_prepare"] += time.perf_counter() - started
                    batches += 1
                lines += Run.objects.get(pk=run.pk).line_count
    finally:
        for name, function in originals.items():
            setattr(services, name, function)
    write = parts.pop("_write_lines")
    inserts = sum(value for key, value in parts.items() if key.startswith("INSERT"))
    parts["write: building the lines (Python)"] = write - inserts
    whole = parts.pop("batch_prepare")
    parts["batch: run check, locks, stamp, commit"] = whole - sum(
        value for key, value in parts.items() if key != "create run, plan batches"
    )
    return parts, batches, lines


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    name = os.environ.get("BENCH_PAYMENTS_DATABASE_NAME", "casework_bench_payments")
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
    prepare_data(PROVINCE)
    clean()
    if not os.environ["CELERY_BROKER_URL"].startswith("filesystem"):
        app.control.purge()  # messages a killed earlier run left on our Redis database
    say(f"starting {WORKERS} Celery workers (pool solo), logs in {folder}")
    workers = start_workers(WORKERS, folder)
    try:
        enqueued, prepare_s, runs = prepare_all(MONTH)
        load_prepare = os.getloadavg()  # the last minutes of the prepare: the workers and PostgreSQL
    finally:
        stop_workers(workers)
    in_tasks = task_seconds(workers)
    totals = Run.objects.filter(month=MONTH).aggregate(lines=Sum("line_count"), total=Sum("total_amount"))
    assert totals["lines"] == RunLine.objects.count(), "run totals disagree with the lines"
    say(f"all {runs:,} runs computed: {totals['lines']:,} lines, {totals['total']:,} đồng")
    copy_s, copied = time_copy()
    clean()
    say(f"profiling {PROFILED_RUNS} runs in this process")
    parts, profiled_batches, profiled_lines = profile(MONTH, PROFILED_RUNS)
    clean()
    ratio = prepare_s / copy_s
    passed = results.ratio_row("runs", prepare_s, copy_s, "COPY of as many lines", MAX_RATIO)
    from django.conf import settings

    print()
    print(
        f"batches of {settings.DISBURSEMENT_BATCH_SIZE:,} cases; load average (1 / 5 / 15 min) at the end of the "
        f"prepare {' / '.join(f'{value:.2f}' for value in load_prepare)}, at the end "
        f"{' / '.join(f'{value:.2f}' for value in os.getloadavg())}"
    )
    print(f"{'benchmark':<34} {'s':>8}  verdict  detail")
    print(f"{'COPY of the lines, plain table':<34} {copy_s:>8.2f}           {copied:,} rows")
    print(
        f"{'prepare, 2 workers':<34} {prepare_s:>8.2f}  {'PASS' if passed else 'FAIL':<7}  {runs:,} runs for "
        f"{MONTH:%Y-%m}, {totals['lines']:,} lines (enqueue alone {enqueued:.1f} s); {ratio:.1f}× the COPY"
    )
    busy = sum(in_tasks)
    print(
        f"\nIn the workers: {len(in_tasks)} tasks, {busy:.1f} s in tasks out of {WORKERS} × {prepare_s:.1f} s "
        f"({busy / (WORKERS * prepare_s):.0%} busy; median task {sorted(in_tasks)[len(in_tasks) // 2]:.2f} s)"
        if in_tasks
        else "\nIn the workers: no task times in the logs"
    )
    whole = sum(parts.values())
    print(f"Profile, {PROFILED_RUNS} runs again in one process ({profiled_batches} batches, {profiled_lines:,} lines):")
    for part, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"  {part:<44} {seconds:>7.2f} s  {seconds / whole:>4.0%}")
    print(f"\nTarget: the whole prepare (enqueue → last run computed) ≤ {MAX_RATIO:g}× the COPY of as many lines.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
