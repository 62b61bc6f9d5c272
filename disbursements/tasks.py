"""Celery tasks of payment runs: thin, idempotent, by ids; the work is in services.py."""

from celery import shared_task

from disbursements import services


@shared_task(
    name=services.PREPARE_BATCH_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.MonthsTaken,),
    retry_backoff=True,
    max_retries=10,
)
def prepare_batch_task(self, run_id: int, generation: int, low: int, high: int) -> str:
    """Compute and write one batch of a run; running it twice (redelivery, a duplicate, a retry
    after a killed worker) writes nothing more."""
    return services.batch_prepare(run_id, generation, low, high)


@shared_task(name="disbursements.schedule")
def schedule_task() -> dict:
    """Beat, hourly: resume half-prepared runs; on the configured day prepare next month's runs."""
    return services.scheduled_work()
