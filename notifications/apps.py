from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Outgoing messages (SMS, Zalo, email) as records, sent by Celery; reminders and notices (issue 9)."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from core.sql import register_fragment
        from core.timeline import register_timeline_provider
        from core.worklists import register_worklist_provider
        from notifications import sql
        from notifications.selectors import household_message_timeline, notifications_worklist

        register_timeline_provider(household_message_timeline)
        register_worklist_provider(notifications_worklist)
        register_fragment(sql.FIRST_MESSAGE, sql.first_message)
