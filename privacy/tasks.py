"""Celery task of the privacy app: the access log's retention, run daily by beat."""

from celery import shared_task


@shared_task(name="privacy.purge_access_records", acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def purge_access_records_task() -> int:
    """Beat, daily: delete access records older than PERSONAL_DATA_ACCESS_RETENTION_DAYS."""
    from privacy.services import access_records_purge

    return access_records_purge()
