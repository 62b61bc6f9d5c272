"""Health-insurance renewal reminders (issue 9 §3): sending them, and what followed. Who needs one
and when, which phone it goes to, what counts as renewed in time and coverage are the allowances
app's rules (``beneficiaries/renewals.py``); this module renders and sends, and adds what only it
knows: the reminder already asked for and the pauses (opt-outs).

**Once.** Each reminder is asked for with ``dedup_key = "bhyt:<card id>:<valid_to YYYYMMDD>"``: the
messages table holds a key at most once (a unique index, ``INSERT … ON CONFLICT DO NOTHING``), so a
second run of the job, a double click on "send now" or two workers at once send nothing more. A
card whose end date is corrected gets a new key: a reminder for the new date.

**Pause.** The officer pauses one person's reminders with an SMS opt-out of that person
(``services.opt_out``, with the officer and the reason); ``request_messages`` then writes nothing
for them, and "resume" revokes the opt-out. A person (or a phone number) who asked to receive no
SMS shows as paused as well. An opt-out is of the person's SMS, not only of reminders: the other
SMS notices (the amount paid) stop too, which is what a person who asked not to be texted wants.

**Results.** For the reminders sent: sent (the gateway took it), delivered, failed, and
**renewed within 30 days** (``renewals.renewed_in_time_sql``). For the most recent months the count
grows as cards are renewed.

Every read here is set-based (one query for the candidates of any number of communes, one for the
results, one for coverage); the job writes through ``services.request_messages`` (one INSERT per
thousand messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import renewals
from beneficiaries.renewals import ADULT_AGE, RENEWAL_DAYS, Coverage, coverage, month_end, reminder_days
from core.months import add_months, first_of_month
from geography.scoping import commune_codes_for_user, has_national_scope
from notifications.models import Channel, Message
from notifications.services import MessageRequest, request_messages

TEMPLATE_CODE = "bhyt_renewal"
CHANNEL = Channel.SMS
DEDUP_PREFIX = "bhyt"
UPCOMING_DAYS = 7  # the reminders page also lists those that go in the coming week, to pause ahead
BATCH_SIZE = 1000
__all__ = ["ADULT_AGE", "RENEWAL_DAYS", "Coverage", "coverage", "month_end", "reminder_days"]  # the rules read


def dedup_key(card_id: int, valid_to: date) -> str:
    """The key of the one reminder a card may get for its end date."""
    return f"{DEDUP_PREFIX}:{card_id}:{valid_to:%Y%m%d}"


@dataclass
class Reminder(renewals.RenewalDue):
    """One card in the reminder window (the allowances app's ``RenewalDue``, with the phone as
    E.164), with what happened to its reminder so far."""

    paused: bool  # an SMS opt-out of the person (the officer's pause, or their own wish)
    phone_opted_out: bool  # the phone number itself opted out (only its owner can change that)
    message_id: int | None
    message_status: str | None
    message_sent_at: object
    failure_reason: str
    goes_on: date | None = None  # the day the job asks for it: the card's end − NOTIFICATION_REMINDER_DAYS
    today: date | None = None

    @property
    def key(self) -> str:
        return dedup_key(self.card_id, self.valid_to)

    @property
    def is_due(self) -> bool:
        """Not asked for yet, in the window today, and nothing stops it: the next run sends it."""
        return self.message_id is None and not self.is_blocked and self.goes_on <= self.today

    @property
    def is_upcoming(self) -> bool:
        return self.message_id is None and self.goes_on > self.today

    @property
    def is_blocked(self) -> bool:
        return self.message_id is None and (self.paused or self.phone_opted_out)

    @property
    def to_contact(self) -> bool:
        return self.recipient_name != self.full_name

    @property
    def days_left(self) -> int:
        return (self.valid_to - self.today).days

    def message_status_display(self) -> str:
        return str(Message.Status(self.message_status).label) if self.message_status else ""


_CANDIDATES_SQL = """
SELECT due.*,
       EXISTS (
           SELECT 1 FROM notifications_optout o
           WHERE o.revoked_at IS NULL AND o.person_id = due.person_id AND o.channel IN (%(channel)s, '')
       ),
       EXISTS (
           SELECT 1 FROM notifications_optout o
           WHERE o.revoked_at IS NULL AND o.person_id IS NULL AND o.channel IN (%(channel)s, '')
             AND o.phone = due.recipient
       ),
       message.id, message.status, message.sent_at, COALESCE(message.failure_reason, '')
FROM ({renewals_due}) due
LEFT JOIN notifications_message message
       ON message.dedup_key = %(prefix)s || ':' || due.card_id || ':' || to_char(due.valid_to, 'YYYYMMDD')
ORDER BY due.valid_to, due.full_name, due.card_id
"""


def reminders_in_window(
    *, communes: list[str] | None, today: date | None = None, days: int | None = None, upcoming: int = 0
) -> list[Reminder]:
    """Every card of ``communes`` (codes; None: every commune) that needs a renewal reminder within
    ``days`` days (the setting by default) or ``upcoming`` days more (``renewals.renewals_due_sql``),
    with whether it is paused and the reminder already asked for, if any; soonest end first. One
    query: the allowances app's selection with this app's tables joined."""
    today = today or timezone.localdate()
    days = reminder_days() if days is None else days
    if communes is not None and not communes:
        return []
    renewals_due, params = renewals.renewals_due_sql(communes=communes, today=today, days=days + upcoming)
    with connection.cursor() as cursor:
        cursor.execute(
            _CANDIDATES_SQL.format(renewals_due=renewals_due), {**params, "channel": CHANNEL, "prefix": DEDUP_PREFIX}
        )
        return [
            Reminder(*row, goes_on=renewals.reminder_goes_on(row[2], days), today=today) for row in cursor.fetchall()
        ]


@dataclass(frozen=True)
class SendReport:
    in_window: int  # cards in the window with a phone
    asked: int  # reminders written now (queued)
    already: int  # asked for before (by an earlier run)
    paused: int  # not sent: paused or opted out

    def as_dict(self) -> dict:
        return {"in_window": self.in_window, "asked": self.asked, "already": self.already, "paused": self.paused}


def send_reminders(
    *, communes: list[str] | None = None, today: date | None = None, days: int | None = None, acting_user=None
) -> SendReport:
    """Ask for every due reminder of ``communes`` (None: every commune): the daily job, or an
    officer's "send now" for one commune (``acting_user``, whose right to send for the commune
    the registry role and the communes' scope are checked first: PermissionDenied, nothing written).
    Idempotent: a reminder asked for before is not asked again, and the dedup key stops one asked
    for meanwhile by another run. The messages are sent by the ``notifications.send_message``
    tasks once each batch commits."""
    if acting_user is not None:
        _check_sender(acting_user, communes)
    reminders = reminders_in_window(communes=communes, today=today, days=days)
    due = [reminder for reminder in reminders if reminder.is_due]
    asked = 0
    for start in range(0, len(due), BATCH_SIZE):
        batch = due[start : start + BATCH_SIZE]
        asked += len(
            request_messages(
                MessageRequest(
                    template_code=TEMPLATE_CODE,
                    context={"name": r.full_name, "date": r.valid_to, "commune": r.commune_name},
                    recipient=r.recipient,
                    recipient_name=r.recipient_name,
                    channel=CHANNEL,
                    commune=r.commune_id,
                    household=r.household_id,
                    person=r.person_id,
                    dedup_key=r.key,
                    acting_user=acting_user,
                )
                for r in batch
            )
        )
    return SendReport(
        in_window=len(reminders),
        asked=asked,
        already=sum(1 for r in reminders if r.message_id is not None),
        paused=sum(1 for r in reminders if r.is_blocked),
    )


def _check_sender(user, communes: list[str] | None) -> None:
    if not user.can_manage_registry:
        raise PermissionDenied(_("Your role may not send reminders."))
    if has_national_scope(user):
        return
    if communes is None or not set(communes) <= set(commune_codes_for_user(user)):
        raise PermissionDenied(_("You may not send reminders for this commune."))


# --- results ---------------------------------------------------------------------------------------


@dataclass
class MonthResult:
    month: date
    reminders: int = 0  # asked for (cancelled ones left out)
    sent: int = 0  # taken by the gateway
    delivered: int = 0
    failed: int = 0
    renewed: int = 0  # renewed within 30 days of the card's end

    @property
    def renewed_share(self) -> float | None:
        return round(100 * self.renewed / self.reminders, 1) if self.reminders else None

    @property
    def delivered_share(self) -> float | None:
        return round(100 * self.delivered / self.reminders, 1) if self.reminders else None


_RESULTS_SQL = """
SELECT date_trunc('month', message.created_at AT TIME ZONE %(zone)s)::date AS month,
       count(*),
       count(*) FILTER (WHERE message.sent_at IS NOT NULL),
       count(*) FILTER (WHERE message.status = 'delivered'),
       count(*) FILTER (WHERE message.status = 'failed'),
       count(*) FILTER (WHERE {renewed_in_time})
FROM notifications_message message
WHERE message.commune_id = %(commune)s
  AND message.template_id = (SELECT id FROM notifications_messagetemplate WHERE code = %(template)s)
  AND message.dedup_key LIKE %(prefix)s
  AND message.status <> 'cancelled'
  AND message.created_at >= %(since)s
GROUP BY 1
ORDER BY 1 DESC
"""


def results_by_month(commune_code: str, *, months: int = 12, today: date | None = None) -> list[MonthResult]:
    """The commune's reminders of the last ``months`` months (this one included), newest first, by
    the month they were asked for: sent, delivered, failed, renewed within 30 days. One query."""
    today = today or timezone.localdate()
    first = add_months(first_of_month(today), -(months - 1))
    since = timezone.make_aware(datetime.combine(first, time.min))
    params = {
        "zone": settings.TIME_ZONE,
        "commune": commune_code,
        "template": TEMPLATE_CODE,
        "prefix": f"{DEDUP_PREFIX}:%",
        "since": since,
    }
    with connection.cursor() as cursor:
        renewed_in_time = renewals.renewed_in_time_sql(
            "message.person_id", "to_date(split_part(message.dedup_key, ':', 3), 'YYYYMMDD')"
        )
        cursor.execute(_RESULTS_SQL.format(renewed_in_time=renewed_in_time), params)
        found = {row[0]: MonthResult(*row) for row in cursor.fetchall()}
    return [found.get(add_months(first, n), MonthResult(add_months(first, n))) for n in range(months - 1, -1, -1)]


def results_total(rows: list[MonthResult]) -> MonthResult:
    total = MonthResult(month=rows[-1].month if rows else timezone.localdate())
    for row in rows:
        total.reminders += row.reminders
        total.sent += row.sent
        total.delivered += row.delivered
        total.failed += row.failed
        total.renewed += row.renewed
    return total
