"""The review's shared reads: progress, results, what-if, the household timeline, the work list."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from core.timeline import timeline_for_household
from core.worklists import WorkItem
from households.models import Household, HouseholdYearStatus
from povertyreview import selectors, services
from povertyreview.models import Assessment, Campaign, Complaint, ReviewEvent
from tests.clock import VIETNAM
from tests.conftest import on_day
from tests.households.factories import make_household
from tests.povertyreview.conftest import SURVEYS

Status = Campaign.Status


# --- progress ------------------------------------------------------------------------------------


def test_progress_per_village_and_for_the_commune(campaign, review_households, drive, units, second_village):
    services.campaign_list_household(
        campaign=campaign, household=review_households.applicant, reason="applied", acting_user=drive.officer
    )
    campaign = drive.advance(campaign)
    drive.survey(drive.assessment(campaign, review_households.applicant), 3_000_000)
    drive.survey(drive.assessment(campaign, review_households.poor), *SURVEYS["TD-P1"])
    drive.survey(drive.assessment(campaign, review_households.near_poor), *SURVEYS["TD-N1"])
    drive.survey(drive.assessment(campaign, review_households.escaping), *SURVEYS["TD-N2"])
    campaign = drive.advance(campaign)
    drive.meet(campaign, units.tan_dong_village, attendees=40, votes_for=20)  # both returned
    drive.meet(campaign, second_village)

    rows = {row.pop("village__name"): row for row in selectors.campaign_progress(campaign)}

    columns = ("listed", "surveyed", "missing", "proposed", "agreed", "returned", "disputed_count")
    assert {name: tuple(row[column] for column in columns) for name, row in rows.items()} == {
        "Ấp Đông Hà": (2, 2, 0, 2, 0, 2, 0),
        "Ấp Tân Hòa": (2, 2, 0, 1, 1, 0, 0),
        "Whole commune": (4, 4, 0, 3, 1, 2, 0),
    }
    assert rows["Whole commune"]["village_id"] is None


def test_progress_counts_households_with_an_open_complaint(campaign, review_households, drive):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    campaign = drive.advance(campaign, **drive.posting(starts=-2, ends=2))
    for household in (review_households.poor, review_households.escaping):
        services.complaint_register(
            assessment=drive.assessment(campaign, household), complainant="Tư", received_on=drive.today,
            content="x", acting_user=drive.officer,
        )  # fmt: skip
    resolved = Complaint.objects.get(assessment__household=review_households.escaping)
    services.complaint_resolve(
        complaint=resolved, recheck_result="x", answer="y", resolved_on=drive.today, acting_user=drive.officer
    )

    rows = selectors.campaign_progress(campaign)

    # One row per village (the disputed household does not split its village), then the total.
    assert {row["village__name"]: (row["listed"], row["agreed"], row["disputed_count"]) for row in rows} == {
        "Ấp Đông Hà": (2, 2, 1),
        "Ấp Tân Hòa": (1, 1, 0),
        "Whole commune": (3, 3, 1),
    }
    assert len(rows) == 3
    assert [a.household.code for a in selectors.assessments_for(campaign, state="disputed")] == ["TD-P1"]


def test_progress_is_one_query_whatever_the_number_of_households(
    campaign, drive, units, second_village, django_assert_num_queries
):
    with django_assert_num_queries(1):
        selectors.campaign_progress(campaign)

    for number in range(5):
        household = make_household(units.tan_dong, second_village, code=f"TD-A{number}")
        services.campaign_list_household(
            campaign=campaign, household=household, reason="added", acting_user=drive.officer
        )

    with django_assert_num_queries(1):
        rows = selectors.campaign_progress(campaign)
    assert rows[-1]["listed"] == 8


# --- results -------------------------------------------------------------------------------------

# code -> statuses by year; every household is a current household of Tân Đông.
HISTORY = {
    "H01": {2024: "poor", 2025: "poor"},
    "H02": {2024: "poor", 2025: "near_poor"},  # escaped poverty, still near-poor
    "H03": {2024: "poor", 2025: "middle_income"},  # escaped poverty
    "H04": {2024: "near_poor", 2025: "none"},  # escaped near-poverty
    "H05": {2024: "near_poor", 2025: "middle_income"},  # escaped near-poverty
    "H06": {2024: "near_poor", 2025: "near_poor"},
    "H07": {2024: "none", 2025: "poor"},  # new
    "H08": {2023: "near_poor", 2024: "none", 2025: "near_poor"},  # fell back
    "H09": {2025: "near_poor"},  # new (no status before)
    "H10": {2024: "none", 2025: "none"},
    "H11": {2024: "middle_income"},  # not reviewed
}


@pytest.fixture
def history(units, second_village):
    for number, (code, statuses) in enumerate(HISTORY.items()):
        village = units.tan_dong_village if number % 2 else second_village
        household = make_household(units.tan_dong, village, code=code)
        HouseholdYearStatus.objects.bulk_create(
            HouseholdYearStatus(household=household, year=year, status=status) for year, status in statuses.items()
        )
    # Neither a dissolved household nor another commune's household counts.
    dissolved = make_household(units.tan_dong, units.tan_dong_village, code="H99")
    Household.objects.filter(pk=dissolved.pk).update(dissolved_on=date(2024, 5, 1))
    other = make_household(units.binh_minh, units.binh_minh_village, code="B01")
    for household in (dissolved, other):
        HouseholdYearStatus.objects.create(household=household, year=2024, status="poor")
        HouseholdYearStatus.objects.create(household=household, year=2025, status="poor")


def test_review_results(history, units, officer):
    services.target_set(commune=units.tan_dong, year=2024, planned_reduction=3, acting_user=officer)

    result = selectors.review_results(units.tan_dong, 2024)

    assert (result.year, result.status_year, result.total_households) == (2024, 2025, 11)
    assert result.counts == {"poor": 2, "near_poor": 4, "middle_income": 2}
    assert result.previous_counts == {"poor": 3, "near_poor": 3, "middle_income": 1}
    assert (result.poor_rate, result.near_poor_rate, result.listed_rate) == (18.18, 36.36, 54.55)
    assert (result.escaped_poverty, result.escaped_near_poverty, result.new_listed, result.fell_back) == (2, 2, 2, 1)
    # 3 poor households in 2024, 2 in 2025: 1 fewer, a third of the plan.
    assert (result.planned_reduction, result.achieved_reduction, result.plan_percent) == (3, 1, 33.33)
    assert [(row["village__name"], row["households"], row["poor"], row["near_poor"], row["rate"]) for row in
            sorted(result.by_village, key=lambda row: row["village__name"])] == [
        ("Ấp Tân Hòa", 6, 2, 1, 50.0),  # H01 H03 H05 H07 H09 H11
        ("Ấp Đông Hà", 5, 0, 3, 60.0),  # H02 H04 H06 H08 H10
    ]  # fmt: skip


def test_review_results_without_a_plan(history, units):
    result = selectors.review_results(units.tan_dong, 2024)

    assert (result.planned_reduction, result.plan_percent) == (None, None)


def test_review_results_query_count_does_not_grow_with_households(
    history, units, second_village, django_assert_num_queries
):
    with django_assert_num_queries(6):
        selectors.review_results(units.tan_dong, 2024)

    for number in range(6):
        household = make_household(units.tan_dong, second_village, code=f"H2{number}")
        HouseholdYearStatus.objects.create(household=household, year=2025, status="near_poor")

    with django_assert_num_queries(6):
        result = selectors.review_results(units.tan_dong, 2024)
    assert (result.total_households, result.new_listed) == (17, 8)


def test_results_of_an_approved_review(campaign, review_households, drive, chair, units):
    campaign = drive.to_step(campaign, Status.AWAITING_APPROVAL)
    services.campaign_approve(
        campaign=campaign, decision_number="125/QĐ-UBND", decision_date=drive.today, acting_user=chair
    )

    result = selectors.review_results(units.tan_dong, 2024)

    assert result.counts == {"poor": 1, "near_poor": 1, "middle_income": 1}
    assert result.previous_counts == {"poor": 1, "near_poor": 2, "middle_income": 0}
    assert (result.listed_rate, result.escaped_near_poverty, result.new_listed) == (50.0, 1, 0)


# --- what-if -------------------------------------------------------------------------------------


def test_whatif_classifies_by_another_standard_and_changes_nothing(campaign, drive, standard_2027):
    surveys = SURVEYS | {"TD-P1": (1_200_000, ["employment", "information_assets", "water"])}
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS, surveys)
    before = (
        sorted(Assessment.objects.values_list("pk", "classification", "deprived", "updated_at")),
        ReviewEvent.objects.count(),
    )

    result = selectors.whatif(campaign, standard_2027)

    ids = dict(campaign.assessments.values_list("household__code", "pk"))
    assert result["standard"] == standard_2027
    assert result["surveyed"] == 3
    # rows: current class, columns: what-if class, both in the order poor, near-poor, middle, none
    assert result["matrix"] == [[0, 1, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    assert result["totals"] == {"poor": 0, "near_poor": 3, "middle_income": 0, "none": 0}
    assert result["changed"] == [
        {
            "assessment_id": ids["TD-N2"],
            "household_code": "TD-N2",
            "current": "middle_income",
            "whatif": "near_poor",
            "explanation": "income 2,000,000 ≤ 2,200,000 rural line; deprived on 1: Domestic water source",
        },
        {
            "assessment_id": ids["TD-P1"],
            "household_code": "TD-P1",
            "current": "poor",
            "whatif": "near_poor",
            # information assets are not an indicator of 2027–2030: two deprivations, not three
            "explanation": "income 1,200,000 ≤ 2,200,000 rural line; deprived on 2: Employment, Domestic water source",
        },
    ]
    after = (
        sorted(Assessment.objects.values_list("pk", "classification", "deprived", "updated_at")),
        ReviewEvent.objects.count(),
    )
    assert after == before


# --- timeline and work list ----------------------------------------------------------------------


def test_the_household_timeline_shows_its_review(campaign, review_households, drive, chair):
    campaign = drive.to_step(campaign, Status.AWAITING_APPROVAL)
    services.campaign_approve(
        campaign=campaign, decision_number="125/QĐ-UBND", decision_date=drive.today, acting_user=chair
    )
    starts, ends = drive.posting()["posting_starts_on"], drive.posting()["posting_ends_on"]
    held_on = drive.today - timedelta(days=10)

    entries = timeline_for_household(review_households.poor.pk)

    assert [(entry.title, entry.detail, entry.actor, entry.source) for entry in entries] == [
        ("Classification recognised by the chair", "Poor for 2025, decision 125/QĐ-UBND", chair.display_name,
         "Poverty review 2024"),
        ("List posted publicly", f"Poor, posted {starts:%d/%m/%Y} to {ends:%d/%m/%Y}", drive.officer.display_name,
         "Poverty review 2024"),
        ("Village meeting held", f"Ấp Đông Hà, {held_on:%d/%m/%Y}: 30 of 40 in favour", drive.officer.display_name,
         "Poverty review 2024"),
        ("Household surveyed",
         "Poor: income 1,200,000 ≤ 1,500,000 rural line; deprived on 4: Employment, Health insurance, "
         "Domestic water source, Hygienic latrine", drive.committee.display_name, "Poverty review 2024"),
    ]  # fmt: skip
    assert [entry.title for entry in timeline_for_household(review_households.applicant.pk)] == []


def test_the_timeline_of_a_complaint_and_a_returned_household(at_meetings_with_complaint, review_households):
    entries = timeline_for_household(review_households.near_poor.pk)

    assert [(entry.title, entry.detail, entry.reason) for entry in entries][:2] == [
        ("Complaint resolved", "", "Giữ nguyên"),
        ("Complaint registered", "Nguyễn Văn Tư", "Có xe máy mới"),
    ]


@pytest.fixture
def at_meetings_with_complaint(campaign, review_households, drive):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    campaign = drive.advance(campaign, **drive.posting(starts=-2, ends=2))
    complaint = services.complaint_register(
        assessment=drive.assessment(campaign, review_households.near_poor), complainant="Nguyễn Văn Tư",
        received_on=drive.today, content="Có xe máy mới", acting_user=drive.officer,
    )  # fmt: skip
    services.complaint_resolve(
        complaint=complaint, recheck_result="Xe máy cũ", answer="Giữ nguyên", resolved_on=drive.today,
        acting_user=drive.officer,
    )  # fmt: skip
    return campaign


@pytest.fixture
def on_20_november_2024():
    """The 2024 review's fixtures are made on 20 November 2024, inside its calendar."""
    with on_day(datetime(2024, 11, 20, 10, 0, tzinfo=VIETNAM)):
        yield


def test_work_list_of_the_chair_and_the_officer(on_20_november_2024, campaign, review_households, drive, users):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    campaign = drive.advance(campaign, **drive.posting(starts=-30, ends=-25))
    late = services.complaint_register(
        assessment=drive.assessment(campaign, review_households.poor), complainant="Tư",
        received_on=drive.today - timedelta(days=20), content="x", acting_user=drive.officer,
    )  # fmt: skip
    services.complaint_register(
        assessment=drive.assessment(campaign, review_households.near_poor), complainant="Tư",
        received_on=drive.today, content="x", acting_user=drive.officer,
    )  # fmt: skip
    assert late.deadline == date(2024, 11, 10)

    # Two open complaints, the first past its deadline; the posting ended on 26 October.
    expected = [
        WorkItem(title="Complaints awaiting an answer (review 2024, Xã Tân Đông)",
                 url=f"/reviews/{campaign.pk}/complaints/", count=2, due="10/11/2024", late=True),
        WorkItem(title="Public posting over (review 2024, Xã Tân Đông): move the review on to complaints",
                 url=f"/reviews/{campaign.pk}/", due="26/10/2024"),
    ]  # fmt: skip
    assert selectors.review_worklist(users["tandong_officer"]) == expected
    assert selectors.review_worklist(users["tandong_committee"]) == expected
    assert selectors.review_worklist(users["tandong_chair"]) == expected  # the chair chairs the committee
    assert selectors.review_worklist(users["binhminh_officer"]) == []
    assert selectors.review_worklist(users["tayninh_province"]) == []


def test_work_list_of_the_chair_when_a_review_awaits_approval(on_20_november_2024, campaign, drive, users):
    drive.to_step(campaign, Status.AWAITING_APPROVAL)
    awaiting = WorkItem(title="Review results awaiting your recognition (review 2024, Xã Tân Đông)",
                        url=f"/reviews/{campaign.pk}/approve/", due="14/12/2024")  # fmt: skip

    assert selectors.review_worklist(users["tandong_chair"]) == [awaiting]
    assert selectors.review_worklist(users["tandong_officer"]) == []
    assert selectors.review_worklist(users["binhminh_officer"]) == []

    # After 14 December the recognition is late: the chair's item says so, and the officer is told.
    with on_day(datetime(2024, 12, 15, 10, 0, tzinfo=VIETNAM)):
        assert selectors.review_worklist(users["tandong_chair"]) == [replace(awaiting, late=True)]
        assert selectors.review_worklist(users["tandong_officer"]) == [
            WorkItem(title="Late: review 2024, Xã Tân Đông is still at the step “Awaiting approval”",
                     url=f"/reviews/{campaign.pk}/", due="14/12/2024", late=True)
        ]  # fmt: skip
        assert selectors.review_worklist(users["binhminh_officer"]) == []
