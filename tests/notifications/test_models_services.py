"""Messages as records: SMS part counting, unaccenting, rendering in both languages, asking for a
message (dedup, opt-out, scope), cancelling, and who may see which messages."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.timeline import timeline_for_household
from notifications import rendering, services
from notifications.models import Message, MessageEvent, MessageTemplate, OptOut
from notifications.rendering import sms_parts, unaccent_text
from notifications.selectors import messages_for_user
from notifications.services import MessageRequest, request_message, request_messages
from tests.households.factories import make_household
from tests.notifications.conftest import local

PHONE = "+84912345678"


@pytest.fixture
def household(units, templates):
    found = make_household(units.tan_dong, units.tan_dong_village, code="TD-0001", members=(
        ("Nguyễn Thị Lan", "F", date(1950, 2, 3), "head"),
    ))  # fmt: skip
    found.head.phone = PHONE
    found.head.save(update_fields=["phone"])
    return found


def bhyt(found, /, **overrides):
    """request_message's arguments for a renewal reminder to the head of ``found``."""
    values = {
        "template_code": "bhyt_renewal",
        "context": {"name": "Nguyễn Thị Lan", "date": date(2026, 8, 15), "commune": "Xã Tân Đông"},
        "recipient": found.head.phone,
        "channel": "sms",
        "commune": found.commune,
        "household": found,
        "person": found.head,
        "dedup_key": f"bhyt_renewal:card1:{date(2026, 8, 15)}",
    }
    return {**values, **overrides}


# --- SMS parts and unaccenting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters take two septets: 160
        ("€" * 81, 2),
        ("àéèùìò" * 26, 1),  # these accented letters are in the GSM-7 alphabet (156 septets)
        ("ẻ" * 70, 1),  # Vietnamese diacritics: UCS-2
        ("ẻ" * 71, 2),
        ("ẻ" * 134, 2),
        ("ẻ" * 135, 3),
        ("a" * 69 + "đ", 1),
        ("a" * 70 + "đ", 2),  # one "đ" turns 71 plain letters into two UCS-2 parts
    ],
)
def test_sms_parts_gsm7_160_153_and_ucs2_70_67(text, parts):
    assert sms_parts(text) == parts


def test_the_renewal_reminder_takes_two_parts_with_diacritics_and_one_without():
    text = "Thẻ BHYT của Nguyễn Thị Lan hết hạn ngày 15/08/2026. Mời đến UBND Xã Tân Đông để gia hạn thẻ."
    assert len(text) == 93
    assert sms_parts(text) == 2
    assert unaccent_text(text) == (
        "The BHYT cua Nguyen Thi Lan het han ngay 15/08/2026. Moi den UBND Xa Tan Dong de gia han the."
    )
    assert sms_parts(unaccent_text(text)) == 1


def test_unaccent_keeps_case_and_spacing_and_plain_typography():
    assert unaccent_text("Thẻ BHYT") == "The BHYT"
    assert unaccent_text("ĐẶNG THỊ HỒNG  đã  nhận") == "DANG THI HONG  da  nhan"
    assert unaccent_text("“Hộ nghèo” – 2025…") == '"Ho ngheo" - 2025...'


# --- rendering -------------------------------------------------------------------------------------


def test_renewal_template_renders_in_vietnamese_and_english(templates):
    template = MessageTemplate.objects.get(code="bhyt_renewal")
    context = {"name": "Nguyễn Thị Lan", "date": date(2026, 8, 15), "commune": "Xã Tân Đông"}
    subject, text, formatted = rendering.render(template, context, "vi")
    assert text == "Thẻ BHYT của Nguyễn Thị Lan hết hạn ngày 15/08/2026. Mời đến UBND Xã Tân Đông để gia hạn thẻ."
    assert subject == "Nhắc gia hạn thẻ BHYT"
    assert formatted == {"name": "Nguyễn Thị Lan", "date": "15/08/2026", "commune": "Xã Tân Đông"}
    _subject, text, _formatted = rendering.render(template, context, "en")
    assert text == (
        "The health-insurance card of Nguyễn Thị Lan expires on 15/08/2026. Please renew it at the Xã Tân Đông "
        "People's Committee."
    )


def test_amounts_and_months_are_formatted_per_language(templates):
    template = MessageTemplate.objects.get(code="amount_paid")
    context = {"name": "Trần Văn Bình", "month": date(2025, 11, 1), "amount": 1_500_000, "commune": "Xã Tân Đông"}
    assert rendering.render(template, context, "vi")[1] == (
        "UBND Xã Tân Đông: trợ cấp tháng 11/2025 của Trần Văn Bình đã được chi trả 1.500.000 đồng."
    )
    assert rendering.render(template, context, "en")[1] == (
        "Xã Tân Đông People's Committee: the allowance of Trần Văn Bình for 11/2025 has been paid, 1,500,000 đồng."
    )


def test_a_missing_placeholder_is_refused_and_nothing_is_written(household):
    with pytest.raises(ValidationError) as refused:
        request_message(**bhyt(household, context={"name": "Nguyễn Thị Lan"}))
    assert refused.value.message_dict == {"context": ["The template bhyt_renewal needs commune, date."]}
    assert not Message.objects.exists()


def test_an_administrator_cannot_save_a_template_with_an_unknown_placeholder(templates):
    template = MessageTemplate.objects.get(code="bhyt_renewal")
    template.body_vi = "Thẻ BHYT của {name} hết hạn ngày {expiry}."
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert refused.value.message_dict == {
        "body_vi": ["uses unknown placeholders: expiry (allowed: commune, date, name)"]
    }
    template.body_vi = "Thẻ BHYT của {name hết hạn"
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert list(refused.value.message_dict) == ["body_vi"]


# --- asking for a message ---------------------------------------------------------------------------


def test_request_message_writes_a_queued_row_and_enqueues_after_commit(
    household, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = request_message(**bhyt(household))
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.recipient == PHONE
    assert message.commune_id == "25522"
    assert message.household == household and message.person == household.head
    assert message.text.startswith("Thẻ BHYT của Nguyễn Thị Lan hết hạn ngày 15/08/2026.")
    assert message.context == {"name": "Nguyễn Thị Lan", "date": "15/08/2026", "commune": "Xã Tân Đông"}
    assert message.parts == 2
    assert message.attempts == 0
    assert message.enqueued_at is not None
    assert list(message.events.values_list("kind", flat=True)) == [MessageEvent.Kind.QUEUED]
    assert [call.kwargs for call in broker.call_args_list] == [{"args": [message.pk], "countdown": None}]


def test_nothing_is_enqueued_before_the_transaction_commits(household, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_message(**bhyt(household))
    assert broker.call_count == 0
    assert len(callbacks) == 1


def test_a_message_for_later_waits_for_the_sweeper_not_in_the_broker(
    household, broker, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        message = request_message(**bhyt(household, not_before=later))
    message.refresh_from_db()
    assert message.next_attempt_at == later
    assert message.enqueued_at is None
    assert broker.call_count == 0
    assert services.dispatch_due(now=later - timedelta(seconds=1)) == {"dispatched": 0, "interrupted": 0}
    assert services.dispatch_due(now=later) == {"dispatched": 1, "interrupted": 0}
    assert [call.kwargs for call in broker.call_args_list] == [{"args": [message.pk]}]


def test_the_same_dedup_key_twice_gives_one_row(household):
    first = request_message(**bhyt(household))
    second = request_message(**bhyt(household, context={"name": "X", "date": "1/1/2027", "commune": "Y"}))
    assert first is not None and second is None
    assert Message.objects.count() == 1
    assert MessageEvent.objects.count() == 1


def test_duplicates_within_one_batch_and_messages_without_a_key(household):
    asked = [
        MessageRequest(**bhyt(household, dedup_key="k1")),
        MessageRequest(**bhyt(household, dedup_key="k1")),
        MessageRequest(**bhyt(household, dedup_key=None)),
        MessageRequest(**bhyt(household, dedup_key=None)),
        MessageRequest(**bhyt(household, dedup_key="k2")),
    ]
    created = request_messages(asked)
    assert [message.dedup_key for message in created] == ["k1", None, None, "k2"]
    assert sorted(Message.objects.values_list("pk", flat=True)) == sorted(message.pk for message in created)
    assert request_messages(asked[:2] + asked[4:]) == []
    assert Message.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_with_the_same_key_write_one_row(units, templates):
    """The second INSERT waits on the first transaction's key, then skips the row (ON CONFLICT DO
    NOTHING): the reminder exists once even when two daily jobs overlap."""
    found = make_household(units.tan_dong, units.tan_dong_village, code="TD-0002")
    found.head.phone = PHONE
    found.head.save(update_fields=["phone"])
    first_inserted, results = threading.Event(), {}

    def first_job():
        try:
            with transaction.atomic():
                results["first"] = request_message(**bhyt(found))
                first_inserted.set()
                threading.Event().wait(0.5)  # hold the transaction open while the second job inserts
        finally:
            first_inserted.set()
            connection.close()

    def second_job():
        try:
            first_inserted.wait(5)
            results["second"] = request_message(**bhyt(found))
        finally:
            connection.close()

    threads = [threading.Thread(target=first_job), threading.Thread(target=second_job)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results["first"] is not None
    assert results["second"] is None
    assert Message.objects.count() == 1


def test_an_opted_out_person_gets_no_row(household, users):
    record = services.opt_out(
        commune=household.commune, person=household.head, channel="sms", reason="Không muốn nhận tin",
        acting_user=users["tandong_officer"],
    )  # fmt: skip
    assert request_message(**bhyt(household)) is None
    assert not Message.objects.exists()
    # Another channel is not covered by an SMS opt-out.
    assert request_message(**bhyt(household, channel="zalo", dedup_key="zalo-1")) is not None
    services.opt_in(opt_out_record=record, acting_user=users["tandong_officer"], reason="Đồng ý lại")
    record.refresh_from_db()
    assert record.revoked_at is not None and record.revoked_by == users["tandong_officer"]
    assert request_message(**bhyt(household)) is not None


def test_a_phone_opt_out_on_every_channel_covers_anyone_with_that_phone(household):
    services.opt_out(commune=household.commune, phone="0912 345 678", reason="STOP")
    assert OptOut.objects.get().phone == PHONE
    assert request_message(**bhyt(household, person=None)) is None
    assert request_message(**bhyt(household, channel="zalo", person=None)) is None
    assert not Message.objects.exists()


def test_opting_out_cancels_what_is_still_queued_and_twice_is_once(household):
    message = request_message(**bhyt(household))
    first = services.opt_out(commune=household.commune, person=household.head)
    second = services.opt_out(commune=household.commune, person=household.head)
    assert first.pk == second.pk
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED
    assert message.failure_reason == "opted out"


def test_a_disabled_template_sends_nothing(household):
    MessageTemplate.objects.filter(code="bhyt_renewal").update(enabled=False)
    assert request_message(**bhyt(household)) is None
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"recipient": "12345"}, "recipient"),
        ({"channel": "fax"}, "channel"),
        ({"language": "fr"}, "language"),
        ({"template_code": "nope"}, "template_code"),
        ({"channel": "email", "recipient": "not-an-address"}, "recipient"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(household, overrides, field):
    with pytest.raises(ValidationError) as refused:
        request_message(**bhyt(household, **overrides))
    assert list(refused.value.message_dict) == [field]
    assert not Message.objects.exists()


@pytest.mark.parametrize("role", ["binhminh_officer", "tayninh_province", "hcm_province"])
def test_staff_cannot_send_for_a_commune_they_may_not_change(household, users, role):
    with pytest.raises(PermissionDenied):
        request_message(**bhyt(household, acting_user=users[role]))
    assert not Message.objects.exists()


def test_the_officer_asks_and_is_recorded(household, users):
    message = request_message(**bhyt(household, acting_user=users["tandong_officer"]))
    assert message.created_by == users["tandong_officer"]
    assert message.events.get().actor == users["tandong_officer"]


def test_cancel_a_queued_message_but_not_a_sent_one(household, users):
    message = request_message(**bhyt(household))
    services.cancel_message(message=message, acting_user=users["tandong_officer"], reason="Đã gọi điện")
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED
    assert message.events.filter(kind="cancelled").get().reason == "Đã gọi điện"
    with pytest.raises(ValidationError) as refused:
        services.cancel_message(message=message, acting_user=users["tandong_officer"])
    assert list(refused.value.message_dict) == ["status"]
    with pytest.raises(PermissionDenied):
        services.cancel_message(message=message, acting_user=users["binhminh_officer"])


def test_notice_settings_default_and_update(units, users):
    assert services.notice_settings_for(units.tan_dong.pk).amount_paid_notice is False
    services.notice_settings_update(commune=units.tan_dong, acting_user=users["tandong_officer"],
                                    amount_paid_notice=True)  # fmt: skip
    assert services.notice_settings_for(units.tan_dong.pk).amount_paid_notice is True
    with pytest.raises(PermissionDenied):
        services.notice_settings_update(commune=units.tan_dong, acting_user=users["binhminh_officer"],
                                        amount_paid_notice=False)  # fmt: skip
    assert services.notice_settings_for(units.tan_dong.pk).amount_paid_notice is True


# --- scope and timeline ------------------------------------------------------------------------------


def test_messages_of_one_commune_are_never_visible_to_another_communes_user(household, units, users):
    mine = request_message(**bhyt(household))
    theirs = request_message(**bhyt(household, commune=units.binh_minh, household=None, person=None,
                                     dedup_key="binh-minh"))  # fmt: skip
    elsewhere = request_message(**bhyt(household, commune=units.other_commune, household=None, person=None,
                                       dedup_key="hcm"))  # fmt: skip
    visible = {key: set(messages_for_user(user).values_list("pk", flat=True)) for key, user in users.items()}
    assert visible["tandong_officer"] == {mine.pk}
    assert visible["tandong_chair"] == {mine.pk}
    assert visible["binhminh_officer"] == {theirs.pk}
    assert visible["tayninh_province"] == {mine.pk, theirs.pk}
    assert visible["hcm_province"] == {elsewhere.pk}
    assert visible["admin"] == {mine.pk, theirs.pk, elsewhere.pk}


def test_messages_appear_on_the_household_timeline(household, django_assert_num_queries):
    message = request_message(**bhyt(household))
    Message.objects.filter(pk=message.pk).update(status="delivered", sent_at=local(2026, 7, 16, 8, 0))
    cancelled = request_message(**bhyt(household, dedup_key="cancelled"))
    Message.objects.filter(pk=cancelled.pk).update(status="cancelled")
    entries = [entry for entry in timeline_for_household(household.pk) if entry.source == "Messages"]
    assert [(entry.title, entry.occurred_at) for entry in entries] == [
        ("SMS “bhyt_renewal” to +84912345678: Delivered", local(2026, 7, 16, 8, 0))
    ]
    from notifications.selectors import household_message_timeline

    with django_assert_num_queries(1):
        household_message_timeline(household.pk)


def test_the_admin_edits_templates_and_shows_messages_read_only(household, client_for):
    from django.urls import reverse

    message = request_message(**bhyt(household))
    client = client_for("admin", language="en")
    template = MessageTemplate.objects.get(code="bhyt_renewal")
    for url in (
        reverse("admin:notifications_messagetemplate_changelist"),
        reverse("admin:notifications_messagetemplate_change", args=[template.pk]),
        reverse("admin:notifications_message_changelist"),
        reverse("admin:notifications_message_change", args=[message.pk]),
        reverse("admin:notifications_optout_changelist"),
        reverse("admin:notifications_noticesettings_add"),
    ):
        assert client.get(url).status_code == 200, url
    change = reverse("admin:notifications_messagetemplate_change", args=[template.pk])
    form = {"enabled": "on", "name": template.name, "description": "", "subject_vi": "Nhắc gia hạn",
            "subject_en": "Renewal", "body_vi": "Thẻ BHYT của {name} hết hạn {date}.", "body_en": "{name}: {date}.",
            "zns_template_id": ""}  # fmt: skip
    assert client.post(change, {**form, "body_vi": "Thẻ của {ten}"}).status_code == 200  # refused, shown again
    template.refresh_from_db()
    assert template.body_vi.startswith("Thẻ BHYT của {name} hết hạn ngày {date}.")
    assert client.post(change, form).status_code == 302
    template.refresh_from_db()
    assert template.body_vi == "Thẻ BHYT của {name} hết hạn {date}."
    assert template.history.count() == 1
    assert client.get(reverse("admin:notifications_messagetemplate_add")).status_code == 403
