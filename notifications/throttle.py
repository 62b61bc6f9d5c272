"""When a message may go: the quiet hours of a channel, the gateways' rate limits (a token
bucket per gateway, shared by every worker through its database row) and the backoff between
attempts. ``services.send_message`` asks these before it calls a backend."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db import connection
from django.utils import timezone

# --- quiet hours and rate limits --------------------------------------------------------------------


def _clock(value: str) -> clock:
    hours, minutes = value.split(":")
    return clock(int(hours), int(minutes))


def quiet_until(channel: str, now: datetime) -> datetime | None:
    """The end of the quiet hours if ``now`` is in them for ``channel`` (local time,
    NOTIFICATION_QUIET_START–NOTIFICATION_QUIET_END, e.g. 21:00–07:00), else None."""
    if channel not in settings.NOTIFICATION_QUIET_CHANNELS:
        return None
    start, end = _clock(settings.NOTIFICATION_QUIET_START), _clock(settings.NOTIFICATION_QUIET_END)
    if start == end:
        return None
    local = timezone.localtime(now)
    moment = local.time()
    quiet = (start <= moment or moment < end) if start > end else (start <= moment < end)
    if not quiet:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def take_token(gateway: str, *, now: datetime | None = None) -> float:
    """Take one token from ``gateway``'s bucket (NOTIFICATION_RATE_LIMITS: messages per second,
    also the burst). Returns 0 when taken, else the seconds until one is due. One UPDATE decides:
    PostgreSQL serialises it on the bucket's row, so workers on several machines share one limit."""
    rate = float(settings.NOTIFICATION_RATE_LIMITS.get(gateway) or 0)
    if rate <= 0:
        return 0.0
    capacity = max(1.0, rate)
    now = now or timezone.now()
    refill = "LEAST(%(capacity)s, tokens + GREATEST(0, EXTRACT(EPOCH FROM (%(now)s - refilled_at))) * %(rate)s)"
    values = {"gateway": gateway, "capacity": capacity, "rate": rate, "now": now}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_ratebucket (gateway, tokens, refilled_at) "
            "VALUES (%(gateway)s, %(capacity)s, %(now)s) ON CONFLICT (gateway) DO NOTHING",
            values,
        )
        cursor.execute(
            f"UPDATE notifications_ratebucket SET tokens = {refill} - 1, refilled_at = GREATEST(refilled_at, %(now)s) "
            f"WHERE gateway = %(gateway)s AND {refill} >= 1 RETURNING tokens",
            values,
        )
        if cursor.fetchone() is not None:
            return 0.0
        cursor.execute(f"SELECT {refill} FROM notifications_ratebucket WHERE gateway = %(gateway)s", values)
        available = cursor.fetchone()[0]
    return max((1 - available) / rate, 0.001)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th temporary failure: base × 2^(attempts−1), capped."""
    base = settings.NOTIFICATION_RETRY_BACKOFF
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_BACKOFF_MAX))
