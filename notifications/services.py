"""Every write of the notifications app: asking for messages, sending them, recording what the
gateway says, opting out and in, cancelling, notice settings.

Nothing outside this module calls a gateway. ``request_message`` / ``request_messages`` write
``Message`` rows (``INSERT … ON CONFLICT (dedup_key) DO NOTHING``) and, once the caller's
transaction commits, put a ``notifications.send_message`` task on the broker. ``send_message``
(run by that task) honours quiet hours and the gateway's rate limit, claims the message
(queued → sending, committed) before it calls the backend, so a redelivered task sends nothing,
and records the answer: sent (or delivered), a retry with backoff, or failed with the reason.
``dispatch_due`` (beat, every minute) re-sends tasks for messages whose task was lost or whose
time has come, and fails messages left ``sending`` by a killed worker.

What a message says is ``rendering.py``'s (templates, SMS parts); when it may go is
``throttle.py``'s (quiet hours, rate limits, backoff).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.queue import registered_task
from notifications.backends import OutgoingMessage, SendResult, backend_path, get_backend
from notifications.models import (
    Channel,
    Language,
    Message,
    MessageEvent,
    MessageTemplate,
    NoticeSettings,
    OptOut,
)
from notifications.rendering import render, sms_parts
from notifications.throttle import quiet_until, retry_delay, take_token

logger = logging.getLogger(__name__)
Status = Message.Status

# --- asking for messages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageRequest:
    """One message to ask for; the fields of ``request_message``. Model fields accept an object or
    its primary key (``commune`` may be a Commune or its code)."""

    template_code: str
    context: dict
    recipient: str
    channel: str
    commune: object
    household: object = None
    person: object = None
    dedup_key: str | None = None
    language: str = Language.VI
    acting_user: object = None
    not_before: datetime | None = None
    recipient_name: str = ""
    recipient_user: object = None


def _pk(value):
    return getattr(value, "pk", value)


def normalise_recipient(channel: str, recipient: str) -> str:
    """E.164 for SMS and Zalo ("0912 345 678" → "+84912345678"), a lower-case address for email;
    ValidationError on ``recipient`` otherwise."""
    from households.identity import normalise_phone

    recipient = (recipient or "").strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError as error:
            raise ValidationError({"recipient": _("not an email address: %(value)s") % {"value": recipient}}) from error
        return recipient.lower()
    try:
        phone = normalise_phone(recipient)
    except ValueError as error:
        raise ValidationError({"recipient": f"{recipient}: {error}"}) from error
    if not phone:
        raise ValidationError({"recipient": _("is required")})
    return phone


def opted_out(requests: list[tuple[str, int | None, str]]) -> set[int]:
    """Indexes of the (channel, person id, recipient) triples that an active opt-out covers (an
    opt-out of the person or of the phone number, on that channel or on every channel). One query."""
    person_ids = {person_id for _channel, person_id, _recipient in requests if person_id}
    phones = {recipient for _channel, _person, recipient in requests}
    if not requests:
        return set()
    rows = OptOut.objects.filter(revoked_at__isnull=True).filter(
        Q(person_id__in=person_ids) | Q(person__isnull=True, phone__in=phones)
    )
    by_person, by_phone = set(), set()
    for person_id, phone, channel in rows.values_list("person_id", "phone", "channel"):
        (by_person if person_id else by_phone).add((person_id or phone, channel))
    refused = set()
    for index, (channel, person_id, recipient) in enumerate(requests):
        for key, found in ((person_id, by_person), (recipient, by_phone)):
            if key and ((key, channel) in found or (key, "") in found):
                refused.add(index)
    return refused


def _check_requester(user, commune_ids: set[str]) -> None:
    """A person asking for messages must be allowed to change that commune's data."""
    if user is None:
        return
    from geography.scoping import commune_codes_for_user, has_national_scope

    if getattr(user, "is_read_only", True):
        raise PermissionDenied(_("Your role may not send messages."))
    if not has_national_scope(user) and not commune_ids <= set(commune_codes_for_user(user)):
        raise PermissionDenied(_("You may not send messages for this commune."))


def request_message(
    *,
    template_code: str,
    context: dict,
    recipient: str,
    channel: str,
    commune,
    household=None,
    person=None,
    dedup_key: str | None = None,
    language: str = "vi",
    acting_user=None,
    not_before: datetime | None = None,
    recipient_name: str = "",
    recipient_user=None,
) -> Message | None:
    """Ask for one message; it is sent later by the ``notifications.send_message`` task, which is
    put on the broker when the caller's transaction commits. Never calls a gateway.

    Returns the queued ``Message``, or None when nothing was written: the recipient opted out
    (no row is written for an opted-out recipient), the template is disabled, or ``dedup_key``
    was used before (by this or a concurrent transaction: ON CONFLICT DO NOTHING). Raises
    ValidationError for an unknown template, channel or language, a missing placeholder or a bad
    recipient; PermissionDenied when ``acting_user`` may not write for ``commune``."""
    created = request_messages([
        MessageRequest(
            template_code=template_code, context=context, recipient=recipient, channel=channel, commune=commune,
            household=household, person=person, dedup_key=dedup_key, language=language, acting_user=acting_user,
            not_before=not_before, recipient_name=recipient_name, recipient_user=recipient_user,
        )
    ])  # fmt: skip
    return created[0] if created else None


def request_messages(requests: Iterable[MessageRequest], *, now: datetime | None = None) -> list[Message]:
    """Ask for many messages at once (a day's reminders, a run's amount-paid notices): templates,
    opt-outs and the insert are one query each, whatever the number. Returns the messages written,
    in the order asked; the others were opted out, of a disabled template or already asked for."""
    requests = list(requests)
    if not requests:
        return []
    now = now or timezone.now()
    templates = {t.code: t for t in MessageTemplate.objects.filter(code__in={r.template_code for r in requests})}
    prepared: list[tuple[MessageRequest, str]] = []
    for request in requests:
        if request.template_code not in templates:
            raise ValidationError({"template_code": _("unknown template %(code)s") % {"code": request.template_code}})
        if request.channel not in Channel.values:
            raise ValidationError({"channel": _("unknown channel %(channel)s") % {"channel": request.channel}})
        if request.language not in Language.values:
            raise ValidationError({"language": _("unknown language %(language)s") % {"language": request.language}})
        prepared.append((request, normalise_recipient(request.channel, request.recipient)))
    for user in {r.acting_user for r in requests if r.acting_user is not None}:
        _check_requester(user, {str(_pk(r.commune)) for r in requests if r.acting_user == user})
    refused = opted_out([(r.channel, _pk(r.person), recipient) for r, recipient in prepared])
    messages = []
    for index, (request, recipient) in enumerate(prepared):
        template = templates[request.template_code]
        if index in refused or not template.enabled:
            continue
        subject, text, formatted = render(template, request.context, request.language)
        messages.append(
            Message(
                channel=request.channel,
                recipient=recipient,
                recipient_name=request.recipient_name[:150],
                commune_id=_pk(request.commune),
                household_id=_pk(request.household),
                person_id=_pk(request.person),
                recipient_user_id=_pk(request.recipient_user),
                template=template,
                language=request.language,
                context=formatted,
                subject=subject[:200],
                text=text,
                parts=sms_parts(text) if request.channel == Channel.SMS else 1,
                next_attempt_at=request.not_before or now,
                dedup_key=request.dedup_key,
                created_by_id=_pk(request.acting_user),
            )
        )
    with transaction.atomic():
        created = _insert_ignoring_duplicates(messages)
        MessageEvent.objects.bulk_create(
            MessageEvent(
                message=message,
                kind=MessageEvent.Kind.QUEUED,
                actor_id=message.created_by_id,
                data={"channel": message.channel, "template": message.template.code},
            )  # fmt: skip
            for message in created
        )
        due = [(message.pk, message.next_attempt_at) for message in created]
        if due:
            transaction.on_commit(lambda: schedule_sending(due), robust=True)
    return created


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Datetimes to the microsecond (DjangoJSONEncoder cuts them to milliseconds)."""

    def default(self, o):
        return o.isoformat() if isinstance(o, datetime) else super().default(o)


def _insert_ignoring_duplicates(messages: list[Message], chunk: int = 5000) -> list[Message]:
    """INSERT the messages with ON CONFLICT (dedup_key) DO NOTHING; the ones written get their pk
    and are returned in order. A concurrent transaction with the same key makes this one wait for
    it, then skip the row: a key is used once, ever.

    The rows travel as one JSON parameter expanded by ``jsonb_populate_recordset`` (PostgreSQL
    casts each value to its column's type): no statement with thousands of placeholders to build
    and parse."""
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Message._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    created = []
    for start in range(0, len(messages), chunk):
        batch = messages[start : start + chunk]
        rows = [{f.column: f.pre_save(message, add=True) for f in fields} for message in batch]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s) "
                "ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key",
                [json.dumps(rows, cls=_ExactJSONEncoder)],
            )
            returned = cursor.fetchall()
        # RETURNING lists the inserted rows in the order selected (as Django's bulk_create relies on
        # for VALUES); a row without a key is never skipped, a row with one is there only if its key
        # matches.
        position = 0
        for message in batch:
            if position < len(returned) and (message.dedup_key is None or returned[position][1] == message.dedup_key):
                message.pk = returned[position][0]
                message._state.adding = False
                created.append(message)
                position += 1
    return created


def schedule_sending(due: list[tuple[int, datetime]], *, now: datetime | None = None) -> int:
    """Put a send task on the broker for each (message id, not before) due within
    NOTIFICATION_ENQUEUE_HORIZON seconds (with a countdown); later ones are left to the sweeper
    (``dispatch_due``), so no task waits for hours in the broker. Returns how many were sent."""
    now = now or timezone.now()
    horizon = timedelta(seconds=settings.NOTIFICATION_ENQUEUE_HORIZON)
    soon = [(pk, at) for pk, at in due if at is None or at - now <= horizon]
    if not soon:
        return 0
    Message.objects.filter(pk__in=[pk for pk, _at in soon], status=Status.QUEUED).update(enqueued_at=now)
    for pk, at in soon:
        countdown = max(0.0, (at - now).total_seconds()) if at else 0.0
        enqueue_send_message(pk, countdown=math.ceil(countdown) if countdown else None)
    return len(soon)


# The registered names of the tasks put on the broker here (tasks.py registers them under these).
# The task module imports this one; this one finds them by name, without importing it (no circle).
SEND_MESSAGE_TASK = "notifications.send_message"
HEALTH_INSURANCE_REMINDERS_TASK = "notifications.send_health_insurance_reminders"


def enqueue_send_message(message_id: int, **options) -> None:
    """Put the send task of one message on the broker."""
    registered_task(SEND_MESSAGE_TASK).apply_async(args=[message_id], **options)  # options: apply_async's (countdown)


def enqueue_health_insurance_reminders(*, commune: str | None = None, acting_user=None) -> None:
    """Put the renewal-reminder job on the broker once the caller's transaction commits (the
    reminders page's "send now"; beat runs the same task every morning)."""
    send_health_insurance_reminders_task = registered_task(HEALTH_INSURANCE_REMINDERS_TASK)
    user_id = acting_user.pk if acting_user is not None else None
    transaction.on_commit(lambda: send_health_insurance_reminders_task.delay(commune=commune, user_id=user_id))


# --- sending ----------------------------------------------------------------------------------------


def _event(message: Message, kind: str, *, actor=None, reason: str = "", **data) -> MessageEvent:
    return MessageEvent.objects.create(message=message, kind=kind, actor=actor, reason=reason, data=data)


def _reschedule(message_id: int, at: datetime, kind: str | None, now: datetime, **data) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id, status=Status.QUEUED).first()
        if message is None:
            return
        message.next_attempt_at = at
        message.enqueued_at = None
        message.save(update_fields=["next_attempt_at", "enqueued_at", "updated_at"])
        if kind:
            _event(message, kind, until=at.isoformat(), **data)
        transaction.on_commit(lambda: schedule_sending([(message_id, at)], now=now), robust=True)


def outgoing(message: Message) -> OutgoingMessage:
    zns = message.template.zns_template_id or settings.NOTIFICATION_ZNS_TEMPLATES.get(message.template.code, "")
    return OutgoingMessage(
        id=message.pk, channel=message.channel, recipient=message.recipient, subject=message.subject,
        text=message.text, template_code=message.template.code, context=dict(message.context),
        language=message.language, zns_template_id=zns,
    )  # fmt: skip


def send_message(message_id: int, *, now: datetime | None = None, sleep: Callable[[float], None] = time.sleep) -> str:
    """Send one queued message through its channel's backend, at most once. Returns what happened
    ("sent", "delivered", "retry", "failed", "deferred", "rate_limited", "not_due", "not_queued").

    - not queued (sent, cancelled, claimed by another worker): nothing.
    - in quiet hours for its channel: ``next_attempt_at`` moves to their end, not dropped.
    - no token in the gateway's bucket: waits a moment (up to NOTIFICATION_RATE_WAIT seconds),
      else reschedules when a token is due.
    - claim: queued → sending, attempts + 1, committed before the gateway is called; a second task
      for the same message finds it not queued.
    - the answer: accepted → sent (delivered if the backend knows); temporary → queued again after
      a backoff, or failed once NOTIFICATION_MAX_ATTEMPTS are used; permanent → failed at once.

    ``now`` fixes the clock (tests); ``sleep`` is how the rate limit waits.
    """
    fixed_clock = now is not None
    now = now or timezone.now()
    message = Message.objects.filter(pk=message_id).only("status", "channel", "next_attempt_at").first()
    if message is None or message.status != Status.QUEUED:
        return "not_queued"
    if message.next_attempt_at and message.next_attempt_at > now + timedelta(seconds=1):
        return "not_due"  # a task early or twice; the one scheduled for the time (or the sweeper) sends it
    until = quiet_until(message.channel, now)
    if until is not None:
        _reschedule(message_id, until, MessageEvent.Kind.DEFERRED, now, quiet_hours=True)
        return "deferred"
    waited = 0.0
    while (wait := take_token(message.channel, now=now)) > 0:
        if waited + wait > settings.NOTIFICATION_RATE_WAIT:
            _reschedule(message_id, now + timedelta(seconds=wait), None, now)
            return "rate_limited"
        sleep(wait)
        waited += wait
        now = now + timedelta(seconds=wait) if fixed_clock else timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("template")
            .filter(pk=message_id, status=Status.QUEUED)
            .first()
        )
        if message is None:
            return "not_queued"
        message.status = Status.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])
    backend = get_backend(message.channel)
    try:
        result = backend.send(outgoing(message))
    except Exception as error:  # a broken backend must not leave the message "sending"
        logger.exception("backend %s failed on message %s", backend_path(message.channel), message_id)
        result = SendResult.temporary(_("the backend failed: %(error)s") % {"error": repr(error)[:300]})
    return record_send_result(
        message_id, result, backend=backend_path(message.channel), now=now if fixed_clock else timezone.now()
    )


def record_send_result(message_id: int, result: SendResult, *, backend: str = "", now: datetime | None = None) -> str:
    """Write the backend's answer for a message being sent (status ``sending``)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id, status=Status.SENDING).first()
        if message is None:
            return "not_sending"
        message.backend = backend[:120]
        fields = ["status", "backend", "updated_at"]
        if result.accepted:
            message.status = Status.DELIVERED if result.delivered else Status.SENT
            message.sent_at = now
            message.delivered_at = now if result.delivered else None
            message.gateway_message_id = (result.gateway_message_id or "")[:100]
            message.failure_reason = ""
            if result.parts:
                message.parts = result.parts
            message.cost_vnd = result.cost_vnd if result.cost_vnd is not None else _price(message)
            fields += ["sent_at", "delivered_at", "gateway_message_id", "failure_reason", "parts", "cost_vnd"]
            message.save(update_fields=fields)
            _event(message, MessageEvent.Kind.SENT, gateway_message_id=message.gateway_message_id,
                   parts=message.parts, attempt=message.attempts)  # fmt: skip
            if result.delivered:
                _event(message, MessageEvent.Kind.DELIVERED, by="backend")
            return message.status
        if result.is_temporary and message.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            at = now + retry_delay(message.attempts)
            message.status = Status.QUEUED
            message.failure_reason = result.reason
            message.next_attempt_at = at
            message.enqueued_at = None
            message.save(update_fields=[*fields, "failure_reason", "next_attempt_at", "enqueued_at"])
            _event(message, MessageEvent.Kind.RETRY, reason=result.reason, attempt=message.attempts,
                   until=at.isoformat())  # fmt: skip
            transaction.on_commit(lambda: schedule_sending([(message_id, at)], now=now), robust=True)
            return "retry"
        reason = result.reason
        if result.is_temporary:
            reason = _("gave up after %(count)d attempts: %(reason)s") % {"count": message.attempts, "reason": reason}
        _fail(message, reason, now, fields)
        return "failed"


def _fail(message: Message, reason: str, now: datetime, fields: list[str], actor=None) -> None:
    message.status = Status.FAILED
    message.failure_reason = reason
    message.failed_at = now
    message.save(update_fields=[*fields, "status", "failure_reason", "failed_at", "updated_at"])
    _event(message, MessageEvent.Kind.FAILED, actor=actor, reason=reason, attempt=message.attempts)


def _price(message: Message) -> int | None:
    price = settings.NOTIFICATION_PART_PRICES_VND.get(message.channel)
    return None if price is None else price * message.parts


def dispatch_due(*, now: datetime | None = None) -> dict:
    """Beat, every minute: (1) put a task on the broker for each queued message that is due and
    whose task was never sent (a time far ahead, a retry) or is overdue by NOTIFICATION_REDISPATCH_AFTER
    seconds (a lost task); (2) fail messages left ``sending`` for NOTIFICATION_SENDING_TIMEOUT
    seconds (a worker killed during the call): they are not sent again, since the gateway may have
    taken them."""
    now = now or timezone.now()
    overdue = now - timedelta(seconds=settings.NOTIFICATION_REDISPATCH_AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_message SET enqueued_at = %s WHERE status = 'queued' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= %s) AND (enqueued_at IS NULL OR enqueued_at <= %s) "
            "RETURNING id",
            [now, now, overdue],
        )
        due = [row[0] for row in cursor.fetchall()]
    for pk in sorted(due):
        enqueue_send_message(pk)
    stuck_before = now - timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT)
    interrupted = 0
    for pk in Message.objects.filter(status=Status.SENDING, updated_at__lt=stuck_before).values_list("pk", flat=True):
        with transaction.atomic():
            message = Message.objects.select_for_update().filter(pk=pk, status=Status.SENDING).first()
            if message is not None:
                _fail(message, _("interrupted while sending; not sent again, the gateway may have taken it"),
                      now, [])  # fmt: skip
                interrupted += 1
    return {"dispatched": len(due), "interrupted": interrupted}


# --- after sending ---------------------------------------------------------------------------------


def record_delivery_report(
    *, channel: str, gateway_message_id: str, delivered: bool, reason: str = "", now: datetime | None = None
) -> Message | None:
    """What the gateway reports later: delivered, or failed with its reason. Only a sent message
    changes (sent → delivered / failed); a repeated report changes nothing. Returns the message, or
    None if no message of ``channel`` has that gateway id."""
    now = now or timezone.now()
    if not gateway_message_id:
        return None
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(channel=channel, gateway_message_id=gateway_message_id)
            .order_by("-pk")
            .first()
        )
        if message is None or message.status != Status.SENT:
            return message
        if delivered:
            message.status = Status.DELIVERED
            message.delivered_at = now
            message.save(update_fields=["status", "delivered_at", "updated_at"])
            _event(message, MessageEvent.Kind.DELIVERED, by="report")
        else:
            _fail(message, reason or _("not delivered (no reason given)"), now, [])
    return message


def cancel_message(*, message: Message, acting_user, reason: str = "") -> Message:
    """An officer stops a message that has not gone yet (queued). Refused once it is being sent."""
    _check_requester(acting_user, {message.commune_id})
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status != Status.QUEUED:
            raise ValidationError({"status": _("Only a message still queued can be cancelled.")})
        locked.status = Status.CANCELLED
        locked.failure_reason = reason.strip()
        locked.save(update_fields=["status", "failure_reason", "updated_at"])
        _event(locked, MessageEvent.Kind.CANCELLED, actor=acting_user, reason=reason.strip())
    return locked


def opt_out(*, commune, person=None, phone: str = "", channel: str = "", reason: str = "", acting_user=None) -> OptOut:
    """Record that a person (or a phone number) wants no messages on ``channel`` (every channel when
    empty). Messages already queued for them are cancelled. Asking twice returns the active opt-out."""
    from households.identity import normalise_phone

    if acting_user is not None:
        _check_requester(acting_user, {str(_pk(commune))})
    if channel and channel not in Channel.values:
        raise ValidationError({"channel": _("unknown channel %(channel)s") % {"channel": channel}})
    if person is None and not phone.strip():
        raise ValidationError({"phone": _("A person or a phone number is required.")})
    try:
        phone = normalise_phone(phone) if phone.strip() else ""
    except ValueError as error:
        raise ValidationError({"phone": str(error)}) from error
    with transaction.atomic():
        lookup = {"person_id": _pk(person)} if person is not None else {"person__isnull": True, "phone": phone}
        existing = OptOut.objects.filter(revoked_at__isnull=True, channel=channel, **lookup).first()
        if existing is not None:
            return existing
        record = OptOut.objects.create(
            person_id=_pk(person), phone=phone if person is None else "", channel=channel, commune_id=_pk(commune),
            reason=reason.strip(), created_by=acting_user,
        )  # fmt: skip
        queued = Message.objects.select_for_update().filter(status=Status.QUEUED)
        queued = queued.filter(person_id=_pk(person)) if person is not None else queued.filter(recipient=phone)
        if channel:
            queued = queued.filter(channel=channel)
        for message in queued:
            message.status = Status.CANCELLED
            message.failure_reason = _("opted out")
            message.save(update_fields=["status", "failure_reason", "updated_at"])
            _event(message, MessageEvent.Kind.CANCELLED, actor=acting_user, reason=_("opted out"))
    return record


def opt_in(*, opt_out_record: OptOut, acting_user=None, reason: str = "") -> OptOut:
    """Revoke an opt-out (the row stays, with who revoked it, when and why)."""
    if acting_user is not None:
        _check_requester(acting_user, {opt_out_record.commune_id})
    with transaction.atomic():
        record = OptOut.objects.select_for_update().get(pk=opt_out_record.pk)
        if record.revoked_at is None:
            record.revoked_at = timezone.now()
            record.revoked_by = acting_user
            record.revoke_reason = reason.strip()
            record.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"])
    return record


def notice_settings_for(commune_id: str) -> NoticeSettings:
    """The commune's notice settings (the defaults, unsaved, if it has none)."""
    return NoticeSettings.objects.filter(commune_id=commune_id).first() or NoticeSettings(commune_id=commune_id)


def notice_settings_update(*, commune, acting_user, **values) -> NoticeSettings:
    """Change which notices a commune sends (officer of the commune or administrator)."""
    _check_requester(acting_user, {str(_pk(commune))})
    allowed = {"amount_paid_notice", "approval_notices", "committee_notices"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError({name: _("unknown setting") for name in unknown})
    with transaction.atomic():
        record, _created = NoticeSettings.objects.select_for_update().get_or_create(commune_id=_pk(commune))
        for name, value in values.items():
            setattr(record, name, bool(value))
        record.save()
    return record
