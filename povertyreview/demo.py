"""Demo poverty reviews of Xã Tân Đông (called by ``accounts.demo.load_demo`` after the households).

- **2024, approved.** The review lists the 43 poor and near-poor households of 2024 and ten that
  applied; tandong.committee surveys them; six leave poverty (three become near-poor), five leave
  near-poverty and eight applicants come in, so the list for 2025 is again 43 households, 0.91 %
  of 4,700: 13 poor and 30 near-poor, 5 fewer poor against a plan of 4 (125 % of plan). One
  household gets exactly half of the votes, goes back to survey and is agreed at a second meeting;
  one complaint is answered; tandong.chair approves with decision 1286/QĐ-UBND.
- **2025, at public posting** (from a few days ago to three days from today) with two open
  complaints, the list surveyed by tandong.committee and agreed by every village.

Everything goes through the services, so the rules, events and timelines are real; each step is
then dated to the day it stands for (the services stamp the time they run). Households and figures
come from fixed tables and seeds: every demo database holds the same reviews.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from geography.models import Commune
from households.models import Household, HouseholdYearStatus, Membership
from povertyreview import services
from povertyreview.models import Assessment, Campaign, ReviewEvent

TAN_DONG = "25522"
SEED = 2024
POSTING_PLACE = "Nhà văn hóa các ấp và trụ sở UBND xã Tân Đông"

# Outcome of each household's survey, by its status before; shuffled with the seed.
OUTCOMES_2024 = {
    "poor": ["poor"] * 12 + ["near_poor"] * 3 + ["middle_income"] * 2 + ["none"],  # of 18
    "near_poor": ["near_poor"] * 20 + ["middle_income"] * 4 + ["none"],  # of 25
    "applied": ["poor"] + ["near_poor"] * 7 + ["middle_income"] * 2,  # 10 applicants
}
OUTCOMES_2025 = {
    "poor": ["poor"] * 11 + ["near_poor"] * 2,  # of 13
    "near_poor": ["near_poor"] * 27 + ["middle_income"] * 3,  # of 30
    "applied": ["near_poor"] + ["middle_income"] * 2,  # 3 applicants
}
# Per-person monthly income drawn for each class (rural lines of 2022–2025), in thousands of đồng.
INCOME_RANGES = {
    "poor": (780, 1_450),
    "near_poor": (1_050, 1_490),
    "middle_income": (1_530, 2_200),
    "none": (2_300, 3_200),
}
DEPRIVATIONS = {"poor": (3, 5), "near_poor": (0, 2), "middle_income": (0, 2), "none": (0, 1)}
# The indicators a surveyor finds most often in the commune, beside the registry's health insurance.
SURVEYED_INDICATORS = [
    "employment", "dependants", "adult_education", "housing_quality", "water", "latrine", "telecom",
    "information_assets", "housing_area", "nutrition", "school_attendance",
]  # fmt: skip
PLANNED_REDUCTION_2024 = 4
VILLAGE_HEADS = [
    "Trưởng ấp Võ Văn Tư", "Trưởng ấp Nguyễn Thị Hoa", "Trưởng ấp Lê Văn Sáu", "Trưởng ấp Trần Văn Bảy",
    "Trưởng ấp Phạm Thị Cúc", "Trưởng ấp Huỳnh Văn Tám", "Trưởng ấp Đặng Văn Chín", "Trưởng ấp Ngô Thị Mai",
]  # fmt: skip


def load_demo_reviews() -> dict[int, bool]:
    """Year -> whether its review was created now (False: it was already there)."""
    commune = Commune.objects.get(code=TAN_DONG)
    users = User.objects.in_bulk(["tandong.officer", "tandong.committee", "tandong.chair"], field_name="username")
    existing = set(
        Campaign.objects.filter(commune=commune, kind=Campaign.Kind.PERIODIC, year__in=[2024, 2025]).values_list(
            "year", flat=True
        )
    )
    if 2024 not in existing:
        _review_2024(commune, users["tandong.officer"], users["tandong.committee"], users["tandong.chair"])
    if 2025 not in existing:
        _review_2025(commune, users["tandong.officer"], users["tandong.committee"])
    return {2024: 2024 not in existing, 2025: 2025 not in existing}


class _Review:
    """Drives one campaign through the services and dates each step to the day it stands for."""

    def __init__(self, campaign: Campaign, rng: random.Random):
        self.campaign, self.rng = campaign, rng
        # Events written from now on still carry the time they were written: ``on`` dates them.
        self.started = campaign.created_at
        self.plan: dict[int, str] = {}  # assessment id -> outcome
        self.surveyed_on: dict[int, date] = {}  # assessment id -> day of its (last) survey
        names = sorted(campaign.commune.villages.values_list("name", flat=True))
        self.heads = {name: VILLAGE_HEADS[number % len(VILLAGE_HEADS)] for number, name in enumerate(names)}
        self._uninsured: set[int] | None = None

    @property
    def uninsured(self) -> set[int]:
        """Listed households with a living member aged 6 or older without a health-insurance card
        (read once, when the survey starts): the registry pre-fills that deprivation and the
        surveyor confirms it."""
        if self._uninsured is None:
            cutoff = services._years_before(timezone.localdate(), services.HEALTH_INSURANCE_MIN_AGE)
            self._uninsured = set(
                Membership.objects.filter(
                    household__assessments__campaign=self.campaign,
                    left_on__isnull=True,
                    person__date_of_death__isnull=True,
                    person__date_of_birth__lte=cutoff,
                    person__health_insurance_number="",
                ).values_list("household_id", flat=True)
            )
        return self._uninsured

    def on(self, day: date, call, **kwargs):
        """Run one service and date the events it wrote to ``day``, 09:00."""
        result = call(**kwargs)
        moment = timezone.make_aware(datetime.combine(day, time(9, 0)))
        ReviewEvent.objects.filter(campaign=self.campaign, occurred_at__gte=self.started).update(occurred_at=moment)
        return result

    def survey(self, assessment: Assessment, outcome: str, day: date, user):
        low, high = INCOME_RANGES[outcome]
        income = self.rng.randrange(low, high, 10) * 1_000
        deprived = ["health_insurance"] if assessment.household_id in self.uninsured else []
        wanted = self.rng.randint(*DEPRIVATIONS[outcome])
        # Draw as many as wanted whatever the registry says, so the draws that follow (and the
        # whole demo) do not depend on the day it is loaded.
        deprived += self.rng.sample(SURVEYED_INDICATORS, wanted)[: max(0, wanted - len(deprived))]
        members = assessment.household.member_count or 1
        assessment = self.on(
            day,
            services.assessment_record,
            assessment=assessment,
            area=assessment.area,
            members=members,
            household_income=income * members,
            deprived=deprived,
            acting_user=user,
        )
        self.surveyed_on[assessment.pk] = day
        return assessment

    def date_surveys(self) -> None:
        """Give each survey the afternoon of its day (the service stamps the time it ran)."""
        assessments = list(self.campaign.assessments.filter(pk__in=self.surveyed_on).only("pk"))
        for assessment in assessments:
            assessment.surveyed_at = timezone.make_aware(datetime.combine(self.surveyed_on[assessment.pk], time(14)))
        Assessment.objects.bulk_update(assessments, ["surveyed_at"])

    def survey_all(self, first_day: date, user) -> None:
        assessments = self.campaign.assessments.select_related("household").order_by("household__code")
        for number, assessment in enumerate(assessments):
            self.survey(assessment, self.plan[assessment.pk], first_day + timedelta(days=number // 4), user)

    def meet(self, village, day: date, user, *, attendees: int, votes: dict | None = None):
        pending = [
            assessment
            for assessment in self.campaign.assessments.filter(
                village=village, meeting_result=Assessment.MeetingResult.PENDING
            ).order_by("household__code")
            if assessment.is_proposed
        ]
        votes = votes or {}
        return self.on(
            day,
            services.village_meeting_record,
            campaign=self.campaign,
            village=village,
            held_on=day,
            chaired_by=self.heads[village.name],
            attendees=attendees,
            votes={a.pk: votes.get(a.pk, attendees - self.rng.randrange(0, 7)) for a in pending},
            acting_user=user,
        )

    def villages_to_meet(self):
        villages = {
            assessment.village
            for assessment in self.campaign.assessments.select_related("village").filter(
                meeting_result=Assessment.MeetingResult.PENDING
            )
            if assessment.is_proposed
        }
        return sorted(villages, key=lambda village: village.name)

    def advance(self, day: date, user, **step_data) -> None:
        self.campaign = self.on(day, services.campaign_advance, campaign=self.campaign, acting_user=user, **step_data)


def _listed_households(commune, year: int) -> dict[str, list[int]]:
    """Status of ``year`` -> ids of the commune's households with it, by code."""
    rows = (
        HouseholdYearStatus.objects.filter(household__commune=commune, household__dissolved_on__isnull=True, year=year)
        .filter(status__in=["poor", "near_poor"])
        .order_by("household__code")
        .values_list("status", "household_id")
    )
    listed: dict[str, list[int]] = {"poor": [], "near_poor": []}
    for status, household_id in rows:
        listed[status].append(household_id)
    return listed


def _applicants(commune, year: int, count: int, offset: int) -> list[Household]:
    """``count`` households not on the list of ``year``, spread over the commune by code."""
    listed = HouseholdYearStatus.objects.filter(year=year, status__in=["poor", "near_poor"]).values("household_id")
    ids = list(
        Household.objects.filter(commune=commune, dissolved_on__isnull=True)
        .exclude(pk__in=listed)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    step = len(ids) // count
    return list(
        Household.objects.filter(pk__in=[ids[offset + number * step] for number in range(count)]).order_by("code")
    )


def _plan(review: _Review, outcomes: dict[str, list[str]], listed: dict[str, list[int]], applied: list[int]) -> None:
    by_household = dict(review.campaign.assessments.values_list("household_id", "pk"))
    for status, household_ids in [*listed.items(), ("applied", applied)]:
        drawn = list(outcomes[status])
        review.rng.shuffle(drawn)
        for household_id, outcome in zip(household_ids, drawn, strict=True):
            review.plan[by_household[household_id]] = outcome


def _review_2024(commune, officer, committee, chair) -> Campaign:
    services.target_set(commune=commune, year=2024, planned_reduction=PLANNED_REDUCTION_2024, acting_user=officer)
    listed = _listed_households(commune, 2024)
    campaign = services.campaign_open(commune=commune, year=2024, acting_user=officer)
    review = _Review(campaign, random.Random(SEED))
    review.on(date(2024, 9, 3), lambda: None)  # dates the opening event
    applicants = _applicants(commune, 2024, 10, offset=17)
    for number, household in enumerate(applicants):
        review.on(date(2024, 9, 5 + number), services.campaign_list_household, campaign=campaign,
                  household=household, reason="applied", acting_user=officer)  # fmt: skip
    _plan(review, OUTCOMES_2024, listed, [household.pk for household in applicants])

    review.advance(date(2024, 9, 16), officer)
    review.survey_all(date(2024, 9, 17), committee)
    review.advance(date(2024, 10, 14), officer)

    # The first village meets over the first poor household it keeps: exactly half agree, which
    # is not enough; the committee surveys it again and a second meeting agrees.
    villages = review.villages_to_meet()
    first_village = villages[0]
    returned = next(
        assessment
        for assessment in campaign.assessments.filter(village=first_village).order_by("household__code")
        if review.plan[assessment.pk] == "poor"
    )
    for number, village in enumerate(villages):
        votes = {returned.pk: 21} if village == first_village else None
        review.meet(village, date(2024, 10, 15 + number), officer, attendees=42 + 3 * number, votes=votes)
    returned = Assessment.objects.select_related("household").get(pk=returned.pk)
    review.survey(returned, "poor", date(2024, 10, 24), committee)
    review.meet(first_village, date(2024, 10, 28), officer, attendees=39)

    review.advance(date(2024, 11, 1), officer, posting_starts_on=date(2024, 11, 4),
                   posting_ends_on=date(2024, 11, 8), posting_place=POSTING_PLACE)  # fmt: skip
    escaping = (
        campaign.assessments.select_related("household__head")
        .filter(previous_classification="near_poor", classification="middle_income")
        .order_by("household__code")
        .first()
    )
    complaint = review.on(
        date(2024, 11, 6),
        services.complaint_register,
        assessment=escaping,
        complainant=escaping.household.head.full_name,
        received_on=date(2024, 11, 6),
        content="Gia đình đề nghị xem xét lại: năm nay mất mùa, thu nhập giảm.",
        acting_user=officer,
    )
    review.advance(date(2024, 11, 11), officer)
    review.on(
        date(2024, 11, 13),
        services.complaint_resolve,
        complaint=complaint,
        recheck_result=(
            f"Phúc tra ngày 12/11/2024: thu nhập bình quân {escaping.income_per_capita:_} đồng/người/tháng, "
            "đúng kết quả rà soát."
        ).replace("_", "."),
        answer="Giữ nguyên kết quả: hộ thoát cận nghèo, là hộ có mức sống trung bình.",
        resolved_on=date(2024, 11, 13),
        acting_user=committee,
    )
    review.advance(date(2024, 11, 25), officer)
    campaign = review.on(date(2024, 12, 10), services.campaign_approve, campaign=review.campaign,
                         decision_number="1286/QĐ-UBND", decision_date=date(2024, 12, 10), acting_user=chair)  # fmt: skip
    Campaign.objects.filter(pk=campaign.pk).update(
        approved_at=timezone.make_aware(datetime.combine(date(2024, 12, 10), time(9, 0)))
    )
    review.date_surveys()
    return campaign


def _review_2025(commune, officer, committee) -> Campaign:
    today = timezone.localdate()
    listed = _listed_households(commune, 2025)
    campaign = services.campaign_open(commune=commune, year=2025, acting_user=officer)
    review = _Review(campaign, random.Random(SEED + 1))
    review.on(today - timedelta(days=60), lambda: None)
    applicants = _applicants(commune, 2025, 3, offset=41)
    for household in applicants:
        review.on(today - timedelta(days=55), services.campaign_list_household, campaign=campaign,
                  household=household, reason="applied", acting_user=officer)  # fmt: skip
    _plan(review, OUTCOMES_2025, listed, [household.pk for household in applicants])

    review.advance(today - timedelta(days=50), officer)
    review.survey_all(today - timedelta(days=49), committee)
    review.advance(today - timedelta(days=20), officer)
    for number, village in enumerate(review.villages_to_meet()):
        review.meet(village, today - timedelta(days=18 - number), officer, attendees=40 + 2 * number)
    review.advance(today - timedelta(days=5), officer, posting_starts_on=today - timedelta(days=4),
                   posting_ends_on=today + timedelta(days=3), posting_place=POSTING_PLACE)  # fmt: skip

    escaping = (
        campaign.assessments.select_related("household__head")
        .filter(previous_classification="near_poor", classification="middle_income")
        .order_by("household__code")
        .first()
    )
    neighbour = campaign.assessments.filter(classification="near_poor").order_by("household__code").first()
    complaints = [
        (escaping, escaping.household.head.full_name, 2,
         "Lao động chính của hộ bị tai nạn từ tháng 10, không còn đi làm; đề nghị rà soát lại thu nhập."),
        (neighbour, "Nguyễn Văn Lực (hộ lân cận)", 1,
         "Hộ này vừa mua xe máy mới và ti vi, đề nghị kiểm tra lại điều kiện hộ cận nghèo."),
    ]  # fmt: skip
    for assessment, complainant, days_ago, content in complaints:
        day = today - timedelta(days=days_ago)
        review.on(day, services.complaint_register, assessment=assessment, complainant=complainant,
                  received_on=day, content=content, acting_user=officer)  # fmt: skip
    review.date_surveys()
    return review.campaign
