"""Pages of the reminders and of the messages sent. Thin: scope comes from ``access_commune_by_code``
and ``messages_for_user`` (out of scope is 404), the acts are the officer's (``can_manage_registry``,
403 for the others after scope), and the writes are the services' (opt-out for a pause, the
reminder job for "send now").

- ``/notifications/reminders/<commune>/``: the reminders that go today and in the coming week
  (each can be paused and resumed), those already sent for cards still in the window with their
  status, and the results by month (sent, delivered, failed, renewed within 30 days).
- ``/notifications/messages/``: every message of the user's communes, filtered by commune, status,
  kind and name or phone; phones masked for roles that do not see them in full.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.text import fold_vietnamese, in_language
from geography.access import access_commune_by_code
from geography.scoping import communes_for_user
from households.access import can_see_full_identifiers
from households.models import Membership
from households.searching import refuse_identifier_search, whole_phone
from notifications import reminders
from notifications.forms import MessageFilterForm, PauseForm, ResumeForm
from notifications.models import Channel, MessageTemplate, OptOut
from notifications.selectors import messages_for_user
from notifications.services import enqueue_health_insurance_reminders, opt_in, opt_out
from privacy.log import Purpose, record_list_view, record_view

PAGE_SIZE = 50
PENDING_PAGE_SIZE = 100
SENT_SHOWN = 100
# A template's name is kept in Vietnamese only (``MessageTemplate.name``, edited in /admin/); the English
# interface names the shipped ones with these, and any other by its code.
TEMPLATE_NAMES_EN = {
    "amount_paid": "Allowance paid",
    "bhyt_renewal": "Health-insurance card renewal reminder",
    "complaint_received": "New complaint about the review",
    "posting_dates": "Public posting of the review list",
    "review_awaiting_approval": "Poverty review awaiting approval",
    "run_awaiting_approval": "Payment run awaiting approval",
}


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _reminders_url(commune) -> str:
    return reverse("notifications:reminders", kwargs={"code": commune.code})


# --- reminders -------------------------------------------------------------------------------------


@login_required
def reminder_communes(request):
    """The reminders of which commune: straight to it for a user of one commune."""
    communes = list(communes_for_user(request.user).order_by("name").only("code", "name"))
    if len(communes) == 1:
        return redirect(_reminders_url(communes[0]))
    return render(request, "notifications/reminder_communes.html", {"communes": communes})


@login_required
def reminder_list(request, code):
    commune = access_commune_by_code(request.user, code)
    rows = reminders.reminders_in_window(communes=[commune.code], upcoming=reminders.UPCOMING_DAYS)
    pending = [row for row in rows if row.message_id is None]
    sent = [row for row in rows if row.message_id is not None]
    page = _page_number(request)
    shown = pending[(page - 1) * PENDING_PAGE_SIZE : page * PENDING_PAGE_SIZE]
    results = reminders.results_by_month(commune.code)
    can_act = request.user.can_manage_registry
    record_view(
        request,
        purpose=Purpose.PAGE,
        person_ids=[row.person_id for row in (*shown, *sent[:SENT_SHOWN])],
        commune_ids=[commune.code],
    )
    return render(
        request,
        "notifications/reminders.html",
        {
            "commune": commune,
            "pending": shown,
            "due_count": sum(1 for row in pending if row.is_due),
            "upcoming_count": sum(1 for row in pending if row.is_upcoming and not row.is_blocked),
            "paused_count": sum(1 for row in pending if row.is_blocked),
            "pending_count": len(pending),
            "page": page,
            "has_next": len(pending) > page * PENDING_PAGE_SIZE,
            "sent": sent[:SENT_SHOWN],
            "sent_count": len(sent),
            "results": results,
            "total": reminders.results_total(results),
            "days": reminders.reminder_days(),
            "upcoming_days": reminders.UPCOMING_DAYS,
            "renewal_days": reminders.RENEWAL_DAYS,
            "can_act": can_act,
            "pause_form": PauseForm() if can_act else None,
            "full_identifiers": can_see_full_identifiers(request.user),
            "households_url": reverse("households:list"),
            "messages_url": reverse("notifications:messages"),
        },
    )


def _commune_for_act(request, code):
    """Scope first (404), then the officer's role (403)."""
    commune = access_commune_by_code(request.user, code)
    if not request.user.can_manage_registry:
        raise PermissionDenied
    return commune


def _member(commune, person_uuid):
    """A person living in one of the commune's households; 404 like anything out of scope."""
    membership = (
        Membership.objects.filter(person__uuid=person_uuid, left_on__isnull=True, household__commune=commune)
        .select_related("person")
        .first()
    )
    if membership is None:
        raise Http404("person")
    return membership.person


def _refused(request, commune, form):
    if "person" in form.errors:
        messages.error(request, _("Choose a person from the list."))
    for error in form.errors.get("reason", []):
        messages.error(request, _("Reason: %(error)s") % {"error": error})
    return redirect(_reminders_url(commune))


@login_required
@require_POST
def reminder_pause(request, code):
    """Pause a person's reminders: an SMS opt-out of the person, recorded with the officer and why
    (``services.opt_out``; it also cancels a reminder of theirs still queued)."""
    commune = _commune_for_act(request, code)
    form = PauseForm(request.POST)
    if not form.is_valid():
        return _refused(request, commune, form)
    person = _member(commune, form.cleaned_data["person"])
    reason = form.cleaned_data["reason"].strip() or _("Paused from the reminders page.")
    try:
        opt_out(commune=commune, person=person, channel=Channel.SMS, reason=reason, acting_user=request.user)
    except (PermissionDenied, ValidationError) as refusal:
        messages.error(request, " ".join(getattr(refusal, "messages", [str(refusal)])))
        return redirect(_reminders_url(commune))
    messages.success(request, _("Reminders to %(name)s are paused.") % {"name": person.full_name})
    return redirect(_reminders_url(commune))


@login_required
@require_POST
def reminder_resume(request, code):
    """Resume a person's reminders: revoke the person's SMS opt-outs (and any of every channel)."""
    commune = _commune_for_act(request, code)
    form = ResumeForm(request.POST)
    if not form.is_valid():
        return _refused(request, commune, form)
    person = _member(commune, form.cleaned_data["person"])
    active = OptOut.objects.filter(person=person, revoked_at__isnull=True, channel__in=[Channel.SMS, ""])
    records = list(active)
    if not records:
        messages.info(request, _("Reminders to %(name)s were not paused.") % {"name": person.full_name})
        return redirect(_reminders_url(commune))
    try:
        for record in records:
            opt_in(opt_out_record=record, acting_user=request.user, reason=_("Resumed from the reminders page."))
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return redirect(_reminders_url(commune))
    messages.success(request, _("Reminders to %(name)s are resumed.") % {"name": person.full_name})
    return redirect(_reminders_url(commune))


@login_required
@require_POST
def reminder_send(request, code):
    """Send now what is due: the reminder job for this commune, on behalf of the officer, by the
    workers (the same task beat runs every morning; what went before is not sent again)."""
    commune = _commune_for_act(request, code)
    due = sum(1 for row in reminders.reminders_in_window(communes=[commune.code]) if row.is_due)
    if not due:
        messages.info(request, _("No reminder is due: nothing was sent."))
        return redirect(_reminders_url(commune))
    enqueue_health_insurance_reminders(commune=commune.code, acting_user=request.user)
    messages.success(
        request,
        _("%(count)d reminders are being sent; their status shows below as the gateway answers.") % {"count": due},
    )
    return redirect(_reminders_url(commune))


# --- messages --------------------------------------------------------------------------------------


def _filtered_messages(user, *, commune="", status="", template="", q=""):
    found = messages_for_user(user)
    if commune:
        found = found.filter(commune_id=commune)
    if status:
        found = found.filter(status=status)
    if template:
        found = found.filter(template__code=template)
    q = q.strip()
    if q:
        digits = re.sub(r"[\s.\-+]", "", q)
        if digits.isdigit() and not can_see_full_identifiers(user):
            # A masked role finds a whole phone only: a part of one rebuilt it (issue 15 §3).
            phone = whole_phone(digits)
            found = found.filter(recipient=phone) if phone else found.none()
        elif digits.isdigit():
            found = found.filter(recipient__contains=digits[1:] if digits.startswith("0") else digits)
        else:
            folded = fold_vietnamese(q)
            found = found.filter(Q(person__search_name__contains=folded) | Q(recipient_name__icontains=q))
    return found.select_related("commune", "template", "person", "household").order_by("-created_at", "-id")


def _template_name(code: str, name: str) -> str:
    return in_language(name, TEMPLATE_NAMES_EN.get(code, code))


@login_required
def message_list(request):
    communes = list(communes_for_user(request.user).order_by("name").values_list("code", "name"))
    templates = [(code, _template_name(code, name)) for code, name in MessageTemplate.objects.order_by("code").values_list(
        "code", "name"
    )]  # fmt: skip
    form = MessageFilterForm(request.GET or None, communes=communes, templates=templates)
    page = _page_number(request)
    refused = refuse_identifier_search(form, request.user)  # masked roles: whole numbers only, rate limited
    rows = (
        []
        if refused
        else list(_filtered_messages(request.user, **form.filters())[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    )
    for row in rows:
        row.kind = _template_name(row.template.code, row.template.name)
    record_list_view(request, person_ids=[row.person_id for row in rows[:PAGE_SIZE]], count=len(rows[:PAGE_SIZE]))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/message_list.html",
        {
            "form": form,
            "rows": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "querystring": query.urlencode(),
            "full_identifiers": can_see_full_identifiers(request.user),
            "households_url": reverse("households:list"),
            # One commune: no commune column or filter (every row would repeat it).
            "many_communes": len(communes) > 1,
        },
    )
