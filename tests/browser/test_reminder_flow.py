"""Health-insurance reminders as the officer clicks them (Vietnamese UI).

Three people of Xã Tân Đông hold cards ending within 30 days. The officer opens the reminders
page, sees the three before they go, pauses one (in hospital), sends the rest now with the console
backend, and sees them delivered while the paused one is still waiting, paused.

"Send now" puts the reminder job on the broker and the job puts one send task per message: here
both run in threads of the test process in place of a Celery worker (the live server is a thread
of this process, so patching ``delay``/``apply_async`` here reaches it), as the payment flow does.
Elements are found by test ids, form addresses and data attributes, so the flow holds whether or
not a label is translated yet.
"""

import threading
from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.models import HealthInsuranceCard
from geography.models import Commune
from households.models import Person
from notifications import services
from notifications.models import Message, OptOut
from notifications.templates_data import load_templates
from tests.households.factories import make_household

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
PAGE = "/notifications/reminders/25522/"


@pytest.fixture
def residents(demo, settings):
    """Hoa (card ends in 5 days), Lan (12) and Phúc's son Minh (20, reminded at Phúc's phone)."""
    load_templates()  # the transactional test emptied the table the migration filled
    settings.NOTIFICATION_BACKENDS = {"sms": "notifications.backends.console.ConsoleBackend"}
    settings.NOTIFICATION_RATE_LIMITS = {}
    settings.NOTIFICATION_QUIET_CHANNELS = []  # the flow may run at night
    commune = Commune.objects.get(code="25522")
    village = commune.villages.get(name="Ấp Đông Hà")
    people = {}
    for code, members, phone, ends_in in (
        ("TD-REM-1", (("Nguyễn Thị Hoa", "F", date(1958, 2, 1), "head"),), "+84912345678", 5),
        ("TD-REM-2", (("Trần Thị Lan", "F", date(1966, 7, 9), "head"),), "+84987654321", 12),
        ("TD-REM-3", (("Lê Văn Phúc", "M", date(1970, 3, 3), "head"), ("Lê Văn Minh", "M", date(2012, 5, 5), "child")),
         "+84911222333", 20),
    ):  # fmt: skip
        household = make_household(commune, village, code=code, members=members)
        Person.objects.filter(pk=household.head_id).update(phone=phone)
        holder = household.memberships.order_by("-person__date_of_birth").first().person
        end = TODAY + timedelta(days=ends_in)
        HealthInsuranceCard.objects.create(person=holder, number=f"GD47{holder.pk:011d}", group="GD",
                                           valid_from=end - timedelta(days=364), valid_to=end)  # fmt: skip
        people[holder.full_name] = holder
    return people


@pytest.fixture
def workers_in_threads():
    """The reminder job and each message's send task run in threads, as a worker would run them."""
    threads = []

    def in_thread(target, *args, **kwargs):
        def work():
            try:
                target(*args, **kwargs)
            finally:
                connection.close()

        thread = threading.Thread(target=work, daemon=True)
        threads.append(thread)
        thread.start()

    def job(**kwargs):
        from notifications.tasks import send_health_insurance_reminders_task

        in_thread(send_health_insurance_reminders_task.run, **kwargs)

    def send(args, **_options):
        in_thread(services.send_message, *args)

    with (
        mock.patch("notifications.tasks.send_health_insurance_reminders_task.delay", side_effect=job),
        mock.patch("notifications.tasks.send_message_task.apply_async", side_effect=send),
    ):
        yield
    for thread in threads:
        thread.join(timeout=30)


def row(page, person):
    return page.locator(f"tr[data-person='{person.uuid}']")


def test_officer_pauses_one_reminder_and_sends_the_rest(residents, workers_in_threads, login, live_server, page):
    hoa, lan, minh = residents["Nguyễn Thị Hoa"], residents["Trần Thị Lan"], residents["Lê Văn Minh"]
    page = login("tandong.officer")

    # The reminders page lists the three before they go; Minh's goes to his father's phone.
    page.goto(f"{live_server.url}/notifications/reminders/")
    expect(page).to_have_url(f"{live_server.url}{PAGE}")
    pending = page.get_by_test_id("pending-table")
    for person in (hoa, lan, minh):
        expect(pending.locator(f"tr[data-person='{person.uuid}']")).to_have_count(1)
    expect(row(page, minh)).to_contain_text("0911 222 333")
    expect(row(page, minh)).to_contain_text("Lê Văn Phúc")

    # Pause Lan: she is in hospital.
    row(page, lan).locator("input[name='reason']").fill("Đang nằm viện, con gái sẽ gia hạn")
    row(page, lan).locator(f"form[action='{PAGE}pause/'] button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}{PAGE}")
    expect(row(page, lan).locator(f"form[action='{PAGE}resume/']")).to_have_count(1)
    paused = OptOut.objects.get(person=lan)
    assert (paused.reason, paused.created_by.username, paused.channel) == (
        "Đang nằm viện, con gái sẽ gia hạn", "tandong.officer", "sms",
    )  # fmt: skip

    # Send the rest now: Hoa and Minh (two reminders).
    page.get_by_test_id("send-form").locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}{PAGE}")

    # The page shows them delivered (the console backend reports delivery at once); Lan waits, paused.
    sent = page.get_by_test_id("sent-table")
    for _attempt in range(40):
        if Message.objects.filter(status="delivered").count() == 2:
            break
        page.wait_for_timeout(250)
    page.reload()
    for person in (hoa, minh):
        expect(sent.locator(f"tr[data-person='{person.uuid}'] [data-status='delivered']")).to_have_count(1)
    expect(row(page, lan).locator(f"form[action='{PAGE}resume/']")).to_have_count(1)
    expect(page.get_by_test_id("send-form")).to_have_count(0)  # nothing else is due
    expect(page.get_by_test_id("total-delivered")).to_have_text("2")
    assert sorted(Message.objects.values_list("person__full_name", "recipient", "status", "created_by__username")) == [
        ("Lê Văn Minh", "+84911222333", "delivered", "tandong.officer"),
        ("Nguyễn Thị Hoa", "+84912345678", "delivered", "tandong.officer"),
    ]
