"""Notices follow the other apps' events through their own services: the chair hears of a payment
run or a review awaiting approval, the steering committee of a complaint and of the posting, a
beneficiary of the amount paid (when the commune says so) — each only in their own commune. The
notices are read from the event rows by the every-minute dispatcher (the outbox,
``notifications.dispatch_due``), which the tests run synchronously after the workflow's commit."""

import importlib
from datetime import date, timedelta
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from accounts.models import Role
from beneficiaries.rule_data import load_rules
from disbursements import services as payments
from notifications import notices
from notifications.models import Message, NoticeSettings, NoticeWatermark
from notifications.tasks import dispatch_due_task
from povertyreview import services as reviews
from povertyreview.models import Assessment, Campaign, PovertyStandard, ReviewEvent
from povertyreview.standard_data import STANDARD_2022, load_standards
from tests.disbursements.conftest import Beneficiary, make_cases, prepare_now
from tests.factories import UserFactory
from tests.households.factories import make_household

MONTH = date(2025, 11, 1)


@pytest.fixture
def staff(users, units, templates):
    """Emails for Tân Đông's chair and committee member, and for people who must hear nothing:
    Bình Minh's chair, the province's viewer, Tân Đông's officer. A second chair of Tân Đông has
    no email (skipped: staff have no phone in accounts.User)."""
    emails = {
        "tandong_chair": "chair@tandong.gov.vn",
        "tandong_committee": "committee@tandong.gov.vn",
        "tandong_officer": "officer@tandong.gov.vn",
        "tayninh_province": "so@tayninh.gov.vn",
    }
    for key, email in emails.items():
        users[key].email = email
        users[key].save(update_fields=["email"])
    users["binhminh_chair"] = UserFactory(username="binhminh.chair", role=Role.COMMUNE_CHAIR, email="chair@binhminh.vn",
                                          communes=[units.binh_minh])  # fmt: skip
    users["tandong_chair_2"] = UserFactory(username="tandong.chair2", role=Role.COMMUNE_CHAIR, email="",
                                           communes=[units.tan_dong])  # fmt: skip
    return users


def told() -> list[tuple[str, str, str]]:
    return list(Message.objects.order_by("pk").values_list("template_id__code", "recipient", "commune_id"))


def dispatch() -> dict:
    """What beat does every minute: the dispatcher task, run here in the test's process."""
    return dispatch_due_task()


# --- payment runs ------------------------------------------------------------------------------------


def computed_run(units, staff, django_capture_on_commit_callbacks, people=2):
    load_rules()
    make_cases(units.tan_dong, staff["tandong_officer"], [
        Beneficiary(f"Người Cao Tuổi {index}", date(1950, 3, 10), MONTH) for index in range(people)
    ])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run = payments.run_prepare(commune=units.tan_dong, month=MONTH, acting_user=staff["tandong_officer"],
                                   enqueue=False)  # fmt: skip
        run = prepare_now(run)
    assert run.status == "computed"
    dispatch()
    return run


def test_the_chair_is_told_when_a_run_awaits_approval(units, staff, django_capture_on_commit_callbacks):
    run = computed_run(units, staff, django_capture_on_commit_callbacks)
    assert told() == [("run_awaiting_approval", "chair@tandong.gov.vn", "25522")]
    message = Message.objects.get()
    assert (message.channel, message.recipient_user, message.status) == ("email", staff["tandong_chair"], "queued")
    assert message.subject == "Danh sách chi trả tháng 11/2025 chờ phê duyệt"
    assert message.text == (
        "Danh sách chi trả trợ cấp tháng 11/2025 của Xã Tân Đông (2 người, 1.500.000 đồng) đang chờ Chủ tịch "
        f"phê duyệt: http://127.0.0.1:8000/payments/{run.pk}/"
    )


def test_preparing_the_run_again_tells_the_chair_again_but_one_event_never_twice(
    units, staff, django_capture_on_commit_callbacks
):
    run = computed_run(units, staff, django_capture_on_commit_callbacks)
    from notifications import notices

    event = run.events.get(kind="computed")
    notices.run_computed(event.pk)  # the same event seen again
    assert len(told()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        run = payments.run_prepare(commune=units.tan_dong, month=MONTH, acting_user=staff["tandong_officer"],
                                   enqueue=False)  # fmt: skip
        prepare_now(run)
    dispatch()
    assert told() == [("run_awaiting_approval", "chair@tandong.gov.vn", "25522")] * 2


def test_an_event_older_than_a_day_tells_nobody_as_when_the_demo_dates_its_past(
    units, staff, settings, django_capture_on_commit_callbacks
):
    """The demo (and an import) writes past events and dates them before its transaction commits;
    the dispatcher reads them after the commit and sees the date. A fresh event beside them still tells."""
    from disbursements.models import RunEvent

    assert settings.NOTIFICATION_EVENT_MAX_AGE_HOURS == 24
    load_rules()
    make_cases(units.tan_dong, staff["tandong_officer"], [Beneficiary("Người Cao Tuổi", date(1950, 3, 10), MONTH)])
    with django_capture_on_commit_callbacks(execute=True):
        run = payments.run_prepare(commune=units.tan_dong, month=MONTH, acting_user=staff["tandong_officer"],
                                   enqueue=False)  # fmt: skip
        run = prepare_now(run)
        # Dated 24 hours and a minute ago, in the same transaction, as the demo dates its runs.
        RunEvent.objects.filter(run=run).update(occurred_at=timezone.now() - timedelta(hours=24, minutes=1))
    assert run.status == "computed"
    dispatch()
    assert told() == []

    with django_capture_on_commit_callbacks(execute=True):
        run = payments.run_prepare(commune=units.tan_dong, month=MONTH, acting_user=staff["tandong_officer"],
                                   enqueue=False)  # fmt: skip
        prepare_now(run)
        # 23 hours ago is within the day: the chair is told.
        RunEvent.objects.filter(
            run=run, kind="computed", occurred_at__gte=timezone.now() - timedelta(minutes=5)
        ).update(occurred_at=timezone.now() - timedelta(hours=23))
    dispatch()
    assert told() == [("run_awaiting_approval", "chair@tandong.gov.vn", "25522")]

    from notifications import notices

    event = run.events.filter(kind="computed").latest("pk")
    assert not notices.is_too_old(event)
    settings.NOTIFICATION_EVENT_MAX_AGE_HOURS = 22  # a setting: with 22 hours the same event is too old
    assert notices.is_too_old(event)


def test_a_commune_can_switch_approval_notices_off(units, staff, django_capture_on_commit_callbacks):
    NoticeSettings.objects.create(commune=units.tan_dong, approval_notices=False)
    computed_run(units, staff, django_capture_on_commit_callbacks)
    assert told() == []


def test_a_failing_notice_does_not_undo_the_run(units, staff, django_capture_on_commit_callbacks):
    with mock.patch("notifications.notices.request_messages", side_effect=RuntimeError("mail down")):
        run = computed_run(units, staff, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == "computed"
    assert told() == []


def reconciled_run(units, staff, django_capture_on_commit_callbacks, *, phones):
    run = computed_run(units, staff, django_capture_on_commit_callbacks, people=len(phones))
    lines = list(run.lines.select_related("case__person").order_by("full_name"))
    for line, phone in zip(lines, phones, strict=True):
        line.case.person.phone = phone
        line.case.person.save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        payments.run_approve(run=run, acting_user=staff["tandong_chair"])
        payments.run_send_to_payer(run=run, acting_user=staff["tandong_officer"])
        rows = [{"reference": line.reference, "status": "failed" if index == 1 else "paid",
                 "paid_on": "2025-11-20" if index != 1 else "", "note": "Sai số tài khoản" if index == 1 else ""}
                for index, line in enumerate(lines)]  # fmt: skip
        payments.run_reconcile(run=run, rows=rows, acting_user=staff["tandong_officer"])
    dispatch()
    return run, lines


def test_beneficiaries_paid_are_told_the_amount_when_the_commune_says_so(
    units, staff, django_capture_on_commit_callbacks
):
    NoticeSettings.objects.create(commune=units.tan_dong, amount_paid_notice=True)
    run, lines = reconciled_run(units, staff, django_capture_on_commit_callbacks,
                                phones=["+84912000001", "+84912000002", "", "+84912000004"])  # fmt: skip
    # Line 1 failed, line 2 has no phone: lines 0 and 3 are told.
    sms = Message.objects.filter(template__code="amount_paid").order_by("pk")
    assert [(m.channel, m.recipient, m.person_id, m.commune_id) for m in sms] == [
        ("sms", "+84912000001", lines[0].case.person_id, "25522"),
        ("sms", "+84912000004", lines[3].case.person_id, "25522"),
    ]
    assert sms[0].text == "UBND Xã Tân Đông: trợ cấp tháng 11/2025 của Người Cao Tuổi 0 đã được chi trả 750.000 đồng."
    assert sms[0].dedup_key == f"amount_paid:line{lines[0].pk}"
    assert sms[0].parts == 2


def test_no_amount_paid_notice_by_default(units, staff, django_capture_on_commit_callbacks):
    reconciled_run(units, staff, django_capture_on_commit_callbacks, phones=["+84912000001"])
    assert Message.objects.filter(template__code="amount_paid").count() == 0


# --- poverty reviews ---------------------------------------------------------------------------------


@pytest.fixture
def campaign(units, staff):
    load_standards()
    return Campaign.objects.create(commune=units.tan_dong, year=2025,
                                   standard=PovertyStandard.objects.get(code=STANDARD_2022))  # fmt: skip


def test_the_committee_is_told_the_posting_dates(campaign, staff, django_capture_on_commit_callbacks):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.VILLAGE_MEETINGS)
    starts = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        reviews.campaign_advance(campaign=campaign, acting_user=staff["tandong_committee"], posting_starts_on=starts,
                                 posting_ends_on=starts + timedelta(days=9), posting_place="Nhà văn hóa ấp Đông Hà")  # fmt: skip
    dispatch()
    assert told() == [("posting_dates", "committee@tandong.gov.vn", "25522")]
    assert Message.objects.get().text == (
        f"Xã Tân Đông: danh sách rà soát hộ nghèo năm 2025 được niêm yết công khai từ {starts:%d/%m/%Y} đến "
        f"{starts + timedelta(days=9):%d/%m/%Y} tại Nhà văn hóa ấp Đông Hà. "
        f"http://127.0.0.1:8000/reviews/{campaign.pk}/"
    )


def test_the_committee_is_told_of_a_new_complaint(campaign, units, staff, django_capture_on_commit_callbacks):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PUBLIC_POSTING)
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-0042")
    assessment = Assessment.objects.create(campaign=campaign, household=household, village=units.tan_dong_village,
                                           area=household.area, listed_reason="on_list")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        complaint = reviews.complaint_register(
            assessment=assessment, complainant="Lê Văn Cường", received_on=date(2025, 11, 3),
            content="Hộ tôi khó khăn hơn", acting_user=staff["tandong_officer"],
        )  # fmt: skip
    dispatch()
    assert told() == [("complaint_received", "committee@tandong.gov.vn", "25522")]
    assert Message.objects.get().text == (
        "Xã Tân Đông: có khiếu nại mới của Lê Văn Cường về hộ TD-0042 (rà soát năm 2025), hạn trả lời "
        f"{complaint.deadline:%d/%m/%Y}: http://127.0.0.1:8000/reviews/{campaign.pk}/complaints/"
    )


def test_the_chair_is_told_when_the_review_awaits_approval(campaign, staff, django_capture_on_commit_callbacks):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLAINTS)
    with django_capture_on_commit_callbacks(execute=True):
        reviews.campaign_advance(campaign=campaign, acting_user=staff["tandong_committee"])
    dispatch()
    assert told() == [("review_awaiting_approval", "chair@tandong.gov.vn", "25522")]
    assert Message.objects.get().text == (
        "Kết quả rà soát hộ nghèo, hộ cận nghèo năm 2025 của Xã Tân Đông đang chờ Chủ tịch công nhận: "
        f"http://127.0.0.1:8000/reviews/{campaign.pk}/"
    )


def test_other_steps_tell_nobody_and_committee_notices_can_be_off(campaign, units, staff,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        reviews.campaign_advance(campaign=campaign, acting_user=staff["tandong_committee"])  # → surveying
    dispatch()
    assert told() == []
    NoticeSettings.objects.create(commune=units.tan_dong, committee_notices=False)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.VILLAGE_MEETINGS)
    with django_capture_on_commit_callbacks(execute=True):
        reviews.campaign_advance(campaign=campaign, acting_user=staff["tandong_committee"],
                                 posting_starts_on=date(2025, 11, 1), posting_ends_on=date(2025, 11, 10),
                                 posting_place="UBND")  # fmt: skip
    dispatch()
    assert told() == []


# --- the outbox: the dispatcher reads the event rows after a watermark ------------------------------


def mark_of(source: str) -> int:
    return NoticeWatermark.objects.get(source=source).last_event_id


def awaiting_approval(campaign, staff):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLAINTS)
    reviews.campaign_advance(campaign=campaign, acting_user=staff["tandong_committee"])
    return ReviewEvent.objects.filter(campaign=campaign).latest("pk")


def test_an_event_tells_once_at_the_first_dispatch_and_a_second_dispatch_tells_nobody(campaign, staff):
    event = awaiting_approval(campaign, staff)
    assert told() == []  # nothing at the commit: the dispatcher reads the row

    assert dispatch()["notices"] == 1
    assert told() == [("review_awaiting_approval", "chair@tandong.gov.vn", "25522")]
    assert dispatch()["notices"] == 0
    assert notices.notices_dispatch() == {"disbursements.runevent": 0, "povertyreview.reviewevent": 0}
    assert len(told()) == 1
    # Once past the event, the watermark stands on it and the rows before it are not read again.
    notices.notices_dispatch(now=timezone.now() + timedelta(seconds=settings.NOTIFICATION_OUTBOX_GAP_SECONDS + 1))
    assert mark_of("povertyreview.reviewevent") == event.pk


def test_an_event_older_than_the_max_age_tells_nobody_but_moves_the_watermark(campaign, staff):
    event = awaiting_approval(campaign, staff)
    ReviewEvent.objects.filter(pk=event.pk).update(occurred_at=timezone.now() - timedelta(hours=24, minutes=1))

    assert notices.notices_dispatch() == {"disbursements.runevent": 0, "povertyreview.reviewevent": 0}
    assert told() == []
    assert mark_of("povertyreview.reviewevent") == event.pk


class RequestFailed(Exception):
    pass


def test_the_event_of_a_rolled_back_transaction_tells_nobody(campaign, staff):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLAINTS)
    with pytest.raises(RequestFailed), transaction.atomic():
        reviews.campaign_advance(campaign=campaign, acting_user=staff["tandong_committee"])
        assert ReviewEvent.objects.filter(campaign=campaign).count() == 1
        raise RequestFailed("the request failed after the advance")

    assert not ReviewEvent.objects.filter(campaign=campaign).exists()
    assert dispatch()["notices"] == 0
    assert told() == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLAINTS


def test_a_gap_in_the_ids_holds_the_watermark_while_it_is_fresh_and_the_rows_after_it_tell_once(campaign, staff):
    """A gap may be a transaction not yet committed: the watermark waits before it (the rows after
    it are read again, told once thanks to the dedup keys); an old gap is a rollback: it moves on."""
    NoticeWatermark.objects.filter(source="povertyreview.reviewevent").update(last_event_id=0)
    event = awaiting_approval(campaign, staff)
    assert event.pk > 1  # ids 1… belong to rolled-back tests: a gap before the event

    assert notices.notices_dispatch()["povertyreview.reviewevent"] == 1
    assert mark_of("povertyreview.reviewevent") == 0
    assert notices.notices_dispatch()["povertyreview.reviewevent"] == 0
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_OUTBOX_GAP_SECONDS + 1)
    assert notices.notices_dispatch(now=later)["povertyreview.reviewevent"] == 0
    assert mark_of("povertyreview.reviewevent") == event.pk
    assert told() == [("review_awaiting_approval", "chair@tandong.gov.vn", "25522")]


def test_the_first_deploy_starts_the_watermark_at_the_newest_event(campaign, staff):
    start = importlib.import_module("notifications.migrations.0005_notice_watermark_start")
    event = awaiting_approval(campaign, staff)
    NoticeWatermark.objects.all().delete()  # the table as migration 0004 leaves it

    start.forwards(django_apps, None)

    assert mark_of("povertyreview.reviewevent") == event.pk
    assert notices.notices_dispatch()["povertyreview.reviewevent"] == 0
    assert told() == []


def test_no_receiver_carries_a_notice_any_more():
    from disbursements.models import RunEvent

    assert not post_save.has_listeners(RunEvent) and not post_save.has_listeners(ReviewEvent)


@pytest.mark.worker
def test_a_real_worker_s_dispatcher_reads_the_committed_event_and_tells_once(start_worker, campaign, staff):
    """End to end: the event commits (no receiver runs), beat's task on the real broker, a worker
    process reads the event row and writes the chair's notice; the next minute's run writes nothing.
    The database was emptied before this test, watermarks too: the dispatcher starts them at 0."""
    start_worker(NOTIFICATION_QUIET_START="00:00", NOTIFICATION_QUIET_END="00:00")
    awaiting_approval(campaign, staff)
    assert told() == []

    first = dispatch_due_task.delay().get(timeout=60)
    second = dispatch_due_task.delay().get(timeout=60)

    assert (first["notices"], second["notices"]) == (1, 0)
    assert told() == [("review_awaiting_approval", "chair@tandong.gov.vn", "25522")]
