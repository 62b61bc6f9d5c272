"""Reads of the notifications app, always narrowed to the user's communes."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.text import in_language
from core.timeline import TimelineEntry
from geography.scoping import scope_to_user
from notifications.models import Message, OptOut
from privacy.visibility import mask_value


def messages_for_user(user) -> QuerySet[Message]:
    """The messages of the communes the user may see (an administrator: all; anonymous: none)."""
    if not user.is_authenticated:
        return Message.objects.none()
    return scope_to_user(Message.objects.all(), user)


def opt_outs_for_user(user) -> QuerySet[OptOut]:
    """Opt-outs recorded in the user's communes (each applies everywhere; the list is scoped)."""
    if not user.is_authenticated:
        return OptOut.objects.none()
    return scope_to_user(OptOut.objects.all(), user)


def household_message_timeline(household_id: int) -> list[TimelineEntry]:
    """Messages sent about the household ("SMS Nhắc gia hạn thẻ BHYT to +849…: delivered"), one query.
    Messages cancelled before they went are left out."""
    messages = (
        Message.objects.filter(household_id=household_id)
        .exclude(status=Message.Status.CANCELLED)
        .select_related("template", "created_by")
        .order_by()
    )
    entries = []
    for message in messages:
        values = {
            "channel": message.get_channel_display(),
            "template": in_language(message.template.name, message.template.code),
            "recipient": message.recipient_name or message.recipient,
            "status": message.get_status_display(),
        }
        masked = {**values, "recipient": message.recipient_name or mask_value(message.recipient)}
        entries.append(
            TimelineEntry(
                occurred_at=message.sent_at or message.created_at,
                title=_("%(channel)s “%(template)s” to %(recipient)s: %(status)s") % values,
                masked_title=_("%(channel)s “%(template)s” to %(recipient)s: %(status)s") % masked,
                detail=message.text,
                actor=message.created_by.display_name if message.created_by else "",
                source=_("Messages"),
                reason=message.failure_reason,
            )
        )
    return entries


def notifications_worklist(user) -> list:
    """Home-page item for the commune officer: messages that failed in the last 30 days (one query)."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from core.worklists import WorkItem

    if not user.can_manage_registry or user.has_national_scope:
        return []
    since = timezone.now() - timedelta(days=30)
    failed = messages_for_user(user).filter(status=Message.Status.FAILED, created_at__gte=since).count()
    if not failed:
        return []
    url = reverse("notifications:messages") + "?status=failed"
    return [WorkItem(title=_("Messages that failed in the last 30 days"), url=url, count=failed)]
