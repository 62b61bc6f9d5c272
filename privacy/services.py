"""Writes of the access log besides ``log.record_access``: the retention purge."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from privacy.models import AccessRecord


def access_records_purge(*, now: datetime | None = None) -> int:
    """Delete the records older than ``PERSONAL_DATA_ACCESS_RETENTION_DAYS`` in one DELETE statement
    (nothing refers to a record, so Django deletes them without reading them first). Returns how many
    went; running it twice deletes nothing more."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PERSONAL_DATA_ACCESS_RETENTION_DAYS)
    deleted, _ = AccessRecord.objects.filter(accessed_at__lt=cutoff).delete()
    return deleted
