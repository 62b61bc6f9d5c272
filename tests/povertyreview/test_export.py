"""Poverty classification export (rules.md §4.5): exact bytes, XLSX, no query per line, the
pages' scope, the command line, and an import → export round trip checked against §3."""

import csv
import io
import random

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from households.models import HouseholdYearStatus
from povertyreview.exporting import COLUMNS, export_rows, write_csv, write_xlsx
from povertyreview.importing import FILE_INDICATORS, import_survey, read_survey
from povertyreview.services import campaign_advance, campaign_open
from tests.households.factories import make_household
from tests.povertyreview.test_import import csv_bytes, survey_line

YEAR = 2025
HEADER = "household_code,commune_code,review_year,area,income_per_capita_vnd,deprivation_count,classification,previous_classification"


@pytest.fixture
def campaign(units, users):
    """The 2025 review of Xã Tân Đông at the survey step; HH-002 was poor in 2025."""
    for code in ("HH-003", "HH-001", "HH-002", "HH-004"):
        household = make_household(units.tan_dong, units.tan_dong_village, code=code)
        if code == "HH-002":
            HouseholdYearStatus.objects.create(household=household, year=YEAR, status="poor")
    officer = users["tandong_officer"]
    return campaign_advance(campaign=campaign_open(commune=units.tan_dong, year=YEAR, acting_user=officer),
                            acting_user=officer)  # fmt: skip


@pytest.fixture
def surveyed(users, campaign):
    """HH-001 (urban, middle-income), HH-002 (poor) and HH-003 (none) surveyed; HH-004 is not."""
    rows = [
        survey_line("HH-003", income_per_capita_vnd="2250001"),
        survey_line("HH-001", area="urban", income_per_capita_vnd="2000001", water="1"),
        survey_line("HH-002", income_per_capita_vnd="1500000", water="1", latrine="1", telecom="1"),
    ]
    report = import_survey(read_survey(io.BytesIO(csv_bytes(rows)), "s.csv"), campaign=campaign,
                           acting_user=users["tandong_officer"])  # fmt: skip
    assert report.ok, report.errors
    return campaign


EXPECTED_CSV = (
    "\ufeff" + HEADER + "\r\n"
    "HH-001,25522,2025,urban,2000001,1,middle_income,none\r\n"
    "HH-002,25522,2025,rural,1500000,3,poor,poor\r\n"
    "HH-003,25522,2025,rural,2250001,0,none,none\r\n"
).encode()


def test_the_csv_has_exactly_these_bytes(surveyed):
    stream = io.StringIO(newline="")

    write_csv(surveyed, stream)

    assert stream.getvalue().encode() == EXPECTED_CSV


def test_the_xlsx_has_the_same_lines_with_numbers_as_numbers(surveyed):
    stream = io.BytesIO()
    write_xlsx(surveyed, stream)
    stream.seek(0)

    sheet = openpyxl.load_workbook(stream).active

    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        COLUMNS,
        ["HH-001", "25522", 2025, "urban", 2000001, 1, "middle_income", "none"],
        ["HH-002", "25522", 2025, "rural", 1500000, 3, "poor", "poor"],
        ["HH-003", "25522", 2025, "rural", 2250001, 0, "none", "none"],
    ]


def test_an_unsurveyed_review_exports_the_header_only(campaign):
    assert list(export_rows(campaign)) == [COLUMNS]


def test_the_export_makes_no_query_per_line(units, users, surveyed, django_assert_num_queries):
    with django_assert_num_queries(1):
        small = list(export_rows(surveyed))
    for number in range(10, 40):
        make_household(units.tan_dong, units.tan_dong_village, code=f"HH-{number:03d}")
    rows = [survey_line(f"HH-{number:03d}") for number in range(10, 40)]
    import_survey(read_survey(io.BytesIO(csv_bytes(rows)), "s.csv"), campaign=surveyed,
                  acting_user=users["tandong_officer"])  # fmt: skip
    with django_assert_num_queries(1):
        large = list(export_rows(surveyed))
    assert (len(small), len(large)) == (4, 34)


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["tandong_officer", "tandong_committee", "tandong_chair", "tayninh_province", "admin"])
def test_the_csv_page_streams_the_file(client_for, surveyed, role):
    response = client_for(role).get(reverse("povertyreview:export", args=[surveyed.pk, "csv"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="poverty-classification-25522-2025.csv"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == EXPECTED_CSV


def test_the_xlsx_page_sends_a_workbook(client_for, surveyed):
    response = client_for("tayninh_province").get(reverse("povertyreview:export", args=[surveyed.pk, "xlsx"]))

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 4


@pytest.mark.parametrize(("role", "status"), [("binhminh_officer", 404), ("hcm_province", 404), ("anonymous", 302)])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_out_of_scope_the_export_is_404(client_for, surveyed, role, status, fmt):
    assert client_for(role).get(reverse("povertyreview:export", args=[surveyed.pk, fmt])).status_code == status


def test_an_unknown_format_is_404(client_for, surveyed):
    assert client_for("tandong_officer").get(f"/reviews/{surveyed.pk}/export.pdf").status_code == 404


# --- command line and round trip ---------------------------------------------------------------


def test_the_command_writes_csv_and_xlsx(tmp_path, surveyed):
    call_command("povertyreview", "export", "--year", str(YEAR), "--commune", "25522", "-o", str(tmp_path / "out.csv"),
                 stdout=io.StringIO())  # fmt: skip
    assert (tmp_path / "out.csv").read_bytes() == EXPECTED_CSV
    call_command("povertyreview", "export", "--year", str(YEAR), "--commune", "25522", "-o", str(tmp_path / "out.bin"),
                 "--format", "xlsx", stdout=io.StringIO())  # fmt: skip
    assert openpyxl.load_workbook(io.BytesIO((tmp_path / "out.bin").read_bytes())).active.max_row == 4
    with pytest.raises(CommandError, match="No annual review of 2024"):
        call_command("povertyreview", "export", "--year", "2024", "--commune", "25522", "-o", str(tmp_path / "x.csv"))


# §3, written out again independently of povertyreview.classification and the standards' data.
LINES = {"rural": (1_500_000, 2_250_000), "urban": (2_000_000, 3_000_000)}


def expected_classification(area: str, income: int, deprivations: int) -> str:
    line, ceiling = LINES[area]
    if income <= line:
        return "poor" if deprivations >= 3 else "near_poor"
    return "middle_income" if income <= ceiling else "none"


def test_a_command_line_import_then_export_classifies_every_household_by_section_3(tmp_path, units, users, campaign):
    generator = random.Random(4)
    codes = [f"HH-{number:03d}" for number in range(5, 65)]
    for code in codes:
        make_household(units.tan_dong, units.tan_dong_village, code=code)
    rows, expected = [], []
    for code in ["HH-001", "HH-002", "HH-003", "HH-004", *codes]:
        area = generator.choice(["", "rural", "urban"])
        # Incomes near every boundary of §3, and some anywhere.
        income = generator.choice([1_500_000, 2_000_000, 2_250_000, 3_000_000, generator.randrange(0, 4_000_000)])
        income += generator.choice([-1, 0, 1])
        deprived = generator.sample(FILE_INDICATORS, generator.choice([0, 1, 2, 3, 4, 12]))
        rows.append(
            survey_line(
                code,
                area=area,
                income_per_capita_vnd=str(max(income, 0)),
                members=str(generator.randint(1, 9)),
                **dict.fromkeys(deprived, "1"),
            )
        )
        real_area = area or "rural"  # a xã: its households are rural
        previous = "poor" if code == "HH-002" else "none"
        expected.append(
            [code, "25522", str(YEAR), real_area, str(max(income, 0)), str(len(deprived)),
             expected_classification(real_area, max(income, 0), len(deprived)), previous]
        )  # fmt: skip
    source = tmp_path / "survey.csv"
    source.write_bytes(csv_bytes(rows))
    call_command("povertyreview", "import", "--year", str(YEAR), str(source), "--user", "tandong.officer",
                 stdout=io.StringIO())  # fmt: skip
    target = tmp_path / "classification.csv"

    call_command("povertyreview", "export", "--year", str(YEAR), "--commune", "25522", "-o", str(target),
                 stdout=io.StringIO())  # fmt: skip

    exported = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert exported[0] == COLUMNS
    assert exported[1:] == sorted(expected)
    classes = {row[6] for row in exported[1:]}
    assert classes == {"poor", "near_poor", "middle_income", "none"}  # the sample reaches every class
