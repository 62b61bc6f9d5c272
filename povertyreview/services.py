"""Every write of the poverty review. Each service checks the role and the commune, the
campaign's step (``povertyreview.workflow``) and the data, writes, and records a ReviewEvent in the
same transaction; on refusal it raises PermissionDenied (wrong role or commune) or ValidationError
naming the field, and nothing is written.

The procedure (QĐ 24/2021 Art. 4–5): list → survey → village meeting → public posting →
complaints → the chair's recognition. A campaign's status moves forward only, one step at a time,
and each step's condition is checked in ``_ADVANCE_CHECKS``.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import document_problem
from core.services import refuse_field
from geography.scoping import require
from households.models import Household, HouseholdYearStatus, Membership, PovertyStatus
from households.services import year_statuses_write
from povertyreview.classification import rules_for
from povertyreview.models import (
    Assessment,
    Campaign,
    Complaint,
    MeetingVote,
    ReductionTarget,
    ReviewEvent,
    ReviewPeriod,
    VillageMeeting,
)
from povertyreview.workflow import WORKFLOW

Status = Campaign.Status
LISTED = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)
# Minimum age for the health-insurance indicator and area per person for the housing one
# (legal-reference.md §1.3). Applied only to pre-fill; the surveyor can correct both.
HEALTH_INSURANCE_MIN_AGE = 6
HOUSING_AREA_MIN_PER_PERSON = 8


def _event(campaign: Campaign, kind: str, acting_user, *, household_id=None, reason: str = "", **data) -> ReviewEvent:
    return ReviewEvent.objects.create(
        campaign=campaign, household_id=household_id, kind=kind, actor=acting_user, reason=reason, data=data
    )


def _lock(campaign: Campaign) -> Campaign:
    """Re-read the campaign under a row lock: two officers moving it at once serialise here."""
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


# --- opening and listing -------------------------------------------------------------------------


def campaign_open(*, commune, year: int, acting_user) -> Campaign:
    """Open the annual review of a commune and list the households on its current poor and
    near-poor list (the status of ``year``). Households that apply are added with
    ``campaign_list_household``."""
    require(acting_user, "can_run_poverty_review", commune)
    period = ReviewPeriod.objects.select_related("standard").filter(year=year).first()
    if period is None:
        refuse_field(
            "year", _("No review period is set for %(year)s: an administrator sets its standard.") % {"year": year}
        )
    if Campaign.objects.filter(commune=commune, year=year, kind=Campaign.Kind.PERIODIC).exists():
        refuse_field("year", _("The %(year)s review of this commune is already open.") % {"year": year})
    with transaction.atomic():
        campaign = Campaign.objects.create(commune=commune, year=year, standard=period.standard)
        listed = (
            Household.objects.filter(commune=commune, dissolved_on__isnull=True)
            .filter(year_statuses__year=year, year_statuses__status__in=LISTED)
            .values_list("pk", "village_id", "area", "year_statuses__status")
        )
        Assessment.objects.bulk_create(
            Assessment(
                campaign=campaign,
                household_id=pk,
                village_id=village_id,
                area=area,
                previous_classification=status,
                listed_reason="on_list",
            )
            for pk, village_id, area, status in listed
        )
        _event(campaign, ReviewEvent.Kind.OPENED, acting_user, standard=period.standard.code, listed=len(listed))
    return campaign


def campaign_list_household(*, campaign: Campaign, household: Household, reason: str, acting_user) -> Assessment:
    """Add a household to the review: it applied (form 01) or the committee found it."""
    with transaction.atomic():
        campaign = _lock(campaign)
        WORKFLOW.check(acting_user, campaign, "list_household")
        if household.commune_id != campaign.commune_id or household.dissolved_on:
            refuse_field("household", _("Only a current household of this commune can be reviewed."))
        if campaign.assessments.filter(household=household).exists():
            refuse_field("household", _("Household %(code)s is already on the list.") % {"code": household.code})
        assessment = Assessment.objects.create(
            campaign=campaign,
            household=household,
            village_id=household.village_id,
            area=household.area,
            previous_classification=_previous_status(campaign, household),
            listed_reason=reason or "added",
        )
        _event(campaign, ReviewEvent.Kind.LISTED, acting_user, household_id=household.pk, reason=reason)
    return assessment


def _previous_status(campaign: Campaign, household: Household) -> str:
    """The list in force in the campaign's year: what the household is now."""
    status = HouseholdYearStatus.objects.filter(household=household, year=campaign.year)
    return status.values_list("status", flat=True).first() or PovertyStatus.NONE


def regular_review_open(*, household: Household, requested_on: date, reason: str, acting_user) -> Campaign:
    """An in-year review on the household's request (form 04): the same steps for one household,
    and the chair decides within 15 days (QĐ 24 Art. 5)."""
    require(acting_user, "can_run_poverty_review", household.commune_id)
    year = requested_on.year
    period = ReviewPeriod.objects.filter(year=year).select_related("standard").first()
    if period is None:
        refuse_field("requested_on", _("No review period is set for %(year)s.") % {"year": year})
    if household.dissolved_on:
        refuse_field("household", _("Only a current household of this commune can be reviewed."))
    if Campaign.objects.filter(household=household).exclude(status=Status.APPROVED).exists():
        refuse_field("household", _("This household already has a review in progress."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            commune_id=household.commune_id,
            year=year,
            kind=Campaign.Kind.REGULAR,
            household=household,
            requested_on=requested_on,
            standard=period.standard,
            status=Status.SURVEYING,
        )
        Assessment.objects.create(
            campaign=campaign,
            household=household,
            village_id=household.village_id,
            area=household.area,
            previous_classification=_previous_status(campaign, household),
            listed_reason="applied",
        )
        _event(campaign, ReviewEvent.Kind.OPENED, acting_user, household_id=household.pk, reason=reason)
    return campaign


# --- survey --------------------------------------------------------------------------------------


def registry_prefill(assessment: Assessment, *, on: date | None = None) -> dict[str, bool]:
    """Indicators the registry already knows, for this household: code -> deprived.

    Two queries whatever the household's size. Only indicators of the campaign's standard whose
    ``registry_source`` is set, and only when the registry has the data."""
    on = on or timezone.localdate()
    sources = dict(
        assessment.campaign.standard.indicators.exclude(registry_source="").values_list("registry_source", "code")
    )
    members = list(
        Membership.objects.filter(household_id=assessment.household_id, left_on__isnull=True)
        .filter(person__date_of_death__isnull=True)
        .values_list("person__date_of_birth", "person__health_insurance_number")
    )
    known: dict[str, bool] = {}
    if "health_insurance" in sources and members:
        cutoff = _years_before(on, HEALTH_INSURANCE_MIN_AGE)
        known[sources["health_insurance"]] = any(born <= cutoff and not card for born, card in members)
    area = Household.objects.filter(pk=assessment.household_id).values_list("housing_area_m2", flat=True).first()
    if "housing_area" in sources and area is not None and members:
        known[sources["housing_area"]] = area / len(members) < HOUSING_AREA_MIN_PER_PERSON
    return known


def _years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def is_surveyable(campaign: Campaign, assessment: Assessment, *, disputed: bool | None = None) -> bool:
    """May this household be (re-)surveyed at the campaign's step? During the survey, yes; during
    the meetings, if a meeting returned it; during posting and complaints, while a complaint about
    it is open (a re-check, phúc tra). Pages pass ``disputed`` when they have it annotated."""
    if campaign.status == Status.SURVEYING:
        return True
    if campaign.status == Status.VILLAGE_MEETINGS:
        return assessment.meeting_result == Assessment.MeetingResult.RETURNED
    if campaign.status in (Status.PUBLIC_POSTING, Status.COMPLAINTS):
        if disputed is None:
            disputed = assessment.complaints.filter(status=Complaint.Status.OPEN).exists()
        return disputed
    return False


def survey_problems(*, area: str, members, income_per_capita, household_income, deprived, rules) -> dict:
    """Field -> reasons for one survey (form or import line); also returns nothing when fine."""
    problems: dict[str, list[str]] = {}
    if area not in rules.areas:
        problems.setdefault("area", []).append(_("must be rural or urban"))
    if members is not None and not 1 <= members <= 99:
        problems.setdefault("members", []).append(_("must be between 1 and 99"))
    if income_per_capita is None and household_income is None:
        problems.setdefault("income_per_capita", []).append(_("enter the income per person or the household's income"))
    if income_per_capita is None and household_income is not None and not members:
        problems.setdefault("members", []).append(_("is needed to compute the income per person"))
    for value, name in ((income_per_capita, "income_per_capita"), (household_income, "household_income")):
        if value is not None and value < 0:
            problems.setdefault(name, []).append(_("cannot be negative"))
    unknown = sorted(set(deprived) - set(rules.indicators))
    if unknown:
        problems.setdefault("deprived", []).append(
            _("not indicators of this standard: %(codes)s") % {"codes": ", ".join(unknown)}
        )
    return problems


def assessment_record(
    *,
    assessment: Assessment,
    area: str,
    members: int | None,
    income_per_capita: int | None = None,
    household_income: int | None = None,
    deprived: list[str],
    acting_user,
) -> Assessment:
    """Record a household's survey and classify it by the campaign's standard. The income per
    person is computed from the household's income when only that is given (rounded down)."""
    require(acting_user, "can_run_poverty_review", assessment.campaign.commune_id)
    with transaction.atomic():
        campaign = _lock(assessment.campaign)
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if not is_surveyable(campaign, assessment):
            refuse_field("status", _("This household cannot be surveyed at the step “%(step)s”.") % {
                "step": campaign.get_status_display()})  # fmt: skip
        rules = rules_for(campaign.standard)
        problems = survey_problems(
            area=area,
            members=members,
            income_per_capita=income_per_capita,
            household_income=household_income,
            deprived=deprived,
            rules=rules,
        )
        if problems:
            raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})
        if income_per_capita is None:
            income_per_capita = household_income // members
        counted = rules.counted(deprived)
        prefill = registry_prefill(assessment)
        returned = assessment.meeting_result == Assessment.MeetingResult.RETURNED
        assessment.area = area
        assessment.members = members
        assessment.household_income = household_income
        assessment.income_per_capita = income_per_capita
        assessment.deprived = counted
        assessment.prefilled = [code for code, value in prefill.items() if (code in counted) == value]
        assessment.deprivation_count = len(counted)
        assessment.classification = rules.classify(area, income_per_capita, counted)
        assessment.surveyed_at = timezone.now()
        assessment.assessed_by = acting_user
        if returned:
            assessment.meeting_result = Assessment.MeetingResult.PENDING
        assessment.save()
        _event(
            campaign,
            ReviewEvent.Kind.SURVEYED,
            acting_user,
            household_id=assessment.household_id,
            classification=assessment.classification,
            income_per_capita=income_per_capita,
            deprived=counted,
            area=area,
        )
    return assessment


# --- village meeting -----------------------------------------------------------------------------


def village_meeting_record(
    *,
    campaign: Campaign,
    village,
    held_on: date,
    chaired_by: str,
    attendees: int,
    votes: dict[int, int],
    minutes=None,
    acting_user,
) -> VillageMeeting:
    """Record a village meeting and its votes on every proposed household of the village not yet
    agreed. More than half of the attendees must agree (QĐ 24 Art. 4(3)); a household below
    that goes back to survey and to a later meeting. ``votes`` maps assessment id -> votes for."""
    with transaction.atomic():
        campaign = _lock(campaign)
        WORKFLOW.check(acting_user, campaign, "meeting")
        pending = [
            assessment
            for assessment in campaign.assessments.filter(
                village=village, meeting_result=Assessment.MeetingResult.PENDING
            )
            if assessment.is_proposed
        ]
        problems: dict[str, list[str]] = {}
        if village.commune_id != campaign.commune_id:
            problems["village"] = [_("is not in this commune")]
        if attendees is None or attendees < 1:
            problems["attendees"] = [_("at least one person must attend")]
        if not (chaired_by or "").strip():
            problems["chaired_by"] = [_("is required")]
        if held_on > timezone.localdate():
            problems["held_on"] = [_("cannot be in the future")]
        if minutes and (problem := document_problem(minutes)):
            problems["minutes"] = [problem]
        if not pending and "village" not in problems:
            problems["village"] = [_("This village has no proposed household waiting for a meeting.")]
        for assessment in pending:
            count = votes.get(assessment.pk)
            if count is None:
                problems.setdefault("votes", []).append(
                    _("%(code)s: the votes are missing") % {"code": assessment.household.code}
                )
            elif count < 0:
                # Refused here: the column's CHECK (>= 0) would otherwise raise an IntegrityError.
                problems.setdefault("votes", []).append(f"{assessment.household.code}: " + _("cannot be negative"))
            elif attendees and count > attendees:
                problems.setdefault("votes", []).append(
                    _("%(code)s: %(votes)d votes for, more than the %(attendees)d attendees")
                    % {"code": assessment.household.code, "votes": count, "attendees": attendees}
                )
        if problems:
            raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})
        meeting = VillageMeeting.objects.create(
            campaign=campaign,
            village=village,
            held_on=held_on,
            chaired_by=chaired_by.strip(),
            attendees=attendees,
            minutes=minutes or "",
            recorded_by=acting_user,
        )
        agreed_ids, returned_ids, ballots = [], [], []
        for assessment in pending:
            agreed = votes[assessment.pk] * 2 > attendees  # more than half: exactly 50 % is not enough
            (agreed_ids if agreed else returned_ids).append(assessment.pk)
            ballots.append(
                MeetingVote(meeting=meeting, assessment=assessment, votes_for=votes[assessment.pk], agreed=agreed)
            )
        MeetingVote.objects.bulk_create(ballots)
        Assessment.objects.filter(pk__in=agreed_ids).update(meeting_result=Assessment.MeetingResult.AGREED)
        Assessment.objects.filter(pk__in=returned_ids).update(meeting_result=Assessment.MeetingResult.RETURNED)
        ReviewEvent.objects.bulk_create(
            ReviewEvent(
                campaign=campaign,
                household_id=assessment.household_id,
                actor=acting_user,
                kind=ReviewEvent.Kind.RETURNED if assessment.pk in returned_ids else ReviewEvent.Kind.MEETING,
                data={
                    "meeting": meeting.pk,
                    "village": village.name,
                    "votes_for": votes[assessment.pk],
                    "attendees": attendees,
                    "held_on": held_on.isoformat(),
                },
            )  # fmt: skip
            for assessment in pending
        )
    return meeting


# --- complaints ----------------------------------------------------------------------------------


def complaint_register(
    *, assessment: Assessment, complainant: str, received_on: date, content: str, acting_user
) -> Complaint:
    """A complaint about one household's proposed classification, during or after the posting.
    Its answer is due ``POVERTY_REVIEW_COMPLAINT_DAYS`` days after receipt (a setting: the legal
    deadline was not confirmed)."""
    with transaction.atomic():
        campaign = _lock(assessment.campaign)
        WORKFLOW.check(acting_user, campaign, "complaint")
        problems = {}
        if not complainant.strip():
            problems["complainant"] = [_("is required")]
        if not content.strip():
            problems["content"] = [_("is required")]
        if received_on > timezone.localdate():
            problems["received_on"] = [_("cannot be in the future")]
        if problems:
            raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})
        complaint = Complaint.objects.create(
            campaign=campaign,
            assessment=assessment,
            complainant=complainant.strip(),
            received_on=received_on,
            content=content.strip(),
            deadline=received_on + timedelta(days=settings.POVERTY_REVIEW_COMPLAINT_DAYS),
            registered_by=acting_user,
        )
        _event(campaign, ReviewEvent.Kind.COMPLAINT, acting_user, household_id=assessment.household_id,
               reason=complaint.content, complainant=complaint.complainant)  # fmt: skip
    return complaint


def complaint_resolve(*, complaint: Complaint, recheck_result: str, answer: str, resolved_on: date, acting_user):
    """Close a complaint with the re-check's result and the answer given. If the re-check changes
    the household's data, record the new survey (``assessment_record``) before resolving."""
    with transaction.atomic():
        campaign = _lock(complaint.campaign)
        WORKFLOW.check(acting_user, campaign, "complaint")
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status != Complaint.Status.OPEN:
            refuse_field("status", _("This complaint is already resolved."))
        problems = {}
        if not recheck_result.strip():
            problems["recheck_result"] = [_("is required")]
        if not answer.strip():
            problems["answer"] = [_("is required")]
        if resolved_on < complaint.received_on or resolved_on > timezone.localdate():
            problems["resolved_on"] = [_("must be between the day it was received and today")]
        if problems:
            raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})
        complaint.status = Complaint.Status.RESOLVED
        complaint.recheck_result = recheck_result.strip()
        complaint.answer = answer.strip()
        complaint.resolved_on = resolved_on
        complaint.resolved_by = acting_user
        complaint.save()
        _event(campaign, ReviewEvent.Kind.COMPLAINT_RESOLVED, acting_user,
               household_id=complaint.assessment.household_id, reason=complaint.answer,
               classification=complaint.assessment.classification)  # fmt: skip
    return complaint


# --- moving forward ------------------------------------------------------------------------------


def _check_surveyed(campaign: Campaign, **_kwargs) -> None:
    missing = campaign.assessments.filter(surveyed_at__isnull=True).count()
    if not campaign.assessments.exists():
        refuse_field("status", _("No household is listed for review."))
    if missing:
        refuse_field("status", _("%(count)d listed households are not surveyed yet.") % {"count": missing})
    # A village meeting agrees each proposed household: one that has no village (just arrived
    # from another commune) must be placed in one first.
    homeless = list(campaign.assessments.filter(village__isnull=True).values_list("household__code", flat=True)[:20])
    if homeless:
        refuse_field(
            "status",
            _("Households without a village (set it on the household's page first): %(codes)s")
            % {"codes": ", ".join(sorted(homeless))},
        )


def _check_meetings(campaign: Campaign, **_kwargs) -> None:
    proposed = Q(classification__in=LISTED) | Q(previous_classification__in=LISTED)
    waiting = (
        campaign.assessments.filter(proposed | Q(meeting_result=Assessment.MeetingResult.RETURNED))
        .exclude(meeting_result__in=[Assessment.MeetingResult.AGREED, Assessment.MeetingResult.NOT_PROPOSED])
        .order_by("household__code")
        .values_list("household__code", flat=True)
    )
    codes = list(waiting[:21])
    if codes:
        shown = ", ".join(codes[:20]) + (", …" if len(codes) > 20 else "")
        refuse_field("status", _("Not yet agreed by a village meeting: %(codes)s") % {"codes": shown})


def _check_posting_dates(campaign: Campaign, *, posting_starts_on=None, posting_ends_on=None, posting_place="",
                         **_kwargs) -> None:  # fmt: skip
    problems = {}
    if posting_starts_on is None:
        problems["posting_starts_on"] = [_("is required")]
    if posting_ends_on is None:
        problems["posting_ends_on"] = [_("is required")]
    elif posting_starts_on and posting_ends_on < posting_starts_on:
        problems["posting_ends_on"] = [_("must not be before the start")]
    if not (posting_place or "").strip():
        problems["posting_place"] = [_("is required")]
    if problems:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})


def _check_posting_over(campaign: Campaign, **_kwargs) -> None:
    # The last day of the posting is a posting day (a one-day posting starts and ends the same
    # day): complaints are taken all of it, so the posting is over only the day after.
    if campaign.posting_ends_on and campaign.posting_ends_on >= timezone.localdate():
        refuse_field(
            "status",
            _("The list is posted until %(date)s; complaints are taken until then.")
            % {"date": campaign.posting_ends_on.strftime("%d/%m/%Y")},
        )


def _check_no_open_complaints(campaign: Campaign, **_kwargs) -> None:
    open_codes = list(
        campaign.complaints.filter(status=Complaint.Status.OPEN).values_list("assessment__household__code", flat=True)
    )
    if open_codes:
        refuse_field(
            "status",
            _("Open complaints block households %(codes)s.") % {"codes": ", ".join(sorted(set(open_codes)))},
        )


# target status -> the check that must pass to enter it
_ADVANCE_CHECKS = {
    Status.SURVEYING: lambda campaign, **kwargs: None,
    Status.VILLAGE_MEETINGS: _check_surveyed,
    Status.PUBLIC_POSTING: lambda campaign, **kwargs: (
        _check_meetings(campaign),
        _check_posting_dates(campaign, **kwargs),
    ),
    Status.COMPLAINTS: _check_posting_over,
    Status.AWAITING_APPROVAL: _check_no_open_complaints,
}


def campaign_advance(*, campaign: Campaign, acting_user, **step_data) -> Campaign:
    """Move the campaign one step forward (never back), if the step's condition holds. Approval
    is its own service (``campaign_approve``). Entering public posting needs the posting dates
    and place (``posting_starts_on``, ``posting_ends_on``, ``posting_place``)."""
    with transaction.atomic():
        campaign = _lock(campaign)
        target = WORKFLOW.check(acting_user, campaign, "advance").target
        _ADVANCE_CHECKS[target](campaign, **step_data)
        if target == Status.VILLAGE_MEETINGS:
            # Households neither poor nor near-poor, now or before, have nothing to vote on.
            campaign.assessments.exclude(classification__in=LISTED).exclude(previous_classification__in=LISTED).update(
                meeting_result=Assessment.MeetingResult.NOT_PROPOSED
            )
        if target == Status.PUBLIC_POSTING:
            campaign.posting_starts_on = step_data["posting_starts_on"]
            campaign.posting_ends_on = step_data["posting_ends_on"]
            campaign.posting_place = step_data["posting_place"].strip()
        campaign.status = target
        campaign.save()
        _event(campaign, ReviewEvent.Kind.ADVANCED, acting_user, status=target)
        if target == Status.PUBLIC_POSTING:
            _household_events(campaign, ReviewEvent.Kind.POSTED, acting_user, Q(meeting_result="agreed"),
                              starts=campaign.posting_starts_on.isoformat(), ends=campaign.posting_ends_on.isoformat())  # fmt: skip
    return campaign


def _household_events(campaign: Campaign, kind: str, acting_user, assessment_filter: Q, **data) -> None:
    """One event per household of the campaign matching the filter, in one INSERT."""
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            campaign=campaign,
            household_id=household_id,
            actor=acting_user,
            kind=kind,
            data={**data, "classification": classification},
        )  # fmt: skip
        for household_id, classification in campaign.assessments.filter(assessment_filter).values_list(
            "household_id", "classification"
        )
    )


def campaign_approve(*, campaign: Campaign, decision_number: str, decision_date: date, acting_user) -> Campaign:
    """The commune chair recognises the result: the campaign is locked and every surveyed
    household's classification becomes its status for ``campaign.status_year`` in the registry
    (``households.services.year_statuses_write``: one INSERT … ON CONFLICT for all of them).
    Refused to anyone who assessed a household of it."""
    with transaction.atomic():
        campaign = _lock(campaign)
        WORKFLOW.check(acting_user, campaign, "approve")
        # Anyone who surveyed a household of it, even if someone re-surveyed that household later.
        surveyed = [ReviewEvent.Kind.SURVEYED, ReviewEvent.Kind.IMPORTED]
        if campaign.events.filter(kind__in=surveyed, actor=acting_user).exists():
            raise PermissionDenied(_("You assessed households of this review; another person must approve it."))
        _check_no_open_complaints(campaign)
        problems = {}
        if not decision_number.strip():
            problems["decision_number"] = [_("is required")]
        if decision_date is None or decision_date > timezone.localdate():
            problems["decision_date"] = [_("must be a date not in the future")]
        if problems:
            raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})
        now = timezone.now()
        year_statuses_write(
            year=campaign.status_year,
            statuses=campaign.assessments.filter(surveyed_at__isnull=False).values_list(
                "household_id", "classification"
            ),
            commune_id=campaign.commune_id,
            acting_user=acting_user,
            at=now,
        )
        campaign.status = Status.APPROVED
        campaign.decision_number = decision_number.strip()
        campaign.decision_date = decision_date
        campaign.approved_by = acting_user
        campaign.approved_at = now
        campaign.save()
        _household_events(campaign, ReviewEvent.Kind.RECOGNISED, acting_user, Q(surveyed_at__isnull=False),
                          year=campaign.status_year, decision=campaign.decision_number)  # fmt: skip
        _event(campaign, ReviewEvent.Kind.APPROVED, acting_user, decision=campaign.decision_number,
               year=campaign.status_year)  # fmt: skip
    return campaign


def target_set(*, commune, year: int, planned_reduction: int, acting_user) -> ReductionTarget:
    """The commune's plan: how many fewer poor households the review of ``year`` should end with.
    Audited by the target's history (who, when, old and new value)."""
    require(acting_user, "can_run_poverty_review", commune)
    if planned_reduction is None or planned_reduction < 1:
        refuse_field("planned_reduction", _("must be at least 1"))
    with transaction.atomic():
        target = ReductionTarget.objects.select_for_update().filter(commune=commune, year=year).first()
        if target is None:
            target = ReductionTarget(commune=commune, year=year)
        target.planned_reduction = planned_reduction
        target._history_user = acting_user
        target.save()
    return target
