"""A social allowance as the officer and the chair click it (Vietnamese UI).

The officer files an elderly person's case (5.5a) from the household page, with the application
form attached, and verifies it; the home page's work list shows it waiting for the chair's
decision. The chair decides it; the case page shows the month's amount and its explanation; the
officer's work list no longer shows the case waiting. Pages are located by their addresses and
field names, so the flow holds whether or not a label is translated yet.
"""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.models import Case
from geography.models import Commune
from households.models import HouseholdYearStatus
from tests.households.factories import make_household

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
# 72 this month: 5.5a pays 500,000 × 1.5.
# 72 in every month of this year: age in a month counts on its last day, after 15 January.
ELDER_BORN = date(TODAY.year - 72, 1, 15)
WAITING_FOR_DECISION = "main a[href='/allowances/?status=verified']"


@pytest.fixture
def household(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    commune = Commune.objects.get(code="25522")
    found = make_household(commune, commune.villages.get(name="Ấp Đông Hà"), code="TD-ALLOW-1", members=(
        ("Huỳnh Văn Phúc", "M", ELDER_BORN, "head"), ("Huỳnh Thị Lan", "F", date(1958, 6, 6), "spouse"),
    ))  # fmt: skip
    HouseholdYearStatus.objects.create(household=found, year=TODAY.year, status="poor")
    return found


def submit(page):
    page.locator("main form[method=post] button[type=submit]").click()


def test_officer_files_and_verifies_the_chair_decides(household, login, live_server, page):
    elder = household.head
    page = login("tandong.officer")

    # From the household page: file the elder's case under 5.5a, paid in cash, with the form attached.
    page.goto(f"{live_server.url}/households/{household.uuid}/")
    page.locator(f"a[href='/allowances/new/?person={elder.uuid}']").click()
    page.locator("input[name='categories'][value='5.5a']").check()
    page.locator("input[name='payment_method'][value='cash']").check()
    page.locator("[name='document_title']").fill("Tờ khai đề nghị trợ cấp")
    page.locator("[name='document']").set_input_files(
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 to khai"}]
    )
    submit(page)
    case = Case.objects.get(person=elder)
    expect(page).to_have_url(f"{live_server.url}/allowances/{case.uuid}/")
    expect(page.get_by_test_id("documents")).to_contain_text("Tờ khai đề nghị trợ cấp")
    expect(page.get_by_test_id("checks")).to_be_visible()

    # Verify: confirm the declaration of 5.5a.
    page.locator(f"a[href='/allowances/{case.uuid}/verify/']").click()
    confirmed = page.locator("input[name='confirmed']")
    for index in range(confirmed.count()):
        confirmed.nth(index).check()
    page.locator("[name='note']").fill("Đã đến nhà, xác minh với trưởng ấp")
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/allowances/{case.uuid}/")
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFIED

    page.goto(f"{live_server.url}/")
    expect(page.locator(WAITING_FOR_DECISION)).to_be_visible()

    # The chair decides.
    page.context.clear_cookies()
    page = login("tandong.chair")
    page.goto(f"{live_server.url}/")
    page.locator(WAITING_FOR_DECISION).click()
    page.locator(f"a[href='/allowances/{case.uuid}/']").click()
    page.locator(f"a[href='/allowances/{case.uuid}/decide/']").click()
    page.locator("[name='decision_number']").fill("208/QĐ-UBND")
    page.locator("[name='decision_date']").fill(f"{TODAY:%d/%m/%Y}")
    submit(page)
    expect(page.get_by_test_id("amount")).to_have_text("750.000")
    expect(page.get_by_test_id("explanation")).to_contain_text(
        re.compile(rf"{TODAY:%m/%Y}: 750\.000 = 500\.000 × 1,5 \(5\.5a, [^)]*72[^)]*\)")
    )
    expect(page.get_by_test_id("projection")).to_contain_text("750.000")
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE

    # The officer's work list no longer shows a case waiting for the decision.
    page.context.clear_cookies()
    page = login("tandong.officer")
    page.goto(f"{live_server.url}/")
    expect(page.locator(WAITING_FOR_DECISION)).to_have_count(0)
    page.goto(f"{live_server.url}/households/{household.uuid}/")
    expect(page.get_by_test_id("timeline")).to_contain_text("208/QĐ-UBND")
