"""Poverty survey import (rules.md §4.4): reading files, every error kind with its line and column,
atomicity, dry run, re-import, the classification at the boundaries of §3, the step and the roles,
the command line and the page."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from households.models import HouseholdYearStatus
from povertyreview.importing import COLUMNS, FILE_INDICATORS, import_survey, read_survey
from povertyreview.models import Assessment, Campaign, ReviewEvent
from povertyreview.services import campaign_advance, campaign_open
from tests.households.factories import make_household

YEAR = 2025


def survey_line(code="HH-001", **values) -> dict[str, str]:
    """A valid line: household ``code`` of Xã Tân Đông, rural, 4 members, above the middle-income
    band, deprived on nothing; override any column."""
    row = dict.fromkeys(COLUMNS, "0")
    row.update(household_code=code, commune_code="25522", area="", members="4", income_per_capita_vnd="3000000")
    row.update(values)
    return row


def deprived_on(*codes: str) -> dict[str, str]:
    return dict.fromkeys(codes, "1")


THREE = deprived_on("health_insurance", "water", "latrine")


def csv_bytes(rows, *, header=COLUMNS, delimiter=",", bom=False) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return (("\ufeff" if bom else "") + text.getvalue()).encode()


def survey_file(rows, **options):
    return read_survey(io.BytesIO(csv_bytes(rows, **options)), "survey.csv")


def pairs(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


def snapshot() -> tuple:
    """Everything an import may write, to prove that a refused or dry-run import wrote nothing."""
    return (
        Assessment.objects.count(),
        ReviewEvent.objects.count(),
        list(
            Assessment.objects.order_by("pk").values_list(
                "pk", "classification", "income_per_capita", "deprived", "surveyed_at", "assessed_by_id", "area"
            )
        ),
    )


@pytest.fixture
def households(units):
    """HH-001 … HH-006 of Xã Tân Đông; HH-001 was poor and HH-002 near-poor in 2025 (so they are on
    the review's list from its opening)."""
    made = {
        f"HH-{number:03d}": make_household(units.tan_dong, units.tan_dong_village, code=f"HH-{number:03d}")
        for number in range(1, 7)
    }
    HouseholdYearStatus.objects.create(household=made["HH-001"], year=YEAR, status="poor")
    HouseholdYearStatus.objects.create(household=made["HH-002"], year=YEAR, status="near_poor")
    HouseholdYearStatus.objects.create(household=made["HH-003"], year=YEAR, status="middle_income")
    return made


@pytest.fixture
def campaign(units, users, households) -> Campaign:
    """The 2025 review of Xã Tân Đông, at the step "surveying"."""
    officer = users["tandong_officer"]
    opened = campaign_open(commune=units.tan_dong, year=YEAR, acting_user=officer)
    return campaign_advance(campaign=opened, acting_user=officer)


def run(rows, users, campaign, *, user="tandong_officer", dry_run=False, **options):
    return import_survey(survey_file(rows, **options), campaign=campaign, acting_user=users[user], dry_run=dry_run)


# --- a clean file ------------------------------------------------------------------------------


def test_a_clean_file_classifies_listed_households_and_lists_the_others(users, campaign, households, units):
    officer = users["tandong_officer"]
    rows = [
        survey_line("HH-001", income_per_capita_vnd="1200000", **THREE),  # on the list: poor
        survey_line("HH-002", income_per_capita_vnd="1400000", members="3"),  # on the list: near-poor
        survey_line("HH-003", income_per_capita_vnd="1600000", area="urban"),  # listed now: urban line
        survey_line("HH-004", income_per_capita_vnd="2250001"),  # listed now: none
    ]

    report = run(rows, users, campaign)

    assert report.ok, report.errors
    assert [(c.line, c.household_code, c.new) for c in report.listed] == [
        (4, "HH-003", "near_poor"),
        (5, "HH-004", "none"),
    ]
    assert [(c.line, c.household_code, c.new) for c in report.surveyed] == [
        (2, "HH-001", "poor"),
        (3, "HH-002", "near_poor"),
    ]
    assert report.counts == {"poor": 1, "near_poor": 2, "middle_income": 0, "none": 1}
    assessments = {a.household.code: a for a in campaign.assessments.select_related("household")}
    assert sorted(assessments) == ["HH-001", "HH-002", "HH-003", "HH-004"]
    first = assessments["HH-001"]
    assert (first.classification, first.income_per_capita, first.deprivation_count, first.members) == (
        "poor",
        1_200_000,
        3,
        4,
    )
    assert first.deprived == ["health_insurance", "water", "latrine"]
    assert first.listed_reason == "on_list" and first.previous_classification == "poor"
    assert first.assessed_by == officer and first.surveyed_at is not None and first.area == "rural"
    third = assessments["HH-003"]
    assert (third.listed_reason, third.previous_classification, third.area) == ("imported", "middle_income", "urban")
    assert third.village == units.tan_dong_village and third.classification == "near_poor"
    fourth = assessments["HH-004"]
    assert (fourth.previous_classification, fourth.area, fourth.classification) == ("none", "rural", "none")
    events = ReviewEvent.objects.filter(kind=ReviewEvent.Kind.IMPORTED).order_by("household__code")
    assert [(e.household.code, e.actor, e.campaign_id) for e in events] == [
        (code, officer, campaign.pk) for code in ("HH-001", "HH-002", "HH-003", "HH-004")
    ]
    assert events[0].data["classification"] == "poor" and events[0].data["listed"] is False
    assert events[2].data["listed"] is True


def test_the_household_timeline_explains_an_imported_survey(users, campaign, households):
    from core.timeline import timeline_for_household

    run([survey_line("HH-001", income_per_capita_vnd="1200000", **THREE)], users, campaign)

    entry = next(e for e in timeline_for_household(households["HH-001"].pk) if e.title == "Survey results imported")
    assert entry.detail == (
        "Poor: income 1,200,000 ≤ 1,500,000 rural line; deprived on 3: Health insurance, "
        "Domestic water source, Hygienic latrine"
    )


def test_semicolons_a_bom_and_an_xlsx_workbook_read_the_same(users, campaign):
    rows = [survey_line("HH-001", income_per_capita_vnd="1200000", **THREE)]
    semicolons = read_survey(io.BytesIO(csv_bytes(rows, delimiter=";", bom=True)), "survey.csv")
    workbook = openpyxl.Workbook()
    workbook.active.append(COLUMNS)
    # Numbers as a spreadsheet stores them: the commune code loses its zero padding only if it had one.
    workbook.active.append([25522 if name == "commune_code" else rows[0][name] for name in COLUMNS])
    workbook.active["E2"] = 1200000.0
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    from_xlsx = read_survey(stream, "survey.XLSX")

    assert semicolons.rows == [rows[0]]
    assert from_xlsx.rows == [rows[0]]
    report = import_survey(from_xlsx, campaign=campaign, acting_user=users["tandong_officer"])
    assert report.ok and report.counts["poor"] == 1


def test_rows_given_as_dicts_are_read_like_a_file(users, campaign):
    row = {
        name.upper(): f" {value} " for name, value in survey_line("HH-001", income_per_capita_vnd="1", **THREE).items()
    }
    del row["AREA"]  # a missing key is an empty cell; the header is the first row's keys

    report = import_survey([row], campaign=campaign, acting_user=users["tandong_officer"])

    assert [(e.row, e.column) for e in report.errors] == [(1, "area")]
    report = import_survey([{**row, "AREA": ""}], campaign=campaign, acting_user=users["tandong_officer"])
    assert report.ok and report.counts["poor"] == 1


def test_a_file_that_is_not_csv_or_xlsx_or_not_utf8_is_refused():
    with pytest.raises(ValidationError, match="csv or .xlsx"):
        read_survey(io.BytesIO(b"x"), "survey.txt")
    with pytest.raises(ValidationError, match="not UTF-8"):
        read_survey(io.BytesIO(b"household_code\nH\xf4"), "survey.csv")  # Latin-1
    with pytest.raises(ValidationError, match="no header"):
        read_survey(io.BytesIO(b""), "survey.csv")


# --- every error kind --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"household_code": ""}, "household_code", "is required"),
        ({"household_code": "HH-999"}, "household_code", "no household HH-999 in Xã Tân Đông"),
        ({"commune_code": ""}, "commune_code", "is required"),
        ({"commune_code": "99999"}, "commune_code", "unknown commune 99999"),
        ({"commune_code": "25480"}, "commune_code", "25480 is not one of your communes"),
        ({"area": "suburb"}, "area", "must be rural or urban"),
        ({"members": "0"}, "members", "must be between 1 and 99"),
        ({"members": "-2"}, "members", "must be between 1 and 99"),
        ({"members": "2.5"}, "members", "must be a whole number"),
        ({"income_per_capita_vnd": ""}, "income_per_capita_vnd", "is required"),
        ({"income_per_capita_vnd": "1.500.000"}, "income_per_capita_vnd", "must be a whole number of đồng"),
        ({"income_per_capita_vnd": "1500000.5"}, "income_per_capita_vnd", "must be a whole number of đồng"),
        ({"income_per_capita_vnd": "-1"}, "income_per_capita_vnd", "cannot be negative"),
        ({"income_per_capita_vnd": "99999999999"}, "income_per_capita_vnd", "is too large"),
        ({"water": "2"}, "water", "must be 0, 1 or empty"),
        ({"telecom": "yes"}, "telecom", "must be 0, 1 or empty"),
    ],
)
def test_each_error_names_its_line_column_and_reason(users, campaign, values, column, message):
    before = snapshot()
    rows = [survey_line("HH-001"), survey_line("HH-002", **values)]

    report = run(rows, users, campaign)

    assert [(e.row, e.column, e.message) for e in report.errors] == [(3, column, message)]
    assert snapshot() == before


def test_a_dissolved_household_is_refused(users, campaign, households):
    households["HH-004"].dissolved_on = date(2025, 3, 1)
    households["HH-004"].save()

    report = run([survey_line("HH-004")], users, campaign)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "household_code", "household HH-004 is dissolved")
    ]


def test_the_same_household_twice_is_refused_on_its_second_line(users, campaign):
    report = run([survey_line("HH-001"), survey_line("HH-002"), survey_line("HH-001")], users, campaign)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "household_code", "household HH-001 is also on line 2")
    ]


def test_a_household_of_another_commune_in_scope_is_not_of_this_review(units, users, campaign):
    """An administrator sees every commune: a Bình Minh line in the Tân Đông review is still wrong."""
    report = run([survey_line("HH-001", commune_code="25480")], users, campaign, user="admin")

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "commune_code", "this review is of Xã Tân Đông (25522)")
    ]


def test_empty_indicator_cells_mean_not_deprived(users, campaign):
    row = survey_line("HH-001", income_per_capita_vnd="1000000", **dict.fromkeys(FILE_INDICATORS, ""))

    report = run([row], users, campaign)

    assert report.ok
    assert campaign.assessments.get(household__code="HH-001").classification == "near_poor"


def test_missing_unknown_and_repeated_columns_are_errors_of_line_1(users, campaign):
    header = [name for name in COLUMNS if name not in ("water", "members")] + ["notes", "latrine"]
    before = snapshot()

    report = run([survey_line("HH-001")], users, campaign, header=header)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (1, "members", "missing column"),
        (1, "latrine", "is named more than once"),
        (1, "notes", "unknown column"),
    ]
    # Indicator columns of the standard are checked once the campaign is known.
    report = run([survey_line("HH-001")], users, campaign, header=[n for n in COLUMNS if n != "water"])
    assert [(e.row, e.column, e.message) for e in report.errors] == [(1, "water", "missing column")]
    assert snapshot() == before


def test_a_line_with_more_cells_than_the_header_is_an_error(users, campaign):
    data = csv_bytes([survey_line("HH-001")]) + b"HH-002,25522,,4,3000000" + b",0" * 12 + b",extra\r\n"

    report = import_survey(
        read_survey(io.BytesIO(data), "s.csv"), campaign=campaign, acting_user=users["tandong_officer"]
    )

    assert [(e.row, e.column, e.message) for e in report.errors] == [(3, "", "has more cells than the header")]


def test_twenty_mistakes_are_all_listed_and_nothing_is_saved(units, users, campaign, households):
    for number in range(7, 30):
        make_household(units.tan_dong, units.tan_dong_village, code=f"HH-{number:03d}")
    households["HH-006"].dissolved_on = date(2025, 1, 1)
    households["HH-006"].save()
    run([survey_line("HH-001", income_per_capita_vnd="1000000")], users, campaign)  # surveyed once before
    before = snapshot()
    mistakes = [
        ({"household_code": ""}, "household_code"),
        ({"household_code": "HH-404"}, "household_code"),
        ({"household_code": "HH-006"}, "household_code"),  # dissolved
        ({"commune_code": "00000"}, "commune_code"),
        ({"commune_code": "25480"}, "commune_code"),
        ({"commune_code": ""}, "commune_code"),
        ({"area": "city"}, "area"),
        ({"members": "0"}, "members"),
        ({"members": "four"}, "members"),
        ({"members": "100"}, "members"),
        ({"income_per_capita_vnd": ""}, "income_per_capita_vnd"),
        ({"income_per_capita_vnd": "1,5 triệu"}, "income_per_capita_vnd"),
        ({"income_per_capita_vnd": "-100"}, "income_per_capita_vnd"),
        ({"employment": "x"}, "employment"),
        ({"dependants": "-1"}, "dependants"),
        ({"nutrition": "01"}, "nutrition"),
        ({"school_attendance": "1.0"}, "school_attendance"),
        ({"housing_area": "true"}, "housing_area"),
        ({"information_assets": "3"}, "information_assets"),
    ]
    rows = [survey_line("HH-001", income_per_capita_vnd="1200000", **THREE)]  # a good line first (line 2)
    expected = []
    for number, (values, column) in enumerate(mistakes, start=7):
        rows.append(survey_line(f"HH-{number:03d}", **values))
        expected.append((len(rows) + 1, column))
    rows.append(survey_line("HH-002"))  # good
    rows.append(survey_line("HH-001"))  # the twentieth mistake: twice in the file
    expected.append((len(rows) + 1, "household_code"))

    report = run(rows, users, campaign)

    assert len(report.errors) == 20
    assert pairs(report) == expected
    assert snapshot() == before


# --- dry run, re-import ------------------------------------------------------------------------


def test_a_dry_run_reports_what_would_change_and_saves_nothing(users, campaign):
    run([survey_line("HH-001", income_per_capita_vnd="1200000", **THREE)], users, campaign)
    before = snapshot()
    rows = [
        survey_line("HH-001", income_per_capita_vnd="1800000"),  # poor -> middle-income
        survey_line("HH-002", income_per_capita_vnd="900000"),  # first survey: near-poor
        survey_line("HH-005", income_per_capita_vnd="1000000", **THREE),  # listed now: poor
    ]

    report = run(rows, users, campaign, dry_run=True)

    assert report.ok and report.dry_run
    assert [(c.household_code, c.old, c.new) for c in report.reclassified] == [("HH-001", "poor", "middle_income")]
    assert [(c.household_code, c.new) for c in report.surveyed] == [("HH-002", "near_poor")]
    assert [(c.household_code, c.old, c.new) for c in report.listed] == [("HH-005", "", "poor")]
    assert snapshot() == before


def test_a_second_import_updates_the_classification_and_records_another_event(users, campaign):
    committee = users["tandong_committee"]
    run([survey_line("HH-001", income_per_capita_vnd="1200000", **THREE), survey_line("HH-004")], users, campaign)

    report = run(
        [survey_line("HH-001", income_per_capita_vnd="1200000", area="urban", members="2"), survey_line("HH-004")],
        users,
        campaign,
        user="tandong_committee",
    )

    assert report.ok
    assert [(c.line, c.household_code, c.old, c.new) for c in report.reclassified] == [
        (2, "HH-001", "poor", "near_poor")
    ]
    assert report.unchanged == 1 and not report.listed
    assessment = campaign.assessments.get(household__code="HH-001")
    assert (assessment.classification, assessment.area, assessment.members, assessment.deprived) == (
        "near_poor",
        "urban",
        2,
        [],
    )
    assert (assessment.deprivation_count, assessment.assessed_by, assessment.listed_reason) == (0, committee, "on_list")
    assert campaign.assessments.count() == 3  # HH-001, HH-002 (listed at opening), HH-004
    assert ReviewEvent.objects.filter(kind=ReviewEvent.Kind.IMPORTED, household__code="HH-001").count() == 2


# --- classification at the boundaries of §3 ----------------------------------------------------


@pytest.mark.parametrize(
    ("area", "income", "deprivations", "expected"),
    [
        ("rural", 0, 0, "near_poor"),
        ("rural", 1_500_000, 3, "poor"),
        ("rural", 1_500_000, 2, "near_poor"),
        ("rural", 1_500_001, 12, "middle_income"),
        ("rural", 2_250_000, 0, "middle_income"),
        ("rural", 2_250_001, 12, "none"),
        ("urban", 2_000_000, 3, "poor"),
        ("urban", 2_000_000, 2, "near_poor"),
        ("urban", 2_000_001, 5, "middle_income"),
        ("urban", 3_000_000, 0, "middle_income"),
        ("urban", 3_000_001, 0, "none"),
    ],
)
def test_classification_at_the_boundaries(users, campaign, area, income, deprivations, expected):
    row = survey_line(
        "HH-001", area=area, income_per_capita_vnd=str(income), **deprived_on(*FILE_INDICATORS[:deprivations])
    )

    report = run([row], users, campaign)

    assert report.ok
    assessment = campaign.assessments.get(household__code="HH-001")
    assert (assessment.classification, assessment.deprivation_count) == (expected, deprivations)


# --- the step, the roles -----------------------------------------------------------------------


@pytest.mark.parametrize("step", ["preparing", "village_meetings", "approved"])
def test_a_review_not_at_the_survey_step_refuses_the_whole_file(users, campaign, step):
    Campaign.objects.filter(pk=campaign.pk).update(status=step)
    campaign.refresh_from_db()
    before = snapshot()

    report = run([survey_line("HH-001"), survey_line("HH-999")], users, campaign)

    assert [(e.row, e.column) for e in report.errors] == [(0, "")]
    assert f"at the step “{campaign.get_status_display()}”" in report.errors[0].message
    assert "only while it is at the step “Surveying”" in report.errors[0].message
    assert snapshot() == before


@pytest.mark.parametrize("role", ["tayninh_province"])
def test_a_role_that_may_not_run_the_review_is_refused(users, campaign, role):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        run([survey_line("HH-001")], users, campaign, user=role)
    assert snapshot() == before


def test_by_year_each_line_goes_into_its_communes_review(units, users, campaign):
    report = import_survey(
        survey_file([survey_line("HH-004", income_per_capita_vnd="100")]),
        year=YEAR,
        acting_user=users["tandong_officer"],
    )

    assert report.ok
    assert campaign.assessments.get(household__code="HH-004").classification == "near_poor"


def test_by_year_a_commune_without_a_review_refuses_the_file(units, users, campaign):
    report = import_survey(survey_file([survey_line("HH-001")]), year=2024, acting_user=users["tandong_officer"])

    assert [(e.row, e.message) for e in report.errors] == [
        (0, "Xã Tân Đông has no annual review for 2024: open it first.")
    ]


# --- the command line --------------------------------------------------------------------------


def write(tmp_path, rows, name="survey.csv") -> str:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return str(path)


def test_the_command_imports_and_its_dry_run_saves_nothing(tmp_path, users, campaign):
    path = write(tmp_path, [survey_line("HH-001", income_per_capita_vnd="1200000", **THREE), survey_line("HH-005")])
    before = snapshot()
    out = io.StringIO()

    call_command("povertyreview", "import", "--year", str(YEAR), path, "--user", "tandong.officer", "--dry-run",
                 stdout=out)  # fmt: skip

    assert "Dry run, nothing saved. Households: 2 (listed now: 1, surveyed for the first time: 1" in out.getvalue()
    assert snapshot() == before
    call_command("povertyreview", "import", "--year", str(YEAR), path, "--user", "tandong.officer", stdout=out)
    assert "Imported. Households: 2" in out.getvalue()
    assert campaign.assessments.filter(surveyed_at__isnull=False).count() == 2


def test_the_command_prints_every_error_and_fails(tmp_path, users, campaign):
    path = write(tmp_path, [survey_line("HH-001", water="7"), survey_line("HH-404")])
    out = io.StringIO()

    with pytest.raises(CommandError, match="2 errors: nothing was imported"):
        call_command("povertyreview", "import", "--year", str(YEAR), path, "--user", "tandong.officer", stdout=out)

    assert out.getvalue().splitlines() == [
        "line 2, column water: must be 0, 1 or empty",
        "line 3, column household_code: no household HH-404 in Xã Tân Đông",
    ]
    assert not campaign.assessments.filter(surveyed_at__isnull=False).exists()


def test_the_command_refuses_a_viewer_and_an_unknown_user(tmp_path, users, campaign):
    path = write(tmp_path, [survey_line("HH-001")])
    with pytest.raises(CommandError, match="may not take part"):
        call_command("povertyreview", "import", "--year", str(YEAR), path, "--user", "tayninh.province")
    with pytest.raises(CommandError, match="No user"):
        call_command("povertyreview", "import", "--year", str(YEAR), path, "--user", "nobody")


# --- the page ----------------------------------------------------------------------------------


def upload(client, campaign, rows, *, dry_run: bool):
    data = {"file": _named(csv_bytes(rows))}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("povertyreview:import", args=[campaign.pk]), data)


def _named(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("survey.csv", content, content_type="text/csv")


def test_the_page_checks_then_imports(client_for, campaign):
    client = client_for("tandong_officer")
    assert client.get(reverse("povertyreview:import", args=[campaign.pk])).status_code == 200
    rows = [survey_line("HH-001", income_per_capita_vnd="1200000", **THREE), survey_line("HH-005")]

    checked = upload(client, campaign, rows, dry_run=True)

    assert checked.status_code == 200
    assert b'data-testid="import-ok"' in checked.content and b"HH-005" in checked.content
    assert not campaign.assessments.filter(surveyed_at__isnull=False).exists()
    imported = upload(client, campaign, rows, dry_run=False)
    assert b'data-testid="import-done"' in imported.content
    assert campaign.assessments.filter(surveyed_at__isnull=False).count() == 2


def test_the_page_lists_the_errors(client_for, campaign):
    response = upload(client_for("tandong_officer"), campaign, [survey_line("HH-404")], dry_run=False)

    assert b'data-testid="import-refused"' in response.content
    assert (
        b"<td>2</td><td></td><td><code>household_code</code></td>" in response.content and b"HH-404" in response.content
    )
    assert not campaign.assessments.filter(surveyed_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("role", "status"), [("binhminh_officer", 404), ("hcm_province", 404), ("tayninh_province", 403)]
)
def test_the_page_is_404_out_of_scope_and_403_for_a_viewer(client_for, campaign, role, status):
    client = client_for(role)
    url = reverse("povertyreview:import", args=[campaign.pk])

    assert client.get(url).status_code == status
    assert upload(client, campaign, [survey_line("HH-001")], dry_run=False).status_code == status
    assert not campaign.assessments.filter(surveyed_at__isnull=False).exists()


def test_the_page_warns_and_refuses_when_the_review_is_not_surveying(client_for, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.VILLAGE_MEETINGS)
    client = client_for("tandong_officer")

    page = client.get(reverse("povertyreview:import", args=[campaign.pk]))
    refused = upload(client, campaign, [survey_line("HH-001")], dry_run=False)

    assert b'data-testid="import-not-surveying"' in page.content
    assert b'data-testid="import-refused"' in refused.content
    assert not campaign.assessments.filter(surveyed_at__isnull=False).exists()
