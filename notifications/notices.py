"""Notices that follow other apps' workflow events, without those apps knowing (they never import
notifications): ``NotificationsConfig.ready()`` connects ``post_save`` receivers to their event
models, and each receiver asks for its messages once the event's transaction commits.

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
so an event seen twice (a retried transaction, a replay) tells nobody twice. A notice that fails
is logged and never undoes the event (``on_commit(robust=True)``).

An event older than ``NOTIFICATION_EVENT_MAX_AGE_HOURS`` (24 by default) tells nobody: a notice is
for something that just happened. A demo or an import writes its past events and dates them to
the days they stand for before its transaction commits; the receivers run at the commit and see
those dates, so runs computed months ago or a complaint of last year send nothing.

This is one of the uses of signals the house style allows: the receivers change nothing in the
domain; they only ask for messages.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel
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


# --- wiring ------------------------------------------------------------------------------------------


def _after_commit(handler, event_id: int) -> None:
    def run() -> None:
        try:
            handler(event_id)
        except Exception:  # a notice must never break the workflow that caused it
            logger.exception("notice %s for event %s failed", handler.__name__, event_id)

    transaction.on_commit(run, robust=True)


def on_run_event(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    if instance.kind == "computed":
        _after_commit(run_computed, instance.pk)
    elif instance.kind == "reconciled":
        _after_commit(run_reconciled, instance.pk)


def on_review_event(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    if instance.kind == "complaint":
        _after_commit(complaint_registered, instance.pk)
    elif instance.kind == "advanced" and instance.data.get("status") == "awaiting_approval":
        _after_commit(review_awaiting_approval, instance.pk)
    elif instance.kind == "advanced" and instance.data.get("status") == "public_posting":
        _after_commit(posting_started, instance.pk)


def connect() -> None:
    """Called once from ``NotificationsConfig.ready()``."""
    from disbursements.models import RunEvent
    from povertyreview.models import ReviewEvent

    post_save.connect(on_run_event, sender=RunEvent, dispatch_uid="notifications.run_event")
    post_save.connect(on_review_event, sender=ReviewEvent, dispatch_uid="notifications.review_event")
