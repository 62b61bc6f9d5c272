"""Shared reads of the poverty review: progress, the posted list, results, what-if, timeline."""

from collections import Counter
from dataclasses import dataclass, replace

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import day
from core.timeline import TimelineEntry
from core.worklists import WorkItem
from geography.scoping import commune_codes_for_user, has_national_scope, scope_to_user
from households.models import Household, HouseholdYearStatus, PovertyStatus
from households.selectors import status_in_force
from povertyreview import deadlines
from povertyreview.classification import rules_for
from povertyreview.models import Assessment, Campaign, Complaint, ReductionTarget, ReviewEvent

LISTED = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)
CLASSES = [PovertyStatus.POOR, PovertyStatus.NEAR_POOR, PovertyStatus.MIDDLE_INCOME, PovertyStatus.NONE]


def campaigns_for_user(user) -> QuerySet[Campaign]:
    return (
        scope_to_user(Campaign.objects.all(), user)
        .select_related("commune", "household", "standard")
        .annotate(
            listed=Count("assessments", distinct=True),
            surveyed=Count("assessments", filter=Q(assessments__surveyed_at__isnull=False), distinct=True),
        )
        .order_by("-year", "commune_id", "kind", "-id")
    )


def _open_complaint(assessment_ref="pk") -> Exists:
    return Exists(Complaint.objects.filter(assessment=OuterRef(assessment_ref), status=Complaint.Status.OPEN))


def campaign_progress(campaign: Campaign) -> list[dict]:
    """Per village: listed, surveyed, missing, proposed, agreed, returned and disputed (an open
    complaint), in one grouped query; the last row is the commune's total."""
    rows = list(
        campaign.assessments.annotate(disputed=_open_complaint())
        .values("village_id", "village__name")
        .annotate(
            listed=Count("pk"),
            surveyed=Count("pk", filter=Q(surveyed_at__isnull=False)),
            proposed=Count("pk", filter=Q(classification__in=LISTED) | Q(previous_classification__in=LISTED)),
            agreed=Count("pk", filter=Q(meeting_result=Assessment.MeetingResult.AGREED)),
            returned=Count("pk", filter=Q(meeting_result=Assessment.MeetingResult.RETURNED)),
            disputed_count=Count("pk", filter=Q(disputed=True)),
        )
        .order_by("village__name")
    )
    total = {"village_id": None, "village__name": _("Whole commune")}
    for key in ("listed", "surveyed", "proposed", "agreed", "returned", "disputed_count"):
        total[key] = sum(row[key] for row in rows)
    for row in [*rows, total]:
        row["missing"] = row["listed"] - row["surveyed"]
    return [*rows, total]


def assessments_for(campaign: Campaign, *, village_id=None, state: str = "") -> QuerySet[Assessment]:
    """The campaign's households for the committee's list; ``state`` one of missing, surveyed,
    proposed, returned, disputed."""
    assessments = campaign.assessments.select_related("household__head", "village").annotate(disputed=_open_complaint())
    if village_id:
        assessments = assessments.filter(village_id=village_id)
    filters = {
        "missing": Q(surveyed_at__isnull=True),
        "surveyed": Q(surveyed_at__isnull=False),
        "proposed": Q(classification__in=LISTED) | Q(previous_classification__in=LISTED),
        "returned": Q(meeting_result=Assessment.MeetingResult.RETURNED),
        "disputed": Q(disputed=True),
    }
    if state in filters:
        assessments = assessments.filter(filters[state])
    return assessments.order_by("village__name", "household__code")


def posting_list(campaign: Campaign) -> list[dict]:
    """The public list, by village: proposed poor and near-poor households and those escaping.
    Names, addresses and classes only: never a deprivation or any health detail."""
    assessments = (
        campaign.assessments.filter(meeting_result=Assessment.MeetingResult.AGREED)
        .select_related("household__head", "village")
        .order_by("village__name", "household__code")
    )
    villages: dict[str, dict] = {}
    for assessment in assessments:
        name = assessment.village.name if assessment.village else _("No village")
        group = villages.setdefault(name, {"village": name, "poor": [], "near_poor": [], "escaping": []})
        if assessment.classification == PovertyStatus.POOR:
            group["poor"].append(assessment)
        elif assessment.classification == PovertyStatus.NEAR_POOR:
            group["near_poor"].append(assessment)
        else:
            group["escaping"].append(assessment)
    return list(villages.values())


@dataclass
class ReviewResult:
    year: int
    status_year: int
    total_households: int
    counts: dict  # classification -> households in status_year
    previous_counts: dict
    poor_rate: float
    near_poor_rate: float
    listed_rate: float  # poor + near-poor
    escaped_poverty: int  # poor -> not poor
    escaped_near_poverty: int  # near-poor -> middle-income or none
    new_listed: int  # not listed before, never listed in an earlier year
    fell_back: int  # not listed before, but listed in some earlier year
    planned_reduction: int | None
    achieved_reduction: int  # poor households fewer than the year before
    plan_percent: float | None
    by_village: list


def review_results(commune, year: int) -> ReviewResult:
    """The results of the annual review of ``year`` over all the commune's current households:
    counts and rates of the list for ``year + 1``, changes from the list of ``year``, the plan."""
    status_year = year + 1
    households = Household.objects.filter(commune=commune, dissolved_on__isnull=True)
    total = households.count()
    statuses = HouseholdYearStatus.objects.filter(household__in=households)
    now = dict(statuses.filter(year=status_year).values_list("status").annotate(n=Count("pk")))
    before = dict(statuses.filter(year=year).values_list("status").annotate(n=Count("pk")))
    counts = {status: now.get(status, 0) for status in CLASSES[:3]}
    previous = {status: before.get(status, 0) for status in CLASSES[:3]}
    earlier_listed = HouseholdYearStatus.objects.filter(
        household=OuterRef("household"), year__lt=year, status__in=LISTED
    )
    changes = (
        statuses.filter(year=status_year)
        .annotate(
            before=HouseholdYearStatus.objects.filter(household=OuterRef("household"), year=year).values("status")[:1],
            listed_earlier=Exists(earlier_listed),
        )
        .aggregate(
            escaped_poverty=Count("pk", filter=Q(before=PovertyStatus.POOR) & ~Q(status=PovertyStatus.POOR)),
            escaped_near=Count(
                "pk", filter=Q(before=PovertyStatus.NEAR_POOR) & Q(status__in=[PovertyStatus.MIDDLE_INCOME, "none"])
            ),
            new_listed=Count(
                "pk",
                filter=Q(status__in=LISTED, listed_earlier=False) & (Q(before__isnull=True) | ~Q(before__in=LISTED)),
            ),
            fell_back=Count(
                "pk",
                filter=Q(status__in=LISTED, listed_earlier=True) & (Q(before__isnull=True) | ~Q(before__in=LISTED)),
            ),
        )
    )
    target = ReductionTarget.objects.filter(commune=commune, year=year).values_list("planned_reduction", flat=True)
    planned = target.first()
    achieved = previous[PovertyStatus.POOR] - counts[PovertyStatus.POOR]
    by_village = list(
        households.values("village__name")
        .annotate(
            households=Count("pk", distinct=True),
            poor=Count("pk", filter=Q(year_statuses__year=status_year, year_statuses__status="poor")),
            near_poor=Count("pk", filter=Q(year_statuses__year=status_year, year_statuses__status="near_poor")),
        )
        .order_by("village__name")
    )
    for row in by_village:
        row["rate"] = _percent(row["poor"] + row["near_poor"], row["households"])

    return ReviewResult(
        year=year,
        status_year=status_year,
        total_households=total,
        counts=counts,
        previous_counts=previous,
        poor_rate=_percent(counts["poor"], total),
        near_poor_rate=_percent(counts["near_poor"], total),
        listed_rate=_percent(counts["poor"] + counts["near_poor"], total),
        escaped_poverty=changes["escaped_poverty"],
        escaped_near_poverty=changes["escaped_near"],
        new_listed=changes["new_listed"],
        fell_back=changes["fell_back"],
        planned_reduction=planned,
        achieved_reduction=achieved,
        plan_percent=_percent(achieved, planned) if planned else None,
        by_village=by_village,
    )


def poverty_list(commune, year: int, *, status: str = "") -> QuerySet[Household]:
    """The commune's current households on the list in force in ``year``: poor or near-poor by their
    latest status of ``year`` or before (``households.selectors.status_in_force``: until the review
    of ``year - 1`` is approved, the list before it stays in force), by code. ``status``: only the
    poor or only the near-poor. Each household is annotated with ``list_status``, ``list_year`` (the
    year of the list that status comes from) and, when a review of this product made that list, the
    chair's decision that recognised it (``decision_number``, ``decision_date``): the approved
    review whose list is ``list_year`` (the annual review of the year before, or an in-year review of
    that year, the latest approved) and that surveyed the household. A list imported from before
    the product has no decision here (both empty)."""
    statuses = [status] if status in LISTED else list(LISTED)
    latest = HouseholdYearStatus.objects.filter(household_id=OuterRef("pk"), year__lte=year).order_by("-year")
    recognised = (
        Assessment.objects.filter(
            household_id=OuterRef("pk"), surveyed_at__isnull=False, campaign__status=Campaign.Status.APPROVED
        )
        .filter(
            Q(campaign__kind=Campaign.Kind.PERIODIC, campaign__year=OuterRef("list_year") - 1)
            | Q(campaign__kind=Campaign.Kind.REGULAR, campaign__year=OuterRef("list_year"))
        )
        .order_by("-campaign__approved_at", "-campaign_id")
    )
    return (
        Household.objects.filter(commune=commune, dissolved_on__isnull=True)
        .annotate(list_status=status_in_force(year), list_year=Subquery(latest.values("year")[:1]))
        .filter(list_status__in=statuses)
        .annotate(
            decision_number=Subquery(recognised.values("campaign__decision_number")[:1]),
            decision_date=Subquery(recognised.values("campaign__decision_date")[:1]),
        )
        .select_related("village", "head")
        .order_by("code", "id")
    )


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def whatif(campaign: Campaign, standard) -> dict:
    """Classify the campaign's surveyed households by another standard, changing nothing:
    the count per (current, what-if) pair and the households that would change class."""
    rules = rules_for(standard)
    rows = campaign.assessments.filter(surveyed_at__isnull=False).values_list(
        "pk", "household__code", "area", "income_per_capita", "deprived", "classification"
    )
    matrix: Counter = Counter()
    changed = []
    for pk, code, area, income, deprived, current in rows:
        other = rules.classify(area, income, deprived)
        matrix[(current, other)] += 1
        if other != current:
            changed.append(
                {
                    "assessment_id": pk,
                    "household_code": code,
                    "current": current,
                    "whatif": other,
                    "explanation": rules.explain(area, income, deprived),
                }  # fmt: skip
            )
    return {
        "standard": standard,
        "matrix": [[matrix[(row, column)] for column in CLASSES] for row in CLASSES],
        "totals": {status: sum(n for (_current, other), n in matrix.items() if other == status) for status in CLASSES},
        "changed": sorted(changed, key=lambda change: change["household_code"]),
        "surveyed": sum(matrix.values()),
    }


def household_review_timeline(household_id: int) -> list[TimelineEntry]:
    events = ReviewEvent.objects.filter(household_id=household_id).select_related(
        "actor", "campaign__commune", "campaign__standard"
    )
    rules_by_standard: dict = {}  # the explanation is built in the reader's language, per standard
    return [
        TimelineEntry(
            occurred_at=event.occurred_at,
            title=event.get_kind_display(),
            detail=_review_event_detail(event, rules_by_standard),
            actor=event.actor.display_name if event.actor else "",
            source=_("Poverty review %(year)s") % {"year": event.campaign.year},
            reason=event.reason,
        )
        for event in events
    ]


def _review_event_detail(event: ReviewEvent, rules_by_standard: dict) -> str:
    data = event.data or {}
    labels = dict(PovertyStatus.choices)
    kind = ReviewEvent.Kind
    if event.kind in (kind.SURVEYED, kind.IMPORTED) and data.get("income_per_capita") is not None:
        standard = event.campaign.standard
        if standard.pk not in rules_by_standard:
            rules_by_standard[standard.pk] = rules_for(standard)
        explanation = rules_by_standard[standard.pk].explain(
            data["area"], data["income_per_capita"], data.get("deprived", [])
        )
        return f"{labels.get(data.get('classification'), '')}: {explanation}"
    if event.kind in (kind.MEETING, kind.RETURNED):
        return _("%(village)s, %(held_on)s: %(votes_for)s of %(attendees)s in favour") % {
            **data,
            "held_on": day(data.get("held_on")),
        }
    if event.kind == kind.POSTED:
        return _("%(classification)s, posted %(starts)s to %(ends)s") % {
            **data,
            "starts": day(data.get("starts")),
            "ends": day(data.get("ends")),
            "classification": labels.get(data.get("classification"), ""),
        }
    if event.kind == kind.RECOGNISED:
        return _("%(classification)s for %(year)s, decision %(decision)s") % {
            **data,
            "classification": labels.get(data.get("classification"), ""),
        }
    if event.kind == kind.COMPLAINT:
        return data.get("complainant", "")
    return ""


def review_worklist(user) -> list[WorkItem]:
    """Home-page items of the review, for the user's communes: for whoever runs it (the officer,
    the steering committee, the chair) the complaints awaiting an answer, the public posting's days
    left, the households still to survey, the village meetings still to hold, a step late against
    the calendar (``deadlines``) and a review not opened in time; for the chair, the results
    awaiting recognition. Each item links to the page where the work is done.

    One query for the reviews (their counts as subqueries), and one more only when a commune of
    the user has no review of this year after ``deadlines.OPEN_BY``; none for a provincial viewer."""
    if not (user.can_sign_decisions or user.can_run_poverty_review):
        return []  # a provincial viewer: no query at all
    today = timezone.localdate()
    campaigns = list(_worklist_campaigns(user, today))
    items = []
    for campaign in campaigns:
        items.extend(_campaign_work(user, campaign, today))
    if user.can_run_poverty_review and not has_national_scope(user) and today > deadlines.open_by(today.year):
        items.extend(_reviews_not_opened(user, campaigns, today))
    return items


def _count_of(queryset: QuerySet, field: str = "pk") -> Coalesce:
    """How many rows of ``queryset`` belong to the outer campaign (a subquery; 0 when none)."""
    counted = Count(field, distinct=field != "pk")
    return Coalesce(
        Subquery(
            queryset.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(n=counted).values("n")
        ),
        0,
    )


def _worklist_campaigns(user, today) -> QuerySet[Campaign]:
    """The user's reviews still under way, and this year's periodic ones (approved or not: they
    say the review was opened), each with the counts its work items show."""
    open_complaints = Complaint.objects.filter(status=Complaint.Status.OPEN)
    waiting_for_meeting = Assessment.objects.filter(_PROPOSED, meeting_result=Assessment.MeetingResult.PENDING)
    return (
        scope_to_user(Campaign.objects.all(), user)
        .filter(~Q(status=Campaign.Status.APPROVED) | Q(kind=Campaign.Kind.PERIODIC, year=today.year))
        .select_related("commune", "household")
        .annotate(
            open_complaints=_count_of(open_complaints),
            first_deadline=Subquery(
                open_complaints.filter(campaign=OuterRef("pk")).order_by("deadline").values("deadline")[:1]
            ),
            to_survey=_count_of(Assessment.objects.filter(surveyed_at__isnull=True)),
            returned=_count_of(Assessment.objects.filter(meeting_result=Assessment.MeetingResult.RETURNED)),
            villages_to_meet=_count_of(waiting_for_meeting, "village"),
        )
        .order_by("commune__name", "-year", "id")
    )


def _review_name(campaign: Campaign) -> str:
    if campaign.kind == Campaign.Kind.REGULAR:
        return _("in-year review of household %(code)s, %(commune)s") % {
            "code": campaign.household.code,
            "commune": campaign.commune.name,
        }
    return _("review %(year)s, %(commune)s") % {"year": campaign.year, "commune": campaign.commune.name}


def _campaign_work(user, campaign: Campaign, today) -> list[WorkItem]:
    if campaign.status == Campaign.Status.APPROVED:
        return []
    status, review = Campaign.Status, {"review": _review_name(campaign)}
    ends_by = deadlines.step_ends_by(campaign)

    def is_late(due) -> bool:
        return due is not None and today > due

    def url(name: str, query: str = "") -> str:
        return reverse(f"povertyreview:{name}", kwargs={"campaign_id": campaign.pk}) + query

    items = []
    if user.can_run_poverty_review:
        if campaign.open_complaints:
            items.append(
                WorkItem(
                    title=_("Complaints awaiting an answer (%(review)s)") % review,
                    url=url("complaints"),
                    count=campaign.open_complaints,
                    due=day(campaign.first_deadline),
                    late=campaign.first_deadline < today,
                )
            )
        if campaign.status == status.PUBLIC_POSTING and campaign.posting_ends_on:
            items.append(_posting_item(campaign, today, review, url("detail")))
        step_items = _step_work(campaign, review, url)
        for item in step_items:  # the step's own work carries the step's last day
            items.append(replace(item, due=day(ends_by), late=is_late(ends_by)))
        # A late step without work of its own on the list (at posting, or awaiting the chair) says
        # so once; the chair reads a late recognition on the item below.
        awaiting_chair = campaign.status == status.AWAITING_APPROVAL and user.can_sign_decisions
        if is_late(ends_by) and not step_items and not awaiting_chair:
            items.append(
                WorkItem(
                    title=_("Late: %(review)s is still at the step “%(step)s”")
                    % {**review, "step": campaign.get_status_display()},
                    url=url("detail"),
                    due=day(ends_by),
                    late=True,
                )
            )
    if user.can_sign_decisions and campaign.status == status.AWAITING_APPROVAL:
        recognise_by = deadlines.recognise_by(campaign)
        items.append(
            WorkItem(
                title=_("Review results awaiting your recognition (%(review)s)") % review,
                url=url("approve"),
                due=day(recognise_by),
                late=is_late(recognise_by),
            )
        )
    return items


def _step_work(campaign: Campaign, review: dict, url) -> list[WorkItem]:
    """What the step the review is at still needs, or, once done, the move to the next step."""
    status = Campaign.Status
    if campaign.status == status.PREPARING:
        return [WorkItem(title=_("Households listed (%(review)s): add those who applied, then start the survey")
                         % review, url=url("detail"))]  # fmt: skip
    if campaign.status == status.SURVEYING:
        if campaign.to_survey:
            return [WorkItem(title=_("Households still to survey (%(review)s)") % review,
                             url=url("assessments", "?state=missing"), count=campaign.to_survey)]  # fmt: skip
        return [WorkItem(title=_("Every household surveyed (%(review)s): move on to the village meetings") % review,
                         url=url("detail"))]  # fmt: skip
    if campaign.status == status.VILLAGE_MEETINGS:
        work = []
        if campaign.returned:
            work.append(WorkItem(title=_("Households returned to survey by a village meeting (%(review)s)") % review,
                                 url=url("assessments", "?state=returned"), count=campaign.returned))  # fmt: skip
        if campaign.villages_to_meet:
            work.append(WorkItem(title=_("Village meetings still to hold (%(review)s)") % review,
                                 url=url("meetings"), count=campaign.villages_to_meet))  # fmt: skip
        return work or [WorkItem(title=_("Every village has met (%(review)s): post the list publicly") % review,
                                 url=url("detail"))]  # fmt: skip
    if campaign.status == status.COMPLAINTS and not campaign.open_complaints:
        return [WorkItem(title=_("Every complaint answered (%(review)s): send the review to the chair") % review,
                         url=url("detail"))]  # fmt: skip
    return []


def _posting_item(campaign: Campaign, today, review: dict, url: str) -> WorkItem:
    days_left = (campaign.posting_ends_on - today).days
    if days_left < 0:
        title = _("Public posting over (%(review)s): move the review on to complaints") % review
    elif days_left == 0:
        title = _("Public posting ends today (%(review)s)") % review
    else:
        title = ngettext(
            "Public posting ends in %(days)d day (%(review)s)",
            "Public posting ends in %(days)d days (%(review)s)",
            days_left,
        ) % {**review, "days": days_left}
    return WorkItem(title=title, url=url, due=day(campaign.posting_ends_on))


def _reviews_not_opened(user, campaigns: list[Campaign], today) -> list[WorkItem]:
    """The user's communes with households and no periodic review of this year (one query, only
    when some commune has none)."""
    from geography.models import Commune

    opened = {c.commune_id for c in campaigns if c.kind == Campaign.Kind.PERIODIC and c.year == today.year}
    missing = [code for code in commune_codes_for_user(user) if code not in opened]
    if not missing:
        return []
    communes = Commune.objects.filter(
        Exists(Household.objects.filter(commune=OuterRef("pk"), dissolved_on__isnull=True)), code__in=missing
    ).order_by("name")
    return [
        WorkItem(
            title=_("The poverty review %(year)s of %(commune)s is not opened")
            % {"year": today.year, "commune": commune.name},  # fmt: skip
            url=reverse("povertyreview:open"),
            due=day(deadlines.open_by(today.year)),
            late=True,
        )
        for commune in communes
    ]


# --- reads for the review's pages (views.py) ------------------------------------------------------

_PROPOSED = Q(classification__in=LISTED) | Q(previous_classification__in=LISTED)


def meeting_pending(campaign: Campaign, *, village=None) -> QuerySet[Assessment]:
    """The proposed households still waiting for a village meeting: exactly the ones
    ``services.village_meeting_record`` asks votes for (``Assessment.is_proposed``, pending)."""
    pending = campaign.assessments.filter(_PROPOSED, meeting_result=Assessment.MeetingResult.PENDING)
    if village is not None:
        pending = pending.filter(village=village)
    return pending.select_related("household__head", "village").order_by("household__code")


def meeting_agenda(campaign: Campaign) -> list[dict]:
    """Per village of the commune: how many proposed households wait for its meeting (one query)."""
    waiting = dict(
        campaign.assessments.filter(_PROPOSED, meeting_result=Assessment.MeetingResult.PENDING)
        .values_list("village_id")
        .annotate(n=Count("pk"))
    )
    return [
        {"village": village, "waiting": waiting.get(village.pk, 0)}
        for village in campaign.commune.villages.order_by("name")
    ]


def meetings_for(campaign: Campaign):
    """The campaign's village meetings with their votes and households (three queries)."""
    from django.db.models import Prefetch

    from povertyreview.models import MeetingVote

    votes = MeetingVote.objects.select_related("assessment__household").order_by("assessment__household__code")
    return (
        campaign.meetings.select_related("village", "recorded_by")
        .prefetch_related(Prefetch("votes", queryset=votes))
        .order_by("village__name", "held_on", "id")
    )


def complaints_for(campaign: Campaign) -> QuerySet[Complaint]:
    return campaign.complaints.select_related("assessment__household__head", "resolved_by").order_by(
        "status", "deadline", "id"
    )


def classification_counts(campaign: Campaign) -> dict:
    """Surveyed households per classification (for the chair's approval page)."""
    found = dict(
        campaign.assessments.filter(surveyed_at__isnull=False).values_list("classification").annotate(n=Count("pk"))
    )
    return {status: found.get(status, 0) for status in CLASSES}


def communes_with_reviews(user):
    """The communes in the user's scope that have held a review (the results page's choices)."""
    from geography.models import Commune

    campaigns = scope_to_user(Campaign.objects.all(), user)
    return Commune.objects.filter(code__in=campaigns.values("commune_id")).order_by("name")


# --- is a year's result recognised? (reports, the results page) -------------------------------------

# How far back the default year is looked for.
RECOGNISED_YEARS_BACK = 8


@dataclass(frozen=True)
class ReviewState:
    """Where the periodic review of ``year`` stands in a commune, for the pages that show its result.

    Recognised: the chair approved the periodic review of ``year``, or there is no periodic review of
    ``year`` but its list (the statuses of ``year + 1``) is in the registry (a list kept before the
    product, imported). A review still open (``campaign_status`` any other), or no review and no
    list, has no result to show: its households have no status of ``year + 1`` yet, so counting
    them would show zeros."""

    code: str
    name: str
    year: int
    campaign_status: str  # "" when the commune has no periodic review of ``year``
    has_list: bool
    has_households: bool

    @property
    def recognised(self) -> bool:
        if self.campaign_status:
            return self.campaign_status == Campaign.Status.APPROVED
        return self.has_list

    @property
    def status_label(self) -> str:
        if not self.campaign_status:
            return _("no review")
        return str(dict(Campaign.Status.choices).get(self.campaign_status, self.campaign_status))

    def warning(self) -> str:
        """What a page says instead of a result that does not exist yet."""
        if self.campaign_status:
            return _(
                "The result of the %(year)s review of %(commune)s is not yet recognised (the review is at: "
                "%(status)s). The list of poor and near-poor households for %(next)s exists only once the chair "
                "recognises the result, so no figure of it is shown."
            ) % {"year": self.year, "commune": self.name, "status": self.status_label, "next": self.year + 1}
        return _(
            "The result of the %(year)s review of %(commune)s is not recognised: there is no review of that year "
            "and no list of poor and near-poor households for %(next)s."
        ) % {"year": self.year, "commune": self.name, "next": self.year + 1}


def review_states(commune_codes, year: int) -> dict[str, ReviewState]:
    """code -> ``ReviewState`` of the review of ``year``, for each commune of ``commune_codes``: one
    query (the list's existence is asked only of the communes without a periodic review of ``year``,
    and stops at the first household found)."""
    from django.db.models import BooleanField, Case, OuterRef, Subquery, Value, When

    from geography.models import Commune

    periodic = Campaign.objects.filter(commune=OuterRef("pk"), year=year, kind=Campaign.Kind.PERIODIC)
    has_list = Exists(HouseholdYearStatus.objects.filter(household__commune=OuterRef("pk"), year=year + 1))
    rows = (
        Commune.objects.filter(code__in=list(commune_codes))
        .annotate(
            campaign_status=Subquery(periodic.values("status")[:1]),
            has_households=Exists(Household.objects.filter(commune=OuterRef("pk"))),
            has_list=Case(When(Exists(periodic), then=Value(False)), default=has_list, output_field=BooleanField()),
        )
        .values_list("code", "name", "campaign_status", "has_list", "has_households")
    )
    return {
        code: ReviewState(code, name, year, status or "", has_list_, has_households_)
        for code, name, status, has_list_, has_households_ in rows
    }


def latest_recognised_year(commune_codes, *, up_to: int) -> tuple[int | None, dict[str, ReviewState]]:
    """The latest review year, at most ``up_to``, whose result is recognised in every commune of
    ``commune_codes`` that keeps records here (households or a review); if no year is, the latest
    recognised in any of them; None when none is within ``RECOGNISED_YEARS_BACK`` years. With that
    year's states (so a page does not ask again). One query a year looked at (usually one or two)."""
    first_any: tuple[int, dict] | None = None
    for year in range(up_to, up_to - RECOGNISED_YEARS_BACK, -1):
        states = review_states(commune_codes, year)
        keeping = [state for state in states.values() if state.has_households or state.campaign_status]
        if keeping and all(state.recognised for state in keeping):
            return year, states
        if first_any is None and any(state.recognised for state in keeping):
            first_any = (year, states)
    if first_any is not None:
        return first_any
    return None, {}
