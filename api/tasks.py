"""Celery tasks of the API: the kept answers of keyed writes expire (``api.idempotency``), and so do the
system clients' tokens."""

from celery import shared_task


@shared_task(name="api.purge_idempotent_requests", acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def purge_idempotent_requests_task() -> int:
    """Beat, daily: delete the answers kept longer than IDEMPOTENCY_KEY_HOURS."""
    from api.idempotency import purge

    return purge()


@shared_task(name="api.clear_expired_tokens", acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def clear_expired_tokens_task() -> None:
    """Beat, daily: delete the system clients' expired tokens (django-oauth-toolkit's ``cleartokens``),
    so the table holds the live ones only; a token lasts ACCESS_TOKEN_EXPIRE_SECONDS."""
    from oauth2_provider.models import clear_expired

    clear_expired()
