"""Notices that follow other apps' workflow events, without those apps knowing (they never import
notifications): an outbox read from the event tables themselves. The every-minute dispatcher
(``notifications.dispatch_due``) calls ``notices_dispatch``, which reads the event rows written
since each table's watermark (``NoticeWatermark``, the last event id read) and asks for the messages
of those that call for a notice. An event is a row committed with the change it records, so no
notice is lost between a commit and a callback, and a rolled-back event tells nobody.

================================  ==========================================  =====================
event                             who is told                                 template
================================  ==========================================  =====================
RunEvent "computed"               the commune's chairs (email)                run_awaiting_approval
ReviewEvent "advanced" to         the commune's chairs (email)                review_awaiting_approval
awaiting_approval
ReviewEvent "complaint"           the commune's steering-committee members    complaint_received
ReviewEvent "advanced" to         the commune's steering-committee members    posting_dates
public_posting
RunEvent "reconciled"             each beneficiary paid, with a phone (SMS),  amount_paid
                                  if the commune's NoticeSettings say so
================================  ==========================================  =====================

Staff have no phone number in ``accounts.User``: they are told by email (the "email" channel's
backend), and a member of staff without an email address is skipped. Chairs and committee members
are those assigned to the commune itself (not through a province). Every notice has a dedup key,
so an event read twice (a gap read again, a replay) tells nobody twice. A notice that fails is
logged and skipped; it never undoes the event, nor stops the other notices.

An event older than ``NOTIFICATION_EVENT_MAX_AGE_HOURS`` (24 by default) tells nobody: a notice is
for something that just happened. A demo or an import writes its past events and dates them to
the days they stand for before its transaction commits; the dispatcher reads them after the commit
and sees those dates, so runs computed months ago or a complaint of last year send nothing (and
the watermark moves past them). The first deploy of the outbox starts each watermark at the newest
event (migration 0005), so events before it are not read again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, NoticeWatermark
from notifications.services import MessageRequest, notice_settings_for, request_messages

logger = logging.getLogger(__name__)


def is_too_old(event) -> bool:
    """Whether the event happened longer ago than a notice is worth (``NOTIFICATION_EVENT_MAX_AGE_HOURS``)."""
    return event.occurred_at < timezone.now() - timedelta(hours=settings.NOTIFICATION_EVENT_MAX_AGE_HOURS)


def _url(name: str, **kwargs) -> str:
    return settings.NOTIFICATION_SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def staff_of_commune(commune_id: str, roles: list[str]):
    """Active staff with one of ``roles`` assigned to the commune itself, with an email address."""
    from accounts.models import User

    return (
        User.objects.filter(is_active=True, role__in=roles, assignments__commune_id=commune_id)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _tell_staff(*, commune, roles: list[str], template_code: str, context: dict, key: str) -> int:
    requests = [
        MessageRequest(
            template_code=template_code, context=context, recipient=user.email, channel=Channel.EMAIL,
            commune=commune, recipient_user=user, recipient_name=user.display_name,
            dedup_key=f"{key}:user{user.pk}",
        )
        for user in staff_of_commune(commune.pk, roles)
    ]  # fmt: skip
    return len(request_messages(requests))


# --- payment runs ------------------------------------------------------------------------------------


def run_computed(event_id: int) -> int:
    from accounts.models import Role
    from disbursements.models import RunEvent

    event = RunEvent.objects.select_related("run__commune").get(pk=event_id)
    if is_too_old(event):
        return 0
    run = event.run
    if not notice_settings_for(run.commune_id).approval_notices:
        return 0
    return _tell_staff(
        commune=run.commune, roles=[Role.COMMUNE_CHAIR], template_code="run_awaiting_approval",
        context={"commune": run.commune.name, "month": run.month, "count": run.line_count,
                 "amount": run.total_amount, "url": _url("disbursements:detail", run_id=run.pk)},
        key=f"run_awaiting_approval:run{run.pk}:gen{run.generation}",
    )  # fmt: skip


def run_reconciled(event_id: int) -> int:
    """SMS to each beneficiary the run paid (their line is paid), with a phone, alive, if the
    commune sends amount-paid notices. One query for the lines, one insert for the messages."""
    from disbursements.models import RunEvent, RunLine
    from households.models import Membership

    event = RunEvent.objects.select_related("run__commune").get(pk=event_id)
    if is_too_old(event):
        return 0
    run = event.run
    if not notice_settings_for(run.commune_id).amount_paid_notice:
        return 0
    current_household = Membership.objects.filter(person_id=OuterRef("case__person_id"), left_on__isnull=True)
    lines = (
        RunLine.objects.filter(run=run, status=RunLine.Status.PAID, case__person__date_of_death__isnull=True)
        .exclude(case__person__phone="")
        .annotate(household_id=Subquery(current_household.values("household_id")[:1]))
        .values("pk", "full_name", "amount", "case__person_id", "case__person__phone", "household_id")
        .order_by("pk")
    )
    requests = [
        MessageRequest(
            template_code="amount_paid", channel=Channel.SMS, recipient=line["case__person__phone"],
            context={"name": line["full_name"], "month": run.month, "amount": line["amount"],
                     "commune": run.commune.name},
            commune=run.commune, person=line["case__person_id"], household=line["household_id"],
            recipient_name=line["full_name"], dedup_key=f"amount_paid:line{line['pk']}",
        )
        for line in lines
    ]  # fmt: skip
    return len(request_messages(requests))


# --- poverty reviews ---------------------------------------------------------------------------------


def review_awaiting_approval(event_id: int) -> int:
    from accounts.models import Role
    from povertyreview.models import ReviewEvent

    event = ReviewEvent.objects.select_related("campaign__commune").get(pk=event_id)
    if is_too_old(event):
        return 0
    campaign = event.campaign
    if not notice_settings_for(campaign.commune_id).approval_notices:
        return 0
    return _tell_staff(
        commune=campaign.commune, roles=[Role.COMMUNE_CHAIR], template_code="review_awaiting_approval",
        context={"commune": campaign.commune.name, "year": campaign.year,
                 "url": _url("povertyreview:detail", campaign_id=campaign.pk)},
        key=f"review_awaiting_approval:campaign{campaign.pk}",
    )  # fmt: skip


def posting_started(event_id: int) -> int:
    from accounts.models import Role
    from povertyreview.models import ReviewEvent

    event = ReviewEvent.objects.select_related("campaign__commune").get(pk=event_id)
    if is_too_old(event):
        return 0
    campaign = event.campaign
    if not notice_settings_for(campaign.commune_id).committee_notices:
        return 0
    return _tell_staff(
        commune=campaign.commune, roles=[Role.COMMITTEE_MEMBER], template_code="posting_dates",
        context={"commune": campaign.commune.name, "year": campaign.year, "start": campaign.posting_starts_on,
                 "end": campaign.posting_ends_on, "place": campaign.posting_place,
                 "url": _url("povertyreview:detail", campaign_id=campaign.pk)},
        key=f"posting_dates:campaign{campaign.pk}",
    )  # fmt: skip


def complaint_registered(event_id: int) -> int:
    from accounts.models import Role
    from povertyreview.models import Complaint, ReviewEvent

    event = ReviewEvent.objects.select_related("campaign__commune", "household").get(pk=event_id)
    if is_too_old(event):
        return 0
    campaign = event.campaign
    if not notice_settings_for(campaign.commune_id).committee_notices:
        return 0
    # The event names the household; the complaint is the newest about it in this campaign.
    complaint = (
        Complaint.objects.filter(campaign=campaign, assessment__household_id=event.household_id).order_by("-pk").first()
    )
    return _tell_staff(
        commune=campaign.commune, roles=[Role.COMMITTEE_MEMBER], template_code="complaint_received",
        context={"commune": campaign.commune.name, "year": campaign.year,
                 "household": event.household.code if event.household else "",
                 "complainant": event.data.get("complainant", complaint.complainant if complaint else ""),
                 "deadline": complaint.deadline if complaint else "",
                 "url": _url("povertyreview:complaints", campaign_id=campaign.pk)},
        key=f"complaint_received:event{event.pk}",
    )  # fmt: skip


# --- the outbox: event rows read from a watermark ---------------------------------------------------


def _run_event_notice(event) -> Callable[[int], int] | None:
    if event.kind == "computed":
        return run_computed
    if event.kind == "reconciled":
        return run_reconciled
    return None


def _review_event_notice(event) -> Callable[[int], int] | None:
    if event.kind == "complaint":
        return complaint_registered
    if event.kind == "advanced" and event.data.get("status") == "awaiting_approval":
        return review_awaiting_approval
    if event.kind == "advanced" and event.data.get("status") == "public_posting":
        return posting_started
    return None


@dataclass(frozen=True)
class EventSource:
    """An event table the notices read: its name in ``NoticeWatermark.source``, the model (loaded
    lazily: notifications is above the apps it reads, which never import it) and which notice an
    event row asks for (None: none)."""

    name: str
    app_label: str
    model_name: str
    notice_for: Callable[[object], Callable[[int], int] | None]

    @property
    def model(self):
        return apps.get_model(self.app_label, self.model_name)


SOURCES = (
    EventSource("disbursements.runevent", "disbursements", "RunEvent", _run_event_notice),
    EventSource("povertyreview.reviewevent", "povertyreview", "ReviewEvent", _review_event_notice),
)
BATCH_SIZE = 500


def notices_dispatch(*, now: datetime | None = None) -> dict[str, int]:
    """Every minute (``notifications.dispatch_due``): read each event table after its watermark, ask
    for the notices of the new rows and move the watermark, in one transaction per batch (the
    watermark row locked, so two dispatchers never read the same rows at once). Returns the number
    of notices asked for, per source.

    - An event older than ``NOTIFICATION_EVENT_MAX_AGE_HOURS`` tells nobody; the watermark moves
      past it all the same.
    - A notice that fails is logged and skipped (its savepoint rolled back); it never stops the
      others nor holds the watermark, as a failing receiver never undid the event before.
    - Reading twice is harmless: every notice has a dedup key.
    - A gap in the ids (an event whose transaction has not committed yet, or rolled back) holds the
      watermark before it while the rows after it are fresher than ``NOTIFICATION_OUTBOX_GAP_SECONDS``;
      those rows are told now and read again at the next minutes (the dedup keys stop repeats), so
      an event committed late is still seen. An older gap is a rollback: the watermark moves on.
    """
    now = now or timezone.now()
    return {source.name: _dispatch_source(source, now) for source in SOURCES}


def _dispatch_source(source: EventSource, now: datetime) -> int:
    events = source.model.objects.only("pk", "kind", "data", "occurred_at")
    return read_outbox(
        watermark=source.name, events=events, now=now, handle=lambda batch: sum(_tell(source, e) for e in batch)
    )


def read_outbox(*, watermark: str, events, handle: Callable[[list], int], now: datetime) -> int:
    """The outbox's loop, shared by the notices and the webhooks (``notifications/webhooks.py``):
    read the rows of ``events`` (a queryset of an event table) after the watermark named
    ``watermark``, in batches, hand each batch to ``handle`` and move the watermark, in one
    transaction per batch (the watermark row locked). A fresh gap in the ids holds the watermark
    before it (see ``notices_dispatch``): the rows after it are handed over again later, so
    ``handle`` must be idempotent. Returns the sum of what ``handle`` returned."""
    done = 0
    settled_before = now - timedelta(seconds=settings.NOTIFICATION_OUTBOX_GAP_SECONDS)
    while True:
        with transaction.atomic():
            # A watermark missing (a database emptied after migrating, as transactional tests do)
            # starts at 0: safe for the notices, as the events older than the max age tell nobody
            # (migrations 0005 and 0007 start the real ones at the newest event).
            mark, _created = NoticeWatermark.objects.select_for_update().get_or_create(source=watermark)
            batch = list(events.filter(pk__gt=mark.last_event_id).order_by("pk")[:BATCH_SIZE])
            held = False
            expected = mark.last_event_id + 1
            last = mark.last_event_id
            for event in batch:
                if event.pk != expected and event.occurred_at > settled_before:
                    held = True  # a gap that may still fill: keep the watermark before it
                expected = event.pk + 1
                if not held:
                    last = event.pk
            done += handle(batch)
            if last != mark.last_event_id:
                mark.last_event_id = last
                mark.save(update_fields=["last_event_id", "updated_at"])
        if held or len(batch) < BATCH_SIZE:
            return done


def _tell(source: EventSource, event) -> int:
    notice = source.notice_for(event)
    if notice is None or is_too_old(event):
        return 0
    try:
        with transaction.atomic():
            return notice(event.pk)
    except Exception:  # a notice must never stop the others nor hold the watermark
        logger.exception("notice %s for %s %s failed", notice.__name__, source.name, event.pk)
        return 0
