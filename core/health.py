"""What /healthz checks: each check returns None when fine, or a short reason."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(error).__name__}: {error}".strip()[:200]
    return None


def check_broker() -> str | None:
    from casework.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}".strip()[:200]
    return None


def check_worker() -> str | None:
    """Only when WORKER_HEARTBEAT_MAX_AGE is set: a recent heartbeat from some worker."""
    from core.models import WorkerHeartbeat

    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    if not max_age:
        return None
    cutoff = timezone.now() - timedelta(seconds=max_age)
    if not WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff).exists():
        return f"no worker heartbeat in the last {max_age} s"
    return None


CHECKS = {"database": check_database, "broker": check_broker, "worker": check_worker}


def run_checks() -> dict[str, str]:
    """Every check's result: "ok", or the reason it failed. The worker check needs the database."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "worker" and results.get("database") != "ok":
            results[name] = "skipped: database unreachable"
            continue
        problem = check()
        results[name] = "ok" if problem is None else problem
    return results
