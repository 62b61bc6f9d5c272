"""The registry's main flow as an officer clicks it, in Vietnamese."""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.households.factories import national_id_for

pytestmark = pytest.mark.browser

MEMBERS = [
    ("Trần Văn Hải", "M", date(1960, 2, 2), None),
    ("Đỗ Thị Hương", "F", date(1962, 3, 3), "spouse"),
    ("Trần Ngọc Ánh", "F", date(1995, 4, 4), "child"),
]


def fill_person(page, prefix: str, name: str, sex: str, born: date, relationship: str | None):
    page.locator(f"[name='{prefix}-full_name']").fill(name)
    page.locator(f"[name='{prefix}-national_id']").fill(national_id_for(sex, born))
    page.locator(f"[name='{prefix}-date_of_birth']").fill(f"{born:%d/%m/%Y}")
    page.locator(f"[name='{prefix}-sex']").select_option(sex)
    if relationship:
        page.locator(f"[name='{prefix}-relationship']").select_option(relationship)


def test_officer_registers_searches_records_a_death_and_sees_the_timeline(demo, login, live_server):
    today = f"{timezone.localdate():%d/%m/%Y}"  # the household is registered today; the death cannot be earlier
    page = login("tandong.officer")

    page.get_by_role("link", name="Hộ gia đình").first.click()
    page.get_by_role("link", name="Đăng ký hộ mới").click()
    page.get_by_label("Mã hộ").fill("TD-DEMO-1")
    page.get_by_label("Thôn/tổ dân phố").select_option(label="Ấp Đông Hà")
    page.get_by_label("Địa chỉ").fill("Tổ 4, Ấp Đông Hà")
    for index, (name, sex, born, relationship) in enumerate(MEMBERS):
        fill_person(page, "head" if index == 0 else f"members-{index - 1}", name, sex, born, relationship)
    page.get_by_role("button", name="Đăng ký", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Hộ TD-DEMO-1")
    expect(page.get_by_test_id("member-table")).to_contain_text("Trần Ngọc Ánh")
    expect(page.get_by_test_id("household-head")).to_have_text("Trần Văn Hải")

    page.get_by_role("link", name="Hộ gia đình").first.click()
    page.get_by_label("Họ tên, số định danh cá nhân, điện thoại hoặc mã hộ").fill("tran ngoc anh")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_test_id("household-table")).to_contain_text("TD-DEMO-1")
    page.get_by_role("link", name="TD-DEMO-1").click()

    row = page.locator("tr", has_text="Đỗ Thị Hương")
    row.get_by_role("button", name="Thao tác").click()
    row.get_by_role("link", name="Ghi nhận qua đời").click()
    page.get_by_label("Ngày qua đời").fill(today)
    page.get_by_role("button", name="Lưu").click()

    expect(page.get_by_role("alert")).to_contain_text("Đã ghi nhận Đỗ Thị Hương qua đời.")
    expect(page.get_by_test_id("member-table")).not_to_contain_text("Đỗ Thị Hương")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Ghi nhận qua đời")
    expect(timeline).to_contain_text(f"Đỗ Thị Hương ({today})")
    expect(timeline).to_contain_text("Đăng ký hộ")
    expect(page).to_have_url(re.compile(r"/households/[0-9a-f-]+/$"))


def test_provincial_viewer_reads_a_household_without_actions(demo, login, live_server):
    page = login("tayninh.province")

    page.get_by_role("link", name="Hộ gia đình").first.click()
    expect(page.get_by_role("link", name="Đăng ký hộ mới")).to_have_count(0)
    expect(page.get_by_role("link", name="Nhập từ tệp")).to_have_count(0)
