"""Reports as provincial staff click them (Vietnamese UI).

tayninh.province opens the reports, lands on the province dashboard of Tây Ninh, sorts the table of
communes by households, drills into Xã Tân Đông and reads its poverty list there; the way back leads
to the province again. Elements are found by their addresses and test ids, so the flow holds whether
or not a label is translated yet.

Part 2 of issue 8 (official tables) adds here the downloads of the poverty summary PDF and the
allowance XLSX, from the commune dashboard this flow ends on.
"""

from datetime import date

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from geography.models import Commune
from households.models import HouseholdYearStatus
from tests.households.factories import make_household

pytestmark = pytest.mark.browser

FAMILY = (("Trần Văn Hải", "M", date(1960, 2, 2), "head"), ("Đỗ Thị Hương", "F", date(1962, 3, 3), "spouse"))


@pytest.fixture
def registry(demo):
    """Four households of Xã Tân Đông (two on the list of 2025) and one of Phường Bình Minh."""
    cache.clear()
    tan_dong, binh_minh = Commune.objects.get(code="25522"), Commune.objects.get(code="25480")
    village = tan_dong.villages.get(name="Ấp Đông Hà")
    for number, status in enumerate(["poor", "near_poor", "none", ""]):
        household = make_household(tan_dong, village, code=f"TD-RPT-{number}", members=FAMILY)
        if status:
            HouseholdYearStatus.objects.create(household=household, year=2025, status=status)
    make_household(binh_minh, binh_minh.villages.first(), code="BM-RPT-1", members=FAMILY[:1])
    yield
    cache.clear()


def test_provincial_viewer_opens_the_province_dashboard_and_drills_into_tan_dong(registry, login, live_server, page):
    page = login("tayninh.province")
    page.goto(f"{live_server.url}/reports/")
    expect(page).to_have_url(f"{live_server.url}/reports/provinces/80/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tây Ninh")
    table = page.get_by_test_id("commune-table")
    # Only the communes with records get a row; the others are one folded line below the table.
    expect(table.locator("tbody tr")).to_have_count(2)
    without_data = Commune.objects.filter(province_id="80").count() - 2
    expect(page.get_by_test_id("communes-without-data").locator("summary")).to_contain_text(str(without_data))
    expect(page.get_by_test_id("summary-households")).to_have_text("5")

    # Sort by households, most first: Tân Đông (4) leads, Bình Minh (1) follows.
    table.locator("thead a[data-sort='households']").click()
    table.locator("thead a[data-sort='households']").click()
    expect(page).to_have_url(f"{live_server.url}/reports/provinces/80/?month={month()}&sort=-households")
    expect(table.locator("tbody tr").nth(0)).to_have_attribute("data-code", "25522")
    expect(table.locator("tbody tr").nth(1)).to_have_attribute("data-code", "25480")

    # Drill down into Tân Đông, same month.
    table.locator("tbody tr[data-code='25522'] th a").click()
    expect(page).to_have_url(f"{live_server.url}/reports/communes/25522/?month={month()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xã Tân Đông")
    expect(page.get_by_test_id("summary-households")).to_have_text("4")
    expect(page.get_by_test_id("summary-listed")).to_contain_text("2")
    expect(page.get_by_test_id("summary-listed")).to_contain_text("50")
    expect(page.get_by_test_id("poverty-poor")).to_have_text("1")
    expect(page.get_by_test_id("chart-poverty").locator("svg")).to_be_visible()
    # The number leads to the households behind it.
    page.get_by_test_id("poverty-poor").click()
    expect(page).to_have_url(f"{live_server.url}/households/?commune=25522&year=2025&status=poor")
    expect(page.locator("main")).to_contain_text("TD-RPT-0")
    page.go_back()
    page.get_by_test_id("back-to-province").click()
    expect(page).to_have_url(f"{live_server.url}/reports/provinces/80/?month={month()}")


def month() -> str:
    from django.utils import timezone

    return f"{timezone.localdate():%Y-%m}"
