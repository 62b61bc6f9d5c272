"""Reads of the access log: who saw a person's data, filtered by person, user and date."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from privacy.models import AccessRecord

# Doors whose rows may name nobody by id: a file known by its count, filter and communes.
FILE_PURPOSES = (AccessRecord.Purpose.EXPORT, AccessRecord.Purpose.PRINT, AccessRecord.Purpose.CLI)


def accesses(
    *,
    person_id: int | None = None,
    communes: Iterable[str] = (),
    username: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AccessRecord]:
    """The records, newest first, with their user; dates are local days, both included.

    ``person_id``: those that showed this person (``person_ids @> ARRAY[id]``, the GIN index), and,
    with ``communes`` (where the person lived), the files that name nobody by id (exports and prints
    of a commune's households, cases or classification: count and filter only) of those communes or
    of every commune: they may have included the person."""
    records = AccessRecord.objects.select_related("user")
    if person_id is not None:
        named = Q(person_ids__contains=[person_id])
        codes = list(communes)
        if codes:
            unnamed_files = Q(person_ids=[], purpose__in=FILE_PURPOSES)
            named |= unnamed_files & (Q(commune_ids__overlap=codes) | Q(commune_ids=[]))
        records = records.filter(named)
    if username:
        records = records.filter(user__username=username.strip())
    if date_from:
        records = records.filter(accessed_at__gte=_start_of(date_from))
    if date_to:
        records = records.filter(accessed_at__lt=_start_of(date_to + timedelta(days=1)))
    return records.order_by("-accessed_at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
