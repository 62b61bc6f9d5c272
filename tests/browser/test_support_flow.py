"""A Tết gift distribution as the commune officer clicks it (Vietnamese UI).

The officer creates a gift programme funded by the Fund for the Poor, a distribution of 500,000 đồng
and 10 kg of rice per household, and adds the poor households of Ấp Đông Hà as recipients; the list
shows exactly them. The officer prints the receipt list (a PDF), records delivery to everyone
listed, and each recipient's household page shows the gift in its timeline, while a near-poor
household of the village and a poor household of another village show nothing. Pages are located
by their addresses, field names and test ids, so the flow holds whether or not a label is
translated yet.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from geography.models import Commune
from households.models import HouseholdYearStatus
from support.models import Distribution, Programme, Record
from tests.households.factories import make_household

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
PROGRAMME = "Quà Tết cho hộ nghèo"


@pytest.fixture
def households(demo):
    """Two poor households and a near-poor one in Ấp Đông Hà; a poor one in Ấp Tân Hòa."""
    commune = Commune.objects.get(code="25522")
    made = {}
    for code, head, village, status in (
        ("TD-GIFT-1", "Huỳnh Văn Phúc", "Ấp Đông Hà", "poor"),
        ("TD-GIFT-2", "Đặng Thị Lựu", "Ấp Đông Hà", "poor"),
        ("TD-GIFT-3", "Trương Văn Sáu", "Ấp Đông Hà", "near_poor"),
        ("TD-GIFT-4", "Lâm Thị Bảy", "Ấp Tân Hòa", "poor"),
    ):
        household = make_household(commune, commune.villages.get(name=village), code=code,
                                   members=((head, "F" if "Thị" in head else "M", TODAY.replace(year=1960), "head"),))  # fmt: skip
        HouseholdYearStatus.objects.create(household=household, year=TODAY.year, status=status)
        made[code] = household
    return made


def submit(page):
    page.locator("main form[method=post] button[type=submit]").first.click()


def test_officer_distributes_tet_gifts_to_the_poor_households_of_a_village(households, login, live_server, page):
    page = login("tandong.officer")

    # A gift programme funded by the Fund for the Poor.
    page.goto(f"{live_server.url}/support/")
    page.get_by_test_id("programme-new").click()
    form = page.get_by_test_id("programme-form")
    form.locator("[name='kind']").select_option("gift")
    form.locator("[name='name']").fill(PROGRAMME)
    form.locator("[name='organiser']").fill("Ủy ban MTTQ xã Tân Đông")
    form.locator("[name='fundings-0-source']").select_option("fund_for_poor")
    form.locator("[name='fundings-0-amount_vnd']").fill("10.000.000")
    form.locator("button[type=submit]").click()
    programme = Programme.objects.get(name=PROGRAMME)
    expect(page).to_have_url(f"{live_server.url}/support/programmes/{programme.pk}/")
    expect(page.get_by_test_id("budget")).to_have_text("10.000.000")

    # A distribution: 500,000 đồng and 10 kg of rice per household, today.
    page.get_by_test_id("distribution-new").click()
    page.locator("[name='name']").fill("Phát quà Tết ấp Đông Hà")
    page.locator("[name='unit_value_vnd']").fill("500.000")
    page.locator("[name='in_kind']").fill("10 kg gạo")
    submit(page)
    distribution = Distribution.objects.get(programme=programme)
    expect(page).to_have_url(f"{live_server.url}/support/distributions/{distribution.pk}/")

    # Recipients: the poor households of Ấp Đông Hà.
    page.get_by_test_id("add-recipients").click()
    page.locator("input[name='statuses'][value='poor']").check()
    page.locator("[name='village']").select_option(label="Ấp Đông Hà")
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/support/distributions/{distribution.pk}/")
    rows = page.get_by_test_id("recipient-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("tr[data-household='TD-GIFT-1']")).to_contain_text("Huỳnh Văn Phúc")
    expect(page.locator("tr[data-household='TD-GIFT-2']")).to_contain_text("Đặng Thị Lựu")
    expect(page.get_by_test_id("count-planned")).to_have_text("2")

    # The receipt list to sign, as a PDF.
    receipts = page.get_by_test_id("receipts-pdf").get_attribute("href")
    assert receipts == f"/support/distributions/{distribution.pk}/receipts.pdf"
    response = page.request.get(f"{live_server.url}{receipts}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Delivery to everyone on the list, today.
    page.get_by_test_id("deliver-all").click()
    expect(page.get_by_test_id("count-delivered")).to_have_text("2")
    expect(page.get_by_test_id("count-planned")).to_have_text("0")
    # The day of delivery, read now: a run that crosses midnight (Vietnam time) delivers on the next day.
    delivered_on = timezone.localdate()
    assert sorted(Record.objects.filter(distribution=distribution, status="delivered", delivered_on=delivered_on)
                  .values_list("household__code", flat=True)) == ["TD-GIFT-1", "TD-GIFT-2"]  # fmt: skip

    # Each recipient's timeline shows the gift with its value; the others show nothing of it.
    for code, received in (("TD-GIFT-1", True), ("TD-GIFT-2", True), ("TD-GIFT-3", False), ("TD-GIFT-4", False)):
        page.goto(f"{live_server.url}/households/{households[code].uuid}/")
        timeline = page.get_by_test_id("timeline")
        if received:
            gift = timeline.locator("li", has_text=PROGRAMME)
            expect(gift).to_have_count(1)
            expect(gift).to_contain_text("500.000 đ")
            expect(gift).to_contain_text("10 kg gạo")
        else:
            expect(timeline).not_to_contain_text(PROGRAMME)
