"""Pages of change requests (maker-checker on changes that move money, ``beneficiaries.changes``):
the scoped list (pending by default: the chair's queue), a request's page with old → new for each
field, and the chair's approve / reject and the maker's withdraw as POST actions.

Which buttons a request's page shows comes from ``changes.change_request_actions``; the services
check the same rules when they write (PermissionDenied → 403, a ValidationError → a message)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beneficiaries import changes, selectors
from beneficiaries.access import access_change_request_by_uuid
from beneficiaries.models import ChangeRequest
from core.months import first_of_month
from households.access import can_see_full_identifiers
from privacy.log import Purpose, record_view

PAGE_SIZE = 50


def _request_url(change: ChangeRequest) -> str:
    return reverse("beneficiaries:change_detail", kwargs={"request_uuid": change.uuid})


def _case_url(change: ChangeRequest) -> str:
    return reverse("beneficiaries:detail", kwargs={"case_uuid": change.case.uuid})


def _messages_of(error: ValidationError) -> str:
    return " ".join(message for messages_ in error.message_dict.values() for message in messages_) if hasattr(
        error, "error_dict"
    ) else " ".join(error.messages)  # fmt: skip


@login_required
@require_GET
def change_list(request):
    """``?status=`` one of the statuses (default: pending; empty: all), ``?mine=1`` the user's own."""
    statuses = dict(ChangeRequest.Status.choices)
    status = request.GET.get("status", ChangeRequest.Status.PENDING)
    if status not in statuses:
        status = ""
    mine = request.GET.get("mine") == "1"
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    found = selectors.change_requests_for_user(request.user, status=status, mine=mine)
    rows = list(found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    full = can_see_full_identifiers(request.user)
    record_view(request, purpose=Purpose.PAGE, person_ids=[change.case.person_id for change in rows])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "beneficiaries/change_list.html",
        {
            "rows": [(change, selectors.change_lines(change, full=full)) for change in rows],
            "statuses": statuses,
            "status": status,
            "mine": mine,
            "page": page,
            "has_next": has_next,
            "querystring": query.urlencode(),
        },
    )


@login_required
@require_GET
def change_detail(request, request_uuid):
    change = access_change_request_by_uuid(request.user, request_uuid)
    actions = changes.change_request_actions(change_request=change, user=request.user)
    pending = change.status == ChangeRequest.Status.PENDING
    problems = changes.change_request_problems(change) if pending else {}
    month = first_of_month(timezone.localdate())
    effect = changes.change_request_effect(change, month) if pending and not problems else None
    record_view(request, purpose=Purpose.PAGE, person_ids=[change.case.person_id], commune_ids=[change.case.commune_id])
    return render(
        request,
        "beneficiaries/change_detail.html",
        {
            "change": change,
            "case": change.case,
            "lines": selectors.change_lines(change, full=can_see_full_identifiers(request.user)),
            "actions": actions,
            "problems": [message for messages_ in problems.values() for message in messages_],
            "effect": effect and {"month": month, "now": effect[0], "then": effect[1]},
        },
    )


@login_required
@require_POST
def change_approve(request, request_uuid):
    change = access_change_request_by_uuid(request.user, request_uuid)
    try:
        changes.change_request_approve(change_request=change, acting_user=request.user)
    except ValidationError as refusal:
        messages.error(request, _messages_of(refusal))
        return redirect(_request_url(change))
    messages.success(request, _("Change approved and applied to the case."))
    return redirect(_case_url(change))


@login_required
@require_POST
def change_reject(request, request_uuid):
    change = access_change_request_by_uuid(request.user, request_uuid)
    try:
        changes.change_request_reject(
            change_request=change, reason=request.POST.get("reason", ""), acting_user=request.user
        )
    except ValidationError as refusal:
        messages.error(request, _("Not rejected: %(why)s") % {"why": _messages_of(refusal)})
        return redirect(_request_url(change))
    messages.success(request, _("Change request rejected; the case is unchanged."))
    return redirect(reverse("beneficiaries:changes"))


@login_required
@require_POST
def change_withdraw(request, request_uuid):
    change = access_change_request_by_uuid(request.user, request_uuid)
    try:
        changes.change_request_withdraw(change_request=change, acting_user=request.user)
    except ValidationError as refusal:
        messages.error(request, _messages_of(refusal))
        return redirect(_request_url(change))
    messages.success(request, _("Change request withdrawn."))
    return redirect(_case_url(change))
