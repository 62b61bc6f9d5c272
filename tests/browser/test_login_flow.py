"""Each demo role logs in, switches language and logs out, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# username, Vietnamese role label in the user menu, a unit the role sees on its home page
DEMO_ROLES = [
    ("tandong.officer", "Công chức Văn hóa – Xã hội", "Xã Tân Đông"),
    ("tandong.committee", "Thành viên Ban chỉ đạo rà soát", "Xã Tân Đông"),
    ("tandong.chair", "Chủ tịch UBND xã", "Xã Tân Đông"),
    ("binhminh.officer", "Công chức Văn hóa – Xã hội", "Phường Bình Minh"),
    ("tayninh.province", "Người theo dõi cấp tỉnh (chỉ xem)", "Phường Bình Minh"),
    ("admin", "Quản trị hệ thống", None),
]


@pytest.mark.parametrize(("username", "role_label", "unit"), DEMO_ROLES)
def test_demo_role_logs_in_switches_language_and_logs_out(demo, login, live_server, username, role_label, unit):
    page = login(username)

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    # The user's items (role, language, password, sign-out) are in one menu, so that the bar fits a laptop.
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_test_id("user-role")).to_have_text(role_label)
    if unit:
        expect(page.get_by_test_id("commune-table")).to_contain_text(unit)

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Tiếng Việt", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_officer_works_in_own_commune_and_cannot_open_the_neighbour(demo, login, live_server):
    page = login("tandong.officer")

    page.get_by_role("link", name="Xã Tân Đông").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xã Tân Đông")
    page.get_by_label("Tên thôn/tổ dân phố").fill("Ấp Suối Dây")
    page.get_by_label("Loại").select_option("ap")
    page.get_by_role("button", name="Thêm").click()
    expect(page.get_by_role("alert")).to_contain_text("Đã thêm Ấp Suối Dây.")
    expect(page.get_by_test_id("village-list")).to_contain_text("Ấp Suối Dây")

    page.goto(f"{live_server.url}/communes/25480/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")


def test_provincial_viewer_reads_but_cannot_add_a_village(demo, login, live_server):
    page = login("tayninh.province")

    page.get_by_role("link", name="Xã Tân Đông").click()
    expect(page.get_by_test_id("village-list")).to_contain_text("Ấp Đông Hà")
    expect(page.get_by_role("button", name="Thêm")).to_have_count(0)

    response = page.goto(f"{live_server.url}/communes/25522/villages/new/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Không có quyền")


def test_a_wrong_password_keeps_the_user_out_with_a_vietnamese_message(demo, login):
    page = login("tandong.officer", "sai-mat-khau")

    expect(page.get_by_text("Vui lòng điền vào Tên đăng nhập và mật khẩu chính xác")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
