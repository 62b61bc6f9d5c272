"""Pages of the poverty review. Thin: access.py decides who sees what, services.py writes, and a
service's ValidationError goes back on the form's fields.

Every page of a campaign starts with ``access_campaign`` (404 out of scope); an action page asks
``for_edit=True`` (403 for roles that do not run reviews, e.g. the provincial viewer) before it
shows its form, and the service checks the role and the campaign's step again when it writes.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.documents import attachment_response
from core.formatting import number
from core.forms import submit
from geography.access import access_commune_by_code
from geography.models import Commune
from geography.scoping import communes_for_user, scope_to_user
from households.access import access_household_by_uuid
from households.models import Household, PovertyStatus
from povertyreview import selectors, services
from povertyreview.access import access_assessment, access_campaign, access_complaint, access_meeting_minutes
from povertyreview.classification import rules_for
from povertyreview.forms import (
    AddHouseholdForm,
    AdvanceForm,
    ApproveForm,
    AssessmentFilterForm,
    ComplaintForm,
    MeetingForm,
    OpenCampaignForm,
    RegularReviewForm,
    ResolveComplaintForm,
    ResultsFilterForm,
    SurveyForm,
    TargetForm,
    WhatIfForm,
)
from povertyreview.models import Campaign, Complaint, PovertyStandard, ReductionTarget
from povertyreview.workflow import WORKFLOW

Status = Campaign.Status
PAGE_SIZE = 100
STATUS_LABELS = dict(PovertyStatus.choices)


def _posted(request):
    """The POST data, or None for GET: bound even when empty (the advance form may have no field)."""
    return request.POST if request.method == "POST" else None


def _require_runner(user) -> None:
    if not user.can_run_poverty_review:
        raise PermissionDenied


def _campaign_url(campaign: Campaign) -> str:
    return reverse("povertyreview:detail", kwargs={"campaign_id": campaign.pk})


def _action(request, campaign, form, call, *, title: str, success, done=None, template="povertyreview/action.html",
            extra=None):  # fmt: skip
    """GET shows the form; a valid POST runs the service; on success a message and a redirect (to
    the campaign, or ``done(result)``), on a refusal the form again with the service's errors."""
    if request.method == "POST":
        result = submit(form, call)
        if result:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(done(result) if done else _campaign_url(campaign))
    context = {"campaign": campaign, "form": form, "title": title, **(extra or {})}
    return render(request, template, context)


def _next_status(campaign: Campaign) -> str | None:
    steps = list(Status.values)
    index = steps.index(campaign.status)
    return steps[index + 1] if index + 1 < len(steps) else None


# --- campaigns -----------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    return render(
        request,
        "povertyreview/campaign_list.html",
        {"campaigns": selectors.campaigns_for_user(request.user), "can_run": request.user.can_run_poverty_review},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_open(request):
    _require_runner(request.user)
    form = OpenCampaignForm(_posted(request), communes=communes_for_user(request.user).order_by("name"))
    return _action(
        request, None, form,
        lambda data: services.campaign_open(commune=data["commune"], year=data["year"], acting_user=request.user),
        title=_("Open the annual review"),
        success=lambda campaign: _("The %(year)s review is open: %(count)d households listed.")
        % {"year": campaign.year, "count": campaign.assessments.count()},
        done=_campaign_url,
    )  # fmt: skip


@login_required
def campaign_detail(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    progress = selectors.campaign_progress(campaign)
    next_status = _next_status(campaign)
    return render(
        request,
        "povertyreview/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": progress[:-1],
            "total": progress[-1],
            "steps": [(value, label, value == campaign.status) for value, label in Status.choices],
            "next_label": Status(next_status).label if next_status else "",
            # What this user may do at this step (povertyreview.workflow), in the table's order.
            "actions": WORKFLOW.available(request.user, campaign),
            "posted": campaign.posting_starts_on is not None,
            "assessments_url": reverse("povertyreview:assessments", kwargs={"campaign_id": campaign.pk}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_advance(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id, for_edit=True)
    next_status = _next_status(campaign)
    asks_posting = next_status == Status.PUBLIC_POSTING
    form = AdvanceForm(_posted(request), asks_posting=asks_posting)
    label = Status(next_status).label if next_status else ""
    return _action(
        request, campaign, form,
        lambda data: services.campaign_advance(campaign=campaign, acting_user=request.user, **form.step_data()),
        title=_("Move the review to the next step"),
        success=lambda moved: _("The review moved to the step “%(step)s”.") % {"step": moved.get_status_display()},
        template="povertyreview/advance.html",
        extra={"next_label": label, "asks_posting": asks_posting,
               "approval_next": next_status in (Status.APPROVED, None)},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def household_add(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id, for_edit=True)

    def add(data):
        code = data["household"].strip()
        household = Household.objects.filter(commune_id=campaign.commune_id, code=code).first()
        if household is None:
            raise ValidationError(
                {"household": _("no household with this code in %(commune)s") % {"commune": campaign.commune.name}}
            )
        return services.campaign_list_household(
            campaign=campaign, household=household, reason=data["reason"], acting_user=request.user
        )

    return _action(
        request, campaign, AddHouseholdForm(_posted(request)), add,
        title=_("Add a household to the review"),
        success=lambda assessment: _("Household %(code)s added to the review.") % {"code": assessment.household.code},
        done=lambda assessment: reverse("povertyreview:survey", kwargs={"campaign_id": campaign.pk,
                                                                         "assessment_id": assessment.pk}),
    )  # fmt: skip


# --- households of a campaign and their survey ---------------------------------------------------


@login_required
def assessment_list(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    villages = campaign.commune.villages.order_by("name")
    form = AssessmentFilterForm(request.GET or None, villages=villages)
    village_id, state = None, ""
    if form.is_valid():
        village_id = form.cleaned_data["village"].pk if form.cleaned_data["village"] else None
        state = form.cleaned_data["state"]
    page = _page_number(request)
    rows = list(
        selectors.assessments_for(campaign, village_id=village_id, state=state)[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1
        ]
    )
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    can_run = request.user.can_run_poverty_review and not campaign.is_locked
    for assessment in rows:
        assessment.can_survey = can_run and services.is_surveyable(campaign, assessment, disputed=assessment.disputed)
        assessment.income_display = _money(assessment.income_per_capita)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "povertyreview/assessment_list.html",
        {
            "campaign": campaign,
            "form": form,
            "assessments": rows,
            "page": page,
            "has_next": has_next,
            "querystring": query.urlencode(),
            # Rows link to base_url + id + "/" (povertyreview:survey): one reverse() for the page.
            "base_url": reverse("povertyreview:assessments", kwargs={"campaign_id": campaign.pk}),
            "households_url": reverse("households:list"),
            "can_run": can_run,
            "can_add": WORKFLOW.allows(request.user, campaign, "list_household"),
        },
    )


def _money(value) -> str:
    """Đồng as the interface's language writes them ("1.350.000" in Vietnamese)."""
    return number(value)


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@login_required
@require_http_methods(["GET", "POST"])
def survey(request, campaign_id: int, assessment_id: int):
    """A household's survey: GET shows it (pre-filled from the registry before the first survey)
    and, once surveyed, its classification and the reason; POST records it (runners only)."""
    campaign = access_campaign(request.user, campaign_id)
    assessment = access_assessment(request.user, campaign, assessment_id)
    if request.method == "POST":
        _require_runner(request.user)
    indicators = list(campaign.standard.indicators.all())
    registry_known = services.registry_prefill(assessment)
    disputed = assessment.complaints.filter(status=Complaint.Status.OPEN).exists()
    editable = (
        request.user.can_run_poverty_review
        and not campaign.is_locked
        and services.is_surveyable(campaign, assessment, disputed=disputed)
    )
    form = SurveyForm(
        _posted(request),
        indicators=indicators,
        registry_known=registry_known,
        read_only=not editable and request.method == "GET",
        initial=SurveyForm.initial_for(assessment, registry_known),
    )
    if request.method == "POST":
        saved = submit(
            form,
            lambda data: services.assessment_record(
                assessment=assessment, area=data["area"], members=data["members"],
                income_per_capita=data["income_per_capita"], household_income=data["household_income"],
                deprived=form.deprived(), acting_user=request.user,
            ),
        )  # fmt: skip
        if saved:
            messages.success(
                request,
                _("Household %(code)s surveyed: %(class)s.")
                % {"code": assessment.household.code, "class": saved.get_classification_display()},
            )
            return redirect("povertyreview:survey", campaign_id=campaign.pk, assessment_id=assessment.pk)
    explanation = ""
    if assessment.is_surveyed:
        explanation = rules_for(campaign.standard).explain(
            assessment.area, assessment.income_per_capita, assessment.deprived
        )
    return render(
        request,
        "povertyreview/survey.html",
        {
            "campaign": campaign,
            "assessment": assessment,
            "form": form,
            "editable": editable,
            "explanation": explanation,
            "disputed": disputed,
            "registry_known": registry_known,
        },
    )


# --- village meetings ----------------------------------------------------------------------------


@login_required
def meeting_list(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    return render(
        request,
        "povertyreview/meetings.html",
        {
            "campaign": campaign,
            "meetings": selectors.meetings_for(campaign),
            "agenda": selectors.meeting_agenda(campaign),
            "can_record": WORKFLOW.allows(request.user, campaign, "meeting"),
        },
    )


@login_required
@require_http_methods(["GET"])
def meeting_minutes(request, campaign_id: int, meeting_id: int):
    """A meeting's scanned minutes, downloaded (never shown in the page), for whoever sees the campaign."""
    return attachment_response(access_meeting_minutes(request.user, campaign_id, meeting_id).minutes)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request, campaign_id: int, village_id: int):
    campaign = access_campaign(request.user, campaign_id, for_edit=True)
    village = campaign.commune.villages.filter(pk=village_id).first()
    if village is None:
        raise Http404("village")
    pending = selectors.meeting_pending(campaign, village=village)
    form = MeetingForm(_posted(request), request.FILES if request.method == "POST" else None, pending=pending)

    def record(data):
        return services.village_meeting_record(
            campaign=campaign, village=village, held_on=data["held_on"], chaired_by=data["chaired_by"],
            attendees=data["attendees"], votes=form.votes(), minutes=data["minutes"], acting_user=request.user,
        )  # fmt: skip

    def recorded(meeting) -> str:
        returned = [vote.assessment.household.code for vote in meeting.votes.all() if not vote.agreed]
        agreed = len(form.pending) - len(returned)
        message = _("Meeting of %(village)s recorded: %(agreed)d households agreed.") % {
            "village": village.name, "agreed": agreed}  # fmt: skip
        if returned:
            message += " " + _("Not agreed by more than half of the attendees, returned to survey: %(codes)s.") % {
                "codes": ", ".join(returned)}  # fmt: skip
        return message

    return _action(
        request, campaign, form, record,
        title=_("Village meeting of %(village)s") % {"village": village.name},
        success=recorded,
        done=lambda meeting: reverse("povertyreview:meetings", kwargs={"campaign_id": campaign.pk}),
        template="povertyreview/meeting_record.html",
        extra={"village": village, "pending": form.pending},
    )  # fmt: skip


# --- complaints ----------------------------------------------------------------------------------


@login_required
def complaint_list(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    can_run = WORKFLOW.allows(request.user, campaign, "complaint")
    return render(
        request,
        "povertyreview/complaints.html",
        {
            "campaign": campaign,
            "complaints": selectors.complaints_for(campaign),
            "today": timezone.localdate(),
            "can_run": can_run,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def complaint_register(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id, for_edit=True)
    assessments = campaign.assessments.select_related("household__head").order_by("household__code")
    initial = {}
    if request.GET.get("assessment", "").isdigit():
        initial["assessment"] = request.GET["assessment"]
    form = ComplaintForm(_posted(request), assessments=assessments, initial=initial)
    return _action(
        request, campaign, form,
        lambda data: services.complaint_register(
            assessment=data["assessment"], complainant=data["complainant"], received_on=data["received_on"],
            content=data["content"], acting_user=request.user,
        ),
        title=_("Register a complaint"),
        success=lambda complaint: _("Complaint about household %(code)s registered; the answer is due by %(date)s.")
        % {"code": complaint.assessment.household.code, "date": complaint.deadline.strftime("%d/%m/%Y")},
        done=lambda complaint: reverse("povertyreview:complaints", kwargs={"campaign_id": campaign.pk}),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def complaint_resolve(request, campaign_id: int, complaint_id: int):
    campaign = access_campaign(request.user, campaign_id, for_edit=True)
    complaint = access_complaint(request.user, campaign, complaint_id)
    assessment = complaint.assessment
    explanation = ""
    if assessment.is_surveyed:
        explanation = rules_for(campaign.standard).explain(
            assessment.area, assessment.income_per_capita, assessment.deprived
        )
    return _action(
        request, campaign, ResolveComplaintForm(_posted(request)),
        lambda data: services.complaint_resolve(
            complaint=complaint, recheck_result=data["recheck_result"], answer=data["answer"],
            resolved_on=data["resolved_on"], acting_user=request.user,
        ),
        title=_("Resolve the complaint about household %(code)s") % {"code": assessment.household.code},
        success=_("Complaint resolved."),
        done=lambda resolved: reverse("povertyreview:complaints", kwargs={"campaign_id": campaign.pk}),
        template="povertyreview/complaint_resolve.html",
        extra={"complaint": complaint, "assessment": assessment, "explanation": explanation},
    )  # fmt: skip


# --- approval ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def campaign_approve(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    if not request.user.can_sign_decisions:
        raise PermissionDenied

    def approve(data):
        try:
            return services.campaign_approve(
                campaign=campaign, decision_number=data["decision_number"], decision_date=data["decision_date"],
                acting_user=request.user,
            )  # fmt: skip
        except PermissionDenied as refusal:
            # Maker-checker: a message on the form, not a 403 page.
            raise ValidationError(str(refusal) or _("You may not approve this review.")) from refusal

    return _action(
        request, campaign, ApproveForm(_posted(request)), approve,
        title=_("Approve the review"),
        success=lambda approved: _("Review approved (decision %(number)s): the list for %(year)s is recorded.")
        % {"number": approved.decision_number, "year": approved.status_year},
        template="povertyreview/approve.html",
        extra={"counts": [(STATUS_LABELS[status], count)
                          for status, count in selectors.classification_counts(campaign).items()]},
    )  # fmt: skip


# --- in-year review of one household ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def regular_open(request):
    """Start an in-year review on a household's request: from its page (``?household=<uuid>``) or
    by its code."""
    household = None
    if request.GET.get("household"):
        try:
            household_uuid = uuid.UUID(request.GET["household"])
        except ValueError:
            raise Http404("household") from None
        household = access_household_by_uuid(request.user, household_uuid)
    _require_runner(request.user)

    def start(data):
        target = household
        if target is None:
            found = list(
                scope_to_user(Household.objects.filter(code=data["household"].strip(), dissolved_on__isnull=True),
                              request.user)[:2]
            )  # fmt: skip
            if len(found) != 1:
                message = _("no household with this code") if not found else _("several households have this code")
                raise ValidationError({"household": message})
            target = found[0]
        return services.regular_review_open(
            household=target, requested_on=data["requested_on"], reason=data["reason"], acting_user=request.user
        )

    return _action(
        request, None, RegularReviewForm(_posted(request), with_household=household is None), start,
        title=_("Start an in-year review"),
        success=lambda campaign: _("In-year review of household %(code)s started.") % {"code": campaign.household.code},
        done=_campaign_url,
        template="povertyreview/regular_open.html",
        extra={"household": household,
               "cancel_url": reverse("households:detail", kwargs={"household_uuid": household.uuid}) if household else ""},
    )  # fmt: skip


# --- results, targets and what-if ----------------------------------------------------------------


@login_required
def results(request):
    communes = selectors.communes_with_reviews(request.user)
    code = request.GET.get("commune", "")
    if code:
        commune = access_commune_by_code(request.user, code)
    else:
        commune = communes.first() or communes_for_user(request.user).order_by("name").first()
    if commune is not None:  # a commune in scope without a review yet is still a choice
        communes = communes | Commune.objects.filter(code=commune.code)
    year = _year(request.GET.get("year"))
    state = None
    if year is None and commune is not None:
        # The list in force: the latest review the chair recognised, not one still open.
        year, states = selectors.latest_recognised_year([commune.code], up_to=timezone.localdate().year)
        state = states.get(commune.code)
    year = year or timezone.localdate().year - 1
    if state is None and commune is not None:
        state = selectors.review_states([commune.code], year).get(commune.code)
    form = ResultsFilterForm(initial={"commune": commune.code if commune else "", "year": year}, communes=communes)
    # A year whose result is not recognised has no list yet: a warning, never a page of zeros.
    recognised = state is not None and state.recognised
    result = selectors.review_results(commune, year) if recognised else None
    return render(
        request,
        "povertyreview/results.html",
        {
            "form": form,
            "commune": commune,
            "year": year,
            "result": result,
            "not_recognised": state.warning() if state is not None and not recognised else "",
            "rows": _result_rows(result) if result else [],
            "can_set_target": request.user.can_run_poverty_review,
        },
    )


def _year(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


def _result_rows(result) -> list[dict]:
    rates = {
        PovertyStatus.POOR: result.poor_rate,
        PovertyStatus.NEAR_POOR: result.near_poor_rate,
        PovertyStatus.MIDDLE_INCOME: None,
    }
    return [
        {
            "status": status,
            "label": STATUS_LABELS[status],
            "count": count,
            "previous": result.previous_counts[status],
            "rate": rates[status],
        }
        for status, count in result.counts.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def target_set(request):
    commune = access_commune_by_code(request.user, request.GET.get("commune", ""))
    _require_runner(request.user)
    year = _year(request.GET.get("year")) or timezone.localdate().year
    current = ReductionTarget.objects.filter(commune=commune, year=year).first()
    form = TargetForm(_posted(request), initial={"planned_reduction": current.planned_reduction if current else None})
    results_url = reverse("povertyreview:results") + f"?commune={commune.code}&year={year}"
    return _action(
        request, None, form,
        lambda data: services.target_set(commune=commune, year=year, planned_reduction=data["planned_reduction"],
                                         acting_user=request.user),
        title=_("Poverty-reduction target of %(commune)s for %(year)s") % {"commune": commune.name, "year": year},
        success=_("Target saved."),
        done=lambda target: results_url,
        extra={"cancel_url": results_url},
    )  # fmt: skip


@login_required
def whatif(request, campaign_id: int):
    campaign = access_campaign(request.user, campaign_id)
    standards = PovertyStandard.objects.exclude(pk=campaign.standard_id).order_by("code")
    form = WhatIfForm(request.GET or None, standards=standards)
    standard = form.cleaned_data["standard"] if form.is_valid() else standards.first()
    if standard is not None and not form.is_bound:
        form = WhatIfForm(initial={"standard": standard.code}, standards=standards)
    outcome = selectors.whatif(campaign, standard) if standard else None
    rows = []
    if outcome:
        rows = [
            {"label": STATUS_LABELS[status], "cells": cells, "total": sum(cells)}
            for status, cells in zip(selectors.CLASSES, outcome["matrix"], strict=True)
        ]
    return render(
        request,
        "povertyreview/whatif.html",
        {
            "campaign": campaign,
            "form": form,
            "outcome": outcome,
            "rows": rows,
            "columns": [STATUS_LABELS[status] for status in selectors.CLASSES],
            "column_totals": [outcome["totals"][status] for status in selectors.CLASSES] if outcome else [],
            "status_labels": STATUS_LABELS,
        },
    )
