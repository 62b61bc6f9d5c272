"""Official tables downloaded as provincial staff click them (Vietnamese UI).

tayninh.province opens Xã Tân Đông's dashboard, follows "Official tables", opens the poverty-review
summary and downloads its PDF, then moves to the social-allowance table and downloads its XLSX; the
test reads both files back (pypdf, openpyxl) and finds the commune's figures in them. The data are
dated from today (last year's review, last month's payment run), so the pages' default periods show
them. Elements are found by addresses and test ids, so the flow holds whether or not a label is
translated yet. (The province dashboard and the drill-down are tests/browser/test_reports_flow.py.)
"""

import io
from datetime import date

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import User
from beneficiaries import category_labels
from beneficiaries.models import PaymentMethod
from beneficiaries.rule_data import load_rules
from core.months import add_months, first_of_month
from disbursements.models import Run
from geography.models import Commune
from households.models import Household, HouseholdYearStatus
from tests.disbursements.conftest import Beneficiary, make_cases
from tests.reports.test_tables import _line, _run

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
REVIEW_YEAR = TODAY.year - 1  # the poverty table's default: last year's review (this year's list)
LAST_MONTH = add_months(first_of_month(TODAY), -1)  # the allowance table's default half-year holds it


@pytest.fixture
def tan_dong_records(demo):
    """Four households of Ấp Đông Hà with the lists of REVIEW_YEAR and the year after, and last
    month's reconciled payment run of three beneficiaries."""
    cache.clear()
    load_rules()
    tan_dong = Commune.objects.get(code="25522")
    village = tan_dong.villages.get(name="Ấp Đông Hà")
    lists = [("poor", "poor"), ("near_poor", "none"), ("none", "poor"), ("none", "none")]
    for number, (before, now) in enumerate(lists):
        household = Household.objects.create(
            commune=tan_dong, village=village, code=f"TD-DL-{number}", area=tan_dong.area
        )
        HouseholdYearStatus.objects.create(household=household, year=REVIEW_YEAR, status=before)
        HouseholdYearStatus.objects.create(household=household, year=REVIEW_YEAR + 1, status=now)
    officer = User.objects.get(username="tandong.officer")
    hoa, duc, mai = make_cases(tan_dong, officer, [
        Beneficiary("Nguyễn Thị Hoa", date(1940, 1, 15), LAST_MONTH, category="5.5a"),
        Beneficiary("Trần Văn Đức", date(1970, 6, 1), LAST_MONTH, category="5.6s"),
        Beneficiary("Lê Thị Mai", date(2015, 2, 2), LAST_MONTH, category="5.1", method=PaymentMethod.CASH),
    ])  # fmt: skip
    run = _run(tan_dong, LAST_MONTH, Run.Status.RECONCILED, officer)
    _line(run, hoa, "5.5a", 750_000)
    _line(run, duc, "5.6s", 500_000)
    _line(run, mai, "5.1", 1_000_000, method=PaymentMethod.CASH)
    yield
    cache.clear()


def downloaded(page, test_id: str) -> tuple[str, bytes]:
    with page.expect_download() as download:
        page.get_by_test_id(test_id).click()
    with open(download.value.path(), "rb") as file:
        return download.value.suggested_filename, file.read()


def test_provincial_viewer_downloads_tan_dongs_poverty_pdf_and_allowance_xlsx(
    tan_dong_records, login, live_server, page
):
    page = login("tayninh.province")
    page.goto(f"{live_server.url}/reports/communes/25522/")
    page.locator("main a[href='/reports/tables/?commune=25522']").first.click()
    expect(page).to_have_url(f"{live_server.url}/reports/tables/?commune=25522")

    # The poverty-review summary of Tân Đông, as a PDF.
    page.get_by_test_id("official-tables").locator("[data-table='poverty']").click()
    expect(page.get_by_test_id("table-scope")).to_have_text("Xã Tân Đông")
    expect(page.get_by_test_id("official-table").locator("tr[data-level='total']")).to_contain_text("50,00")
    name, pdf = downloaded(page, "download-pdf")
    assert name == f"Tổng hợp rà soát hộ nghèo Xã Tân Đông {REVIEW_YEAR}.pdf"  # the UTF-8 name (filename*)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert text.startswith("ỦY BAN NHÂN DÂN XÃ TÂN ĐÔNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert f"TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {REVIEW_YEAR}" in text
    # 4 households; 2 poor (50 %), none near-poor; 1 left near-poverty, 1 newly listed
    assert "Ấp Đông Hà 4 2 50,00 0 0,00 2 50,00 0 1 1 0" in text
    assert "Tổng cộng 4 2 50,00 0 0,00 2 50,00 0 1 1 0" in text
    assert text.endswith("Trang 1/1")

    # The social-allowance table of the half-year, as an XLSX.
    page.locator("main a[href^='/reports/tables/allowances/']").click()
    expect(page.get_by_test_id("table-scope")).to_have_text("Xã Tân Đông")
    name, xlsx = downloaded(page, "download-xlsx")
    half = 1 if LAST_MONTH.month <= 6 else 2
    assert name == f"Trợ cấp xã hội hằng tháng Xã Tân Đông {LAST_MONTH.year}-{half}.xlsx"
    rows = [list(row) for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)]
    assert rows[1][0] == "ỦY BAN NHÂN DÂN XÃ TÂN ĐÔNG – Xã Tân Đông"
    position = 1 + 2 * ((LAST_MONTH.month - 1) % 6)  # the month's pair of columns
    assert rows[5][position] == f"{LAST_MONTH:%m/%Y} – Số người"
    by_label = {row[0]: row for row in rows[6:18]}  # rows name categories in the decree's words
    with translation.override("vi"):
        by_code = {code: by_label[category_labels.short_label(code)] for code in ("5.5a", "5.6s", "5.1")}
    assert by_code["5.5a"][position : position + 2] == [1, 750_000]
    assert by_code["5.6s"][position : position + 2] == [1, 500_000]
    assert by_code["5.1"][position : position + 2] == [1, 1_000_000]
    total = rows[18]
    assert total[0] == "Tổng cộng"
    assert total[position : position + 2] == [3, 2_250_000] and total[-2:] == [3, 2_250_000]
    assert sum(value for value in total[1:13]) == 3 + 2_250_000  # nothing in the other months
