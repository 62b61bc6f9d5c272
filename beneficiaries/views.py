"""Pages of social-allowance cases. Thin: access.py decides who sees what, services.py writes, and
a service's ValidationError goes back on the form's fields.

Every page of a case starts with ``access_case_by_uuid`` (404 out of scope); an action asks
``for_edit`` (the officer's acts) or ``for_decision`` (the chair's) before it shows its form (403
for other roles), and the service checks the role and the case's status again when it writes. A
maker-checker refusal (the chair prepared or verified the case) is a message on the form.

Changes that move money (payment details, categories, months, the person's date of birth) ask the
service layer what the user may do with the case (``changes.case_change_options``: directly, as a
request for the chair, or not at all: 403); the requests' own pages are in ``views_changes.py``.
"""

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from beneficiaries import changes, selectors, services, workflow
from beneficiaries.access import access_case_by_uuid, access_document
from beneficiaries.forms import (
    BirthDateChangeForm,
    CaseFileForm,
    CategoryChangeForm,
    DecideForm,
    DocumentForm,
    HealthCardForm,
    MonthlyTotalForm,
    MonthsChangeForm,
    PaymentChangeForm,
    RefuseForm,
    ResumeForm,
    SuspendForm,
    TerminateForm,
    TransferForm,
    VerifyForm,
    case_filter_form,
)
from beneficiaries.models import Case, Category
from core.documents import attachment_response
from core.forms import parse_month, submit
from core.months import first_of_month
from geography.access import access_commune_by_code
from geography.models import Commune
from geography.scoping import commune_codes_for_user, communes_for_user, scope_to_user
from households.access import can_see_full_identifiers
from households.models import Membership
from households.searching import refuse_identifier_search
from households.selectors import COUNT_LIMIT, count_up_to
from privacy.log import Purpose, record_list_view, record_view
from privacy.visibility import sees_health

Status = Case.Status
CHECK_LABELS = {"age": gettext_lazy("Age within the category's band"), **dict(Category.Condition.choices)}
# The case page's buttons for the workflow's acts (beneficiaries.workflow offers them, in its order).
CASE_ACTIONS = {
    "verify": (gettext_lazy("Verify"), "primary"),
    "decide": (gettext_lazy("Decide (grant)"), "success"),
    "refuse": (gettext_lazy("Refuse"), "outline-danger"),
    "suspend": (gettext_lazy("Suspend"), "outline-warning"),
    "resume": (gettext_lazy("Resume"), "outline-success"),
    "terminate": (gettext_lazy("Terminate"), "outline-danger"),
    "transfer": (gettext_lazy("Transfer to another commune"), "outline-secondary"),
}
CHANGE_LABELS = {
    ("payment", changes.DIRECT): gettext_lazy("Change payment details"),
    ("payment", changes.REQUEST): gettext_lazy("Propose new payment details"),
    ("categories", changes.REQUEST): gettext_lazy("Propose a change of categories"),
    ("months", changes.REQUEST): gettext_lazy("Propose a correction of the months paid"),
    ("birth_date", changes.REQUEST): gettext_lazy("Propose a correction of the date of birth"),
}


def _posted(request):
    return request.POST if request.method == "POST" else None


def _files(request):
    return request.FILES if request.method == "POST" else None


def _case_url(case: Case) -> str:
    return reverse("beneficiaries:detail", kwargs={"case_uuid": case.uuid})


def _action(request, case, form, call, *, title: str, success, template="beneficiaries/action.html", extra=None):
    """GET shows the form; a valid POST runs the service; on success a message and a redirect to the
    case, on a refusal the form again with the service's errors. A PermissionDenied raised by the
    service after access passed is maker-checker (or a scope change): a message on the form, not a 403."""

    def guarded(data):
        try:
            return call(data)
        except PermissionDenied as refusal:
            raise ValidationError(str(refusal) or _("You may not do this for this case.")) from refusal

    if request.method == "POST":
        result = submit(form, guarded)
        if result:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(_case_url(result if isinstance(result, Case) else case))
    context = {"case": case, "form": form, "title": title, **(extra or {})}
    if case is not None:  # filing a case shows nobody's data yet
        record_view(request, purpose=Purpose.PAGE, person_ids=[case.person_id], commune_ids=[case.commune_id])
    return render(request, template, context)


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _categories():
    return list(Category.objects.order_by("position"))


# --- the list --------------------------------------------------------------------------------------


@login_required
def case_list(request):
    codes = None if request.user.has_national_scope else commune_codes_for_user(request.user)
    form = case_filter_form(request.user, request.GET)
    refuse_identifier_search(form, request.user)  # masked roles: whole numbers only, rate limited
    filters = form.filters()
    page = _page_number(request)
    size = selectors.PAGE_SIZE
    cases = selectors.case_list_for_user(request.user, **filters)
    rows = list(cases[(page - 1) * size : page * size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    # How many the list holds: read off the page when it is the only one, else one count query.
    count = len(rows) if page == 1 and not has_next else count_up_to(cases)
    full = can_see_full_identifiers(request.user)
    for case in rows:
        case.payment_display = selectors.masked_account(case, full=full)
    record_list_view(request, person_ids=[case.person_id for case in rows], count=count)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "beneficiaries/case_list.html",
        {
            "form": form,
            "cases": rows,
            "page": page,
            "has_next": has_next,
            "count": count,
            "count_limit": COUNT_LIMIT,
            "paid_for": filters.get("paid_for"),
            "uninsured_on": filters.get("uninsured_on"),
            "single_commune": codes is not None and len(codes) == 1,
            "querystring": query.urlencode(),
            # Rows link to list_url + uuid + "/" (beneficiaries:detail): one reverse() for the page.
            "list_url": reverse("beneficiaries:list"),
            "households_url": reverse("households:list"),
            "can_file": request.user.can_manage_registry,
            "full_health": sees_health(request.user),
        },
    )


# --- filing a case ---------------------------------------------------------------------------------


def _residence(user, **person_filter) -> Membership | None:
    return selectors.residence_for_user(user, **person_filter)


@login_required
@require_http_methods(["GET", "POST"])
def case_file(request):
    """File an application: from a member's row on the household page (``?person=<uuid>``) or by
    the person's national ID. A person who already has an open case is taken to it."""
    if not request.user.can_manage_registry:
        raise PermissionDenied
    residence = None
    if request.GET.get("person"):
        try:
            person_uuid = uuid.UUID(request.GET["person"])
        except ValueError:
            raise Http404("person") from None
        residence = _residence(request.user, person__uuid=person_uuid)
        if residence is None:
            raise Http404("person")
        open_case = scope_to_user(
            Case.objects.filter(person=residence.person, status__in=workflow.OPEN), request.user
        ).first()
        if open_case is not None and request.method == "GET":
            messages.info(request, _("%(name)s already has an open case.") % {"name": residence.person.full_name})
            return redirect(_case_url(open_case))
    form = CaseFileForm(_posted(request), _files(request), categories=_categories(), with_national_id=residence is None)

    def file(data):
        found = residence or _residence(request.user, person__national_id=data["national_id"])
        if found is None:
            raise ValidationError({"national_id": _("no one with this national ID lives in your communes")})
        with transaction.atomic():
            case = services.case_apply(
                person=found.person, commune=found.household.commune, categories=form.category_choices(),
                applied_on=data["applied_on"], payment=form.payment(), acting_user=request.user,
            )  # fmt: skip
            if data["document"]:
                services.document_add(
                    case=case, title=data["document_title"], file=data["document"], acting_user=request.user
                )
        return case

    cancel_url = (
        reverse("households:detail", kwargs={"household_uuid": residence.household.uuid})
        if residence
        else reverse("beneficiaries:list")
    )
    return _action(
        request, None, form, file,
        title=_("File an allowance case"),
        success=lambda case: _("Case of %(name)s filed; it waits for verification.") % {"name": case.person.full_name},
        template="beneficiaries/case_file.html",
        extra={"residence": residence, "cancel_url": cancel_url},
    )  # fmt: skip


# --- the case page ---------------------------------------------------------------------------------


def _checks(case: Case) -> list[dict]:
    """The registry's checks: live while the case waits for verification, then as verified."""
    if case.status == Status.APPLIED:
        checks = services.registry_checks(case)
    else:
        checks = (case.checklist or {}).get("checks", [])
    return [{**check, "label": CHECK_LABELS.get(check["check"], check["check"])} for check in checks]


@login_required
def case_detail(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid)
    month = first_of_month(timezone.localdate())
    data = selectors.case_page(case, month)
    user = request.user
    available = workflow.WORKFLOW.available(user, case)
    actions = [(name, *CASE_ACTIONS[name]) for name in available if name in CASE_ACTIONS]
    # Changes that move money: what the service layer allows this user on this case, and how.
    options = changes.case_change_options(case=case, user=user)
    for name in (changes.Kind.PAYMENT, changes.Kind.CATEGORIES, changes.Kind.MONTHS, changes.Kind.BIRTH_DATE):
        if name in options:
            actions.append((name, CHANGE_LABELS[name, options[name]], "outline-primary"))
    if "health_card" in available:
        actions.append(("health_card", _("Record a health-insurance card"), "outline-secondary"))
    full = can_see_full_identifiers(user)
    requests = selectors.case_change_requests(case)
    record_view(request, purpose=Purpose.PAGE, person_ids=[case.person_id], commune_ids=[case.commune_id])
    return render(
        request,
        "beneficiaries/case_detail.html",
        {
            "case": case,
            "page": data,
            "month": month,
            "checks": _checks(case),
            "confirmed": (case.checklist or {}).get("confirmed", []),
            "actions": [
                (reverse(f"beneficiaries:{name}", kwargs={"case_uuid": case.uuid}), label, css)
                for name, label, css in actions
            ],
            "can_add_document": user.can_manage_registry,
            "full_identifiers": full,
            "full_health": sees_health(user),
            "hide_health": not sees_health(user),
            "payment_display": selectors.masked_account(case, full=full),
            "events": [(event, selectors.event_detail(event, masked=not full)) for event in data.events],
            "month_lines": [
                {"explanation": line.explained(full_health=sees_health(user)), "is_arrears": line.month < month}
                for line in data.months
            ],
            "total_display": selectors.money(data.total),
            "arrears_count": len(data.arrears),
            "projection_rows": _projection_rows(data.projection, full_health=sees_health(user)),
            "pending_requests": [
                (change, selectors.change_lines(change, full=full))
                for change in requests
                if change.status == change.Status.PENDING
            ],
            "decided_requests": [change for change in requests if change.status != change.Status.PENDING],
        },
    )


def _projection_rows(lines, *, full_health: bool) -> list[dict]:
    """The projection with the months where the amount changes (a birthday crossing a band) marked."""
    rows, previous = [], None
    for line in lines:
        rows.append({"line": line, "amount": selectors.money(line.amount), "explanation": line.explained(
                     full_health=full_health), "changes": previous is not None and line.amount != previous})  # fmt: skip
        previous = line.amount
    return rows


# --- the officer's acts ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_verify(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_edit=True)
    declarations = [
        text
        for row in case.categories.select_related("category").filter(to_month__isnull=True)
        for text in row.category.declarations
    ]
    form = VerifyForm(_posted(request), declarations=declarations)
    return _action(
        request, case, form,
        lambda data: services.case_verify(case=case, confirmed=data.get("confirmed", []), note=data["note"],
                                          acting_user=request.user),
        title=_("Verify the case"),
        success=_("Case verified; it waits for the chair's decision."),
        template="beneficiaries/verify.html",
        extra={"checks": _checks(case)},
    )  # fmt: skip


def _change_access(request, case_uuid, kind: str) -> tuple[Case, str]:
    """The case (404 out of scope) and how the user may change ``kind`` of it, as the service layer
    says (``changes.case_change_options``): 403 when it does not allow it."""
    case = access_case_by_uuid(request.user, case_uuid)
    how = changes.case_change_options(case=case, user=request.user).get(kind)
    if how is None:
        raise PermissionDenied
    return case, how


def _request(case, kind, proposal, reason, user):
    return changes.change_request_create(case=case, kind=kind, proposal=proposal, reason=reason, acting_user=user)


WAITS_FOR_THE_CHAIR = gettext_lazy(
    "Change sent to the chair for approval; until then the case keeps its current details."
)
REQUEST_INTRO = gettext_lazy(
    "The change takes effect only when the commune chair, another person than you, approves it. "
    "Until then payment runs use the case's current details."
)


@login_required
@require_http_methods(["GET", "POST"])
def case_payment(request, case_uuid):
    """Before the decision the officer changes payment details directly; afterwards the form files a
    change request for the chair."""
    case, how = _change_access(request, case_uuid, changes.Kind.PAYMENT)
    initial = {"payment_method": case.payment_method, "bank_bin": case.bank_bin, "account_name": case.account_name}
    form = PaymentChangeForm(_posted(request), initial=initial)
    if how == changes.DIRECT:
        return _action(
            request, case, form,
            lambda data: services.payment_change(case=case, payment=form.payment(), reason=data["reason"],
                                                 acting_user=request.user),
            title=_("Change payment details"),
            success=_("Payment details changed."),
        )  # fmt: skip
    return _action(
        request, case, form,
        lambda data: _request(case, changes.Kind.PAYMENT, form.payment(), data["reason"], request.user),
        title=_("Propose new payment details"),
        success=WAITS_FOR_THE_CHAIR,
        extra={"intro": REQUEST_INTRO},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_months(request, case_uuid):
    """A correction of the first month paid or of the months paid before the product: a request."""
    case, _how = _change_access(request, case_uuid, changes.Kind.MONTHS)
    initial = {"start_month": case.start_month, "paid_through_month": case.paid_through_month}
    form = MonthsChangeForm(_posted(request), initial=initial)
    return _action(
        request, case, form,
        lambda data: _request(case, changes.Kind.MONTHS,
                              changes.MonthsChange(data["start_month"], data["paid_through_month"]), data["reason"],
                              request.user),
        title=_("Propose a correction of the months paid"),
        success=WAITS_FOR_THE_CHAIR,
        extra={"intro": REQUEST_INTRO},
    )  # fmt: skip


BIRTH_DATE_INTRO = gettext_lazy(
    "The allowance depends on the person's age in each month. The new date of birth is written to the "
    "registry, and paid from, only when the commune chair, another person than you, approves it."
)


@login_required
@require_http_methods(["GET", "POST"])
def case_birth_date(request, case_uuid):
    """A correction of the person's date of birth: a request (the registry refuses it directly)."""
    case, _how = _change_access(request, case_uuid, changes.Kind.BIRTH_DATE)
    person = case.person
    form = BirthDateChangeForm(
        _posted(request), initial={"date_of_birth": person.date_of_birth, "national_id": person.national_id}
    )
    return _action(
        request, case, form,
        lambda data: _request(case, changes.Kind.BIRTH_DATE,
                              changes.BirthDateChange(data["date_of_birth"], data["national_id"]), data["reason"],
                              request.user),
        title=_("Propose a correction of the date of birth"),
        success=WAITS_FOR_THE_CHAIR,
        extra={"intro": BIRTH_DATE_INTRO},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_health_card(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_edit=True)
    return _action(
        request, case, HealthCardForm(_posted(request)),
        lambda data: services.health_card_record(
            person=case.person, number=data["number"], group=data["group"], valid_from=data["valid_from"],
            valid_to=data["valid_to"], acting_user=request.user,
        ) and case,
        title=_("Record a health-insurance card"),
        success=_("Health-insurance card recorded."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_document(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_edit=True)
    return _action(
        request, case, DocumentForm(_posted(request), _files(request)),
        lambda data: services.document_add(case=case, title=data["title"], file=data["file"], acting_user=request.user)
        and case,
        title=_("Add a document"),
        success=_("Document added."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET"])
def case_document_file(request, case_uuid, document_id: int):
    """A document's file, downloaded (never shown in the page), for whoever may see the case. A
    document (a disability certificate, say) is the person's data: the download is recorded."""
    document = access_document(request.user, case_uuid, document_id)
    record_view(
        request, purpose=Purpose.EXPORT, person_ids=[document.case.person_id], filters={"document": document.pk}
    )
    return attachment_response(document.file)


# --- the chair's decisions -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_decide(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_decision=True)
    return _action(
        request, case, DecideForm(_posted(request)),
        lambda data: services.case_decide(case=case, decision_number=data["decision_number"],
                                          decision_date=data["decision_date"], acting_user=request.user),
        title=_("Decide the allowance"),
        success=lambda decided: _("Allowance granted (decision %(number)s), paid from %(month)s.")
        % {"number": decided.decision_number, "month": f"{decided.start_month:%m/%Y}"},
        template="beneficiaries/decide.html",
        extra={"checks": _checks(case)},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_refuse(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_decision=True)
    return _action(
        request, case, RefuseForm(_posted(request)),
        lambda data: services.case_refuse(case=case, reason=data["reason"], acting_user=request.user),
        title=_("Refuse the application"),
        success=_("Application refused."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_suspend(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_decision=True)
    return _action(
        request, case, SuspendForm(_posted(request)),
        lambda data: services.case_suspend(case=case, from_month=data["from_month"], reason=data["reason"],
                                           acting_user=request.user) and case,
        title=_("Suspend payment"),
        success=_("Payment suspended."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_resume(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_decision=True)
    return _action(
        request, case, ResumeForm(_posted(request)),
        lambda data: services.case_resume(case=case, from_month=data["from_month"], pay_arrears=data["pay_arrears"],
                                          acting_user=request.user),
        title=_("Resume payment"),
        success=_("Payment resumed."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_terminate(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_decision=True)
    return _action(
        request, case, TerminateForm(_posted(request)),
        lambda data: services.case_terminate(case=case, last_month=data["last_month"], reason=data["reason"],
                                             acting_user=request.user),
        title=_("Terminate the allowance"),
        success=_("Allowance terminated."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_categories(request, case_uuid):
    """Propose a change of categories from a month (the officer or the chair; another chair approves)."""
    case, _how = _change_access(request, case_uuid, changes.Kind.CATEGORIES)
    current = list(case.categories.filter(to_month__isnull=True))
    initial = {
        "categories": [row.category_id for row in current],
        "dependent_children": max((row.dependent_children for row in current), default=0) or None,
    }
    form = CategoryChangeForm(_posted(request), categories=_categories(), initial=initial)
    return _action(
        request, case, form,
        lambda data: _request(case, changes.Kind.CATEGORIES,
                              changes.CategoryChange(form.category_choices(), data["from_month"]), data["reason"],
                              request.user),
        title=_("Propose a change of categories"),
        success=WAITS_FOR_THE_CHAIR,
        extra={"intro": REQUEST_INTRO},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def case_transfer(request, case_uuid):
    case = access_case_by_uuid(request.user, case_uuid, for_decision=True)

    def transfer(data):
        commune = Commune.objects.filter(code=data["to_commune"]).first()
        if commune is None:
            raise ValidationError({"to_commune": _("no commune has this code")})
        services.case_transfer(case=case, to_commune=commune, last_month=data["last_month"], reason=data["reason"],
                               acting_user=request.user)  # fmt: skip
        return case

    return _action(
        request, case, TransferForm(_posted(request)), transfer,
        title=_("Transfer to another commune"),
        success=_("Case transferred: the new commune verifies and decides it."),
    )  # fmt: skip


# --- the commune's monthly total -------------------------------------------------------------------


def _month(value: str) -> date | None:
    """``MM/YYYY`` (the month input) or ``YYYY-MM`` (links) as the month's first day; None when it is
    not a month."""
    return parse_month(value)


@login_required
def monthly_total(request):
    has_cases = Exists(Case.objects.filter(commune=OuterRef("pk")))
    communes = communes_for_user(request.user).filter(has_cases)
    code = request.GET.get("commune", "")
    commune = access_commune_by_code(request.user, code) if code else communes.order_by("name").first()
    if commune is None and not request.user.has_national_scope:
        commune = communes_for_user(request.user).order_by("name").first()
    if commune is not None:
        communes = communes | Commune.objects.filter(code=commune.code)
    month = _month(request.GET.get("month", "")) or first_of_month(timezone.localdate())
    form = MonthlyTotalForm(
        initial={"commune": commune.code if commune else "", "month": month}, communes=communes.order_by("name")
    )
    total = selectors.monthly_total(commune, month) if commune else None
    return render(
        request,
        "beneficiaries/monthly_total.html",
        {"form": form, "commune": commune, "month": month, "total": total},
    )
