"""Shared fixtures of the poverty-review tests.

The two shipped standards come from the data migration. ``review_households`` are four households
of Xã Tân Đông in two villages with their 2024 status; ``campaign`` is Tân Đông's 2024 review
opened by the officer; ``drive`` moves a campaign through the services, as the committee would.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from households.models import HouseholdYearStatus
from povertyreview import services
from povertyreview.models import Assessment, Campaign, PovertyStandard
from povertyreview.standard_data import STANDARD_2022, STANDARD_2027
from tests.factories import VillageFactory
from tests.households.factories import make_household

Status = Campaign.Status


@pytest.fixture
def standard_2022(db) -> PovertyStandard:
    return PovertyStandard.objects.get(code=STANDARD_2022)


@pytest.fixture
def standard_2027(db) -> PovertyStandard:
    return PovertyStandard.objects.get(code=STANDARD_2027)


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


@pytest.fixture
def committee(users):
    return users["tandong_committee"]


@pytest.fixture
def chair(users):
    return users["tandong_chair"]


@pytest.fixture
def viewer(users):
    return users["tayninh_province"]


@pytest.fixture
def second_village(units):
    return VillageFactory(commune=units.tan_dong, name="Ấp Tân Hòa")


@dataclass
class ReviewHouseholds:
    poor: object  # TD-P1, Ấp Đông Hà, poor in 2024
    near_poor: object  # TD-N1, Ấp Đông Hà, near-poor in 2024
    escaping: object  # TD-N2, Ấp Tân Hòa, near-poor in 2024 (its survey shows it escaped)
    applicant: object  # TD-X1, Ấp Tân Hòa, not poor in 2024 (applies with form 01)

    def all(self):
        return [self.poor, self.near_poor, self.escaping, self.applicant]


@pytest.fixture
def review_households(units, second_village) -> ReviewHouseholds:
    village = units.tan_dong_village
    family = (("Nguyễn Văn An", "M", date(1970, 1, 1), "head"), ("Trần Thị Bình", "F", date(1972, 3, 4), "spouse"))
    households = ReviewHouseholds(
        poor=make_household(units.tan_dong, village, code="TD-P1", members=family),
        near_poor=make_household(units.tan_dong, village, code="TD-N1", members=family),
        escaping=make_household(units.tan_dong, second_village, code="TD-N2", members=family),
        applicant=make_household(units.tan_dong, second_village, code="TD-X1", members=family),
    )
    for household, status in zip(households.all(), ["poor", "near_poor", "near_poor", "none"], strict=True):
        HouseholdYearStatus.objects.create(household=household, year=2024, status=status)
    return households


@pytest.fixture
def campaign(review_households, units, officer) -> Campaign:
    """Tân Đông's 2024 review, just opened: TD-P1, TD-N1 and TD-N2 are listed."""
    return services.campaign_open(commune=units.tan_dong, year=2024, acting_user=officer)


# household code -> (income per person, deprivations): TD-P1 stays poor, TD-N1 stays near-poor,
# TD-N2 escapes into the middle-income band, TD-X1 (when listed) is newly poor.
SURVEYS = {
    "TD-P1": (1_200_000, ["employment", "health_insurance", "water", "latrine"]),
    "TD-N1": (1_400_000, ["telecom"]),
    "TD-N2": (2_000_000, ["water"]),
    "TD-X1": (1_000_000, ["housing_quality", "water", "latrine"]),
}


class Driver:
    """Moves a campaign forward through the services: the committee surveys, the officer runs
    the steps. Every call goes through the real rules."""

    def __init__(self, *, officer, committee):
        self.officer, self.committee = officer, committee
        self.today = timezone.localdate()

    def assessment(self, campaign: Campaign, household) -> Assessment:
        return campaign.assessments.get(household=household)

    def survey(self, assessment: Assessment, income: int, deprived=(), *, user=None, members=2) -> Assessment:
        return services.assessment_record(
            assessment=assessment,
            area="rural",
            members=members,
            income_per_capita=income,
            deprived=list(deprived),
            acting_user=user or self.committee,
        )

    def survey_all(self, campaign: Campaign, surveys=None) -> None:
        surveys = surveys or SURVEYS
        for assessment in campaign.assessments.select_related("household").filter(surveyed_at__isnull=True):
            income, deprived = surveys[assessment.household.code]
            self.survey(assessment, income, deprived)

    def advance(self, campaign: Campaign, **step_data) -> Campaign:
        if campaign.status == Status.VILLAGE_MEETINGS:
            step_data = {**self.posting(), **step_data}
        return services.campaign_advance(campaign=campaign, acting_user=self.officer, **step_data)

    def posting(self, *, starts=-7, ends=-3) -> dict:
        return {
            "posting_starts_on": self.today + timedelta(days=starts),
            "posting_ends_on": self.today + timedelta(days=ends),
            "posting_place": "Nhà văn hóa ấp và trụ sở UBND xã",
        }

    def meet(self, campaign: Campaign, village, *, attendees=40, votes_for=30, held_on=None):
        pending = [
            assessment
            for assessment in campaign.assessments.filter(village=village, meeting_result="pending")
            if assessment.is_proposed
        ]
        return services.village_meeting_record(
            campaign=campaign,
            village=village,
            held_on=held_on or self.today - timedelta(days=10),
            chaired_by="Trưởng ấp Võ Văn Tư",
            attendees=attendees,
            votes={assessment.pk: votes_for for assessment in pending},
            acting_user=self.officer,
        )

    def meet_all(self, campaign: Campaign) -> None:
        villages = {
            assessment.village
            for assessment in campaign.assessments.select_related("village").filter(meeting_result="pending")
            if assessment.is_proposed
        }
        for village in sorted(villages, key=lambda village: village.name):
            self.meet(campaign, village)

    def to_step(self, campaign: Campaign, status: str, surveys=None) -> Campaign:
        """Advance ``campaign`` to ``status`` (not approved), surveying and meeting on the way."""
        steps = list(Status.values)
        while steps.index(campaign.status) < steps.index(status):
            if campaign.status == Status.SURVEYING:
                self.survey_all(campaign, surveys)
            if campaign.status == Status.VILLAGE_MEETINGS:
                self.meet_all(campaign)
            campaign = self.advance(campaign)
        return campaign


@pytest.fixture
def drive(officer, committee) -> Driver:
    return Driver(officer=officer, committee=committee)
