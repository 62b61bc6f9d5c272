"""A payment run prepared by real workers, one of them killed mid-run (SIGKILL: no clean-up, its
transaction cut off, its message lost on the filesystem broker or unacknowledged on Redis).

After the kill, ``scheduled_work`` does what beat does hourly: it enqueues every batch not yet
done again. That makes the test independent of Redis's visibility timeout (an hour), and the
duplicates it sends beside the messages still queued are exactly what idempotency must absorb.
The run must end with one line per payable person, each month once, and the engine's total.
"""

import signal
import time
from datetime import date

import pytest
from django.db.models import Count

from beneficiaries.entitlement import compute
from beneficiaries.rule_data import load_rules
from disbursements import services
from disbursements.models import PaidMonth, Run, RunBatch, RunLine
from tests.disbursements.conftest import make_cases, many

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NOV = date(2025, 11, 1)
BATCH_SIZE = 50


def wait_for(condition, *, seconds: float, what: str, workers=()):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {worker.hostname}\n{worker.log()[-3000:]}" for worker in workers)
            pytest.fail(f"timed out after {seconds} s waiting for {what}\n{logs}")
        time.sleep(0.05)
    return found


def done_batches(run: Run) -> int:
    return RunBatch.objects.filter(run=run, generation=run.generation, done_at__isnull=False).count()


def test_a_killed_worker_neither_pays_a_month_twice_nor_loses_one(units, users, settings, start_worker):
    load_rules()  # an earlier transactional test may have emptied the tables the migration filled
    officer = users["tandong_officer"]
    # 2,000 people: 1,500 from November, 500 from September (two months of arrears each).
    make_cases(units.tan_dong, officer, many(1500, NOV) + many(500, date(2025, 9, 1)))
    expected = {
        case_id: entitlement.amount
        for case_id, entitlement in compute(services.payable_cases(units.tan_dong.pk), NOV, paid={}).items()
        if entitlement.amount
    }
    assert (len(expected), sum(expected.values())) == (2000, 1500 * 750_000 + 500 * 3 * 750_000)
    settings.DISBURSEMENT_BATCH_SIZE = BATCH_SIZE

    run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer)  # 40 tasks to the broker
    batches = RunBatch.objects.filter(run=run).count()
    assert batches == 2000 // BATCH_SIZE

    first = start_worker("first", DISBURSEMENT_BATCH_SIZE=str(BATCH_SIZE))
    wait_for(lambda: done_batches(run) >= 3, seconds=60, what="the first batches", workers=[first])
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    done_at_kill = done_batches(run)
    assert done_at_kill < batches, "the first worker finished before it was killed: nothing was tested"

    resumed = services.scheduled_work(today=date(2025, 11, 3))  # beat, hourly (not the prepare day)
    assert resumed == {"resumed_batches": batches - done_at_kill, "prepared_runs": 0}
    second = start_worker("second", DISBURSEMENT_BATCH_SIZE=str(BATCH_SIZE))
    wait_for(
        lambda: Run.objects.filter(pk=run.pk, status=Run.Status.COMPUTED).exists(),
        seconds=120,
        what="the run to be computed",
        workers=[first, second],
    )

    run.refresh_from_db()
    paid = dict(RunLine.objects.filter(run=run).values_list("case_id", "amount"))
    assert paid == expected  # one line per payable person, each with the engine's amount
    assert (run.line_count, run.total_amount) == (2000, sum(expected.values()))
    assert run.total_amount == run.bank_amount + run.cash_amount
    assert (done_batches(run), run.events.filter(kind="computed").count()) == (batches, 1)
    assert PaidMonth.objects.count() == 1500 + 500 * 3
    assert not PaidMonth.objects.values("case", "month").annotate(times=Count("pk")).filter(times__gt=1).exists()
    assert sum(len(months) for months in RunLine.objects.values_list("months", flat=True)) == 1500 + 500 * 3
