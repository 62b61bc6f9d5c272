"""Pages of payment runs. Thin: access.py decides who sees what, services.py writes, and a
service's ValidationError goes back on the form.

Every page of a run starts with ``access_run`` (404 out of scope); an act asks ``for_edit`` (the
officer's: prepare again, send to the payer) or ``for_decision`` (the chair's: approve) before it
shows its form (403 for other roles), and the service checks the role and the run's status again
when it writes. A maker-checker refusal (the chair prepared the run) is a message on the form, not
a 403. Sending to the payer is a POST only (a button on the run page): no GET changes a run.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries.models import Case
from core.forms import submit
from core.months import first_of_month
from disbursements import selectors, services
from disbursements.access import access_run, can_act_on_runs
from disbursements.forms import ApproveForm, CancelForm, LineFilterForm, MonthFilterForm, PrepareForm, ReprepareForm
from disbursements.models import Run
from disbursements.workflow import WORKFLOW
from geography.access import access_commune_by_code
from geography.scoping import communes_for_user
from households.access import can_see_full_identifiers
from households.searching import refuse_identifier_search
from privacy.log import Purpose, record_view
from privacy.visibility import HEALTH_CATEGORIES, sees_health

Status = Run.Status
POLL_SECONDS = 2


def _posted(request):
    return request.POST if request.method == "POST" else None


def _run_url(run: Run) -> str:
    return reverse("disbursements:detail", kwargs={"run_id": run.pk})


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _action(request, run, form, call, *, title: str, success, intro: str = "", button: str = "", extra=None):
    """GET shows the form; a valid POST runs the service; on success a message and a redirect to
    the run, on a refusal the form again with the service's errors. A PermissionDenied raised by
    the service after access passed is maker-checker (or a scope change): a message on the form."""

    def guarded(data):
        try:
            return call(data)
        except PermissionDenied as refusal:
            raise ValidationError(str(refusal) or _("You may not do this for this run.")) from refusal

    if request.method == "POST":
        result = submit(form, guarded)
        if result:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(_run_url(result))
    context = {"run": run, "form": form, "title": title, "intro": intro, "button": button or _("Confirm"),
               **(extra or {})}  # fmt: skip
    return render(request, "disbursements/action.html", context)


def _prepare_form(user, data=None, month=None) -> PrepareForm:
    return PrepareForm(
        data,
        communes=communes_for_user(user).order_by("name").values_list("code", "name"),
        initial={"month": month or first_of_month(timezone.localdate())},
    )


# --- the runs of a month ---------------------------------------------------------------------------


@login_required
def run_list(request):
    """The runs of a month (the month picker), or of the statuses a work-list item asks for."""
    statuses = [status for status in request.GET.getlist("status") if status in Status.values]
    month_form = MonthFilterForm(request.GET or None)
    month = None if statuses and not request.GET.get("month") else month_form.chosen_month()
    runs = list(selectors.run_list_for_user(request.user, month=month, statuses=statuses))
    can_prepare = request.user.can_manage_registry
    return render(
        request,
        "disbursements/run_list.html",
        {
            "runs": runs,
            "month": month,
            "statuses": [Status(status).label for status in statuses],
            "month_form": month_form,
            "prepare_form": _prepare_form(request.user, month=month) if can_prepare else None,
            # Rows link to list_url + id + "/" (disbursements:detail): one reverse() for the page.
            "list_url": reverse("disbursements:list"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def run_prepare(request):
    """Prepare (or resume, or recompute while not approved) a commune's run for a month: the
    batches are computed by the workers and the run page shows their progress."""
    if not request.user.can_manage_registry:
        raise PermissionDenied
    form = _prepare_form(request.user, _posted(request))

    def prepare(data):
        try:
            commune = access_commune_by_code(request.user, data["commune"])
            return services.run_prepare(commune=commune, month=data["month"], acting_user=request.user)
        except PermissionDenied as refusal:
            raise ValidationError(str(refusal) or _("You may not prepare this run.")) from refusal

    if request.method == "POST":
        run = submit(form, prepare)
        if run:
            messages.success(request, _("The run of %(month)s is being prepared.") % {"month": f"{run.month:%m/%Y}"})
            return redirect(_run_url(run))
    return render(request, "disbursements/prepare.html", {"form": form})


# --- a run's page ----------------------------------------------------------------------------------


def _progress_context(run: Run) -> dict:
    done, total = services.progress(run)
    return {
        "run": run,
        "done": done,
        "total": total,
        "percent": 100 if not total else round(100 * done / total),
        "polling": run.status == Status.PREPARING,
        "poll_seconds": POLL_SECONDS,
    }


# The run page's buttons for the workflow's acts (disbursements.workflow offers them, in its order).
RUN_ACTIONS = {
    "approve": (gettext_lazy("Approve"), "success"),
    "reprepare": (gettext_lazy("Prepare again"), "outline-primary"),
    "cancel": (gettext_lazy("Cancel the run"), "outline-danger"),
}


def _actions(available: list[str]) -> list[tuple[str, str, str]]:
    """(url name, label, button style) of what this user may do to the run now."""
    return [(name, *RUN_ACTIONS[name]) for name in available if name in RUN_ACTIONS]


@login_required
def run_detail(request, run_id):
    run = access_run(request.user, run_id)
    categories = selectors.run_categories(run)
    full_health = sees_health(request.user)
    if not full_health:  # no filter by a health category: its lines would name the people (privacy.visibility)
        categories = [code for code in categories if code not in HEALTH_CATEGORIES]
    form = LineFilterForm(request.GET or None, categories=categories)
    page = _page_number(request)
    size = selectors.PAGE_SIZE
    # Masked roles: whole numbers only, rate limited (a line's reference "run-case" is no identifier).
    refused = not selectors.is_line_reference(request.GET.get("q", "")) and refuse_identifier_search(form, request.user)
    lines = [] if refused else list(selectors.run_lines(run, **form.filters())[(page - 1) * size : page * size + 1])
    has_next = len(lines) > size
    lines = lines[:size]
    full = can_see_full_identifiers(request.user)
    for line in lines:
        line.account_display = selectors.masked_line_account(line, full=full)
    if lines:
        record_view(
            request,
            purpose=Purpose.PAGE,
            person_ids=Case.objects.filter(pk__in=[line.case_id for line in lines]).values("person_id"),
            commune_ids=[run.commune_id],
        )
    query = request.GET.copy()
    query.pop("page", None)
    with_payer = run.status in (Status.EXPORTED, Status.RECONCILED)
    available = WORKFLOW.available(request.user, run)
    return render(
        request,
        "disbursements/run_detail.html",
        {
            **_progress_context(run),
            "totals": selectors.run_totals(run),
            "detail_url": _run_url(run),
            "reports": selectors.run_reports(run) if with_payer else [],
            "downloads": selectors.run_downloads(run) if with_payer else [],
            "can_send": "send" in available,
            "form": form,
            "lines": lines,
            "page": page,
            "has_next": has_next,
            "querystring": query.urlencode(),
            "full_identifiers": full,
            "full_health": full_health,
            "actions": [
                (reverse(f"disbursements:{name}", kwargs={"run_id": run.pk}), label, css)
                for name, label, css in _actions(available)
            ],
            # Files exist for the payer once the run is sent, and until it is reconciled.
            "can_download": "download" in available,
        },
    )


@login_required
def run_progress(request, run_id):
    """The progress partial, polled by htmx every 2 s while the run is preparing. When the run is
    no longer preparing, an htmx request gets ``HX-Refresh`` so the page shows totals and lines."""
    run = access_run(request.user, run_id)
    response = render(request, "disbursements/_progress.html", _progress_context(run))
    if request.htmx and run.status != Status.PREPARING:
        response["HX-Refresh"] = "true"
    return response


# --- acts on a run ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def run_approve(request, run_id):
    """The chair's approval, with what the chair must see first: the lines paying months a payer
    reported failed before, and those with long arrears (counts, and which lines)."""
    run = access_run(request.user, run_id, for_decision=True)
    totals = selectors.run_totals(run)
    flagged = selectors.flagged_lines(run) if totals.flagged else []
    if flagged:
        record_view(
            request,
            purpose=Purpose.PAGE,
            person_ids=Case.objects.filter(pk__in=[line.case_id for line in flagged]).values("person_id"),
            commune_ids=[run.commune_id],
        )
    return _action(
        request, run, ApproveForm(_posted(request)),
        lambda data: services.run_approve(run=run, acting_user=request.user),
        title=_("Approve the payment run"),
        intro=_("Approving sends nothing yet: the officer then sends the run to the payer and downloads its files for "
                "the bank and the post office."),
        button=_("Approve"),
        success=_("Run approved."),
        extra={
            "totals": totals,
            "flagged_lines": flagged,
            "flagged_shown": selectors.FLAGGED_SHOWN,
            "detail_url": _run_url(run),
        },
    )  # fmt: skip


@login_required
@require_POST
def run_send(request, run_id):
    """The officer sends an approved run to the payer (its own button, a POST): the run's files
    can then be downloaded. A refusal (the run's status) is a message on the run page."""
    run = access_run(request.user, run_id, for_edit=True)
    try:
        services.run_send_to_payer(run=run, acting_user=request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    except PermissionDenied as refusal:
        messages.error(request, str(refusal) or _("You may not do this for this run."))
    else:
        messages.success(request, _("The run is sent to the payer: its files can now be downloaded."))
    return redirect(_run_url(run))


@login_required
@require_http_methods(["GET", "POST"])
def run_reprepare(request, run_id):
    run = access_run(request.user, run_id, for_edit=True)
    return _action(
        request, run, ReprepareForm(_posted(request)),
        lambda data: services.run_prepare(commune=run.commune, month=run.month, acting_user=request.user),
        title=_("Prepare the run again"),
        intro=_("Every line is computed again from the cases as they are now."),
        button=_("Prepare again"),
        success=_("The run is being prepared again."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def run_cancel(request, run_id):
    run = access_run(request.user, run_id)
    if not can_act_on_runs(request.user):
        raise PermissionDenied
    return _action(
        request, run, CancelForm(_posted(request)),
        lambda data: services.run_cancel(run=run, reason=data["reason"], acting_user=request.user),
        title=_("Cancel the payment run"),
        intro=_("Its lines are removed and their months are owed again: the next run pays them."),
        button=_("Cancel the run"),
        success=_("Run cancelled."),
    )  # fmt: skip


# --- beneficiaries not paid for months -------------------------------------------------------------


@login_required
def unpaid(request):
    """Active beneficiaries whose payment failed in the last three monthly runs: to review for
    suspension (the chair suspends from the case page)."""
    rows = selectors.unpaid_streaks_for_user(request.user)
    if rows:
        record_view(
            request,
            purpose=Purpose.PAGE,
            person_ids=Case.objects.filter(pk__in=[row["case_id"] for row in rows]).values("person_id"),
        )
    return render(request, "disbursements/unpaid.html", {"rows": rows, "months": selectors.UNPAID_STREAK})
