"""Celery tasks of outgoing messages: thin, by id; the work (at most once, quiet hours, rate
limits, retries) is in services.py. Tasks import the services; the services put tasks on the
broker through ``services.enqueue_*``, which find the tasks by their registered names
(``services.*_TASK``) without importing this module (no circle)."""

from celery import shared_task

from notifications import notices, services, webhooks


@shared_task(name=services.SEND_MESSAGE_TASK, acks_late=True, reject_on_worker_lost=True, time_limit=120,
             soft_time_limit=100)  # fmt: skip
def send_message_task(message_id: int) -> str:
    """Send one message. Running it twice (redelivery, a duplicate, the sweeper) sends nothing more:
    the message is claimed (queued → sending) in the database before the gateway is called."""
    return services.send_message(message_id)


@shared_task(name="notifications.dispatch_due", time_limit=300, soft_time_limit=280)
def dispatch_due_task() -> dict:
    """Beat, every minute: the notices and the webhook deliveries of workflow events written since
    the last minute (the outbox: ``notices.notices_dispatch``, ``webhooks.webhooks_dispatch``); then
    tasks for messages now due or whose task was lost, and fail messages left "sending" by a killed
    worker."""
    told = notices.notices_dispatch()
    queued = webhooks.webhooks_dispatch()
    webhooks_queued = sum(count for key, count in queued.items() if key != "enqueued")
    return {**services.dispatch_due(), "notices": sum(told.values()), "webhooks": webhooks_queued}


@shared_task(name=webhooks.SEND_WEBHOOK_TASK, acks_late=True, time_limit=120, soft_time_limit=100)
def send_webhook_task(delivery_id: int) -> str:
    """Post one webhook delivery (at least once: a task run twice finds it sent or not yet due)."""
    return webhooks.send_delivery(delivery_id)


@shared_task(name=services.HEALTH_INSURANCE_REMINDERS_TASK, time_limit=1800, soft_time_limit=1700)
def send_health_insurance_reminders_task(commune: str | None = None, user_id: int | None = None) -> dict:
    """Beat, daily at 08:00: ask for the renewal reminder of every card ending within
    NOTIFICATION_REMINDER_DAYS days, in every commune; or, from the reminders page ("send now"),
    those of one commune on behalf of the officer. Running it twice sends nothing more (the
    reminders' dedup keys); the messages are sent by their own tasks."""
    from accounts.models import User
    from notifications.reminders import send_reminders

    acting_user = User.objects.get(pk=user_id) if user_id else None
    return send_reminders(communes=[commune] if commune else None, acting_user=acting_user).as_dict()
