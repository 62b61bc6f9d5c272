"""The support pages' shared helpers, the work list and the totals. Programmes and donors are in
``views_programmes.py``, records in ``views_records.py``, distributions and their receipt list in
``views_distributions.py``.

Thin: ``support.access`` is the door to a programme, record or distribution (404 out of scope,
then 403 for an act without the officer's role), a service writes, and its ValidationError goes
back on the form's fields. A PermissionDenied raised by a service after access passed (the scope
changed meanwhile) is shown as a message on the form, never as a 500.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import attachment_response
from core.forms import submit
from geography.access import access_commune_by_code
from geography.scoping import commune_codes_for_user, communes_for_user
from privacy.log import Purpose, record_view
from support import selectors
from support.forms import TotalsForm, WorklistForm
from support.models import Kind, Record

PAGE_SIZE = 50
WORKLIST_LIMIT = 200


# --- shared by every support page ------------------------------------------------------------------


def posted(request):
    return request.POST if request.method == "POST" else None


def posted_files(request):
    return request.FILES if request.method == "POST" else None


def page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def paginate(request, queryset, size: int = PAGE_SIZE) -> dict:
    """One page of ``queryset`` (one query: a row more than the page tells whether there is a next)."""
    page = page_number(request)
    rows = list(queryset[(page - 1) * size : page * size + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return {"rows": rows[:size], "page": page, "has_next": len(rows) > size, "querystring": query.urlencode()}


def guarded(call, refusal_message: str):
    """``call`` with a service's PermissionDenied turned into a message on the form."""

    def run(data):
        try:
            return call(data)
        except PermissionDenied as refusal:
            raise ValidationError(str(refusal) or refusal_message) from refusal

    return run


def action(request, form, call, *, title: str, success, back_url: str, done=None, subject: str = "",
           intro: str = "", button: str = ""):  # fmt: skip
    """GET shows the form; a valid POST runs the service; on success a message and a redirect
    (``done(result)`` or back), on a refusal the form again with the service's errors."""
    if request.method == "POST":
        result = submit(form, guarded(call, _("You may not do this here.")))
        if result is not None:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(done(result) if done else back_url)
    context = {"form": form, "title": title, "subject": subject, "intro": intro, "back_url": back_url,
               "button": button or _("Save")}  # fmt: skip
    return render(request, "support/action.html", context)


def user_communes(user) -> list[tuple[str, str]]:
    """The user's communes as (code, name), read once."""
    return list(communes_for_user(user).order_by("name").values_list("code", "name"))


def parse_uuid(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("not a uuid") from None


def record_url(record: Record) -> str:
    return reverse("support:record", kwargs={"record_uuid": record.uuid})


def require_editor(user) -> None:
    if not user.can_manage_registry:
        raise PermissionDenied


# Said above the evidence forms, so the officer knows what is accepted and what an empty title becomes.
EVIDENCE_INTRO = gettext_lazy(
    "A photo of the handover or a scan of the signed receipt: a PDF, JPEG or PNG file, downloaded when opened. "
    "Left empty, the title is the file's name."
)


def evidence_response(request, evidence, *, person_ids=()):
    """The file of a photo or receipt, as an attachment, never cached (it shows people); the download
    is recorded in the personal-data access log."""
    record_view(request, purpose=Purpose.EXPORT, person_ids=person_ids, filters={"evidence": evidence.pk})
    return attachment_response(evidence.file)


# --- the work list ---------------------------------------------------------------------------------


def _scope_codes(request) -> list[str]:
    """The user's communes, or the one asked for by ``?commune=`` (404 when it is not theirs)."""
    if request.GET.get("commune"):
        return [access_commune_by_code(request.user, request.GET["commune"]).code]
    return commune_codes_for_user(request.user)


@login_required
def worklist(request):
    """Poor and near-poor households without support this year, livelihood models due a visit and
    overdue loans, in the user's communes (each list capped; the count is the whole)."""
    communes = user_communes(request.user)
    form = WorklistForm(request.GET or None, communes=communes, initial={"year": timezone.localdate().year})
    codes = _scope_codes(request)
    today = timezone.localdate()
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or today.year
    unsupported = selectors.unsupported_poor_households(codes, year)
    visits = selectors.visits_due(codes, today).order_by("next_visit_due", "record_id")
    loans = selectors.overdue_loans(codes, today).order_by("due_on", "record_id")
    return render(
        request,
        "support/worklist.html",
        {
            "form": form,
            "year": year,
            "today": today,
            "unsupported": list(unsupported.select_related("village", "head", "commune")[:WORKLIST_LIMIT]),
            "unsupported_count": unsupported.count(),
            "visits": list(visits.select_related("record__commune")[:WORKLIST_LIMIT]),
            "visits_count": visits.count(),
            "loans": list(loans.select_related("record__commune")[:WORKLIST_LIMIT]),
            "loans_count": loans.count(),
            "limit": WORKLIST_LIMIT,
            "many_communes": len(communes) > 1,
            "households_url": reverse("households:list"),
            "records_url": reverse("support:records"),
        },
    )


# --- totals ----------------------------------------------------------------------------------------


@login_required
def totals(request):
    """Totals by kind, source, village (one commune) and year, the loans and the check-ups; every
    number links to the records (or programmes) behind it."""
    communes = user_communes(request.user)
    all_label = _("The whole province") if request.user.is_read_only else _("All my communes")
    form = TotalsForm(request.GET or None, communes=communes, all_label=all_label,
                      initial={"year": timezone.localdate().year})  # fmt: skip
    codes = _scope_codes(request)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) if request.GET else timezone.localdate().year
    one_commune = codes[0] if len(codes) == 1 else ""
    scope = {"commune": one_commune} if one_commune and len(communes) > 1 else {}
    records_url, programmes_url = reverse("support:records"), reverse("support:list")

    def records(**query) -> str:
        return f"{records_url}?{urlencode({**scope, 'status': Record.Status.DELIVERED, **query})}"

    dated = {"year": year} if year else {}
    by_kind = [{**row, "url": records(kind=row["kind"], **dated)} for row in selectors.totals_by_kind(codes, year)]
    by_source = [
        {
            **row,
            "url": records(source=row["source"], **({"donor": row["donor_id"]} if row["donor_id"] else {}), **dated),
        }
        for row in selectors.totals_by_source(codes, year)
    ]
    by_village = None
    if one_commune:
        by_village = [
            {**row, "url": records(village=row["household__village_id"] or "none", **dated)}
            for row in selectors.totals_by_village(codes, year)
        ]
    labels = dict(Kind.choices)
    by_year = [
        {**row, "label": labels[row["kind"]], "url": records(year=row["year"], kind=row["kind"])}
        for row in selectors.totals_by_year(codes)
    ]
    return render(
        request,
        "support/totals.html",
        {
            "form": form,
            "year": year,
            "commune_name": dict(communes).get(one_commune, ""),
            "by_kind": by_kind,
            "kind_total": {
                "records": sum(row["records"] for row in by_kind),
                "value_vnd": sum(row["value_vnd"] for row in by_kind),
                "url": records(**dated),
            },
            "by_source": by_source,
            "by_village": by_village,
            "by_year": by_year,
            "loans": selectors.loan_totals(codes),
            "loans_url": records(kind=Kind.LOAN),
            "overdue_url": records(kind=Kind.LOAN, overdue="on"),
            "checkups": selectors.checkup_totals(codes, year),
            "checkups_url": f"{programmes_url}?{urlencode({**scope, 'kind': Kind.CHECKUP, **dated})}",
        },
    )
