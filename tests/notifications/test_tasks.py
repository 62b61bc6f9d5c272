"""Sending: quiet hours, retries with backoff and failure recording, at most once (also with two
workers at once), the shared rate limit, the sweeper, delivery reports, and one end-to-end run
through a real Celery worker and broker."""

import json
import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications import services
from notifications.backends.base import SendResult
from notifications.models import Message, RateBucket
from notifications.services import request_message, send_message
from notifications.tasks import send_message_task
from notifications.throttle import take_token
from tests.households.factories import make_household
from tests.notifications.conftest import ScriptedBackend, local

MORNING = local(2026, 7, 15, 9, 0)


@pytest.fixture
def household(units, templates):
    found = make_household(units.tan_dong, units.tan_dong_village, code="TD-0001", members=(
        ("Nguyễn Thị Lan", "F", date(1950, 2, 3), "head"),
    ))  # fmt: skip
    found.head.phone = "+84912345678"
    found.head.save(update_fields=["phone"])
    return found


def ask(household, *, channel="sms", key="card1", at=MORNING):
    recipient = "lan@example.org" if channel == "email" else household.head.phone
    return request_message(
        template_code="bhyt_renewal", channel=channel, recipient=recipient, commune=household.commune,
        context={"name": "Nguyễn Thị Lan", "date": date(2026, 8, 15), "commune": "Xã Tân Đông"},
        household=household, person=household.head, dedup_key=key, not_before=at,
    )  # fmt: skip


def events(message) -> list[str]:
    return list(message.events.order_by("id").values_list("kind", flat=True))


# --- quiet hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (local(2026, 7, 15, 22, 30), local(2026, 7, 16, 7, 0)),  # evening: the next morning
        (local(2026, 7, 15, 21, 0), local(2026, 7, 16, 7, 0)),
        (local(2026, 7, 16, 6, 59), local(2026, 7, 16, 7, 0)),  # before dawn: this morning
    ],
)
def test_no_sms_in_quiet_hours_it_waits_for_the_morning(household, scripted, broker, now, until):
    message = ask(household, at=now)
    assert send_message(message.pk, now=now) == "deferred"
    message.refresh_from_db()
    assert (message.status, message.next_attempt_at, message.attempts) == ("queued", until, 0)
    assert message.enqueued_at is None  # hours away: the sweeper sends its task in the morning
    assert events(message) == ["queued", "deferred"]
    assert scripted.sent == []


def test_the_deferred_message_goes_in_the_morning(household, scripted, broker):
    message = ask(household, at=local(2026, 7, 15, 22, 30))
    send_message(message.pk, now=local(2026, 7, 15, 22, 30))
    broker.reset_mock()
    assert services.dispatch_due(now=local(2026, 7, 16, 6, 59)) == {"dispatched": 0, "interrupted": 0}
    assert services.dispatch_due(now=local(2026, 7, 16, 7, 0)) == {"dispatched": 1, "interrupted": 0}
    assert [call.kwargs for call in broker.call_args_list] == [{"args": [message.pk]}]
    assert send_message(message.pk, now=local(2026, 7, 16, 7, 0)) == "sent"
    assert [sent.id for sent in scripted.sent] == [message.pk]


def test_at_seven_sharp_and_by_email_at_night_messages_go(household, scripted):
    sms = ask(household, at=local(2026, 7, 16, 7, 0))
    assert send_message(sms.pk, now=local(2026, 7, 16, 7, 0)) == "sent"
    email = ask(household, channel="email", key="email", at=local(2026, 7, 15, 23, 0))
    assert send_message(email.pk, now=local(2026, 7, 15, 23, 0)) == "sent"


def test_quiet_hours_come_from_settings(household, scripted, settings):
    settings.NOTIFICATION_QUIET_START, settings.NOTIFICATION_QUIET_END = "12:00", "13:30"
    message = ask(household, at=local(2026, 7, 15, 12, 15))
    assert send_message(message.pk, now=local(2026, 7, 15, 12, 15)) == "deferred"
    message.refresh_from_db()
    assert message.next_attempt_at == local(2026, 7, 15, 13, 30)
    assert send_message(message.pk, now=local(2026, 7, 15, 22, 0)) == "sent"  # night is no longer quiet


# --- answers, retries, failures -------------------------------------------------------------------------


def test_accepted_is_sent_with_the_gateway_id_parts_and_cost(household, scripted, settings):
    settings.NOTIFICATION_PART_PRICES_VND = {"sms": 800}
    message = ask(household)
    assert send_message(message.pk, now=MORNING) == "sent"
    message.refresh_from_db()
    assert message.status == "sent"
    assert (message.gateway_message_id, message.attempts, message.parts, message.cost_vnd) == (
        f"gw-{message.pk}", 1, 2, 1600,
    )  # fmt: skip
    assert message.sent_at == MORNING
    assert message.backend == "tests.notifications.conftest.ScriptedBackend"
    assert events(message) == ["queued", "sent"]
    outgoing = scripted.sent[0]
    assert (outgoing.recipient, outgoing.channel, outgoing.template_code, outgoing.language) == (
        "+84912345678", "sms", "bhyt_renewal", "vi",
    )  # fmt: skip
    assert outgoing.text == message.text


def test_a_backend_that_knows_delivery_records_delivered(household, scripted):
    scripted.script = [SendResult.accepted_with("c-1", delivered=True)]
    message = ask(household)
    assert send_message(message.pk, now=MORNING) == "delivered"
    message.refresh_from_db()
    assert (message.status, message.delivered_at) == ("delivered", MORNING)
    assert events(message) == ["queued", "sent", "delivered"]


def test_a_temporary_failure_is_retried_with_backoff_then_sent(
    household, scripted, broker, django_capture_on_commit_callbacks
):
    scripted.script = [SendResult.temporary("HTTP 503: busy"), SendResult.temporary("timeout: 10 s")]
    message = ask(household)
    broker.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_message(message.pk, now=MORNING) == "retry"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.failure_reason) == ("queued", 1, "HTTP 503: busy")
    assert message.next_attempt_at == MORNING + timedelta(seconds=60)
    assert [call.kwargs for call in broker.call_args_list] == [{"args": [message.pk], "countdown": 60}]
    assert send_message(message.pk, now=MORNING + timedelta(seconds=30)) == "not_due"  # early (a duplicate)
    assert send_message(message.pk, now=MORNING + timedelta(seconds=60)) == "retry"
    message.refresh_from_db()
    assert message.next_attempt_at == MORNING + timedelta(seconds=60 + 120)
    assert send_message(message.pk, now=MORNING + timedelta(seconds=180)) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.failure_reason) == ("sent", 3, "")
    assert events(message) == ["queued", "retry", "retry", "sent"]
    assert len(scripted.sent) == 3


def test_after_the_last_attempt_the_message_fails_with_the_reason(household, scripted, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    scripted.script = [SendResult.temporary("HTTP 502: bad gateway")] * 3
    message = ask(household)
    now = MORNING
    for expected in ("retry", "retry", "failed"):
        assert send_message(message.pk, now=now) == expected
        message.refresh_from_db()
        now = message.next_attempt_at
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.failure_reason == "gave up after 3 attempts: HTTP 502: bad gateway"
    assert message.failed_at is not None
    assert events(message) == ["queued", "retry", "retry", "failed"]
    assert send_message(message.pk, now=now + timedelta(days=1)) == "not_queued"
    assert len(scripted.sent) == 3


def test_a_permanent_failure_fails_at_once(household, scripted):
    scripted.script = [SendResult.permanent("HTTP 400: invalid phone")]
    message = ask(household)
    assert send_message(message.pk, now=MORNING) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.failure_reason) == ("failed", 1, "HTTP 400: invalid phone")
    assert message.events.get(kind="failed").reason == "HTTP 400: invalid phone"


def test_a_backend_that_crashes_is_a_temporary_failure(household, scripted):
    scripted.script = [RuntimeError("boom")]
    message = ask(household)
    assert send_message(message.pk, now=MORNING) == "retry"
    message.refresh_from_db()
    assert message.status == "queued"
    assert message.failure_reason == "the backend failed: RuntimeError('boom')"


# --- at most once --------------------------------------------------------------------------------------


def test_a_redelivered_task_sends_nothing_more(household, scripted, settings):
    settings.NOTIFICATION_QUIET_START = settings.NOTIFICATION_QUIET_END = "00:00"  # the task runs on the wall clock
    message = ask(household)
    assert send_message_task(message.pk) == "sent"  # the task itself, as a worker runs it
    assert send_message_task(message.pk) == "not_queued"
    assert len(scripted.sent) == 1


def test_a_cancelled_message_is_not_sent(household, scripted, users):
    message = ask(household)
    services.cancel_message(message=message, acting_user=users["tandong_officer"])
    assert send_message(message.pk, now=MORNING) == "not_queued"
    assert scripted.sent == []


class SlowBackend(ScriptedBackend):
    def send(self, message):
        time.sleep(0.5)  # both workers are inside send_message at once
        return super().send(message)


@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_message_send_it_once(units, templates, scripted, settings):
    settings.NOTIFICATION_BACKENDS = {"sms": "tests.notifications.test_tasks.SlowBackend"}
    found = make_household(units.tan_dong, units.tan_dong_village, code="TD-0003")
    found.head.phone = "+84912345678"
    found.head.save(update_fields=["phone"])
    message = ask(found)
    results, start = [], threading.Barrier(2)

    def worker():
        try:
            start.wait()
            results.append(send_message(message.pk, now=MORNING))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == ["not_queued", "sent"]
    assert [sent.id for sent in SlowBackend.sent] == [message.pk]
    assert Message.objects.get().attempts == 1


def test_a_message_left_sending_by_a_killed_worker_fails_and_is_not_sent_again(household, scripted, broker, settings):
    message = ask(household)
    Message.objects.filter(pk=message.pk).update(status="sending", attempts=1, updated_at=MORNING)
    broker.reset_mock()
    later = MORNING + timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT - 1)
    assert services.dispatch_due(now=later) == {"dispatched": 0, "interrupted": 0}
    assert send_message(message.pk, now=later) == "not_queued"  # the redelivered task
    assert services.dispatch_due(now=later + timedelta(seconds=2)) == {"dispatched": 0, "interrupted": 1}
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.failure_reason == "interrupted while sending; not sent again, the gateway may have taken it"
    assert scripted.sent == [] and broker.call_count == 0


def test_the_sweeper_resends_a_lost_task_but_not_a_recent_one(household, broker, settings):
    message = ask(household)
    Message.objects.filter(pk=message.pk).update(enqueued_at=MORNING)
    broker.reset_mock()
    soon = MORNING + timedelta(seconds=settings.NOTIFICATION_REDISPATCH_AFTER - 1)
    assert services.dispatch_due(now=soon)["dispatched"] == 0
    lost = MORNING + timedelta(seconds=settings.NOTIFICATION_REDISPATCH_AFTER)
    assert services.dispatch_due(now=lost)["dispatched"] == 1
    assert services.dispatch_due(now=lost)["dispatched"] == 0  # once per window
    assert broker.call_count == 1


# --- rate limit --------------------------------------------------------------------------------------


def test_the_token_bucket_refills_at_the_rate(db, settings):
    settings.NOTIFICATION_RATE_LIMITS = {"sms": 2}
    assert [take_token("sms", now=MORNING) for _ in range(2)] == [0, 0]
    assert take_token("sms", now=MORNING) == pytest.approx(0.5)
    assert take_token("sms", now=MORNING + timedelta(seconds=0.25)) == pytest.approx(0.25)
    assert take_token("sms", now=MORNING + timedelta(seconds=0.5)) == 0
    assert take_token("sms", now=MORNING + timedelta(seconds=60)) == 0  # refills to the burst, not beyond
    assert take_token("sms", now=MORNING + timedelta(seconds=60)) == 0
    assert take_token("sms", now=MORNING + timedelta(seconds=60)) > 0
    assert take_token("email", now=MORNING) == 0  # no limit configured


@pytest.mark.django_db(transaction=True)
def test_workers_at_once_share_one_limit(settings):
    settings.NOTIFICATION_RATE_LIMITS = {"sms": 3}
    results, start = [], threading.Barrier(8)

    def worker():
        try:
            start.wait()
            results.append(take_token("sms", now=MORNING))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results)[:3] == [0, 0, 0]
    assert all(wait > 0 for wait in sorted(results)[3:])
    assert RateBucket.objects.get().tokens == pytest.approx(0)


def test_without_a_token_the_message_waits_a_moment_or_is_rescheduled(
    household, scripted, settings, broker, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_RATE_LIMITS = {"sms": 1}
    first, second, third = ask(household, key="a"), ask(household, key="b"), ask(household, key="c")
    assert send_message(first.pk, now=MORNING) == "sent"
    slept = []
    assert send_message(second.pk, now=MORNING, sleep=slept.append) == "sent"  # waited 1 s for a token
    assert slept == [pytest.approx(1.0)]
    settings.NOTIFICATION_RATE_WAIT = 0
    broker.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_message(third.pk, now=MORNING + timedelta(seconds=1)) == "rate_limited"
    third.refresh_from_db()
    assert (third.status, third.attempts) == ("queued", 0)
    assert third.next_attempt_at == MORNING + timedelta(seconds=2)
    assert [call.kwargs for call in broker.call_args_list] == [{"args": [third.pk], "countdown": 1}]


# --- delivery reports ---------------------------------------------------------------------------------


def test_delivery_reports_move_sent_to_delivered_or_failed_once(household, scripted):
    delivered, lost = ask(household, key="a"), ask(household, key="b")
    send_message(delivered.pk, now=MORNING)
    send_message(lost.pk, now=MORNING)
    assert services.record_delivery_report(channel="sms", gateway_message_id=f"gw-{delivered.pk}",
                                           delivered=True).status == "delivered"  # fmt: skip
    assert services.record_delivery_report(channel="sms", gateway_message_id=f"gw-{delivered.pk}",
                                           delivered=False, reason="late").status == "delivered"  # fmt: skip
    assert services.record_delivery_report(channel="sms", gateway_message_id=f"gw-{lost.pk}",
                                           delivered=False, reason="EXPIRED").status == "failed"  # fmt: skip
    lost.refresh_from_db()
    assert lost.failure_reason == "EXPIRED"
    assert services.record_delivery_report(channel="sms", gateway_message_id="nope", delivered=True) is None
    assert services.record_delivery_report(channel="zalo", gateway_message_id=f"gw-{lost.pk}", delivered=True) is None


# --- a real worker ------------------------------------------------------------------------------------


@pytest.mark.worker
def test_a_real_worker_sends_a_requested_message_through_the_file_backend(start_worker, units, templates, tmp_path):
    """Request → commit → task on the real broker → a worker process sends it with the file
    backend → the row says delivered; the JSON line is in the file."""
    found = make_household(units.tan_dong, units.tan_dong_village, code="TD-0009")
    found.head.phone = "+84912345678"
    found.head.save(update_fields=["phone"])
    outbox = tmp_path / "outbox"
    start_worker(
        NOTIFICATION_SMS_BACKEND="notifications.backends.file.FileBackend", NOTIFICATION_FILE_DIR=str(outbox),
        NOTIFICATION_QUIET_START="00:00", NOTIFICATION_QUIET_END="00:00",
    )  # fmt: skip
    message = ask(found, at=None)
    deadline = time.monotonic() + 60
    while Message.objects.get(pk=message.pk).status != "delivered":
        assert time.monotonic() < deadline, "the worker did not send the message"
        time.sleep(0.3)
    lines = [json.loads(line) for path in outbox.glob("sms-*.jsonl") for line in path.read_text().splitlines()]
    assert [(line["id"], line["recipient"], line["text"]) for line in lines] == [
        (message.pk, "+84912345678", Message.objects.get(pk=message.pk).text)
    ]
    assert timezone.now() - Message.objects.get(pk=message.pk).sent_at < timedelta(minutes=1)
