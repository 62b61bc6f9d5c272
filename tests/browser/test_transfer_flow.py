"""A household moves between communes as the two officers click it, in Vietnamese: Tân Đông asks,
Bình Minh accepts into one of its villages, and Tân Đông keeps what it recorded."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from geography.models import Commune, Village
from households.services import household_register
from tests.households.factories import person_data

pytestmark = pytest.mark.browser


def sign_out(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Đăng xuất").click()


def test_tan_dong_transfers_a_household_and_binh_minh_accepts_it_into_a_village(demo, login, live_server):
    tan_dong = Commune.objects.get(code="25522")
    household_register(
        commune=tan_dong, village=Village.objects.get(commune=tan_dong, name="Ấp Đông Hà"), code="TD-CHUYEN",
        head=person_data("Huỳnh Văn Chuyển", "M"), acting_user=User.objects.get(username="tandong.officer"),
    )  # fmt: skip

    # Tân Đông asks Bình Minh to receive the household.
    page = login("tandong.officer")
    page.get_by_role("link", name="Hộ gia đình").first.click()
    page.get_by_role("link", name="TD-CHUYEN").click()
    page.get_by_role("link", name="Chuyển xã").click()
    page.get_by_label("Mã xã/phường nơi đến").fill("25480")
    page.get_by_label("Lý do").fill("Chuyển về ở với con")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("alert")).to_contain_text("Đã đề nghị chuyển hộ TD-CHUYEN sang Phường Bình Minh")
    expect(page.get_by_test_id("pending-transfer")).to_contain_text("Phường Bình Minh")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hộ TD-CHUYEN")  # still Tân Đông's
    sign_out(page)

    # Bình Minh finds it on its work list and takes it into a quarter.
    login("binhminh.officer")
    page.get_by_role("link", name="Hộ, nhân khẩu từ xã khác chờ tiếp nhận").click()
    arriving = page.get_by_test_id("arriving-transfers")
    expect(arriving).to_contain_text("Hộ TD-CHUYEN")
    expect(arriving).to_contain_text("từ Xã Tân Đông")
    arriving.get_by_role("link", name="Xem").click()
    expect(page.get_by_test_id("transfer-members")).to_contain_text("Huỳnh Văn Chuyển")
    page.get_by_role("link", name="Tiếp nhận").click()
    page.get_by_label("Thôn/tổ dân phố").select_option(label="Khu phố Ninh Phú")
    page.get_by_role("button", name="Tiếp nhận").click()
    expect(page.get_by_role("alert")).to_contain_text("Đã tiếp nhận: hộ TD-CHUYEN.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hộ TD-CHUYEN")
    expect(page.get_by_text("Khu phố Ninh Phú · Phường Bình Minh")).to_be_visible()
    page.get_by_role("link", name="Hộ gia đình").first.click()
    expect(page.get_by_test_id("household-table")).to_contain_text("TD-CHUYEN")
    sign_out(page)

    # Tân Đông no longer lists it, and keeps its history.
    login("tandong.officer")
    page.get_by_role("link", name="Hộ gia đình").first.click()
    expect(page.get_by_test_id("no-households")).to_be_visible()
    page.get_by_role("link", name="Việc cần làm về hộ gia đình").click()
    decided = page.get_by_test_id("decided-transfers")
    expect(decided).to_contain_text("Hộ TD-CHUYEN")
    expect(decided).to_contain_text("Đã tiếp nhận")
    decided.get_by_role("link", name="Xem").click()
    expect(page.get_by_test_id("transfer-status")).to_have_text("Đã tiếp nhận")
    history = page.get_by_test_id("transfer-history")
    expect(history).to_contain_text("Đăng ký hộ")
    expect(history).to_contain_text("Đề nghị chuyển sang xã khác")
    expect(history).to_contain_text("Chuyển sang xã khác")
    expect(history).to_contain_text("→ Phường Bình Minh")
