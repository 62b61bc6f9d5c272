"""Reads of the access log: who saw a person's data, filtered by person, user and date."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from privacy.models import AccessRecord


def accesses(
    *,
    person_id: int | None = None,
    username: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AccessRecord]:
    """The records, newest first, with their user. ``person_id``: those that showed this person
    (``person_ids @> ARRAY[id]``, the GIN index); dates are local days, both included."""
    records = AccessRecord.objects.select_related("user")
    if person_id is not None:
        records = records.filter(person_ids__contains=[person_id])
    if username:
        records = records.filter(user__username=username.strip())
    if date_from:
        records = records.filter(accessed_at__gte=_start_of(date_from))
    if date_to:
        records = records.filter(accessed_at__lt=_start_of(date_to + timedelta(days=1)))
    return records.order_by("-accessed_at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
