"""An imported allowance list as the officer and the chair click it (Vietnamese UI, issue 14).

The officer uploads a one-line list (not a dry run) and lands on the batch's page: the line is
there, nothing is a case yet, and the page says the chair must confirm it. The officer logs out;
the chair logs in, finds the list on the home page's work list, opens it and confirms it; the case
is then active, decided by the chair.
"""

import csv
import io
import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.importing import COLUMNS
from beneficiaries.models import Case, ImportBatch
from beneficiaries.rule_data import load_rules
from core.months import add_months, first_of_month
from geography.models import Commune
from tests.households.factories import make_household

pytestmark = pytest.mark.browser

AWAITING_CHAIR = "main a[href='/allowances/imports/?status=awaiting']"


@pytest.fixture
def elder(demo):
    load_rules()  # a transactional test before this one emptied the tables the migration filled
    commune = Commune.objects.get(code="25522")
    household = make_household(commune, commune.villages.get(name="Ấp Đông Hà"), code="TD-IMPORT-1", members=(
        ("Phan Thị Mười", "F", date(1938, 3, 8), "head"),
    ))  # fmt: skip
    return household.head


def list_file(person) -> bytes:
    """One line: 5.5c from last month, paid by bank (one month of arrears, under the warning)."""
    start = add_months(first_of_month(timezone.localdate()), -1)
    row = dict.fromkeys(COLUMNS, "") | {
        "national_id": person.national_id, "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(), "sex": person.sex, "commune_code": "25522",
        "categories": "5.5c", "decision_number": "77/QĐ-UBND", "decision_date": start.isoformat(),
        "start_month": f"{start:%Y-%m}", "payment_method": "bank", "bank_bin": "970405",
        "account_number": "7000205999888", "account_name": "PHAN THI MUOI",
    }  # fmt: skip
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerow([row[name] for name in COLUMNS])
    return text.getvalue().encode()


def test_officer_imports_a_list_and_the_chair_confirms_it(elder, login, live_server, page):
    page = login("tandong.officer")

    # Upload the list, not as a dry run: the page of the batch it stored.
    page.goto(f"{live_server.url}/allowances/import/")
    page.locator("input[name='file']").set_input_files(
        files=[{"name": "bo-sung-thang.csv", "mimeType": "text/csv", "buffer": list_file(elder)}]
    )
    page.locator("input[name='dry_run']").uncheck()
    page.locator("main form[method=post] [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/allowances/imports/[0-9a-f-]{36}/$"))
    batch = ImportBatch.objects.get(filename="bo-sung-thang.csv")
    expect(page).to_have_url(f"{live_server.url}/allowances/imports/{batch.uuid}/")
    expect(page.get_by_test_id("batch-status")).to_have_text("Chờ Chủ tịch xác nhận")
    expect(page.get_by_test_id("batch-awaiting")).to_contain_text("chờ Chủ tịch UBND Xã Tân Đông xác nhận")
    expect(page.get_by_test_id("batch-line-2")).to_contain_text("Phan Thị Mười")
    expect(page.get_by_test_id("batch-line-2")).to_contain_text("Hồ sơ mới")
    expect(page.get_by_test_id("batch-confirm")).to_have_count(0)
    assert not Case.objects.filter(person=elder).exists()

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    # The chair finds it on the home page's work list and confirms it.
    page = login("tandong.chair")
    page.goto(f"{live_server.url}/")
    page.locator(AWAITING_CHAIR).click()
    page.locator(f"a[href='/allowances/imports/{batch.uuid}/']").click()
    expect(page.get_by_test_id("batch-totals")).to_be_visible()
    page.get_by_test_id("batch-confirm").click()
    expect(page).to_have_url(f"{live_server.url}/allowances/imports/{batch.uuid}/")
    expect(page.get_by_test_id("batch-status")).to_have_text("Đã xác nhận")
    expect(page.get_by_test_id("batch-decision")).to_contain_text("đã xác nhận")

    case = Case.objects.get(person=elder)
    assert (case.status, case.decided_by.username, case.prepared_by.username) == (
        "active", "tandong.chair", "tandong.officer",
    )  # fmt: skip
    # The line now leads to the case, whose timeline shows who imported and who confirmed.
    page.locator(f"a[href='/allowances/{case.uuid}/']").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Đang hưởng")
    expect(page.get_by_test_id("events")).to_contain_text("Chủ tịch đã xác nhận danh sách nhập")
    expect(page.get_by_test_id("events")).to_contain_text("Nhập từ tệp")
    page.goto(f"{live_server.url}/")
    expect(page.locator(AWAITING_CHAIR)).to_have_count(0)
