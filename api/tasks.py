"""Celery task of the API: the kept answers of keyed writes expire (``api.idempotency``)."""

from celery import shared_task


@shared_task(name="api.purge_idempotent_requests", acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def purge_idempotent_requests_task() -> int:
    """Beat, daily: delete the answers kept longer than IDEMPOTENCY_KEY_HOURS."""
    from api.idempotency import purge

    return purge()
