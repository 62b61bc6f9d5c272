"""Every service of the poverty review: what it writes, and every refusal with nothing changed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role
from households.models import Household, HouseholdYearStatus, Person
from povertyreview import services
from povertyreview.models import (
    Assessment,
    Campaign,
    Complaint,
    MeetingVote,
    ReductionTarget,
    ReviewEvent,
    VillageMeeting,
)
from tests.factories import UserFactory
from tests.households.factories import make_household
from tests.povertyreview.conftest import SURVEYS

Status = Campaign.Status
PLACE = "Nhà văn hóa ấp và trụ sở UBND xã"


def state() -> dict:
    """Everything a review service may write."""
    return {
        "campaigns": sorted(
            Campaign.objects.values_list("pk", "status", "posting_starts_on", "posting_ends_on", "decision_number")
        ),
        "assessments": sorted(
            Assessment.objects.values_list(
                "pk", "classification", "income_per_capita", "deprived", "meeting_result", "surveyed_at", "assessed_by"
            )
        ),
        "meetings": VillageMeeting.objects.count(),
        "votes": MeetingVote.objects.count(),
        "complaints": sorted(Complaint.objects.values_list("pk", "status", "resolved_on")),
        "events": ReviewEvent.objects.count(),
        "statuses": sorted(HouseholdYearStatus.objects.values_list("household_id", "year", "status", "updated_at")),
        "targets": sorted(ReductionTarget.objects.values_list("commune_id", "year", "planned_reduction")),
    }


def refused(call, **kwargs) -> dict:
    """Run a service that must refuse with a ValidationError; return its messages by field."""
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


def events(campaign, kind):
    return list(
        ReviewEvent.objects.filter(campaign=campaign, kind=kind)
        .order_by("household__code", "id")
        .values_list("household__code", "actor__username", "reason", "data")
    )


# --- opening and listing -------------------------------------------------------------------------


def test_open_lists_the_current_poor_and_near_poor_households(review_households, units, officer):
    dissolved = make_household(units.tan_dong, units.tan_dong_village, code="TD-D1")
    Household.objects.filter(pk=dissolved.pk).update(dissolved_on=date(2024, 3, 1))
    HouseholdYearStatus.objects.create(household=dissolved, year=2024, status="poor")

    campaign = services.campaign_open(commune=units.tan_dong, year=2024, acting_user=officer)

    assert (campaign.status, campaign.kind, campaign.standard.code, campaign.status_year) == (
        "preparing",
        "periodic",
        "2022-2025",
        2025,
    )
    assert sorted(
        campaign.assessments.values_list(
            "household__code", "previous_classification", "listed_reason", "village__name", "area", "surveyed_at"
        )
    ) == [
        ("TD-N1", "near_poor", "on_list", "Ấp Đông Hà", "rural", None),
        ("TD-N2", "near_poor", "on_list", "Ấp Tân Hòa", "rural", None),
        ("TD-P1", "poor", "on_list", "Ấp Đông Hà", "rural", None),
    ]
    assert events(campaign, "opened") == [(None, "tandong.officer", "", {"standard": "2022-2025", "listed": 3})]


def test_open_is_refused_to_a_provincial_viewer(review_households, units, viewer):
    before = state()

    with pytest.raises(PermissionDenied):
        services.campaign_open(commune=units.tan_dong, year=2024, acting_user=viewer)

    assert state() == before


def test_open_needs_a_review_period(review_households, units, officer):
    before = state()

    assert refused(services.campaign_open, commune=units.tan_dong, year=2035, acting_user=officer) == {
        "year": ["No review period is set for 2035: an administrator sets its standard."]
    }
    assert state() == before


def test_the_annual_review_is_unique_per_commune_and_year(campaign, units, officer, users, standard_2022):
    before = state()

    assert refused(services.campaign_open, commune=units.tan_dong, year=2024, acting_user=officer) == {
        "year": ["The 2024 review of this commune is already open."]
    }
    assert state() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(commune=units.tan_dong, year=2024, standard=standard_2022)
    # Another commune, or another year, is another review.
    services.campaign_open(commune=units.binh_minh, year=2024, acting_user=users["binhminh_officer"])
    services.campaign_open(commune=units.tan_dong, year=2023, acting_user=officer)
    assert Campaign.objects.count() == 3


def test_list_an_applicant(campaign, review_households, officer):
    assessment = services.campaign_list_household(
        campaign=campaign, household=review_households.applicant, reason="applied", acting_user=officer
    )

    assert (assessment.listed_reason, assessment.previous_classification, assessment.village.name, assessment.area) == (
        "applied",
        "none",
        "Ấp Tân Hòa",
        "rural",
    )
    assert assessment.is_surveyed is False
    assert events(campaign, "listed") == [("TD-X1", "tandong.officer", "applied", {})]


def test_list_household_refusals(campaign, review_households, units, officer, viewer, drive):
    other_commune = make_household(units.binh_minh, units.binh_minh_village, code="BM-1")
    dissolved = make_household(units.tan_dong, units.tan_dong_village, code="TD-D1")
    Household.objects.filter(pk=dissolved.pk).update(dissolved_on=date(2024, 3, 1))
    dissolved.refresh_from_db()
    before = state()

    def list_household(household, user=officer):
        return refused(
            services.campaign_list_household, campaign=campaign, household=household, reason="added", acting_user=user
        )

    assert list_household(review_households.poor) == {"household": ["Household TD-P1 is already on the list."]}
    assert list_household(other_commune) == {"household": ["Only a current household of this commune can be reviewed."]}
    assert list_household(dissolved) == {"household": ["Only a current household of this commune can be reviewed."]}
    with pytest.raises(PermissionDenied):
        services.campaign_list_household(
            campaign=campaign, household=review_households.applicant, reason="added", acting_user=viewer
        )
    assert state() == before

    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    before = state()
    assert refused(
        services.campaign_list_household,
        campaign=campaign,
        household=review_households.applicant,
        reason="applied",
        acting_user=officer,
    ) == {"status": ["The review is at the step “Village meetings”; this is not possible now."]}
    assert state() == before


def test_regular_review_of_one_household_on_request(review_households, officer, viewer):
    household = review_households.near_poor

    campaign = services.regular_review_open(
        household=household, requested_on=date(2024, 6, 17), reason="Chồng mất, mất thu nhập", acting_user=officer
    )

    assert (campaign.kind, campaign.status, campaign.year, campaign.status_year, campaign.requested_on) == (
        "regular",
        "surveying",
        2024,
        2024,
        date(2024, 6, 17),
    )
    assert list(campaign.assessments.values_list("household__code", "listed_reason", "previous_classification")) == [
        ("TD-N1", "applied", "near_poor")
    ]
    assert events(campaign, "opened") == [("TD-N1", "tandong.officer", "Chồng mất, mất thu nhập", {})]
    before = state()
    assert refused(
        services.regular_review_open, household=household, requested_on=date(2024, 7, 1), reason="", acting_user=officer
    ) == {"household": ["This household already has a review in progress."]}
    assert refused(
        services.regular_review_open,
        household=review_households.poor,
        requested_on=date(2040, 1, 15),
        reason="",
        acting_user=officer,
    ) == {"requested_on": ["No review period is set for 2040."]}
    with pytest.raises(PermissionDenied):
        services.regular_review_open(
            household=review_households.poor, requested_on=date(2024, 7, 1), reason="", acting_user=viewer
        )
    assert state() == before


# --- registry pre-fill ---------------------------------------------------------------------------

ON = date(2024, 10, 1)


@pytest.fixture
def registry_household(campaign, units, officer):
    """Two adults with cards and a child who turns 6 on ``ON``; listed in the campaign."""
    household = make_household(
        units.tan_dong,
        units.tan_dong_village,
        code="TD-R1",
        members=(
            ("Lê Văn Hùng", "M", date(1985, 2, 1), "head"),
            ("Phạm Thị Lan", "F", date(1988, 8, 9), "spouse"),
            ("Lê Gia Bảo", "M", date(2018, 10, 1), "child"),
        ),
    )
    Person.objects.filter(memberships__household=household, date_of_birth__year__lt=2000).update(
        health_insurance_number="GD4727221234567"
    )
    return services.campaign_list_household(campaign=campaign, household=household, reason="added", acting_user=officer)


def test_prefill_health_insurance_counts_members_aged_6_or_older(registry_household):
    # The child is 6 on ON exactly and has no card: deprived.
    assert services.registry_prefill(registry_household, on=ON) == {"health_insurance": True}
    # The day before, the child is 5: a 5-year-old without a card does not count.
    assert services.registry_prefill(registry_household, on=ON - timedelta(days=1)) == {"health_insurance": False}


def test_prefill_ignores_dead_members(registry_household):
    Person.objects.filter(full_name="Lê Gia Bảo").update(date_of_death=date(2024, 5, 1))

    assert services.registry_prefill(registry_household, on=ON) == {"health_insurance": False}


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (None, {"health_insurance": True}),  # unknown area: not pre-filled
        (Decimal("23.9"), {"health_insurance": True, "housing_area": True}),  # 7.97 m² per person
        (Decimal("24.0"), {"health_insurance": True, "housing_area": False}),  # exactly 8 m²
    ],
)
def test_prefill_housing_area_per_person(registry_household, area, expected):
    Household.objects.filter(pk=registry_household.household_id).update(housing_area_m2=area)

    assert services.registry_prefill(registry_household, on=ON) == expected


def test_prefill_housing_area_divides_by_living_members_only(registry_household):
    Household.objects.filter(pk=registry_household.household_id).update(housing_area_m2=Decimal("16.0"))
    Person.objects.filter(full_name="Lê Gia Bảo").update(date_of_death=date(2024, 5, 1))

    # 16 m² for two living members is 8 m² each: not deprived (with the dead child it would be 5.3).
    assert services.registry_prefill(registry_household, on=ON) == {"health_insurance": False, "housing_area": False}


# --- survey --------------------------------------------------------------------------------------


def test_record_a_survey_classifies_and_writes_the_event(campaign, review_households, drive, committee):
    campaign = drive.advance(campaign)
    assessment = drive.assessment(campaign, review_households.poor)

    assessment = services.assessment_record(
        assessment=assessment,
        area="rural",
        members=2,
        income_per_capita=1_200_000,
        deprived=["water", "employment", "latrine", "health_insurance"],
        acting_user=committee,
    )

    assessment.refresh_from_db()
    assert (
        assessment.area, assessment.members, assessment.household_income, assessment.income_per_capita,
        assessment.deprived, assessment.deprivation_count, assessment.classification, assessment.assessed_by,
    ) == (
        "rural", 2, None, 1_200_000,
        ["employment", "health_insurance", "water", "latrine"], 4, "poor", committee,
    )  # fmt: skip
    assert assessment.is_surveyed
    # Both members are adults without a card: the registry agrees with the surveyor.
    assert assessment.prefilled == ["health_insurance"]
    assert events(campaign, "surveyed") == [
        (
            "TD-P1",
            "tandong.committee",
            "",
            {
                "classification": "poor",
                "income_per_capita": 1_200_000,
                "deprived": ["employment", "health_insurance", "water", "latrine"],
                "area": "rural",
            },
        )
    ]


def test_income_per_person_is_computed_from_the_households_income(campaign, review_households, drive, committee):
    campaign = drive.advance(campaign)

    assessment = services.assessment_record(
        assessment=drive.assessment(campaign, review_households.near_poor),
        area="rural",
        members=3,
        household_income=4_500_002,
        deprived=[],
        acting_user=committee,
    )

    assert (assessment.household_income, assessment.income_per_capita, assessment.classification) == (
        4_500_002,
        1_500_000,  # rounded down: at the line
        "near_poor",
    )
    assert assessment.prefilled == []  # the registry says health-insurance deprived, the surveyor did not


@pytest.mark.parametrize(
    ("survey", "problems"),
    [
        (
            {"area": "town", "members": 0, "income_per_capita": None},
            {
                "area": ["must be rural or urban"],
                "members": ["must be between 1 and 99"],
                "income_per_capita": ["enter the income per person or the household's income"],
            },
        ),
        ({"members": None, "income_per_capita": None, "household_income": 3_000_000},
         {"members": ["is needed to compute the income per person"]}),
        ({"income_per_capita": -1}, {"income_per_capita": ["cannot be negative"]}),
        ({"deprived": ["water", "waste_treatment", "x"]},
         {"deprived": ["not indicators of this standard: waste_treatment, x"]}),
    ],
)  # fmt: skip
def test_record_refuses_bad_data_and_changes_nothing(campaign, review_households, drive, committee, survey, problems):
    campaign = drive.advance(campaign)
    before = state()
    data = {"area": "rural", "members": 2, "income_per_capita": 1_000_000, "deprived": []} | survey

    assert (
        refused(
            services.assessment_record,
            assessment=drive.assessment(campaign, review_households.poor),
            acting_user=committee,
            **data,
        )
        == problems
    )
    assert state() == before


def test_record_is_refused_before_the_survey_step_and_to_a_viewer(campaign, review_households, drive, viewer):
    assessment = drive.assessment(campaign, review_households.poor)
    before = state()

    assert refused(drive.survey, assessment=assessment, income=1_000_000) == {
        "status": ["This household cannot be surveyed at the step “Preparing”."]
    }
    assert state() == before
    drive.advance(campaign)
    before = state()
    with pytest.raises(PermissionDenied):
        drive.survey(assessment, 1_000_000, user=viewer)
    assert state() == before


# --- moving forward ------------------------------------------------------------------------------


def test_each_advance_moves_exactly_one_step_forward_and_never_back(campaign, drive, chair):
    campaign = drive.to_step(campaign, Status.AWAITING_APPROVAL)

    assert [data["status"] for *_rest, data in events(campaign, "advanced")] == [
        "surveying",
        "village_meetings",
        "public_posting",
        "complaints",
        "awaiting_approval",
    ]
    before = state()
    # Approval is the chair's own service: advance cannot reach it.
    assert refused(services.campaign_advance, campaign=campaign, acting_user=drive.officer) == {
        "status": ["The review is at the step “Awaiting approval”; this is not possible now."]
    }
    assert state() == before

    campaign = services.campaign_approve(
        campaign=campaign, decision_number="125/QĐ-UBND", decision_date=drive.today, acting_user=chair
    )
    before = state()
    assert refused(services.campaign_advance, campaign=campaign, acting_user=drive.officer) == {
        "status": ["The review is at the step “Approved”; this is not possible now."]
    }
    assert state() == before
    assert Campaign.objects.get(pk=campaign.pk).status == "approved"


def test_advance_is_refused_to_a_viewer(campaign, viewer):
    before = state()

    with pytest.raises(PermissionDenied):
        services.campaign_advance(campaign=campaign, acting_user=viewer)

    assert state() == before


def test_the_meetings_wait_for_every_listed_household_to_be_surveyed(campaign, review_households, drive):
    campaign = drive.advance(campaign)
    drive.survey(drive.assessment(campaign, review_households.poor), 1_000_000)
    before = state()

    assert refused(drive.advance, campaign=campaign) == {"status": ["2 listed households are not surveyed yet."]}
    assert state() == before


def test_a_review_with_no_household_cannot_go_to_the_meetings(units, users):
    officer = users["binhminh_officer"]
    campaign = services.campaign_open(commune=units.binh_minh, year=2024, acting_user=officer)
    campaign = services.campaign_advance(campaign=campaign, acting_user=officer)

    assert refused(services.campaign_advance, campaign=campaign, acting_user=officer) == {
        "status": ["No household is listed for review."]
    }
    assert Campaign.objects.get(pk=campaign.pk).status == "surveying"


def test_households_never_poor_have_nothing_to_vote_on(campaign, review_households, drive):
    services.campaign_list_household(
        campaign=campaign, household=review_households.applicant, reason="applied", acting_user=drive.officer
    )
    campaign = drive.advance(campaign)
    drive.survey_all(campaign, {**SURVEYS, "TD-X1": (2_500_000, [])})

    campaign = drive.advance(campaign)

    assert campaign.status == "village_meetings"
    assert sorted(campaign.assessments.values_list("household__code", "classification", "meeting_result")) == [
        ("TD-N1", "near_poor", "pending"),
        ("TD-N2", "middle_income", "pending"),  # escaping near-poverty: the village votes on it too
        ("TD-P1", "poor", "pending"),
        ("TD-X1", "none", "not_proposed"),
    ]


def test_posting_waits_for_every_proposed_household_to_be_agreed(campaign, drive, units):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    before = state()

    assert refused(drive.advance, campaign=campaign) == {
        "status": ["Not yet agreed by a village meeting: TD-N1, TD-N2, TD-P1"]
    }
    drive.meet(campaign, units.tan_dong_village)
    assert refused(drive.advance, campaign=campaign) == {"status": ["Not yet agreed by a village meeting: TD-N2"]}
    assert Campaign.objects.get(pk=campaign.pk).status == "village_meetings"
    assert state()["events"] == before["events"] + 2  # the two households of the meeting, nothing else


@pytest.mark.parametrize(
    ("posting", "problems"),
    [
        (
            {"posting_starts_on": None, "posting_ends_on": None, "posting_place": " "},
            {
                "posting_starts_on": ["is required"],
                "posting_ends_on": ["is required"],
                "posting_place": ["is required"],
            },
        ),
        ({"posting_starts_on": date(2024, 11, 8), "posting_ends_on": date(2024, 11, 7)},
         {"posting_ends_on": ["must not be before the start"]}),
    ],
)  # fmt: skip
def test_posting_needs_its_dates_and_place(campaign, drive, posting, problems):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    before = state()

    assert refused(drive.advance, campaign=campaign, **posting) == problems
    assert state() == before


def test_posting_the_list(campaign, drive):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)

    campaign = services.campaign_advance(
        campaign=campaign,
        acting_user=drive.officer,
        posting_starts_on=date(2024, 11, 4),
        posting_ends_on=date(2024, 11, 8),
        posting_place=f"  {PLACE} ",
    )

    campaign.refresh_from_db()
    assert (campaign.status, campaign.posting_starts_on, campaign.posting_ends_on, campaign.posting_place) == (
        "public_posting",
        date(2024, 11, 4),
        date(2024, 11, 8),
        PLACE,
    )
    posted = {"starts": "2024-11-04", "ends": "2024-11-08"}
    assert events(campaign, "posted") == [
        ("TD-N1", "tandong.officer", "", posted | {"classification": "near_poor"}),
        ("TD-N2", "tandong.officer", "", posted | {"classification": "middle_income"}),
        ("TD-P1", "tandong.officer", "", posted | {"classification": "poor"}),
    ]


@pytest.mark.parametrize("ends", [0, 1])
def test_complaints_step_waits_until_the_posting_is_over(campaign, drive, ends):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    campaign = drive.advance(campaign, **drive.posting(starts=-3, ends=ends))
    before = state()

    last_day = (drive.today + timedelta(days=ends)).strftime("%d/%m/%Y")
    assert refused(drive.advance, campaign=campaign) == {
        "status": [f"The list is posted until {last_day}; complaints are taken until then."]
    }
    assert state() == before


def test_complaints_step_after_the_posting(campaign, drive):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    campaign = drive.advance(campaign, **drive.posting(starts=-5, ends=-1))

    assert drive.advance(campaign).status == "complaints"


def test_an_open_complaint_blocks_the_way_to_approval(campaign, review_households, drive):
    campaign = drive.to_step(campaign, Status.COMPLAINTS)
    services.complaint_register(
        assessment=drive.assessment(campaign, review_households.poor),
        complainant="Nguyễn Văn Tư",
        received_on=drive.today,
        content="Hộ này có xe ô tô",
        acting_user=drive.officer,
    )
    before = state()

    assert refused(drive.advance, campaign=campaign) == {"status": ["Open complaints block households TD-P1."]}
    assert state() == before


# --- village meetings ----------------------------------------------------------------------------


@pytest.fixture
def at_meetings(campaign, drive):
    return drive.to_step(campaign, Status.VILLAGE_MEETINGS)


def test_more_than_half_of_the_attendees_must_agree(at_meetings, review_households, drive, units):
    campaign, held_on = at_meetings, drive.today - timedelta(days=2)
    poor = drive.assessment(campaign, review_households.poor)
    near_poor = drive.assessment(campaign, review_households.near_poor)

    meeting = services.village_meeting_record(
        campaign=campaign,
        village=units.tan_dong_village,
        held_on=held_on,
        chaired_by=" Trưởng ấp Võ Văn Tư ",
        attendees=40,
        votes={poor.pk: 20, near_poor.pk: 21},  # exactly half is not enough
        acting_user=drive.officer,
    )

    assert (meeting.village, meeting.held_on, meeting.chaired_by, meeting.attendees, meeting.recorded_by) == (
        units.tan_dong_village,
        held_on,
        "Trưởng ấp Võ Văn Tư",
        40,
        drive.officer,
    )
    assert sorted(meeting.votes.values_list("assessment__household__code", "votes_for", "agreed")) == [
        ("TD-N1", 21, True),
        ("TD-P1", 20, False),
    ]
    assert sorted(campaign.assessments.values_list("household__code", "meeting_result")) == [
        ("TD-N1", "agreed"),
        ("TD-N2", "pending"),
        ("TD-P1", "returned"),
    ]
    data = {"meeting": meeting.pk, "village": "Ấp Đông Hà", "attendees": 40, "held_on": held_on.isoformat()}
    assert events(campaign, "meeting") == [("TD-N1", "tandong.officer", "", data | {"votes_for": 21})]
    assert events(campaign, "returned") == [("TD-P1", "tandong.officer", "", data | {"votes_for": 20})]


@pytest.mark.parametrize(
    ("meeting", "problems"),
    [
        ({"votes": {"poor": 41, "near_poor": 40}}, {"votes": ["TD-P1: 41 votes for, more than the 40 attendees"]}),
        ({"votes": {"poor": 30}}, {"votes": ["TD-N1: the votes are missing"]}),
        ({"votes": {"poor": -1, "near_poor": 30}}, {"votes": ["TD-P1: cannot be negative"]}),
        ({"attendees": 0}, {"attendees": ["at least one person must attend"]}),
        ({"chaired_by": "  "}, {"chaired_by": ["is required"]}),
        ({"held_on": "tomorrow"}, {"held_on": ["cannot be in the future"]}),
    ],
)
def test_meeting_refusals_change_nothing(at_meetings, review_households, drive, units, meeting, problems):
    campaign = at_meetings
    ids = {
        "poor": drive.assessment(campaign, review_households.poor).pk,
        "near_poor": drive.assessment(campaign, review_households.near_poor).pk,
    }
    data = {"attendees": 40, "chaired_by": "Trưởng ấp", "held_on": drive.today, "votes": {"poor": 30, "near_poor": 30}}
    data |= meeting
    data["votes"] = {ids[key]: count for key, count in data["votes"].items()}
    if data["held_on"] == "tomorrow":
        data["held_on"] = drive.today + timedelta(days=1)
    before = state()

    assert (
        refused(
            services.village_meeting_record,
            campaign=campaign,
            village=units.tan_dong_village,
            acting_user=drive.officer,
            **data,
        )
        == problems
    )
    assert state() == before


def test_a_meeting_needs_the_meetings_step_and_a_household_to_vote_on(campaign, drive, units, viewer):
    campaign = drive.advance(campaign)  # surveying
    drive.survey_all(campaign)
    before = state()

    assert refused(drive.meet, campaign=campaign, village=units.tan_dong_village) == {
        "status": ["The review is at the step “Surveying”; this is not possible now."]
    }
    assert state() == before
    campaign = drive.advance(campaign)
    drive.meet(campaign, units.tan_dong_village)
    before = state()
    assert refused(drive.meet, campaign=campaign, village=units.tan_dong_village) == {
        "village": ["This village has no proposed household waiting for a meeting."]
    }
    with pytest.raises(PermissionDenied):
        services.village_meeting_record(
            campaign=campaign, village=units.tan_dong_village, held_on=drive.today, chaired_by="x", attendees=10,
            votes={}, acting_user=viewer,
        )  # fmt: skip
    assert state() == before


def test_a_returned_household_is_surveyed_again_and_voted_at_a_second_meeting(
    at_meetings, review_households, drive, units
):
    campaign = at_meetings
    poor = drive.assessment(campaign, review_households.poor)
    near_poor = drive.assessment(campaign, review_households.near_poor)
    services.village_meeting_record(
        campaign=campaign, village=units.tan_dong_village, held_on=drive.today - timedelta(days=5),
        chaired_by="Trưởng ấp", attendees=30, votes={poor.pk: 10, near_poor.pk: 25}, acting_user=drive.officer,
    )  # fmt: skip
    # Not again without a new survey; and only the returned household may be surveyed now.
    assert refused(drive.meet, campaign=campaign, village=units.tan_dong_village) == {
        "village": ["This village has no proposed household waiting for a meeting."]
    }
    assert refused(drive.survey, assessment=near_poor, income=1_000_000) == {
        "status": ["This household cannot be surveyed at the step “Village meetings”."]
    }

    poor = drive.survey(poor, 1_100_000, ["employment", "water", "latrine", "telecom"])
    assert (poor.meeting_result, poor.income_per_capita, poor.classification) == ("pending", 1_100_000, "poor")
    second = services.village_meeting_record(
        campaign=campaign, village=units.tan_dong_village, held_on=drive.today, chaired_by="Trưởng ấp",
        attendees=32, votes={poor.pk: 17}, acting_user=drive.officer,
    )  # fmt: skip

    assert list(second.votes.values_list("assessment__household__code", "votes_for", "agreed")) == [("TD-P1", 17, True)]
    assert list(MeetingVote.objects.filter(assessment=poor).order_by("meeting__held_on").values_list("agreed")) == [
        (False,),
        (True,),
    ]
    assert Assessment.objects.get(pk=poor.pk).meeting_result == "agreed"
    assert [code for code, *_rest in events(campaign, "surveyed")] == ["TD-N1", "TD-N2", "TD-P1", "TD-P1"]


# --- complaints ----------------------------------------------------------------------------------


@pytest.fixture
def at_posting(campaign, drive):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    return drive.advance(campaign, **drive.posting(starts=-3, ends=2))


def test_register_a_complaint_due_after_the_set_number_of_days(at_posting, review_households, drive, settings):
    settings.POVERTY_REVIEW_COMPLAINT_DAYS = 7
    received = drive.today - timedelta(days=1)

    complaint = services.complaint_register(
        assessment=drive.assessment(at_posting, review_households.near_poor),
        complainant=" Nguyễn Văn Tư ",
        received_on=received,
        content=" Hộ này mới mua xe ô tô ",
        acting_user=drive.officer,
    )

    assert (complaint.status, complaint.complainant, complaint.content, complaint.received_on, complaint.deadline) == (
        "open",
        "Nguyễn Văn Tư",
        "Hộ này mới mua xe ô tô",
        received,
        received + timedelta(days=7),
    )
    assert complaint.registered_by == drive.officer
    assert events(at_posting, "complaint") == [
        ("TD-N1", "tandong.officer", "Hộ này mới mua xe ô tô", {"complainant": "Nguyễn Văn Tư"})
    ]


def test_complaint_refusals_change_nothing(at_posting, campaign, review_households, drive, viewer):
    assessment = drive.assessment(at_posting, review_households.poor)
    data = {"assessment": assessment, "complainant": "Tư", "received_on": drive.today, "content": "x"}
    before = state()

    assert refused(
        services.complaint_register,
        **data | {"complainant": " ", "content": "", "received_on": drive.today + timedelta(days=1)},
        acting_user=drive.officer,
    ) == {
        "complainant": ["is required"],
        "content": ["is required"],
        "received_on": ["cannot be in the future"],
    }
    with pytest.raises(PermissionDenied):
        services.complaint_register(**data, acting_user=viewer)
    assert state() == before


def test_no_complaint_before_the_posting(at_meetings, review_households, drive):
    before = state()

    assert refused(
        services.complaint_register,
        assessment=drive.assessment(at_meetings, review_households.poor),
        complainant="Tư",
        received_on=drive.today,
        content="x",
        acting_user=drive.officer,
    ) == {"status": ["The review is at the step “Village meetings”; this is not possible now."]}
    assert state() == before


@pytest.mark.parametrize("step", [Status.PUBLIC_POSTING, Status.COMPLAINTS])
def test_a_household_is_surveyed_again_only_while_a_complaint_about_it_is_open(
    campaign, review_households, drive, step
):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    drive.meet_all(campaign)
    campaign = drive.advance(campaign, **drive.posting(starts=-5, ends=-1))
    if step == Status.COMPLAINTS:
        campaign = drive.advance(campaign)
    assessment = drive.assessment(campaign, review_households.near_poor)
    before = state()
    message = {"status": [f"This household cannot be surveyed at the step “{campaign.get_status_display()}”."]}

    assert refused(drive.survey, assessment=assessment, income=2_500_000) == message
    assert state() == before
    complaint = services.complaint_register(
        assessment=assessment, complainant="Tư", received_on=drive.today, content="Có xe ô tô",
        acting_user=drive.officer,
    )  # fmt: skip
    assessment = drive.survey(assessment, 2_500_000)
    assert (assessment.classification, assessment.meeting_result) == ("none", "agreed")
    services.complaint_resolve(
        complaint=complaint, recheck_result="Thu nhập 2.500.000 đ/người/tháng", answer="Hộ không còn cận nghèo",
        resolved_on=drive.today, acting_user=drive.officer,
    )  # fmt: skip
    assert refused(drive.survey, assessment=assessment, income=1_000_000) == message
    assert Campaign.objects.get(pk=campaign.pk).status == step


def test_resolve_a_complaint(at_posting, review_households, drive, committee):
    complaint = services.complaint_register(
        assessment=drive.assessment(at_posting, review_households.poor),
        complainant="Tư",
        received_on=drive.today - timedelta(days=2),
        content="Có xe ô tô",
        acting_user=drive.officer,
    )

    complaint = services.complaint_resolve(
        complaint=complaint,
        recheck_result=" Xe ô tô của con trai, không ở cùng hộ ",
        answer=" Giữ nguyên hộ nghèo ",
        resolved_on=drive.today,
        acting_user=committee,
    )

    complaint.refresh_from_db()
    assert (complaint.status, complaint.recheck_result, complaint.answer, complaint.resolved_on) == (
        "resolved",
        "Xe ô tô của con trai, không ở cùng hộ",
        "Giữ nguyên hộ nghèo",
        drive.today,
    )
    assert complaint.resolved_by == committee
    assert events(at_posting, "complaint_resolved") == [
        ("TD-P1", "tandong.committee", "Giữ nguyên hộ nghèo", {"classification": "poor"})
    ]
    before = state()
    assert refused(
        services.complaint_resolve, complaint=complaint, recheck_result="x", answer="y", resolved_on=drive.today,
        acting_user=committee,
    ) == {"status": ["This complaint is already resolved."]}  # fmt: skip
    assert state() == before


def test_resolve_refusals_change_nothing(at_posting, review_households, drive, viewer):
    complaint = services.complaint_register(
        assessment=drive.assessment(at_posting, review_households.poor),
        complainant="Tư",
        received_on=drive.today - timedelta(days=2),
        content="Có xe ô tô",
        acting_user=drive.officer,
    )
    before = state()

    assert refused(
        services.complaint_resolve, complaint=complaint, recheck_result=" ", answer="",
        resolved_on=drive.today - timedelta(days=3), acting_user=drive.officer,
    ) == {
        "recheck_result": ["is required"],
        "answer": ["is required"],
        "resolved_on": ["must be between the day it was received and today"],
    }  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.complaint_resolve(
            complaint=complaint, recheck_result="x", answer="y", resolved_on=drive.today, acting_user=viewer
        )
    assert state() == before


# --- approval ------------------------------------------------------------------------------------


@pytest.fixture
def awaiting(campaign, drive):
    return drive.to_step(campaign, Status.AWAITING_APPROVAL)


def test_approval_writes_next_years_list(awaiting, review_households, drive, chair):
    # A 2025 status already there (an earlier in-year review) is updated, not duplicated.
    existing = HouseholdYearStatus.objects.create(household=review_households.poor, year=2025, status="near_poor")
    decided = drive.today - timedelta(days=1)

    campaign = services.campaign_approve(
        campaign=awaiting, decision_number=" 125/QĐ-UBND ", decision_date=decided, acting_user=chair
    )

    campaign.refresh_from_db()
    assert (campaign.status, campaign.decision_number, campaign.decision_date, campaign.approved_by) == (
        "approved",
        "125/QĐ-UBND",
        decided,
        chair,
    )
    assert campaign.approved_at is not None and campaign.is_locked
    assert sorted(HouseholdYearStatus.objects.filter(year=2025).values_list("household__code", "status")) == [
        ("TD-N1", "near_poor"),
        ("TD-N2", "middle_income"),
        ("TD-P1", "poor"),
    ]
    assert HouseholdYearStatus.objects.get(pk=existing.pk).status == "poor"
    # The list in force in 2024 is history: untouched.
    assert sorted(HouseholdYearStatus.objects.filter(year=2024).values_list("household__code", "status")) == [
        ("TD-N1", "near_poor"),
        ("TD-N2", "near_poor"),
        ("TD-P1", "poor"),
        ("TD-X1", "none"),
    ]
    decision = {"year": 2025, "decision": "125/QĐ-UBND"}
    assert events(campaign, "recognised") == [
        ("TD-N1", "tandong.chair", "", decision | {"classification": "near_poor"}),
        ("TD-N2", "tandong.chair", "", decision | {"classification": "middle_income"}),
        ("TD-P1", "tandong.chair", "", decision | {"classification": "poor"}),
    ]
    assert events(campaign, "approved") == [(None, "tandong.chair", "", decision)]


@pytest.mark.parametrize("role", ["tandong_officer", "tandong_committee", "tayninh_province"])
def test_only_the_chair_approves(awaiting, users, drive, role):
    before = state()

    with pytest.raises(PermissionDenied):
        services.campaign_approve(
            campaign=awaiting, decision_number="1/QĐ", decision_date=drive.today, acting_user=users[role]
        )

    assert state() == before


def test_the_chair_cannot_approve_a_review_they_assessed(campaign, review_households, drive, chair):
    campaign = drive.advance(campaign)
    drive.survey(drive.assessment(campaign, review_households.escaping), 2_000_000, ["water"], user=chair)
    campaign = drive.to_step(campaign, Status.AWAITING_APPROVAL)
    before = state()

    with pytest.raises(PermissionDenied) as error:
        services.campaign_approve(
            campaign=campaign, decision_number="1/QĐ", decision_date=drive.today, acting_user=chair
        )

    assert str(error.value) == "You assessed households of this review; another person must approve it."
    assert state() == before
    assert not HouseholdYearStatus.objects.filter(year=2025).exists()


def test_the_chair_cannot_approve_after_someone_else_resurveyed_their_household(
    campaign, review_households, drive, chair
):
    campaign = drive.advance(campaign)
    assessment = drive.assessment(campaign, review_households.escaping)
    drive.survey(assessment, 2_000_000, ["water"], user=chair)
    drive.survey(assessment, 2_000_000, ["water"])  # the committee member redoes it
    campaign = drive.to_step(campaign, Status.AWAITING_APPROVAL)
    before = state()

    with pytest.raises(PermissionDenied):
        services.campaign_approve(
            campaign=campaign, decision_number="1/QĐ", decision_date=drive.today, acting_user=chair
        )

    assert state() == before


def test_households_without_a_village_keep_the_review_from_the_meetings(campaign, review_households, drive):
    campaign = drive.advance(campaign)
    drive.survey_all(campaign)
    Household.objects.filter(pk=review_households.poor.pk).update(village=None)
    campaign.assessments.filter(household=review_households.poor).update(village=None)

    with pytest.raises(ValidationError) as error:
        drive.advance(campaign)

    assert error.value.message_dict == {
        "status": ["Households without a village (set it on the household's page first): TD-P1"]
    }
    campaign.refresh_from_db()
    assert campaign.status == Status.SURVEYING


def test_approval_refusals_change_nothing(campaign, drive, chair):
    campaign = drive.to_step(campaign, Status.COMPLAINTS)
    before = state()

    assert refused(
        services.campaign_approve, campaign=campaign, decision_number="1/QĐ", decision_date=drive.today,
        acting_user=chair,
    ) == {"status": ["The review is at the step “Complaints”; this is not possible now."]}  # fmt: skip
    campaign = drive.advance(campaign)
    before = state()
    assert refused(
        services.campaign_approve, campaign=campaign, decision_number=" ",
        decision_date=drive.today + timedelta(days=1), acting_user=chair,
    ) == {
        "decision_number": ["is required"],
        "decision_date": ["must be a date not in the future"],
    }  # fmt: skip
    assert state() == before


def test_a_regular_review_changes_the_list_of_its_own_year(review_households, drive, chair, units):
    household = review_households.near_poor
    campaign = services.regular_review_open(
        household=household, requested_on=date(2024, 6, 17), reason="Mất việc làm", acting_user=drive.officer
    )
    drive.survey(campaign.assessments.get(), 900_000, ["employment", "health_insurance", "telecom"])
    campaign = drive.to_step(campaign, Status.AWAITING_APPROVAL)

    services.campaign_approve(
        campaign=campaign, decision_number="88/QĐ-UBND", decision_date=drive.today, acting_user=chair
    )

    assert list(HouseholdYearStatus.objects.filter(household=household).values_list("year", "status")) == [
        (2024, "poor")
    ]
    assert events(campaign, "recognised") == [
        ("TD-N1", "tandong.chair", "", {"year": 2024, "decision": "88/QĐ-UBND", "classification": "poor"})
    ]


# --- reduction target ----------------------------------------------------------------------------


def test_set_and_change_the_reduction_target(units, officer, viewer):
    first = services.target_set(commune=units.tan_dong, year=2024, planned_reduction=4, acting_user=officer)
    second = services.target_set(commune=units.tan_dong, year=2024, planned_reduction=5, acting_user=officer)

    assert first.pk == second.pk
    assert list(ReductionTarget.objects.values_list("commune_id", "year", "planned_reduction")) == [("25522", 2024, 5)]
    before = state()
    assert refused(
        services.target_set, commune=units.tan_dong, year=2024, planned_reduction=0, acting_user=officer
    ) == {"planned_reduction": ["must be at least 1"]}
    with pytest.raises(PermissionDenied):
        services.target_set(commune=units.tan_dong, year=2024, planned_reduction=3, acting_user=viewer)
    with pytest.raises(PermissionDenied):  # an officer of another commune
        services.target_set(commune=units.binh_minh, year=2024, planned_reduction=3, acting_user=officer)
    assert state() == before
    assert first.history.first().history_user == officer


def test_a_dissolved_household_gets_no_in_year_review(review_households, officer):
    Household.objects.filter(pk=review_households.poor.pk).update(dissolved_on=date(2024, 3, 1))
    review_households.poor.refresh_from_db()
    before = state()

    assert refused(
        services.regular_review_open, household=review_households.poor, requested_on=date(2024, 6, 17), reason="",
        acting_user=officer,
    ) == {"household": ["Only a current household of this commune can be reviewed."]}  # fmt: skip
    assert state() == before


def test_a_meeting_of_another_communes_village_is_refused(campaign, drive, units):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    before = state()

    assert refused(
        services.village_meeting_record, campaign=campaign, village=units.binh_minh_village,
        held_on=drive.today, chaired_by="Ông A", attendees=10, votes={}, acting_user=drive.officer,
    )["village"][0] == "is not in this commune"  # fmt: skip
    assert state() == before


# --- the commune's scope -------------------------------------------------------------------------


def test_the_steering_committee_of_another_commune_is_refused_by_every_service(campaign, review_households, drive,
                                                                               units):  # fmt: skip
    """The services check the campaign's commune themselves: a committee member (and a chair) of
    Bình Minh has the role but not Tân Đông, whatever door calls the service."""
    member = UserFactory(username="binhminh.committee", role=Role.COMMITTEE_MEMBER, communes=[units.binh_minh])
    chair = UserFactory(username="binhminh.chair", role=Role.COMMUNE_CHAIR, communes=[units.binh_minh])
    today = drive.today

    def refuses(call, **kwargs):
        before = state()
        with pytest.raises(PermissionDenied):
            call(**kwargs)
        assert state() == before

    refuses(services.campaign_open, commune=units.tan_dong, year=2025, acting_user=member)
    refuses(services.target_set, commune=units.tan_dong, year=2024, planned_reduction=3, acting_user=member)
    refuses(services.regular_review_open, household=review_households.applicant, requested_on=date(2024, 6, 17),
            reason="Đơn đề nghị", acting_user=member)  # fmt: skip
    refuses(services.campaign_list_household, campaign=campaign, household=review_households.applicant, reason="",
            acting_user=member)  # fmt: skip
    refuses(services.campaign_advance, campaign=campaign, acting_user=member)

    campaign = drive.advance(campaign)
    assert campaign.status == Status.SURVEYING
    poor = drive.assessment(campaign, review_households.poor)
    income, deprived = SURVEYS["TD-P1"]
    refuses(drive.survey, assessment=poor, income=income, deprived=deprived, user=member)

    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    refuses(services.village_meeting_record, campaign=campaign, village=units.tan_dong_village,
            held_on=today - timedelta(days=10), chaired_by="Trưởng ấp", attendees=40,
            votes={assessment.pk: 30 for assessment in campaign.assessments.all()}, acting_user=member)  # fmt: skip

    drive.meet_all(campaign)
    campaign = drive.advance(campaign, **drive.posting(starts=-3, ends=2))
    assert campaign.status == Status.PUBLIC_POSTING
    refuses(services.complaint_register, assessment=poor, complainant="Tư", received_on=today, content="x",
            acting_user=member)  # fmt: skip
    complaint = services.complaint_register(
        assessment=poor, complainant="Tư", received_on=today, content="x", acting_user=drive.officer
    )
    refuses(services.complaint_resolve, complaint=complaint, recheck_result="Đúng", answer="Giữ nguyên",
            resolved_on=today, acting_user=member)  # fmt: skip
    services.complaint_resolve(
        complaint=complaint, recheck_result="Đúng", answer="Giữ nguyên", resolved_on=today, acting_user=drive.officer
    )

    Campaign.objects.filter(pk=campaign.pk).update(posting_ends_on=today - timedelta(days=1))
    campaign = drive.to_step(Campaign.objects.get(pk=campaign.pk), Status.AWAITING_APPROVAL)
    refuses(services.campaign_approve, campaign=campaign, decision_number="12/QĐ-UBND", decision_date=today,
            acting_user=chair)  # fmt: skip
    assert Campaign.objects.get(pk=campaign.pk).status == Status.AWAITING_APPROVAL
