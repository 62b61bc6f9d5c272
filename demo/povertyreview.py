"""Demo poverty reviews of Xã Tân Đông and Phường Bình Minh (called by ``demo.accounts.load_demo``
after the households). Their years move with the day the demo is loaded (Y, its year), as every
other demo date does; the periodic review of year Y runs from September to December and makes the
list of Y + 1 (``reports.figures``: opened by 30 September, approved by 14 December).

- **Last year's review (Y - 1), approved** in both communes, so its list (of Y) is in force.
  Tân Đông: the review lists the 43 poor and near-poor households of Y - 1 and ten that applied;
  tandong.committee surveys them; six leave poverty (three become near-poor), five leave
  near-poverty and eight applicants come in, so the list of Y is again 43 households, 0.91 % of
  4,700 (the field story): 13 poor and 30 near-poor, 5 fewer poor against a plan of 4 (125 % of
  plan). One household gets exactly half of the votes, goes back to survey and is agreed at a
  second meeting; one complaint is answered; tandong.chair approves with decision 1286/QĐ-UBND on
  10 December. Bình Minh: its 7 listed households are surveyed by binhminh.officer, one near-poor
  household leaves the list (1 poor, 5 near-poor) and binhminh.chair approves on 8 December.
- **This year's review (Y), in progress at the stage of the day** (``this_year_opened_on``):
  before 1 September it is not open (the dashboard says "not opened", and not late before
  30 September). From 1 September it was opened 60 days ago, but not before 1 September nor after
  1 October, and each later step happens on a fixed day after the opening, up to today: the
  applicants are listed on day 5, the survey starts on day 10 (four households a day), the village
  meetings on day 40, the public posting runs from day 56 to day 63 (Tân Đông gets two complaints,
  on days 58 and 59), the complaints are answered on day 66 and the review is sent to the chair on
  day 69. So on 20 November it is at public posting with two open complaints, in late September at
  survey, and from 9 December it awaits the chair's approval (late after 14 December: the demo
  never approves this year's review, so a chair always has it to approve).

Everything goes through the services, so the rules, events and timelines are real; each step is
then dated to the day it stands for (the services stamp the time they run). Households and figures
come from fixed tables and seeds: every demo database loaded on the same day holds the same reviews.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from geography.models import Commune
from households.models import Household, HouseholdYearStatus, Membership
from povertyreview import services
from povertyreview.models import Assessment, Campaign, ReviewEvent

TAN_DONG, BINH_MINH = "25522", "25480"
SEED = 2024
POSTING_PLACE = "Nhà văn hóa các ấp và trụ sở UBND xã Tân Đông"
POSTING_PLACE_BINH_MINH = "Nhà văn hóa các khu phố và trụ sở UBND phường Bình Minh"
# This year's review: opened 60 days before the day of loading, within these (month, day).
OPENS_FROM, OPENS_BY = (9, 1), (10, 1)

# Outcome of each household's survey, by its status before; shuffled with the seed.
OUTCOMES_LAST_YEAR = {
    "poor": ["poor"] * 12 + ["near_poor"] * 3 + ["middle_income"] * 2 + ["none"],  # of 18
    "near_poor": ["near_poor"] * 20 + ["middle_income"] * 4 + ["none"],  # of 25
    "applied": ["poor"] + ["near_poor"] * 7 + ["middle_income"] * 2,  # 10 applicants
}
OUTCOMES_THIS_YEAR = {
    "poor": ["poor"] * 11 + ["near_poor"] * 2,  # of 13
    "near_poor": ["near_poor"] * 27 + ["middle_income"] * 3,  # of 30
    "applied": ["near_poor"] + ["middle_income"] * 2,  # 3 applicants
}
OUTCOMES_BINH_MINH_LAST_YEAR = {"poor": ["poor"], "near_poor": ["near_poor"] * 5 + ["middle_income"], "applied": []}
OUTCOMES_BINH_MINH_THIS_YEAR = {"poor": ["poor"], "near_poor": ["near_poor"] * 5, "applied": []}
# Per-person monthly income drawn for each class, in thousands of đồng, for a poverty line of
# 1,500 (rural, 2022–2025); other lines scale it (``_Review.income_range``). A standard without a
# middle-income band (2027–2030) classes the "middle_income" draws above the line as "none".
REFERENCE_LINE = 1_500_000
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
PLANNED_REDUCTION = 4
VILLAGE_HEADS = [
    "Trưởng ấp Võ Văn Tư", "Trưởng ấp Nguyễn Thị Hoa", "Trưởng ấp Lê Văn Sáu", "Trưởng ấp Trần Văn Bảy",
    "Trưởng ấp Phạm Thị Cúc", "Trưởng ấp Huỳnh Văn Tám", "Trưởng ấp Đặng Văn Chín", "Trưởng ấp Ngô Thị Mai",
]  # fmt: skip


def this_year_opened_on(today: date) -> date | None:
    """The day this year's demo review was opened, seen on ``today``; None before 1 September."""
    if today < date(today.year, *OPENS_FROM):
        return None
    return min(max(today - timedelta(days=60), date(today.year, *OPENS_FROM)), date(today.year, *OPENS_BY))


def load_demo_reviews() -> dict[tuple[str, int], bool]:
    """(commune code, year) -> whether its review was created now (False: it was already there).
    This year's review is left out before it opens."""
    today = timezone.localdate()
    last, this = today.year - 1, today.year
    communes = Commune.objects.in_bulk([TAN_DONG, BINH_MINH])
    names = ["tandong.officer", "tandong.committee", "tandong.chair", "binhminh.officer", "binhminh.chair"]
    users = User.objects.in_bulk(names, field_name="username")
    existing = set(
        Campaign.objects.filter(
            commune__in=communes.values(), kind=Campaign.Kind.PERIODIC, year__in=[last, this]
        ).values_list("commune_id", "year")
    )
    opened_on = this_year_opened_on(today)
    created = {}
    for code, year in [(TAN_DONG, last), (BINH_MINH, last), (TAN_DONG, this), (BINH_MINH, this)]:
        if year == this and opened_on is None:
            continue
        created[(code, year)] = (code, year) not in existing
        if not created[(code, year)]:
            continue
        commune = communes[code]
        if code == TAN_DONG and year == last:
            _tan_dong_last_year(commune, year, users["tandong.officer"], users["tandong.committee"],
                                users["tandong.chair"])  # fmt: skip
        elif code == TAN_DONG:
            _staged_review(commune, year, seed=SEED + 1, outcomes=OUTCOMES_THIS_YEAR, applicants=(3, 41),
                           officer=users["tandong.officer"], surveyor=users["tandong.committee"],
                           opened_on=opened_on, until=today, place=POSTING_PLACE, complaints=True)  # fmt: skip
        elif year == last:
            officer = users["binhminh.officer"]
            review = _staged_review(commune, year, seed=SEED + 2, outcomes=OUTCOMES_BINH_MINH_LAST_YEAR,
                                    applicants=None, officer=officer, surveyor=officer,
                                    opened_on=date(year, 9, 3), until=date(year, 12, 31),
                                    place=POSTING_PLACE_BINH_MINH, complaints=False)  # fmt: skip
            _approve(review, date(year, 12, 8), "215/QĐ-UBND", users["binhminh.chair"])
        else:
            officer = users["binhminh.officer"]
            _staged_review(commune, year, seed=SEED + 3, outcomes=OUTCOMES_BINH_MINH_THIS_YEAR, applicants=None,
                           officer=officer, surveyor=officer, opened_on=opened_on, until=today,
                           place=POSTING_PLACE_BINH_MINH, complaints=False)  # fmt: skip
    return created


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
        standard = campaign.standard
        self.lines = {line.area: line for line in standard.income_lines.all()}
        codes = set(standard.indicators.values_list("code", flat=True))
        # Same number of indicators whatever the standard, so the draws do not depend on it.
        self.indicators = [code if code in codes else "waste_treatment" for code in SURVEYED_INDICATORS]

    def income_range(self, outcome: str, area: str) -> tuple[int, int]:
        """The range of ``INCOME_RANGES`` scaled to the poverty line of the household's area."""
        low, high = INCOME_RANGES[outcome]
        line = self.lines[area].poverty_line
        return low * line // REFERENCE_LINE, high * line // REFERENCE_LINE

    def escaped(self) -> str:
        """The classification of a near-poor household that leaves the list (no band: "none")."""
        return "middle_income" if any(line.middle_income_ceiling for line in self.lines.values()) else "none"

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
        low, high = self.income_range(outcome, assessment.area)
        income = self.rng.randrange(low, high, 10) * 1_000
        deprived = ["health_insurance"] if assessment.household_id in self.uninsured else []
        wanted = self.rng.randint(*DEPRIVATIONS[outcome])
        # Draw as many as wanted whatever the registry says, so the draws that follow (and the
        # whole demo) do not depend on the day it is loaded.
        deprived += self.rng.sample(self.indicators, wanted)[: max(0, wanted - len(deprived))]
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

    def survey_all(self, first_day: date, user, *, until: date | None = None) -> None:
        """Four households a day from ``first_day``, up to ``until``."""
        assessments = self.campaign.assessments.select_related("household").order_by("household__code")
        for number, assessment in enumerate(assessments):
            day = first_day + timedelta(days=number // 4)
            if until is not None and day > until:
                return
            self.survey(assessment, self.plan[assessment.pk], day, user)

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
        # Before the applicants are listed (the first days of a review) their outcomes wait.
        for household_id, outcome in zip(household_ids, drawn[: len(household_ids)], strict=True):
            review.plan[by_household[household_id]] = outcome


def _tan_dong_last_year(commune, year: int, officer, committee, chair) -> Campaign:
    services.target_set(commune=commune, year=year, planned_reduction=PLANNED_REDUCTION, acting_user=officer)
    listed = _listed_households(commune, year)
    campaign = services.campaign_open(commune=commune, year=year, acting_user=officer)
    review = _Review(campaign, random.Random(SEED))
    review.on(date(year, 9, 3), lambda: None)  # dates the opening event
    applicants = _applicants(commune, year, 10, offset=17)
    for number, household in enumerate(applicants):
        review.on(date(year, 9, 5 + number), services.campaign_list_household, campaign=campaign,
                  household=household, reason="applied", acting_user=officer)  # fmt: skip
    _plan(review, OUTCOMES_LAST_YEAR, listed, [household.pk for household in applicants])

    review.advance(date(year, 9, 16), officer)
    review.survey_all(date(year, 9, 17), committee)
    review.advance(date(year, 10, 14), officer)

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
        review.meet(village, date(year, 10, 15 + number), officer, attendees=42 + 3 * number, votes=votes)
    returned = Assessment.objects.select_related("household").get(pk=returned.pk)
    review.survey(returned, "poor", date(year, 10, 24), committee)
    review.meet(first_village, date(year, 10, 28), officer, attendees=39)

    review.advance(date(year, 11, 1), officer, posting_starts_on=date(year, 11, 4),
                   posting_ends_on=date(year, 11, 8), posting_place=POSTING_PLACE)  # fmt: skip
    escaping = (
        campaign.assessments.select_related("household__head")
        .filter(previous_classification="near_poor", classification=review.escaped())
        .order_by("household__code")
        .first()
    )
    complaint = review.on(
        date(year, 11, 6),
        services.complaint_register,
        assessment=escaping,
        complainant=escaping.household.head.full_name,
        received_on=date(year, 11, 6),
        content="Gia đình đề nghị xem xét lại: năm nay mất mùa, thu nhập giảm.",
        acting_user=officer,
    )
    review.advance(date(year, 11, 11), officer)
    review.on(
        date(year, 11, 13),
        services.complaint_resolve,
        complaint=complaint,
        recheck_result=(
            f"Phúc tra ngày 12/11/{year}: thu nhập bình quân {escaping.income_per_capita:_} đồng/người/tháng, "
            "đúng kết quả rà soát."
        ).replace("_", "."),
        answer="Giữ nguyên kết quả: hộ thoát cận nghèo, là hộ có mức sống trung bình.",
        resolved_on=date(year, 11, 13),
        acting_user=committee,
    )
    review.advance(date(year, 11, 25), officer)
    review.date_surveys()
    return _approve(review, date(year, 12, 10), "1286/QĐ-UBND", chair)


def _approve(review: "_Review", day: date, decision_number: str, chair) -> Campaign:
    campaign = review.on(day, services.campaign_approve, campaign=review.campaign, decision_number=decision_number,
                         decision_date=day, acting_user=chair)  # fmt: skip
    Campaign.objects.filter(pk=campaign.pk).update(approved_at=timezone.make_aware(datetime.combine(day, time(9, 0))))
    return campaign


def _staged_review(
    commune,
    year: int,
    *,
    seed: int,
    outcomes: dict,
    applicants: tuple[int, int] | None,
    officer,
    surveyor,
    opened_on: date,
    until: date,
    place: str,
    complaints: bool,
) -> "_Review":
    """A review opened on ``opened_on`` whose steps (on fixed days after it, see the module's
    docstring) are taken up to ``until``."""  # fmt: skip
    listed = _listed_households(commune, year)
    campaign = services.campaign_open(commune=commune, year=year, acting_user=officer)
    review = _Review(campaign, random.Random(seed))
    review.on(opened_on, lambda: None)

    def due(days: int) -> date | None:
        day = opened_on + timedelta(days=days)
        return day if day <= until else None

    applied = _applicants(commune, year, *applicants) if applicants and due(5) else []
    for household in applied:
        review.on(due(5), services.campaign_list_household, campaign=campaign, household=household, reason="applied",
                  acting_user=officer)  # fmt: skip
    _plan(review, outcomes, listed, [household.pk for household in applied])
    if due(10):
        review.advance(due(10), officer)
        review.survey_all(due(11), surveyor, until=until)
    if due(40):
        review.advance(due(40), officer)
        for number, village in enumerate(review.villages_to_meet()):
            if due(42 + number):
                review.meet(village, due(42 + number), officer, attendees=40 + 2 * number)
    if due(55):
        review.advance(due(55), officer, posting_starts_on=opened_on + timedelta(days=56),
                       posting_ends_on=opened_on + timedelta(days=63), posting_place=place)  # fmt: skip
    registered = []
    if complaints and due(58):
        escaping = (
            campaign.assessments.select_related("household__head")
            .filter(previous_classification="near_poor", classification=review.escaped())
            .order_by("household__code")
            .first()
        )
        neighbour = campaign.assessments.filter(classification="near_poor").order_by("household__code").first()
        for assessment, complainant, days, content in [
            (escaping, escaping.household.head.full_name, 58,
             "Lao động chính của hộ bị tai nạn từ tháng 10, không còn đi làm; đề nghị rà soát lại thu nhập."),
            (neighbour, "Nguyễn Văn Lực (hộ lân cận)", 59,
             "Hộ này vừa mua xe máy mới và ti vi, đề nghị kiểm tra lại điều kiện hộ cận nghèo."),
        ]:  # fmt: skip
            if due(days):
                registered.append(
                    review.on(
                        due(days),
                        services.complaint_register,
                        assessment=assessment,
                        complainant=complainant,
                        received_on=due(days),
                        content=content,
                        acting_user=officer,
                    )  # fmt: skip
                )
    if due(64):
        review.advance(due(64), officer)
    if due(66):
        for complaint in registered:
            review.on(due(66), services.complaint_resolve, complaint=complaint, acting_user=surveyor,
                      recheck_result=f"Phúc tra ngày {due(65):%d/%m/%Y}: kết quả đúng với phiếu rà soát.",
                      answer="Giữ nguyên kết quả rà soát.", resolved_on=due(66))  # fmt: skip
    if due(69):
        review.advance(due(69), officer)
    review.date_surveys()
    return review
