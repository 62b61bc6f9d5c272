"""Health-insurance renewal reminders (notifications/reminders.py), the job called directly: who is in
the window and who is not, the text, once per card and end date whatever runs twice, pauses, the
results (delivered, failed, renewed within 30 days), coverage; and the issue's "done when": a day's
reminders of the demo communes through the HTTP SMS gateway on a local server, with delivery
reports, and a second run that sends nothing."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from beneficiaries import renewals
from beneficiaries.models import HealthInsuranceCard
from households.models import Membership, Person
from notifications import reminders
from notifications.models import Message, MessageEvent
from notifications.services import opt_out, record_delivery_report, send_message
from notifications.tasks import send_health_insurance_reminders_task
from tests.households.factories import make_household
from tests.notifications.gateway_server import Answer

TODAY = date(2026, 3, 2)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def card(person, valid_to: date, *, number: str | None = None, days: int = 365) -> HealthInsuranceCard:
    return HealthInsuranceCard.objects.create(
        person=person,
        number=number or f"GD47{person.pk:011d}",
        group="GD",
        valid_from=valid_to - timedelta(days=days - 1),
        valid_to=valid_to,
    )


def phone(person, number: str) -> Person:
    Person.objects.filter(pk=person.pk).update(phone=number)
    person.refresh_from_db()
    return person


@pytest.fixture
def family(units, templates):
    """Tân Đông, household TD-R1: An (head, with a phone), Bình (spouse, no phone), Cường (a child).
    Household TD-R2: nobody has a phone. Bình Minh, household BM-R1: Tư with a phone."""
    first = make_household(units.tan_dong, units.tan_dong_village, code="TD-R1", members=(
        ("Nguyễn Văn An", "M", date(1970, 1, 1), "head"), ("Trần Thị Bình", "F", date(1972, 3, 4), "spouse"),
        ("Nguyễn Văn Cường", "M", date(2015, 6, 1), "child"),
    ))  # fmt: skip
    second = make_household(units.tan_dong, units.tan_dong_village, code="TD-R2", members=(
        ("Lê Văn Sáu", "M", date(1960, 5, 5), "head"),
    ))  # fmt: skip
    third = make_household(units.binh_minh, units.binh_minh_village, code="BM-R1", members=(
        ("Phạm Thị Tư", "F", date(1955, 8, 8), "head"),
    ))  # fmt: skip
    people = {m.person.full_name.split()[-1]: m.person for m in Membership.objects.select_related("person")}
    phone(people["An"], "+84912000001")
    phone(people["Tư"], "+84912000009")
    return {"households": (first, second, third), **people}


def in_window(**kwargs) -> list[tuple[str, date, str, str]]:
    return [
        (r.full_name, r.valid_to, r.recipient, r.recipient_name)
        for r in reminders.reminders_in_window(today=TODAY, **kwargs)
    ]


def messages() -> list[tuple]:
    return list(
        Message.objects.order_by("pk").values_list("person__full_name", "recipient", "dedup_key", "status", "text")
    )


# --- who is in the window ---------------------------------------------------------------------------


def test_day_30_is_in_and_day_31_out(family):
    card(family["An"], TODAY + timedelta(days=30))
    card(family["Tư"], TODAY + timedelta(days=31))

    assert in_window(communes=None) == [("Nguyễn Văn An", date(2026, 4, 1), "+84912000001", "Nguyễn Văn An")]


def test_a_card_ending_today_is_in_and_one_ended_yesterday_out(family):
    card(family["An"], TODAY)
    card(family["Tư"], TODAY - timedelta(days=1))

    assert [name for name, *_rest in in_window(communes=None)] == ["Nguyễn Văn An"]


def test_a_renewed_card_is_out(family):
    card(family["An"], TODAY + timedelta(days=10))
    card(family["An"], TODAY + timedelta(days=375), number="GD4720000000077")

    assert in_window(communes=None) == []


def test_a_dead_person_is_out(family):
    card(family["An"], TODAY + timedelta(days=10))
    Person.objects.filter(pk=family["An"].pk).update(date_of_death=TODAY - timedelta(days=3))

    assert in_window(communes=None) == []


def test_a_person_who_left_every_household_is_out(family):
    card(family["Tư"], TODAY + timedelta(days=10))
    Membership.objects.filter(person=family["Tư"]).update(left_on=TODAY - timedelta(days=1))

    assert in_window(communes=None) == []


def test_no_phone_of_their_own_nor_an_adults_in_the_household_is_out(family):
    card(family["Sáu"], TODAY + timedelta(days=10))

    assert in_window(communes=None) == []


def test_who_needs_a_reminder_and_when_is_the_allowances_apps_selection_and_the_list_sends_exactly_it(family):
    """The rule lives in beneficiaries/renewals.py; notifications adds only its own facts (asked,
    paused). Days: the reminder goes NOTIFICATION_REMINDER_DAYS (30) before the card ends."""
    card(family["Cường"], TODAY + timedelta(days=5))
    card(family["Tư"], TODAY + timedelta(days=33))  # in the window only with the 7 days ahead
    card(family["Sáu"], TODAY + timedelta(days=10))  # nobody with a phone: not in the selection

    due = renewals.renewals_due(communes=None, today=TODAY, upcoming=reminders.UPCOMING_DAYS)

    assert [(r.full_name, r.valid_to, r.recipient, r.recipient_name, renewals.reminder_goes_on(r.valid_to))
            for r in due] == [
        ("Nguyễn Văn Cường", date(2026, 3, 7), "+84912000001", "Nguyễn Văn An", date(2026, 2, 5)),
        ("Phạm Thị Tư", date(2026, 4, 4), "+84912000009", "Phạm Thị Tư", date(2026, 3, 5)),
    ]  # fmt: skip
    assert renewals.renewals_due(communes=["25480"], today=TODAY) == []  # Tư's goes in 3 days, not yet
    listed = reminders.reminders_in_window(communes=None, today=TODAY, upcoming=reminders.UPCOMING_DAYS)
    assert [(r.card_id, r.goes_on, r.is_due, r.is_upcoming) for r in listed] == [
        (due[0].card_id, date(2026, 2, 5), True, False),
        (due[1].card_id, date(2026, 3, 5), False, True),
    ]


def test_a_child_and_a_spouse_without_a_phone_are_reminded_at_the_heads_phone(family):
    card(family["Cường"], TODAY + timedelta(days=5))
    card(family["Bình"], TODAY + timedelta(days=6))

    assert in_window(communes=None) == [
        ("Nguyễn Văn Cường", date(2026, 3, 7), "+84912000001", "Nguyễn Văn An"),
        ("Trần Thị Bình", date(2026, 3, 8), "+84912000001", "Nguyễn Văn An"),
    ]


def test_a_minors_phone_is_not_the_households_contact(family):
    Person.objects.filter(pk=family["An"].pk).update(phone="")
    phone(family["Cường"], "+84912000003")  # aged 10
    card(family["Bình"], TODAY + timedelta(days=6))

    assert in_window(communes=None) == []


def test_communes_narrow_the_window(family):
    card(family["An"], TODAY + timedelta(days=3))
    card(family["Tư"], TODAY + timedelta(days=4))

    assert [name for name, *_rest in in_window(communes=["25480"])] == ["Phạm Thị Tư"]
    assert in_window(communes=[]) == []


def test_the_window_follows_the_setting(family, settings):
    settings.NOTIFICATION_REMINDER_DAYS = 10
    card(family["An"], TODAY + timedelta(days=10))
    card(family["Tư"], TODAY + timedelta(days=11))

    assert [name for name, *_rest in in_window(communes=None)] == ["Nguyễn Văn An"]
    assert [name for name, *_rest in in_window(communes=None, upcoming=1)] == ["Nguyễn Văn An", "Phạm Thị Tư"]


# --- sending: the text, once, pauses ---------------------------------------------------------------


def test_the_reminder_names_the_holder_and_the_date_in_vietnamese(family):
    held = card(family["Cường"], TODAY + timedelta(days=30))

    report = reminders.send_reminders(today=TODAY)

    assert report.as_dict() == {"in_window": 1, "asked": 1, "already": 0, "paused": 0}
    assert messages() == [(
        "Nguyễn Văn Cường", "+84912000001", f"bhyt:{held.pk}:20260401", "queued",
        "Thẻ BHYT của Nguyễn Văn Cường hết hạn ngày 01/04/2026. Mời đến UBND Xã Tân Đông để gia hạn thẻ.",
    )]  # fmt: skip
    message = Message.objects.get()
    assert (message.channel, message.recipient_name, message.household.code, message.commune_id, message.parts) == (
        "sms", "Nguyễn Văn An", "TD-R1", "25522", 2,
    )  # fmt: skip
    assert (message.template.code, message.language, message.created_by) == ("bhyt_renewal", "vi", None)


def test_the_job_run_twice_writes_and_sends_each_reminder_once(family, broker, django_capture_on_commit_callbacks):
    card(family["An"], TODAY + timedelta(days=2))
    card(family["Cường"], TODAY + timedelta(days=9))
    card(family["Tư"], TODAY + timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        first = reminders.send_reminders(today=TODAY)
    after_first = (messages(), list(MessageEvent.objects.values_list("message_id", "kind")))
    with django_capture_on_commit_callbacks(execute=True):
        second = reminders.send_reminders(today=TODAY)

    assert (first.asked, second.asked, second.already) == (3, 0, 3)
    assert (messages(), list(MessageEvent.objects.values_list("message_id", "kind"))) == after_first
    assert len(after_first[0]) == 3
    # One send task per message, from the first run only.
    assert sorted(call.kwargs["args"][0] for call in broker.call_args_list) == sorted(
        Message.objects.values_list("pk", flat=True)
    )


def test_a_run_that_read_the_list_before_another_run_wrote_sends_nothing_more(family):
    card(family["An"], TODAY + timedelta(days=2))
    stale = reminders.reminders_in_window(communes=None, today=TODAY)
    reminders.send_reminders(today=TODAY)

    with mock.patch("notifications.reminders.reminders_in_window", return_value=stale):
        late = reminders.send_reminders(today=TODAY)

    assert (late.asked, Message.objects.count()) == (0, 1)


def test_a_new_end_date_is_a_new_reminder(family):
    held = card(family["An"], TODAY + timedelta(days=20))
    reminders.send_reminders(today=TODAY)
    HealthInsuranceCard.objects.filter(pk=held.pk).update(valid_to=TODAY + timedelta(days=25))

    assert reminders.send_reminders(today=TODAY).asked == 1
    assert sorted(Message.objects.values_list("dedup_key", flat=True)) == [
        f"bhyt:{held.pk}:20260322",
        f"bhyt:{held.pk}:20260327",
    ]


def test_an_opted_out_person_or_phone_gets_nothing(family, units):
    card(family["An"], TODAY + timedelta(days=2))
    card(family["Bình"], TODAY + timedelta(days=3))
    card(family["Tư"], TODAY + timedelta(days=4))
    opt_out(commune=units.tan_dong, person=family["Bình"], channel="sms")
    opt_out(commune=units.binh_minh, phone="0912000009")  # every channel

    report = reminders.send_reminders(today=TODAY)

    assert report.as_dict() == {"in_window": 3, "asked": 1, "already": 0, "paused": 2}
    assert [name for name, *_rest in messages()] == ["Nguyễn Văn An"]
    blocked = {r.full_name: (r.paused, r.phone_opted_out) for r in reminders.reminders_in_window(
        communes=None, today=TODAY) if r.is_blocked}  # fmt: skip
    assert blocked == {"Trần Thị Bình": (True, False), "Phạm Thị Tư": (False, True)}


def test_an_opt_out_of_email_only_does_not_stop_the_sms(family, units):
    card(family["An"], TODAY + timedelta(days=2))
    opt_out(commune=units.tan_dong, person=family["An"], channel="email")

    assert reminders.send_reminders(today=TODAY).asked == 1


def test_upcoming_reminders_are_listed_but_not_sent(family):
    card(family["An"], TODAY + timedelta(days=30))
    card(family["Tư"], TODAY + timedelta(days=33))

    listed = reminders.reminders_in_window(communes=None, today=TODAY, upcoming=reminders.UPCOMING_DAYS)
    assert [(r.full_name, r.goes_on, r.is_due, r.is_upcoming) for r in listed] == [
        ("Nguyễn Văn An", TODAY, True, False),
        ("Phạm Thị Tư", date(2026, 3, 5), False, True),
    ]
    assert reminders.send_reminders(today=TODAY).asked == 1


def test_an_officer_sends_for_their_commune_only(family, users):
    card(family["An"], TODAY + timedelta(days=2))
    card(family["Tư"], TODAY + timedelta(days=2))

    report = reminders.send_reminders(communes=["25522"], today=TODAY, acting_user=users["tandong_officer"])

    assert report.asked == 1
    assert list(Message.objects.values_list("commune_id", "created_by__username")) == [("25522", "tandong.officer")]
    with pytest.raises(PermissionDenied):
        reminders.send_reminders(communes=["25480"], today=TODAY, acting_user=users["tandong_officer"])
    with pytest.raises(PermissionDenied):
        reminders.send_reminders(communes=["25522"], today=TODAY, acting_user=users["tayninh_province"])
    assert Message.objects.count() == 1


def test_the_task_runs_the_job_for_every_commune_or_one(family, users):
    card(family["An"], TODAY + timedelta(days=2))
    card(family["Tư"], TODAY + timedelta(days=2))
    with mock.patch("notifications.reminders.timezone.localdate", return_value=TODAY):
        assert send_health_insurance_reminders_task.run(commune="25480", user_id=users["binhminh_officer"].pk) == {
            "in_window": 1, "asked": 1, "already": 0, "paused": 0,
        }  # fmt: skip
        assert send_health_insurance_reminders_task.run() == {"in_window": 2, "asked": 1, "already": 1, "paused": 0}
        assert send_health_insurance_reminders_task.run()["asked"] == 0


# --- results ---------------------------------------------------------------------------------------


def test_results_count_sent_delivered_failed_and_renewed_within_30_days(family, units):
    """Four reminders asked in February 2026: An renews on the 30th day after the end (counted), Bình
    on the 31st (not), Cường before the end (counted), Tư (Bình Minh) not at all."""
    ends = {"An": date(2026, 3, 10), "Bình": date(2026, 3, 11), "Cường": date(2026, 3, 12)}
    for name, end in ends.items():
        card(family[name], end)
    reminders.send_reminders(today=date(2026, 2, 10))
    sent = dict(Message.objects.values_list("person__full_name", "pk"))
    Message.objects.update(created_at=datetime(2026, 2, 10, 8, 0, tzinfo=VN))
    Message.objects.filter(pk=sent["Nguyễn Văn An"]).update(status="delivered", sent_at=timezone.now())
    Message.objects.filter(pk=sent["Trần Thị Bình"]).update(status="sent", sent_at=timezone.now())
    Message.objects.filter(pk=sent["Nguyễn Văn Cường"]).update(status="failed", failure_reason="Thuê bao …")
    for name, starts in (("An", ends["An"] + timedelta(days=30)), ("Bình", ends["Bình"] + timedelta(days=31)),
                         ("Cường", ends["Cường"] - timedelta(days=3))):  # fmt: skip
        card(family[name], starts + timedelta(days=364), number=f"HS47{family[name].pk:011d}")
    # A card that ends earlier than the reminded one is no renewal.
    card(family["An"], date(2026, 1, 31), number="GD4799999999999", days=30)

    rows = reminders.results_by_month("25522", months=3, today=date(2026, 3, 15))

    assert [(r.month, r.reminders, r.sent, r.delivered, r.failed, r.renewed) for r in rows] == [
        (date(2026, 3, 1), 0, 0, 0, 0, 0),
        (date(2026, 2, 1), 3, 2, 1, 1, 2),
        (date(2026, 1, 1), 0, 0, 0, 0, 0),
    ]
    assert (rows[1].renewed_share, rows[1].delivered_share, rows[0].renewed_share) == (66.7, 33.3, None)
    total = reminders.results_total(rows)
    assert (total.reminders, total.renewed) == (3, 2)
    assert reminders.results_by_month("25480", months=1, today=date(2026, 2, 20))[0].reminders == 0


# --- coverage ---------------------------------------------------------------------------------------


def test_coverage_counts_living_members_with_a_card_on_the_last_day_of_the_month(family):
    """An: a card 01/12/2025–31/01/2026. Bình: to 30/01 (not on January's last day), then from 01/02.
    Cường: none. Sáu: a card to 31/05/2026, died 15/01 (not a member from then). Tư is of Bình Minh."""
    card(family["An"], date(2026, 1, 31), days=62)
    card(family["Bình"], date(2026, 1, 30))
    card(family["Bình"], date(2027, 1, 31), number="GD4700000000002")
    card(family["Sáu"], date(2026, 5, 31))
    Person.objects.filter(pk=family["Sáu"].pk).update(date_of_death=date(2026, 1, 15))
    card(family["Tư"], date(2026, 12, 31))

    assert [(c.month, c.members, c.covered, c.share) for c in reminders.coverage("25522", [
        date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1),
    ])] == [
        (date(2025, 12, 1), 4, 3, 75.0),
        (date(2026, 1, 1), 3, 1, 33.3),
        (date(2026, 2, 1), 3, 1, 33.3),
    ]  # fmt: skip


# --- done when: the demo communes through the HTTP gateway ------------------------------------------


@pytest.fixture
def demo_with_gateway(db, gateway, settings, broker, on_demo_day):
    from demo.accounts import load_demo
    from demo.notifications import load_notifications_demo

    load_demo()
    load_notifications_demo()
    settings.NOTIFICATION_BACKENDS = {
        "sms": {"BACKEND": "notifications.backends.http_sms.HttpSmsBackend",
                "OPTIONS": {"url": gateway.url, "api_key": "KEY-80", "brand_name": "UBND-TANDONG", "timeout": 5,
                            "webhook_secret": "dr-secret-80"}},
    }  # fmt: skip
    settings.NOTIFICATION_RATE_LIMITS = {}
    settings.NOTIFICATION_QUIET_CHANNELS = []  # the test may run at night; the job's time is beat's
    gateway.default = None  # every answer scripted below
    return gateway


def test_a_days_reminders_of_the_demo_communes_go_out_once_with_delivery_reports(
    demo_with_gateway, client, broker, django_capture_on_commit_callbacks
):
    gateway = demo_with_gateway
    # The demo's job ran every day up to yesterday. Its household cards end between the 3rd and the
    # 27th of a month: the day taken is the first from today whose reminders include Tân Đông's
    # (cards ending 30 days later on a 5th to 25th; Bình Minh has some every day).
    today = timezone.localdate()
    day = next(today + timedelta(days=n) for n in range(10) if 5 <= (today + timedelta(days=n + 30)).day <= 25)
    due = [r for r in reminders.reminders_in_window(communes=None, today=day) if r.is_due]
    assert {r.commune_id for r in due} == {"25522", "25480"}
    before = Message.objects.count()

    # The daily job: the reminders are written and one send task each is put on the broker.
    with (
        mock.patch("notifications.reminders.timezone.localdate", return_value=day),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = send_health_insurance_reminders_task.run()
    assert report["asked"] == len(due) > 20
    queued = [call.kwargs["args"][0] for call in broker.call_args_list]
    assert sorted(queued) == sorted(Message.objects.filter(status="queued").values_list("pk", flat=True))
    assert len(queued) == len(due) == Message.objects.count() - before

    # The workers run the tasks: the gateway takes each message once.
    gateway.answer(*[Answer(200, {"code": "100", "message_id": f"GW-{n}"}) for n in range(len(queued))])
    assert {send_message(pk) for pk in queued} == {"sent"}
    assert len(gateway.received) == len(queued)
    assert sorted(int(request.json["request_id"]) for request in gateway.received) == sorted(queued)
    assert all(request.headers["authorization"] == "Bearer KEY-80" for request in gateway.received)
    first = gateway.received[0].json
    message = Message.objects.get(pk=int(first["request_id"]))
    assert first["message"] == message.text and message.text.startswith("Thẻ BHYT của ")
    assert first["phone"] == message.recipient.lstrip("+") and first["unicode"] == "1"

    # The gateway reports every delivery but one to the webhook.
    reports = [{"message_id": f"GW-{n}", "status": "DELIVRD"} for n in range(len(queued))]
    reports[0] = {"message_id": "GW-0", "status": "UNDELIV", "error": "Thuê bao không liên lạc được"}
    response = client.post(
        reverse("notifications:delivery_report", kwargs={"channel": "sms"}),
        {"reports": reports},
        content_type="application/json",
        headers={"X-Webhook-Secret": "dr-secret-80"},
    )
    assert response.json() == {"recorded": len(queued), "unknown": 0}
    todays = Message.objects.filter(pk__in=queued)
    assert sorted(todays.values_list("status", flat=True)) == ["delivered"] * (len(queued) - 1) + ["failed"]
    assert todays.get(gateway_message_id="GW-0").failure_reason == "Thuê bao không liên lạc được"

    # A second run the same day (beat twice, a redelivered task, "send now") sends nothing.
    broker.reset_mock()
    with (
        mock.patch("notifications.reminders.timezone.localdate", return_value=day),
        django_capture_on_commit_callbacks(execute=True),
    ):
        again = send_health_insurance_reminders_task.run()
    assert (again["asked"], again["already"]) == (0, report["already"] + report["asked"])
    assert broker.call_count == 0
    assert {send_message(pk) for pk in queued} == {"not_queued"}
    assert len(gateway.received) == len(queued)
    assert Message.objects.count() == before + len(queued)
    # A repeated report changes nothing either.
    assert record_delivery_report(channel="sms", gateway_message_id="GW-1", delivered=False).status == "delivered"


def test_a_reminder_is_on_the_households_timeline(family):
    from core.timeline import timeline_for_household

    card(family["Cường"], TODAY + timedelta(days=30))
    reminders.send_reminders(today=TODAY)

    [entry] = [e for e in timeline_for_household(family["households"][0].pk) if e.source == "Messages"]
    assert entry.title == "SMS “bhyt_renewal” to Nguyễn Văn An: Queued"  # (English: the code)
    assert entry.detail.startswith("Thẻ BHYT của Nguyễn Văn Cường hết hạn ngày 01/04/2026.")
