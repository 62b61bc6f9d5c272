"""The administrator gives another system its credentials (Vietnamese UI): a new API client bound to
Tân Đông that reads the registry, its secret shown once, then revoked. Located by field names and test
ids, so the flow holds whether or not a label is translated yet."""

import pytest
from playwright.sync_api import expect

from api.models import ApiClient

pytestmark = pytest.mark.browser


def test_the_administrator_creates_a_client_sees_the_secret_once_and_revokes_it(demo, login, live_server, page):
    page = login("admin")

    page.goto(f"{live_server.url}/")
    page.get_by_test_id("menu-more").click()
    page.get_by_role("link", name="Ứng dụng kết nối API").click()
    page.get_by_test_id("client-new").click()
    form = page.get_by_test_id("client-form")
    form.locator("[name='name']").fill("Hệ thống BHYT Tây Ninh")
    form.locator("[name='role']").select_option("commune_officer")
    form.locator("[name='communes']").select_option("25522")
    form.locator("[name='scopes'][value='registry:read']").check()
    form.locator("button[type=submit]").click()

    secret = page.get_by_test_id("client-secret").inner_text().strip()
    client = ApiClient.objects.get()
    assert len(secret) > 40 and page.get_by_test_id("client-id").inner_text().strip() == client.application.client_id
    page.get_by_test_id("secret-done").click()
    expect(page.get_by_test_id("client-table")).to_contain_text("Hệ thống BHYT Tây Ninh")
    assert secret not in page.content()  # shown once: never again

    page.get_by_test_id("client-revoke").click()
    page.get_by_test_id("confirm-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("client-status")).to_have_text("Đã thu hồi")
    client.refresh_from_db()
    assert client.revoked_at is not None and not client.account.is_active
