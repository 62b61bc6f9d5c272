"""Issue 16, item 9: the XLSX template of the beneficiaries, survey and loan imports downloads, has
its Vietnamese headers and drop-down lists, and imports back as its example line (the household
template is tested in tests/households/test_import_vietnamese.py). And docs/formats.md names
every column of every import in Vietnamese."""

import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from beneficiaries.importing import COLUMNS as ALLOWANCE_COLUMNS
from beneficiaries.importing import import_beneficiaries, read_beneficiaries
from core.columns import VIETNAMESE_HEADERS, canonical_header
from disbursements.exporting import COLUMNS as PAYMENT_COLUMNS
from disbursements.importing import COLUMNS as REPORT_COLUMNS
from households.importing import FILE_COLUMNS as REGISTRY_COLUMNS
from households.services import PersonData, household_register
from povertyreview.exporting import COLUMNS as CLASSIFICATION_COLUMNS
from povertyreview.importing import COLUMNS as SURVEY_COLUMNS
from povertyreview.importing import FILE_INDICATORS, import_survey, read_survey
from povertyreview.services import campaign_advance, campaign_open
from support.importing import COLUMNS as LOAN_COLUMNS
from support.importing import import_loans, read_loans

pytestmark = pytest.mark.django_db

HEAD = PersonData(national_id="072060001234", full_name="Nguyễn Văn An", date_of_birth=date(1960, 6, 15), sex="M")
ELDER = PersonData(national_id="072145001234", full_name="Nguyễn Thị Hoa", date_of_birth=date(1945, 9, 30), sex="F")


@pytest.fixture
def household(units, users):
    """HO-001 of Ấp Đông Hà, Xã Tân Đông: the household the templates' example lines name."""
    return household_register(
        commune=units.tan_dong, village=units.tan_dong_village, code="HO-001", address="Số 12, đường Số 1",
        head=HEAD, members=[(ELDER, "parent")], registered_on=date(2024, 1, 1), acting_user=users["tandong_officer"],
    )  # fmt: skip


def download(client_for, url: str) -> tuple[openpyxl.Workbook, bytes]:
    response = client_for("tandong_officer").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)), response.content


def validations(workbook) -> dict[str, str]:
    return {str(v.sqref): v.formula1 for v in workbook["Mẫu"].data_validations.dataValidation}


def test_the_beneficiaries_template_imports_back_as_its_example_line(client_for, units, users, household):
    workbook, content = download(client_for, reverse("beneficiaries:import_template"))

    sheet = workbook["Mẫu"]
    assert [cell.value for cell in sheet[1]] == [VIETNAMESE_HEADERS[name] for name in ALLOWANCE_COLUMNS]
    assert validations(workbook) == {"D2:D5000": "'Danh mục'!$A$2:$A$3", "P2:P5000": "'Danh mục'!$B$2:$B$3"}
    assert list(workbook["Danh mục"].iter_rows(values_only=True)) == [
        ("Giới tính", "Hình thức chi trả"),
        ("Nam", "ngân hàng"),
        ("Nữ", "tiền mặt"),
    ]
    source = read_beneficiaries(io.BytesIO(content), "mau.xlsx")
    assert source.header == ALLOWANCE_COLUMNS
    assert source.rows == [
        {
            **dict.fromkeys(ALLOWANCE_COLUMNS, ""),
            "national_id": "072145001234",
            "full_name": "Nguyễn Thị Hoa",
            "date_of_birth": "1945-09-30",
            "sex": "F",
            "commune_code": "25522",
            "village": "Ấp Đông Hà",
            "household_code": "HO-001",
            "categories": "5.5c",
            "decision_number": "125/QĐ-UBND",
            "decision_date": "2025-09-12",
            "start_month": "2025-09",
            "payment_method": "cash",
        }  # fmt: skip
    ]

    report = import_beneficiaries(source, acting_user=users["tandong_officer"], dry_run=True)

    assert report.errors == []


def test_the_survey_template_imports_back_as_its_example_line(client_for, units, users, household):
    officer = users["tandong_officer"]
    campaign = campaign_advance(
        campaign=campaign_open(commune=units.tan_dong, year=2025, acting_user=officer), acting_user=officer
    )

    workbook, content = download(client_for, reverse("povertyreview:import_template", args=[campaign.pk]))

    assert [cell.value for cell in workbook["Mẫu"][1]][:5] == [
        "Mã hộ", "Mã xã", "Khu vực", "Số nhân khẩu", "Thu nhập bình quân đầu người (đồng/tháng)",
    ]  # fmt: skip
    assert len(validations(workbook)) == 1 + len(FILE_INDICATORS)
    assert validations(workbook)["C2:C5000"] == "'Danh mục'!$A$2:$A$3"
    survey = read_survey(io.BytesIO(content), "mau.xlsx")
    assert survey.header == SURVEY_COLUMNS
    assert survey.rows == [
        {
            "household_code": "HO-001",
            "commune_code": "25522",
            "area": "rural",
            "members": "4",
            "income_per_capita_vnd": "1500000",
            **dict.fromkeys(FILE_INDICATORS, "0"),
        }  # fmt: skip
    ]

    report = import_survey(survey, campaign=campaign, acting_user=officer, dry_run=True)

    assert report.errors == []


def test_the_loan_template_imports_back_as_its_example_line(client_for, units, users, household):
    workbook, content = download(client_for, reverse("support:loans_import_template", args=["25522"]))

    assert [cell.value for cell in workbook["Mẫu"][1]] == [VIETNAMESE_HEADERS[name] for name in LOAN_COLUMNS]
    assert validations(workbook) == {"K2:K5000": "'Danh mục'!$A$2:$A$4"}
    source = read_loans(io.BytesIO(content), "mau.xlsx")
    assert source.rows == [
        {
            "contract_number": "7302240001",
            "household_code": "HO-001",
            "borrower_national_id": "072060001234",
            "borrower_name": "Nguyễn Văn An",
            "loan_programme": "Cho vay hộ nghèo",
            "amount_vnd": "50000000",
            "disbursed_on": "2024-03-15",
            "term_months": "60",
            "outstanding_vnd": "40000000",
            "balance_on": "2025-09-30",
            "repayment_status": "trong hạn",
        }  # fmt: skip
    ]

    report = import_loans(source, commune=units.tan_dong, acting_user=users["tandong_officer"], dry_run=True)

    assert report.errors == []


def test_a_role_that_may_not_import_gets_no_template(client_for, units):
    assert client_for("tandong_chair").get(reverse("households:import_template")).status_code == 403
    assert (
        client_for("binhminh_officer").get(reverse("support:loans_import_template", args=["25522"])).status_code == 404
    )


# --- docs/formats.md ---------------------------------------------------------------------------

FORMATS = Path(__file__).resolve().parents[2] / "docs" / "formats.md"


@pytest.mark.parametrize(
    "columns",
    [
        REGISTRY_COLUMNS,
        ALLOWANCE_COLUMNS,
        SURVEY_COLUMNS,
        LOAN_COLUMNS,
        REPORT_COLUMNS,
        PAYMENT_COLUMNS,
        CLASSIFICATION_COLUMNS,
    ],  # fmt: skip
    ids=["registry", "beneficiaries", "survey", "loans", "payer's report", "payments", "classification"],
)
def test_docs_formats_names_every_column_in_vietnamese_and_english(columns):
    text = FORMATS.read_text(encoding="utf-8")
    rows = re.findall(r"^\s*\| ([^|]+?) \|(?: [^|]*\|)?? `([a-z_]+)` \|", text, flags=re.MULTILINE)
    documented: dict[str, str] = {}
    for vietnamese, english in rows:  # the first table naming a column is its import's
        documented.setdefault(english, vietnamese.rstrip(" *"))
    for name in columns:
        assert name in documented, name
        if name in VIETNAMESE_HEADERS and name in (
            *REGISTRY_COLUMNS,
            *ALLOWANCE_COLUMNS,
            *SURVEY_COLUMNS,
            *LOAN_COLUMNS,
        ):
            # An import's Vietnamese header, as documented, is read as its column.
            assert canonical_header(documented[name]) == name, name
