"""The gateway backends against a real HTTP server the test starts on 127.0.0.1: what they send
(JSON or form, keys, phone form, Unicode or unaccented), how they read the answers (success, 5xx,
4xx, timeout, malformed), retries through the sender, the delivery-report webhook and its secret;
the Zalo ZNS backend; email through Django's backends; console and file."""

import io
import json
import smtplib
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from notifications.backends import OutgoingMessage, get_backend
from notifications.backends.console import ConsoleBackend
from notifications.backends.email import EmailBackend
from notifications.backends.file import FileBackend
from notifications.backends.http_sms import HttpSmsBackend
from notifications.backends.zalo import ZnsBackend
from notifications.models import Message
from notifications.services import request_message, send_message
from tests.households.factories import make_household
from tests.notifications.conftest import local
from tests.notifications.gateway_server import Answer

TEXT = "Thẻ BHYT của Nguyễn Thị Lan hết hạn ngày 15/08/2026. Mời đến UBND Xã Tân Đông để gia hạn thẻ."
MORNING = local(2026, 7, 15, 9, 0)


def outgoing(**overrides) -> OutgoingMessage:
    values = {"id": 41, "channel": "sms", "recipient": "+84912345678", "text": TEXT, "template_code": "bhyt_renewal",
              "context": {"name": "Nguyễn Thị Lan", "date": "15/08/2026", "commune": "Xã Tân Đông"}}  # fmt: skip
    return OutgoingMessage(**{**values, **overrides})


def sms_backend(gateway, **options) -> HttpSmsBackend:
    return HttpSmsBackend(channel="sms", url=gateway.url, api_key="KEY-123", brand_name="UBND-TANDONG", **options)


# --- HTTP SMS: the request --------------------------------------------------------------------------


def test_json_request_carries_key_brand_phone_and_unicode_text(gateway):
    gateway.answer(Answer(200, {"code": "100", "message_id": "SMS-9001"}))
    result = sms_backend(gateway).send(outgoing())
    assert (result.outcome, result.gateway_message_id, result.parts) == ("accepted", "SMS-9001", 2)
    [request] = gateway.received
    assert request.path == "/send"
    assert request.headers["authorization"] == "Bearer KEY-123"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json == {
        "phone": "84912345678",
        "message": TEXT,
        "brandname": "UBND-TANDONG",
        "unicode": "1",
        "request_id": "41",
    }


def test_form_body_with_the_key_in_the_body_and_provider_field_names(gateway):
    gateway.answer(Answer(200, {"CodeResult": "100", "SMSID": "abc-1"}))
    backend = sms_backend(
        gateway, body_format="form", api_key_field="ApiKey", phone_field="Phone", text_field="Content",
        brand_name_field="Brandname", unicode_field="IsUnicode", phone_format="0", extra_fields={"SmsType": "2"},
        code_field="CodeResult", id_field="SMSID", request_id_field="RequestId",
        callback_url="https://casework.example/notifications/delivery-report/sms/", callback_url_field="CallbackUrl",
    )  # fmt: skip
    result = backend.send(outgoing())
    assert (result.outcome, result.gateway_message_id) == ("accepted", "abc-1")
    [request] = gateway.received
    assert request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert "authorization" not in request.headers
    assert request.form == {
        "SmsType": "2",
        "Phone": "0912345678",
        "Content": TEXT,
        "Brandname": "UBND-TANDONG",
        "IsUnicode": "1",
        "RequestId": "41",
        "CallbackUrl": "https://casework.example/notifications/delivery-report/sms/",
        "ApiKey": "KEY-123",
    }


def test_unaccented_mode_sends_gsm_text_in_one_part(gateway):
    gateway.answer(Answer(200, {"code": "0", "message_id": 77}))
    result = sms_backend(gateway, unaccented=True).send(outgoing())
    assert (result.outcome, result.gateway_message_id, result.parts) == ("accepted", "77", 1)
    body = gateway.received[0].json
    assert body["message"] == (
        "The BHYT cua Nguyen Thi Lan het han ngay 15/08/2026. Moi den UBND Xa Tan Dong de gia han the."
    )
    assert body["unicode"] == "0"


def test_nested_answer_fields_and_reported_parts_and_cost(gateway):
    gateway.answer(Answer(200, {"status": {"code": "00"}, "data": {"tranId": "T-1", "parts": 3, "cost": "2400"}}))
    result = sms_backend(gateway, code_field="status.code", id_field="data.tranId", parts_field="data.parts",
                         cost_field="data.cost").send(outgoing())  # fmt: skip
    assert (result.gateway_message_id, result.parts, result.cost_vnd) == ("T-1", 3, 2400)


# --- HTTP SMS: the answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "outcome", "reason"),
    [
        (Answer(503, "Service Unavailable", content_type="text/plain"), "temporary", "HTTP 503: Service Unavailable"),
        (Answer(429, {"message": "slow down"}), "temporary", 'HTTP 429: {"message": "slow down"}'),
        (Answer(400, {"message": "invalid phone"}), "permanent", 'HTTP 400: {"message": "invalid phone"}'),
        (Answer(401, ""), "permanent", "HTTP 401: "),
        (Answer(200, "<html>ok</html>", content_type="text/html"), "permanent",
         "malformed answer from the gateway: <html>ok</html>"),
        (Answer(200, '{"code": "100", "message_id": '), "permanent",
         'malformed answer from the gateway: {"code": "100", "message_id":'),
        (Answer(200, "[1, 2]"), "permanent", "malformed answer from the gateway: [1, 2]"),
        (Answer(200, ""), "permanent", "malformed answer from the gateway: (empty)"),
        (Answer(200, {"code": "101", "message": "Sai ApiKey"}), "permanent", "code 101: Sai ApiKey"),
        (Answer(200, {"code": "99", "message": "Hệ thống bận"}), "temporary", "code 99: Hệ thống bận"),
    ],
)  # fmt: skip
def test_answers_are_read_as_accepted_temporary_or_permanent(gateway, answer, outcome, reason):
    gateway.answer(answer)
    result = sms_backend(gateway, temporary_codes=["99"]).send(outgoing())
    assert (result.outcome, result.reason) == (outcome, reason)


def test_a_gateway_that_does_not_answer_in_time_is_a_temporary_failure(gateway):
    gateway.answer(Answer(200, {"code": "100", "message_id": "late"}, delay=1.5))
    result = sms_backend(gateway, timeout=0.3).send(outgoing())
    assert (result.outcome, result.reason) == ("temporary", "timeout: no answer within 0.3 s")


def test_a_gateway_that_is_down_is_a_temporary_failure(gateway):
    url = gateway.url
    gateway.server.shutdown()
    gateway.server.server_close()
    result = HttpSmsBackend(channel="sms", url=url, timeout=2).send(outgoing())
    assert result.outcome == "temporary"
    assert result.reason.startswith("gateway unreachable: ")


# --- through the sender: retry after a 5xx, failure on a malformed answer ------------------------------


@pytest.fixture
def sms_gateway(gateway, settings, units, templates):
    settings.NOTIFICATION_BACKENDS = {
        "sms": {"BACKEND": "notifications.backends.http_sms.HttpSmsBackend",
                "OPTIONS": {"url": gateway.url, "api_key": "KEY-123", "brand_name": "UBND-TANDONG", "timeout": 2,
                            "webhook_secret": "s3cret-TanDong-2026"}},
    }  # fmt: skip
    settings.NOTIFICATION_RATE_LIMITS = {}
    found = make_household(units.tan_dong, units.tan_dong_village, code="TD-0001", members=(
        ("Nguyễn Thị Lan", "F", date(1950, 2, 3), "head"),
    ))  # fmt: skip
    found.head.phone = "+84912345678"
    found.head.save(update_fields=["phone"])
    gateway.household = found
    return gateway


def remind(household, key="card1"):
    return request_message(
        template_code="bhyt_renewal", channel="sms", recipient=household.head.phone, commune=household.commune,
        context={"name": "Nguyễn Thị Lan", "date": date(2026, 8, 15), "commune": "Xã Tân Đông"},
        household=household, person=household.head, dedup_key=key, not_before=MORNING,
    )  # fmt: skip


def test_5xx_then_success_is_one_message_sent_on_the_second_attempt(sms_gateway):
    sms_gateway.answer(Answer(502, "Bad Gateway"), Answer(200, {"code": "100", "message_id": "SMS-1"}))
    message = remind(sms_gateway.household)
    assert send_message(message.pk, now=MORNING) == "retry"
    message.refresh_from_db()
    assert (message.status, message.failure_reason) == ("queued", "HTTP 502: Bad Gateway")
    assert send_message(message.pk, now=message.next_attempt_at) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.gateway_message_id, message.failure_reason) == (
        "sent", 2, "SMS-1", "",
    )  # fmt: skip
    assert message.backend == "notifications.backends.http_sms.HttpSmsBackend"
    assert [request.json["request_id"] for request in sms_gateway.received] == [str(message.pk)] * 2


def test_a_malformed_answer_fails_the_message_with_the_reason_and_is_not_retried(sms_gateway):
    sms_gateway.answer(Answer(200, "OK", content_type="text/plain"))
    message = remind(sms_gateway.household)
    assert send_message(message.pk, now=MORNING) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.failure_reason == "malformed answer from the gateway: OK"
    assert send_message(message.pk, now=MORNING + timedelta(hours=1)) == "not_queued"
    assert len(sms_gateway.received) == 1


def test_a_timeout_is_retried(sms_gateway, settings):
    settings.NOTIFICATION_BACKENDS["sms"]["OPTIONS"]["timeout"] = 0.3
    sms_gateway.answer(Answer(200, {"code": "100", "message_id": "late"}, delay=1.0))
    message = remind(sms_gateway.household)
    assert send_message(message.pk, now=MORNING) == "retry"
    message.refresh_from_db()
    assert message.failure_reason == "timeout: no answer within 0.3 s"


# --- the delivery-report webhook -------------------------------------------------------------------------


def sent_message(sms_gateway, gateway_id="SMS-1", key="card1"):
    sms_gateway.answer(Answer(200, {"code": "100", "message_id": gateway_id}))
    message = remind(sms_gateway.household, key=key)
    assert send_message(message.pk, now=MORNING) == "sent"
    return message


def report_url(**query):
    url = reverse("notifications:delivery_report", kwargs={"channel": "sms"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_a_delivery_report_with_the_right_secret_is_recorded(sms_gateway, client):
    message = sent_message(sms_gateway)
    response = client.post(report_url(), {"message_id": "SMS-1", "status": "DELIVRD"}, content_type="application/json",
                           headers={"X-Webhook-Secret": "s3cret-TanDong-2026"})  # fmt: skip
    assert (response.status_code, response.json()) == (200, {"recorded": 1, "unknown": 0})
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.events.filter(kind="delivered").count() == 1


def test_a_failed_report_in_a_form(sms_gateway, client):
    message = sent_message(sms_gateway)
    response = client.post(report_url(), {"message_id": "SMS-1", "status": "UNDELIV", "error": "thuê bao không liên lạc được"},
                           headers={"X-Webhook-Secret": "s3cret-TanDong-2026"})  # fmt: skip
    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.status, message.failure_reason) == ("failed", "thuê bao không liên lạc được")


def test_a_batch_of_reports_pending_ones_and_unknown_ids(sms_gateway, client):
    first = sent_message(sms_gateway, "SMS-1", key="a")
    second = sent_message(sms_gateway, "SMS-2", key="b")
    payload = {"reports": [{"message_id": "SMS-1", "status": "delivered"}, {"message_id": "SMS-2", "status": "pending"},
                           {"message_id": "SMS-404", "status": "delivered"}]}  # fmt: skip
    response = client.post(report_url(), json.dumps(payload), content_type="application/json",
                           headers={"X-Webhook-Secret": "s3cret-TanDong-2026"})  # fmt: skip
    assert response.json() == {"recorded": 1, "unknown": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("delivered", "sent")


@pytest.mark.parametrize("secret", ["", "wrong", "s3cret-TanDong-2026 ", "S3CRET-TANDONG-2026"])
def test_a_report_with_a_wrong_or_no_secret_is_refused_and_changes_nothing(sms_gateway, client, secret):
    message = sent_message(sms_gateway)
    headers = {"X-Webhook-Secret": secret} if secret else {}
    response = client.post(report_url(), {"message_id": "SMS-1", "status": "DELIVRD"},
                           content_type="application/json", headers=headers)  # fmt: skip
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"
    assert not message.events.filter(kind="delivered").exists()


@pytest.mark.parametrize("body", ["json", "form"])
def test_the_right_secret_in_the_query_string_is_refused_and_changes_nothing(sms_gateway, client, body):
    """Issue 15: a secret in the URL ends up in access logs, so only the header is read."""
    message = sent_message(sms_gateway)
    report = {"message_id": "SMS-1", "status": "DELIVRD"}
    response = (
        client.post(report_url(secret="s3cret-TanDong-2026"), report, content_type="application/json")
        if body == "json"
        else client.post(report_url(secret="s3cret-TanDong-2026"), {**report, "secret": "s3cret-TanDong-2026"})
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"
    assert not message.events.filter(kind="delivered").exists()
    # the same report with the secret in the header is recorded
    response = client.post(report_url(), report, content_type="application/json",
                           headers={"X-Webhook-Secret": "s3cret-TanDong-2026"})  # fmt: skip
    assert (response.status_code, response.json()) == (200, {"recorded": 1, "unknown": 0})
    message.refresh_from_db()
    assert message.status == "delivered"


def test_without_a_configured_secret_every_report_is_refused(sms_gateway, client, settings):
    del settings.NOTIFICATION_BACKENDS["sms"]["OPTIONS"]["webhook_secret"]
    settings.NOTIFICATION_WEBHOOK_SECRET = ""
    sent_message(sms_gateway)
    response = client.post(report_url(secret=""), {"message_id": "SMS-1", "status": "DELIVRD"})
    assert response.status_code == 403
    assert Message.objects.get().status == "sent"


def test_a_malformed_report_is_400_and_get_is_405(sms_gateway, client):
    sent_message(sms_gateway)
    headers = {"X-Webhook-Secret": "s3cret-TanDong-2026"}
    assert client.post(report_url(), "{not json", content_type="application/json", headers=headers).status_code == 400
    assert client.post(report_url(), {"status": "DELIVRD"}, content_type="application/json",
                       headers=headers).status_code == 400  # fmt: skip
    assert client.get(report_url(), headers=headers).status_code == 405
    assert client.post(reverse("notifications:delivery_report", kwargs={"channel": "fax"})).status_code == 404
    assert Message.objects.get().status == "sent"


# --- Zalo ZNS ------------------------------------------------------------------------------------------


def zns(gateway, **options) -> ZnsBackend:
    return ZnsBackend(channel="zalo", url=gateway.url, access_token="OA-TOKEN", **options)


def test_zns_sends_the_template_id_and_data_to_the_phone_in_84_form(gateway):
    gateway.answer(Answer(200, {"error": 0, "message": "Success", "data": {"msg_id": "zmsg-1", "sent_time": "1"}}))
    result = zns(gateway).send(outgoing(channel="zalo", zns_template_id="358112"))
    assert (result.outcome, result.gateway_message_id) == ("accepted", "zmsg-1")
    [request] = gateway.received
    assert request.headers["access_token"] == "OA-TOKEN"
    assert request.json == {
        "phone": "84912345678",
        "template_id": "358112",
        "template_data": {"name": "Nguyễn Thị Lan", "date": "15/08/2026", "commune": "Xã Tân Đông"},
        "tracking_id": "41",
    }


@pytest.mark.parametrize(
    ("body", "outcome", "reason"),
    [
        ({"error": -118, "message": "Zalo account not existed"}, "permanent",
         "Zalo: no Zalo account for this phone number, or it is disabled (-118: Zalo account not existed)"),
        ({"error": -108, "message": "Phone number invalid"}, "permanent",
         "Zalo: phone number invalid (-108: Phone number invalid)"),
        ({"error": -124, "message": "Access token invalid"}, "temporary",
         "Zalo: access token invalid or expired (-124: Access token invalid)"),
        ({"error": -133, "message": "night"}, "temporary", "Zalo: ZNS messages cannot be sent at night (-133: night)"),
        ({"error": -999, "message": "Something new"}, "permanent", "Zalo error -999 (-999: Something new)"),
        ({"error": 0, "message": "Success", "data": {}}, "permanent",
         'malformed answer from Zalo (no msg_id): {"error": 0, "message": "Success", "data": {}}'),
        ({"message": "no code"}, "permanent", 'malformed answer from Zalo: {"message": "no code"}'),
    ],
)  # fmt: skip
def test_zns_error_codes_become_reasons(gateway, body, outcome, reason):
    gateway.answer(Answer(200, body))
    result = zns(gateway).send(outgoing(channel="zalo", zns_template_id="358112"))
    assert (result.outcome, result.reason) == (outcome, reason)


def test_zns_5xx_timeout_and_missing_template_id(gateway):
    gateway.answer(Answer(500, "oops", content_type="text/plain"), Answer(200, {"error": 0}, delay=1.0))
    assert zns(gateway).send(outgoing(channel="zalo", zns_template_id="1")).reason == "Zalo HTTP 500: oops"
    assert zns(gateway, timeout=0.3).send(outgoing(channel="zalo", zns_template_id="1")).reason == (
        "Zalo timeout: no answer within 0.3 s"
    )
    result = zns(gateway).send(outgoing(channel="zalo"))
    assert (result.outcome, result.reason) == ("permanent", "no Zalo ZNS template id for the template bhyt_renewal")
    assert len(gateway.received) == 2  # the last one never reached Zalo


def test_zns_template_id_comes_from_the_template_or_settings_and_reports_arrive(
    gateway, settings, units, templates, client
):
    settings.NOTIFICATION_BACKENDS = {
        "zalo": {"BACKEND": "notifications.backends.zalo.ZnsBackend",
                 "OPTIONS": {"url": gateway.url, "access_token": "T", "webhook_secret": "z"}},
    }  # fmt: skip
    settings.NOTIFICATION_ZNS_TEMPLATES = {"bhyt_renewal": "358112"}
    gateway.answer(Answer(200, {"error": 0, "message": "Success", "data": {"msg_id": "zmsg-7"}}))
    message = request_message(
        template_code="bhyt_renewal", channel="zalo", recipient="0912345678", commune=units.tan_dong,
        context={"name": "Nguyễn Thị Lan", "date": date(2026, 8, 15), "commune": "Xã Tân Đông"}, not_before=MORNING,
    )  # fmt: skip
    assert send_message(message.pk, now=MORNING) == "sent"
    assert gateway.received[0].json["template_id"] == "358112"
    response = client.post(
        reverse("notifications:delivery_report", kwargs={"channel": "zalo"}),
        {"event_name": "user_received_message", "message": {"msg_id": "zmsg-7", "delivery_time": "1"}},
        content_type="application/json", headers={"X-Webhook-Secret": "z"},
    )  # fmt: skip
    assert response.json() == {"recorded": 1, "unknown": 0}
    message.refresh_from_db()
    assert message.status == "delivered"


# --- email, console, file, the registry ----------------------------------------------------------------


def test_email_goes_through_djangos_email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = EmailBackend(channel="email", from_email="ubnd@tandong.gov.vn").send(
        outgoing(channel="email", recipient="chair@tandong.gov.vn", subject="Danh sách chi trả", text="Nội dung")
    )
    assert result.outcome == "accepted"
    [sent] = mail.outbox
    assert (sent.subject, sent.body, sent.to, sent.from_email) == (
        "Danh sách chi trả", "Nội dung", ["chair@tandong.gov.vn"], "ubnd@tandong.gov.vn",
    )  # fmt: skip
    assert sent.extra_headers["Message-ID"].strip("<>") == result.gateway_message_id


class RefusingMailBackend:
    error: Exception

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise type(self).error


@pytest.mark.parametrize(
    ("error", "outcome", "reason"),
    [
        (smtplib.SMTPRecipientsRefused({"x@y.vn": (550, b"no such user")}), "permanent",
         "address refused: {'x@y.vn': (550, b'no such user')}"),
        (smtplib.SMTPDataError(451, b"try later"), "temporary", "SMTP 451: b'try later'"),
        (smtplib.SMTPDataError(554, b"rejected"), "permanent", "SMTP 554: b'rejected'"),
        (ConnectionRefusedError(111, "Connection refused"), "temporary",
         "mail server: ConnectionRefusedError(111, 'Connection refused')"),
    ],
)  # fmt: skip
def test_email_failures_are_temporary_or_permanent(error, outcome, reason):
    RefusingMailBackend.error = error
    backend = EmailBackend(channel="email", email_backend="tests.notifications.test_backends.RefusingMailBackend")
    result = backend.send(outgoing(channel="email", recipient="x@y.vn", subject="S"))
    assert (result.outcome, result.reason) == (outcome, reason)


def test_console_prints_and_file_writes_json_lines(tmp_path):
    stream = io.StringIO()
    result = ConsoleBackend(channel="sms", stream=stream).send(outgoing())
    assert (result.outcome, result.gateway_message_id, result.delivered) == ("accepted", "console-41", True)
    assert stream.getvalue() == f"[sms #41] to +84912345678\n{TEXT}\n{'-' * 79}\n"
    for message_id in (41, 42):
        result = FileBackend(channel="sms", directory=str(tmp_path)).send(outgoing(id=message_id))
    assert (result.gateway_message_id, result.delivered) == ("file-42", True)
    [path] = tmp_path.glob("sms-*.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(line["id"], line["recipient"], line["text"], line["template"]) for line in lines] == [
        (41, "+84912345678", TEXT, "bhyt_renewal"), (42, "+84912345678", TEXT, "bhyt_renewal"),
    ]  # fmt: skip


def test_backends_are_chosen_by_settings(settings, tmp_path):
    settings.NOTIFICATION_BACKENDS = {
        "sms": "notifications.backends.console.ConsoleBackend",
        "email": {"BACKEND": "notifications.backends.file.FileBackend", "OPTIONS": {"directory": str(tmp_path)}},
    }
    assert type(get_backend("sms")) is ConsoleBackend
    backend = get_backend("email")
    assert (type(backend), backend.options, backend.channel) == (FileBackend, {"directory": str(tmp_path)}, "email")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        get_backend("zalo")
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend(channel="sms")
