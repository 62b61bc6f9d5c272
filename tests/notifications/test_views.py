"""The reminders page and the messages page: what each role sees (phones masked for provincial
viewers, out of scope is 404), pausing and resuming one person, "send now" through the job's task,
the messages filtered by status and commune, and query counts that do not grow with the rows."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import HealthInsuranceCard
from households.models import Person
from notifications import reminders
from notifications.models import Message, OptOut
from notifications.tasks import send_health_insurance_reminders_task
from tests.households.factories import make_household

PAGE = reverse("notifications:reminders", kwargs={"code": "25522"})
PAUSE = reverse("notifications:reminder_pause", kwargs={"code": "25522"})
RESUME = reverse("notifications:reminder_resume", kwargs={"code": "25522"})
SEND = reverse("notifications:reminder_send", kwargs={"code": "25522"})
MESSAGES = reverse("notifications:messages")


def today() -> date:
    return timezone.localdate()


def resident(units, code: str, name: str, *, phone: str = "", ends_in: int | None = 10, commune=None, village=None):
    """A one-person household with a phone and a card ending in ``ends_in`` days."""
    household = make_household(commune or units.tan_dong, village or units.tan_dong_village, code=code,
                               members=((name, "F", date(1960, 1, 1), "head"),))  # fmt: skip
    person = household.head
    if phone:
        Person.objects.filter(pk=person.pk).update(phone=phone)
    if ends_in is not None:
        end = today() + timedelta(days=ends_in)
        HealthInsuranceCard.objects.create(person=person, number=f"GD47{person.pk:011d}", group="GD",
                                           valid_from=end - timedelta(days=364), valid_to=end)  # fmt: skip
    person.refresh_from_db()
    return person


@pytest.fixture
def people(units, templates):
    return {
        "hoa": resident(units, "TD-V1", "Nguyễn Thị Hoa", phone="+84912345678", ends_in=12),
        "lan": resident(units, "TD-V2", "Trần Thị Lan", phone="+84987654321", ends_in=30),
        "mai": resident(units, "TD-V3", "Lê Thị Mai", phone="+84911111111", ends_in=33),  # goes in 3 days
        "tu": resident(units, "BM-V1", "Phạm Thị Tư", phone="+84922222222", ends_in=5,
                       commune=units.binh_minh, village=units.binh_minh_village),
    }  # fmt: skip


# --- the reminders page ----------------------------------------------------------------------------


def test_the_officer_sees_the_reminders_before_they_go(people, client_for):
    response = client_for("tandong_officer", language="en").get(PAGE)

    assert response.status_code == 200
    rows = [(r.full_name, r.is_due, r.is_upcoming) for r in response.context["pending"]]
    assert rows == [("Nguyễn Thị Hoa", True, False), ("Trần Thị Lan", True, False), ("Lê Thị Mai", False, True)]
    body = response.content.decode()
    assert "Phạm Thị Tư" not in body  # Bình Minh's
    assert "0912 345 678" in body  # the commune's officer sees the phone
    assert "Send now (2 reminders)" in body
    assert body.count('action="/notifications/reminders/25522/pause/"') == 3
    assert "Due now: 2 · in the next 7 days: 1 · paused: 0" in body


def test_a_provincial_viewer_reads_with_masked_phones_and_no_actions(people, client_for):
    response = client_for("tayninh_province", language="en").get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Thị Hoa" in body and "•••••••••678" in body and "0912 345 678" not in body
    assert "/pause/" not in body and "/send/" not in body


def test_another_communes_officer_gets_404(people, client_for):
    assert client_for("binhminh_officer").get(PAGE).status_code == 404
    assert client_for("hcm_province").get(PAGE).status_code == 404


def test_the_officer_pauses_one_person_and_the_job_passes_them_by(people, client_for, users):
    client = client_for("tandong_officer", language="en")

    response = client.post(PAUSE, {"person": people["hoa"].uuid, "reason": "Đang nằm viện"}, follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Reminders to Nguyễn Thị Hoa are paused." in response.content.decode()
    record = OptOut.objects.get()
    assert (record.person, record.channel, record.commune_id, record.reason, record.created_by) == (
        people["hoa"], "sms", "25522", "Đang nằm viện", users["tandong_officer"],
    )  # fmt: skip
    states = {r.full_name: (r.paused, r.is_due) for r in response.context["pending"]}
    assert states["Nguyễn Thị Hoa"] == (True, False)
    assert "Due now: 1 · in the next 7 days: 1 · paused: 1" in response.content.decode()
    assert reminders.send_reminders(communes=["25522"]).asked == 1
    assert list(Message.objects.values_list("person__full_name", flat=True)) == ["Trần Thị Lan"]


def test_the_officer_resumes_a_paused_person(people, client_for, units):
    client = client_for("tandong_officer", language="en")
    client.post(PAUSE, {"person": people["hoa"].uuid})
    assert OptOut.objects.get().reason == "Paused from the reminders page."

    response = client.post(RESUME, {"person": people["hoa"].uuid}, follow=True)

    assert "Reminders to Nguyễn Thị Hoa are resumed." in response.content.decode()
    record = OptOut.objects.get()
    assert record.revoked_at is not None and record.revoke_reason == "Resumed from the reminders page."
    assert reminders.send_reminders(communes=["25522"]).asked == 2


def test_pausing_someone_of_another_commune_is_404_and_changes_nothing(people, client_for):
    response = client_for("tandong_officer").post(PAUSE, {"person": people["tu"].uuid})

    assert response.status_code == 404
    assert not OptOut.objects.exists()


@pytest.mark.parametrize("role", ["tayninh_province", "tandong_committee", "tandong_chair"])
def test_roles_that_read_may_not_pause_resume_or_send(people, client_for, role):
    client = client_for(role)
    with mock.patch.object(send_health_insurance_reminders_task, "delay") as delay:
        statuses = [client.post(url, {"person": people["hoa"].uuid}).status_code for url in (PAUSE, RESUME, SEND)]

    assert statuses == [403, 403, 403]
    assert not OptOut.objects.exists() and not Message.objects.exists() and not delay.called


def test_a_pause_without_a_person_is_refused_with_a_message(people, client_for):
    response = client_for("tandong_officer", language="en").post(PAUSE, {}, follow=True)

    assert "Choose a person from the list." in response.content.decode()
    assert not OptOut.objects.exists()


def test_send_now_queues_the_job_for_the_commune_on_behalf_of_the_officer(
    people, client_for, users, django_capture_on_commit_callbacks
):
    client = client_for("tandong_officer", language="en")
    with (
        mock.patch.object(send_health_insurance_reminders_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(SEND, follow=True)

    assert "2 reminders are being sent" in response.content.decode()
    delay.assert_called_once_with(commune="25522", user_id=users["tandong_officer"].pk)
    # What the worker then does: the two due reminders, asked by the officer; Mai's goes in 3 days.
    assert send_health_insurance_reminders_task.run(**delay.call_args.kwargs)["asked"] == 2
    assert sorted(Message.objects.values_list("person__full_name", "created_by__username")) == [
        ("Nguyễn Thị Hoa", "tandong.officer"), ("Trần Thị Lan", "tandong.officer"),
    ]  # fmt: skip
    page = client.get(PAGE)
    assert [r.full_name for r in page.context["sent"]] == ["Nguyễn Thị Hoa", "Trần Thị Lan"]
    assert [r.full_name for r in page.context["pending"]] == ["Lê Thị Mai"]
    assert page.context["total"].reminders == 2


def test_send_now_with_nothing_due_sends_nothing(units, templates, client_for):
    with mock.patch.object(send_health_insurance_reminders_task, "delay") as delay:
        response = client_for("tandong_officer", language="en").post(SEND, follow=True)

    assert "No reminder is due: nothing was sent." in response.content.decode()
    assert not delay.called


def _many(units, count: int, start: int = 0):
    for n in range(start, start + count):
        resident(units, f"TD-Q{n:03d}", f"Người Thứ {n}", phone=f"+849123400{n:02d}", ends_in=1 + n % 30)


def test_the_reminders_page_reads_a_fixed_number_of_queries(units, templates, client_for, django_assert_num_queries):
    client = client_for("tandong_officer")
    _many(units, 3)
    reminders.send_reminders(communes=["25522"])
    _many(units, 3, start=3)
    # session, user, commune, the reminders, the results, the access-log row (1); the session
    # saved again (3: it expires after 8 hours without activity)
    with django_assert_num_queries(9):
        assert client.get(PAGE).status_code == 200

    _many(units, 20, start=6)
    reminders.send_reminders(communes=["25522"])
    _many(units, 20, start=26)
    with django_assert_num_queries(9):
        response = client.get(PAGE)
    assert (len(response.context["pending"]), response.context["sent_count"]) == (20, 26)


# --- the messages page -----------------------------------------------------------------------------


def test_messages_are_listed_by_status_for_the_users_communes_only(people, client_for):
    reminders.send_reminders()
    Message.objects.filter(person=people["lan"]).update(status="failed", failure_reason="Số điện thoại không tồn tại")

    officer = client_for("tandong_officer", language="en")
    listed = officer.get(MESSAGES)
    assert [m.person.full_name for m in listed.context["rows"]] == ["Trần Thị Lan", "Nguyễn Thị Hoa"]
    failed = officer.get(MESSAGES, {"status": "failed"})
    assert [m.person.full_name for m in failed.context["rows"]] == ["Trần Thị Lan"]
    assert "Số điện thoại không tồn tại" in failed.content.decode()
    assert [m.person.full_name for m in officer.get(MESSAGES, {"q": "0912 345 678"}).context["rows"]] == [
        "Nguyễn Thị Hoa"
    ]
    assert [m.person.full_name for m in officer.get(MESSAGES, {"q": "tran thi"}).context["rows"]] == ["Trần Thị Lan"]

    other = client_for("binhminh_officer")
    assert [m.person.full_name for m in other.get(MESSAGES).context["rows"]] == ["Phạm Thị Tư"]
    # Asking for another commune is not a choice: the list stays the user's own.
    assert [m.person.full_name for m in other.get(MESSAGES, {"commune": "25522"}).context["rows"]] == ["Phạm Thị Tư"]

    viewer = client_for("tayninh_province").get(MESSAGES, {"commune": "25480"})
    assert [m.person.full_name for m in viewer.context["rows"]] == ["Phạm Thị Tư"]
    assert "•••••••••222" in viewer.content.decode() and "0922 222 222" not in viewer.content.decode()
    assert client_for("hcm_province").get(MESSAGES).context["rows"] == []


def test_failed_messages_of_the_officer_s_commune_are_on_the_home_work_list(people, client_for):
    reminders.send_reminders()
    Message.objects.filter(person=people["lan"]).update(status="failed", failure_reason="Số điện thoại không tồn tại")
    item = "Messages that failed in the last 30 days"

    home = client_for("tandong_officer", language="en").get(reverse("core:home")).content.decode()
    assert item in home and f'href="{MESSAGES}?status=failed"' in home
    # Another commune's officer and the read-only roles get no such item.
    for role in ("binhminh_officer", "tandong_chair", "tayninh_province"):
        assert item not in client_for(role, language="en").get(reverse("core:home")).content.decode()
    # Messages that failed more than 30 days ago are history, not work.
    Message.objects.filter(person=people["lan"]).update(created_at=timezone.now() - timedelta(days=31))
    assert item not in client_for("tandong_officer", language="en").get(reverse("core:home")).content.decode()


def test_the_messages_page_reads_a_fixed_number_of_queries(units, templates, client_for, django_assert_num_queries):
    client = client_for("tayninh_province")
    _many(units, 2)
    reminders.send_reminders()
    # session, user, the communes and templates offered, the user's communes, the messages, the
    # access-log row (1); the session saved again (3)
    with django_assert_num_queries(10):
        client.get(MESSAGES)
    _many(units, 30, start=2)
    reminders.send_reminders()
    with django_assert_num_queries(10):
        response = client.get(MESSAGES)
    assert len(response.context["rows"]) == 32


def test_one_commune_goes_straight_to_its_reminders(units, client_for):
    response = client_for("tandong_officer").get(reverse("notifications:reminder_communes"))
    assert response.status_code == 302 and response["Location"] == PAGE
    listed = client_for("tayninh_province").get(reverse("notifications:reminder_communes"))
    assert [c.code for c in listed.context["communes"]] == ["25480", "25522"]
