from celery import shared_task


@shared_task(name="core.worker_heartbeat", bind=True, soft_time_limit=50, time_limit=60)
def worker_heartbeat_task(self) -> str:
    """Scheduled by beat every minute: proves a worker, the broker and the database work together."""
    from core.services import worker_heartbeat_record

    hostname = self.request.hostname or "unknown"
    worker_heartbeat_record(hostname=hostname)
    return hostname
