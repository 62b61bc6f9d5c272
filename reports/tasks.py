"""Celery task of the reports app: an export job's file, built by a worker. Thin and idempotent: the
work and its status guard are in ``reports.exports.export_job_run``. Tasks import the services;
the services enqueue through ``exports.enqueue_export_job``, which finds the task by its registered
name (``exports.EXPORT_JOB_TASK``) without importing this module (no circle)."""

from celery import shared_task
from django.db import OperationalError

from reports import closed_months, exports, snapshots


@shared_task(
    name=exports.EXPORT_JOB_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def export_job_task(job_id: int) -> str:
    """Build and store the file of export job ``job_id``; a second delivery of a finished job does
    nothing, one of a job whose worker was lost builds it again."""
    return exports.export_job_run(job_id)


@shared_task(name="reports.refresh_province_dashboards", acks_late=True, soft_time_limit=10 * 60, time_limit=12 * 60)
def refresh_province_dashboards_task() -> int:
    """Beat: keep every province's dashboard figures warm in the shared cache."""
    return snapshots.refresh_province_dashboards()


@shared_task(name="reports.close_coverage_months", acks_late=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def close_coverage_months_task() -> int:
    """Beat, daily: store the health-insurance coverage of the month that has just closed, for every
    commune with records (``reports.closed_months``); a second run writes nothing."""
    return closed_months.close_last_month()


@shared_task(name="reports.purge_export_jobs", acks_late=True)
def purge_export_jobs_task() -> int:
    """Beat, daily: delete finished export jobs and their files after REPORTS_EXPORT_KEEP_DAYS."""
    return exports.export_jobs_purge()
