"""Outbound events for integrators (notifications/webhooks.py): the every-minute dispatcher reads the
event rows after its watermarks and queues one delivery per matching endpoint, never twice; the
send task posts it to a real HTTP server on 127.0.0.1 (the gateway fixture of the SMS backends),
signed as the Standard Webhooks spec says; a 5xx is retried with the backoff, a 2xx marks it sent,
and the last attempt fails it. Every test travels to a fixed moment."""

import base64
import hashlib
import hmac
import json
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine

from beneficiaries.models import CaseEvent
from beneficiaries.rule_data import load_rules
from disbursements import services as payments
from households.models import HouseholdEvent
from notifications import webhooks
from notifications.models import NoticeWatermark, WebhookDelivery, WebhookEndpoint
from tests.disbursements.conftest import Beneficiary, make_cases, prepare_now
from tests.households.factories import make_household
from tests.notifications.conftest import local
from tests.notifications.gateway_server import Answer

MONTH = date(2025, 11, 1)
NOW = local(2025, 11, 25, 9, 0)
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def send_tasks():
    """The send tasks the dispatcher puts on the broker (never reached here)."""
    with mock.patch("notifications.tasks.send_webhook_task.delay") as delay:
        yield delay


def endpoint(name, *, url="http://127.0.0.1:9/hook", kinds=("run.approved",), province=None, communes=()):
    made = WebhookEndpoint.objects.create(name=name, url=url, kinds=list(kinds), province=province, secret=SECRET)
    made.communes.set(communes)
    return made


def approved_run(units, users, django_capture_on_commit_callbacks):
    load_rules()
    make_cases(units.tan_dong, users["tandong_officer"], [Beneficiary("Người Cao Tuổi", date(1950, 3, 10), MONTH)])
    with django_capture_on_commit_callbacks(execute=True):
        run = payments.run_prepare(commune=units.tan_dong, month=MONTH, acting_user=users["tandong_officer"],
                                   enqueue=False)  # fmt: skip
        run = prepare_now(run)
        payments.run_approve(run=run, acting_user=users["tandong_chair"])
    return run


def deliveries() -> list[tuple[str, str, str]]:
    return list(WebhookDelivery.objects.order_by("pk").values_list("endpoint__name", "kind", "status"))


# --- queueing ---------------------------------------------------------------------------------------


def test_an_approved_run_queues_one_delivery_per_matching_endpoint_and_never_twice(
    units, users, django_capture_on_commit_callbacks, send_tasks
):
    endpoint("commune", communes=[units.tan_dong])
    endpoint("province", province=units.tay_ninh)
    endpoint("other commune", communes=[units.binh_minh])
    endpoint("other province", province=units.other_province)
    endpoint("other kind", kinds=["run.reconciled"], communes=[units.tan_dong])
    endpoint("inactive", communes=[units.tan_dong]).__class__.objects.filter(name="inactive").update(active=False)
    run = approved_run(units, users, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        first = webhooks.webhooks_dispatch()
    with django_capture_on_commit_callbacks(execute=True):
        second = webhooks.webhooks_dispatch()

    assert deliveries() == [("commune", "run.approved", "pending"), ("province", "run.approved", "pending")]
    assert first["disbursements.runevent"] == 2 and second["disbursements.runevent"] == 0
    event = run.events.get(kind="approved")
    delivery = WebhookDelivery.objects.first()
    assert delivery.event_id == f"disbursements.runevent:{event.pk}"
    assert delivery.next_attempt_at == NOW
    assert delivery.payload == {
        "id": f"disbursements.runevent:{event.pk}", "kind": "run.approved", "occurred_at": "2025-11-25T02:00:00Z",
        "commune": "25522", "object": {"type": "payment_run", "id": run.pk, "month": "2025-11"},
        "status": "approved",
    }  # fmt: skip
    # Both are put on the broker once (again only if their task is lost: overdue by REDISPATCH_AFTER).
    assert sorted(call.args[0] for call in send_tasks.call_args_list) == sorted(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )


def test_case_decisions_and_household_changes_carry_ids_and_codes_only(units, users):
    endpoint("all", kinds=["case.decided", "household.changed"], province=units.tay_ninh)
    make_cases(units.tan_dong, users["tandong_officer"], [Beneficiary("Người Cao Tuổi", date(1950, 3, 10), MONTH)])
    household = make_household(units.tan_dong, units.tan_dong_village, code="HH-042")
    from beneficiaries.models import Case

    case = Case.objects.get()
    decided = CaseEvent.objects.create(case=case, kind="decided")
    refused = CaseEvent.objects.create(case=case, kind="refused")
    CaseEvent.objects.create(case=case, kind="verified")  # not a decision
    changed = HouseholdEvent.objects.create(household=household, commune=units.tan_dong, kind="member_added")

    webhooks.webhooks_dispatch()

    payloads = {row.event_id: row.payload for row in WebhookDelivery.objects.all()}
    case_object = {"type": "allowance_case", "uuid": str(case.uuid)}
    assert payloads[f"beneficiaries.caseevent:{decided.pk}"]["object"] == case_object
    assert payloads[f"beneficiaries.caseevent:{decided.pk}"]["status"] == "active"
    assert payloads[f"beneficiaries.caseevent:{refused.pk}"]["status"] == "refused"
    assert payloads[f"households.householdevent:{changed.pk}"] == {
        "id": f"households.householdevent:{changed.pk}", "kind": "household.changed",
        "occurred_at": "2025-11-25T02:00:00Z", "commune": "25522",
        "object": {"type": "household", "uuid": str(household.uuid), "code": "HH-042"}, "status": "member_added",
    }  # fmt: skip
    assert len(payloads) == 2 + HouseholdEvent.objects.count()


def test_without_an_endpoint_the_watermark_moves_to_the_newest_event(units, users, django_capture_on_commit_callbacks):
    run = approved_run(units, users, django_capture_on_commit_callbacks)
    webhooks.webhooks_dispatch()
    endpoint("late", communes=[units.tan_dong])
    webhooks.webhooks_dispatch()
    assert deliveries() == []
    newest = run.events.order_by("-pk").first().pk
    assert NoticeWatermark.objects.get(source="webhooks:disbursements.runevent").last_event_id == newest


# --- signing and sending -----------------------------------------------------------------------------


def test_the_signature_is_the_standard_webhooks_one():
    body = b'{"id":"disbursements.runevent:41","kind":"run.approved"}'
    expected = hmac.new(
        b"0123456789abcdef0123456789abcdef", b"disbursements.runevent:41.1764036000." + body, hashlib.sha256
    ).digest()
    assert webhooks.signature(SECRET, "disbursements.runevent:41", 1764036000, body) == (
        "v1," + base64.b64encode(expected).decode()
    )
    assert webhooks.signature(SECRET, "disbursements.runevent:41", 1764036000, body) == (
        "v1,UHNCb3X/kU7BiUnMFUueMzzg0VvYeCaQe0/Rrtts94Q="  # as openssl dgst -sha256 -hmac computes it
    )


def queued_delivery(units, gateway) -> WebhookDelivery:
    hook = endpoint("warehouse", url=gateway.url, communes=[units.tan_dong])
    payload = {"id": "disbursements.runevent:41", "kind": "run.approved", "occurred_at": "2025-11-25T02:00:00Z",
               "commune": "25522", "object": {"type": "payment_run", "id": 7, "month": "2025-11"},
               "status": "approved"}  # fmt: skip
    return WebhookDelivery.objects.create(endpoint=hook, event_id=payload["id"], kind="run.approved",
                                          payload=payload, next_attempt_at=NOW)  # fmt: skip


def test_a_2xx_marks_the_delivery_sent_and_the_receiver_can_verify_it(units, gateway):
    delivery = queued_delivery(units, gateway)
    gateway.answer(Answer(204, b""))

    assert webhooks.send_delivery(delivery.pk) == "sent"

    [request] = gateway.received
    headers = request.headers
    assert headers["webhook-id"] == "disbursements.runevent:41"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp())) == "1764036000"
    assert headers["content-type"] == "application/json"
    assert request.json == delivery.payload
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request.body
    assert (
        headers["webhook-signature"]
        == "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.sent_at) == ("sent", 1, 204, NOW)
    assert webhooks.send_delivery(delivery.pk) == "skipped"  # a duplicated task sends nothing more
    assert len(gateway.received) == 1


def test_a_500_is_retried_with_the_backoff_then_failed_after_the_last_attempt(units, gateway, settings, clock):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BACKOFF = 60
    delivery = queued_delivery(units, gateway)
    gateway.answer(Answer(500, "down"), Answer(503, "still down"), Answer(500, "down again"))

    assert webhooks.send_delivery(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "pending", 1, 500, "down"
    )  # fmt: skip
    assert delivery.next_attempt_at == NOW + timedelta(seconds=60)
    assert webhooks.send_delivery(delivery.pk) == "skipped"  # not due yet
    assert webhooks.enqueue_due() == 0
    assert delivery.enqueued_at is None

    clock.move_to(NOW + timedelta(seconds=60))
    assert webhooks.enqueue_due() == 1
    assert webhooks.send_delivery(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == NOW + timedelta(seconds=60 + 120)

    clock.move_to(NOW + timedelta(seconds=180))
    assert webhooks.send_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert len(gateway.received) == 3
    assert [json.loads(r.body)["id"] for r in gateway.received] == ["disbursements.runevent:41"] * 3


def test_no_answer_is_a_temporary_failure(units, settings):
    delivery = queued_delivery(units, type("Closed", (), {"url": "http://127.0.0.1:9/hook"})())
    assert webhooks.send_delivery(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, None)
    assert delivery.last_error


def test_a_reconciled_run_and_a_fresh_gap_never_queue_twice(units, users, django_capture_on_commit_callbacks, settings):
    endpoint("reconciled", kinds=["run.reconciled"], communes=[units.tan_dong])
    run = approved_run(units, users, django_capture_on_commit_callbacks)
    line = run.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        payments.run_send_to_payer(run=run, acting_user=users["tandong_officer"])
        payments.run_reconcile(run=run, rows=[{"reference": line.reference, "status": "paid", "paid_on": "2025-11-20",
                                               "note": ""}], acting_user=users["tandong_officer"])  # fmt: skip
    reconciled = run.events.get(kind="reconciled")
    # A fresh gap before the reconciled event (a transaction still open, say): the watermark waits
    # before it and the event is read again at the next minutes, queued once all the same.
    mark, _ = NoticeWatermark.objects.get_or_create(source="webhooks:disbursements.runevent")
    mark.last_event_id = reconciled.pk - 2
    mark.save()
    from disbursements.models import RunEvent

    RunEvent.objects.filter(pk=reconciled.pk - 1).delete()
    assert webhooks.webhooks_dispatch()["disbursements.runevent"] == 1
    assert webhooks.webhooks_dispatch()["disbursements.runevent"] == 0
    assert NoticeWatermark.objects.get(source="webhooks:disbursements.runevent").last_event_id == reconciled.pk - 2
    later = NOW + timedelta(seconds=settings.NOTIFICATION_OUTBOX_GAP_SECONDS + 1)
    assert webhooks.webhooks_dispatch(now=later)["disbursements.runevent"] == 0
    assert NoticeWatermark.objects.get(source="webhooks:disbursements.runevent").last_event_id == reconciled.pk
    assert deliveries() == [("reconciled", "run.reconciled", "pending")]
    assert WebhookDelivery.objects.get().payload["status"] == "reconciled"


def test_the_beat_task_queues_the_webhooks_with_the_notices(units, users, django_capture_on_commit_callbacks):
    from notifications.tasks import dispatch_due_task

    endpoint("commune", communes=[units.tan_dong])
    approved_run(units, users, django_capture_on_commit_callbacks)
    assert dispatch_due_task()["webhooks"] == 1
    assert dispatch_due_task()["webhooks"] == 0


# --- the administrator ------------------------------------------------------------------------------


def test_the_administrator_registers_an_endpoint_sees_its_secret_once_and_the_delivery_log(units, users, client_for):
    from django.urls import reverse

    client = client_for("admin", language="en")
    add = reverse("admin:notifications_webhookendpoint_add")
    form = {"name": "Kho dữ liệu tỉnh", "url": "https://warehouse.tayninh.gov.vn/hooks", "kinds": ["run.approved",
            "household.changed"], "province": "", "communes": [], "active": "on"}  # fmt: skip
    refused = client.post(add, form)
    assert refused.status_code == 200 and "Choose a province or communes." in refused.content.decode()

    answer = client.post(add, {**form, "province": units.tay_ninh.pk}, follow=True)

    hook = WebhookEndpoint.objects.get()
    assert (hook.created_by, hook.kinds, hook.province_id) == (users["admin"], ["run.approved", "household.changed"],
                                                               "80")  # fmt: skip
    assert hook.secret.startswith("whsec_") and len(base64.b64decode(hook.secret.removeprefix("whsec_"))) == 32
    assert hook.secret in answer.content.decode()  # shown once, on creation
    change = client.get(reverse("admin:notifications_webhookendpoint_change", args=[hook.pk])).content.decode()
    assert hook.secret not in change and f"whsec_…{hook.secret[-4:]}" in change
    WebhookDelivery.objects.create(endpoint=hook, event_id="disbursements.runevent:1", kind="run.approved",
                                   payload={}, next_attempt_at=NOW)  # fmt: skip
    log = client.get(reverse("admin:notifications_webhookdelivery_changelist"))
    assert log.status_code == 200 and "disbursements.runevent:1" in log.content.decode()
    assert client.get(reverse("admin:notifications_webhookdelivery_add")).status_code == 403


def test_the_readme_s_verification_accepts_a_real_delivery_and_refuses_another_secret(units, gateway):
    from pathlib import Path

    from django.conf import settings as django_settings

    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Webhooks") :]
    code = section[
        section.index("```python\n") + len("```python\n") : section.index("```\n", section.index("```python"))
    ]
    namespace: dict = {}
    exec(code, namespace)  # the receiver's snippet, as printed
    delivery = queued_delivery(units, gateway)
    webhooks.send_delivery(delivery.pk)
    [request] = gateway.received
    headers = {name.title(): value for name, value in request.headers.items()}
    assert namespace["verify"](SECRET, headers, request.body) is True
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    assert namespace["verify"](other, headers, request.body) is False
    assert namespace["verify"](SECRET, headers, request.body + b" ") is False
