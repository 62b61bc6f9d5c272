"""Pages of import batches (issue 14): the user's imported lists, a list's page (what confirming
it would do, line by line) and the chair's Confirm / Reject.

Thin: ``access_import_batch_by_uuid`` is the door (404 out of scope; 403 for Confirm / Reject
without the chair's role), ``beneficiaries.batches`` writes, and a refusal by the service (the chair
imported the list, or something changed since it was imported) is a message on the batch's page.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaries import batches, selectors_batches
from beneficiaries.access import access_import_batch_by_uuid
from beneficiaries.models import ImportBatch
from core.forms import CrispyForm, apply_validation_error
from households.access import can_see_full_identifiers
from privacy.log import Purpose, record_view

# A refused confirmation names every line that changed; the page shows this many of them.
PROBLEMS_SHOWN = 20


class RejectForm(CrispyForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for rejecting the list"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _batch_url(batch: ImportBatch) -> str:
    return reverse("beneficiaries:import_batch", kwargs={"batch_uuid": batch.uuid})


@login_required
@require_GET
def import_batch_list(request):
    status = request.GET.get("status", "")
    if status not in ImportBatch.Status.values:
        status = ""
    page = _page_number(request)
    size = selectors_batches.PAGE_SIZE
    rows = list(selectors_batches.import_batch_list_for_user(request.user, status=status)[
        (page - 1) * size : page * size + 1
    ])  # fmt: skip
    return render(
        request,
        "beneficiaries/import_batch_list.html",
        {
            "batches": rows[:size],
            "page": page,
            "has_next": len(rows) > size,
            "status": status,
            "statuses": ImportBatch.Status.choices,
            "can_import": request.user.can_manage_registry,
        },
    )


def _render_batch(request, batch: ImportBatch, *, reject_form: RejectForm | None = None, status: int = 200):
    user = request.user
    show = request.GET.get("show", "")
    if show not in selectors_batches.LINE_FILTERS:
        show = ""
    page = _page_number(request)
    full = can_see_full_identifiers(user)
    rows, has_next = selectors_batches.import_batch_lines(batch, show=show, page=page, full_identifiers=full)
    awaiting = batch.status == ImportBatch.Status.AWAITING
    record_view(
        request, purpose=Purpose.PAGE, person_ids=[row.line.person_id for row in rows], commune_ids=[batch.commune_id]
    )
    return render(
        request,
        "beneficiaries/import_batch_detail.html",
        {
            "batch": batch,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "show": show,
            "filters": [(key, label) for key, label in selectors_batches.LINE_FILTERS.items()],
            "awaiting": awaiting,
            "chairs": selectors_batches.commune_chairs(batch.commune) if awaiting else [],
            "can_decide": awaiting and user.can_sign_decisions and user.pk != batch.imported_by_id,
            "imported_it": awaiting and user.can_sign_decisions and user.pk == batch.imported_by_id,
            "reject_form": reject_form or RejectForm(),
            "grand_total": batch.arrears_total_vnd + batch.month_total_vnd,
            "full_identifiers": full,
        },
        status=status,
    )


@login_required
@require_GET
def import_batch_detail(request, batch_uuid):
    return _render_batch(request, access_import_batch_by_uuid(request.user, batch_uuid))


def _refusal_text(refusal) -> str:
    if isinstance(refusal, PermissionDenied):
        return str(refusal) or _("You may not do this for this list.")
    problems = refusal.messages
    text = " ".join(problems[:PROBLEMS_SHOWN])
    if len(problems) > PROBLEMS_SHOWN:
        text += " " + _("And %(count)d more.") % {"count": len(problems) - PROBLEMS_SHOWN}
    return text


@login_required
@require_POST
def import_batch_confirm(request, batch_uuid):
    batch = access_import_batch_by_uuid(request.user, batch_uuid, for_decision=True)
    try:
        batch = batches.import_batch_confirm(batch=batch, acting_user=request.user)
    except (PermissionDenied, ValidationError) as refusal:
        messages.error(request, _("The list was not confirmed: %(why)s") % {"why": _refusal_text(refusal)})
    else:
        messages.success(
            request,
            _("List confirmed: %(created)d new cases, %(updated)d cases changed. They are paid from the next run.")
            % {"created": batch.created_count, "updated": batch.updated_count},
        )
    return redirect(_batch_url(batch))


@login_required
@require_http_methods(["POST"])
def import_batch_reject(request, batch_uuid):
    batch = access_import_batch_by_uuid(request.user, batch_uuid, for_decision=True)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _render_batch(request, batch, reject_form=form)
    try:
        batches.import_batch_reject(batch=batch, reason=form.cleaned_data["reason"], acting_user=request.user)
    except PermissionDenied as refusal:
        messages.error(request, _("The list was not rejected: %(why)s") % {"why": _refusal_text(refusal)})
    except ValidationError as error:
        apply_validation_error(form, error)
        return _render_batch(request, batch, reject_form=form)
    else:
        messages.success(request, _("List rejected: nothing of it was written."))
    return redirect(_batch_url(batch))
