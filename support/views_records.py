"""Pages of support records: the list behind every total, adding support for a household (the
programme, the household, the record with its kind's details and funding), a record's page and
its acts (delivery, cancellation, evidence, follow-up visits, a loan's balance). Thin, as every
support page: see ``support/views.py``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from geography.models import Village
from households.access import access_household_by_uuid
from households.models import Household, Person
from households.selectors import household_search_q
from privacy.log import Purpose, record_view
from support import selectors
from support.access import access_programme, access_record_by_uuid, donors_for_user
from support.forms import (
    DETAIL_FORMS,
    BalanceForm,
    CancelForm,
    DeliverForm,
    EvidenceForm,
    FundingFormSet,
    HouseCostFormSet,
    HouseholdSearchForm,
    RecordFilterForm,
    RecordForm,
    VisitForm,
)
from support.models import Donor, House, Kind, Livelihood, Loan, Record, RecordFunding
from support.services import loans as loan_services
from support.services import records as record_services
from support.templatetags.support_format import vnd
from support.views import (
    EVIDENCE_INTRO,
    action,
    evidence_response,
    paginate,
    parse_uuid,
    posted,
    posted_files,
    record_url,
    require_editor,
    user_communes,
)

SEARCH_LIMIT = 20

# --- the list of records (the list behind every total) ---------------------------------------------


def filtered_records(user, filters: dict):
    """The user's records narrowed by the filters of ``RecordFilterForm``. ``year`` is the year of
    delivery, or of the plan while not delivered (the totals count delivered records by the year
    they were delivered); ``source`` (and ``donor``) keeps the records a source paid part of."""
    records = selectors.records_for_user(user).select_related("household__village", "household__head", "commune")
    if filters.get("commune"):
        records = records.filter(commune_id=filters["commune"])
    if filters.get("programme"):
        records = records.filter(programme_id=filters["programme"])
    if filters.get("kind"):
        records = records.filter(kind=filters["kind"])
    if filters.get("status"):
        records = records.filter(status=filters["status"])
    if filters.get("village") == "none":
        records = records.filter(household__village__isnull=True)
    elif filters.get("village"):
        records = records.filter(household__village_id=int(filters["village"]))
    if filters.get("year"):
        year = filters["year"]
        records = records.filter(Q(delivered_on__year=year) | Q(delivered_on__isnull=True, planned_on__year=year))
    if filters.get("source"):
        lines = RecordFunding.objects.filter(record=OuterRef("pk"), source=filters["source"])
        if filters.get("donor"):
            lines = lines.filter(donor_id=filters["donor"])
        records = records.filter(Exists(lines))
    if filters.get("overdue"):
        records = records.filter(selectors.overdue_loans_q(timezone.localdate(), prefix="loan__"), kind=Kind.LOAN)
    return records


def _villages_for(user, commune_code: str | None) -> list[tuple[int, str]]:
    if not commune_code:
        return []
    return list(Village.objects.filter(commune_id=commune_code).order_by("name").values_list("pk", "name"))


@login_required
def record_list(request):
    communes = user_communes(request.user)
    codes = {code for code, _name in communes}
    chosen = request.GET.get("commune") or (communes[0][0] if len(communes) == 1 else "")
    form = RecordFilterForm(
        request.GET or None, communes=communes, villages=_villages_for(request.user, chosen if chosen in codes else "")
    )
    filters = form.filters()
    records = filtered_records(request.user, filters)
    totals = records.order_by().aggregate(records=Count("pk"), value_vnd=Sum("value_vnd", default=0))
    if filters.get("source"):
        lines = RecordFunding.objects.filter(record__in=records.order_by().values("pk"), source=filters["source"])
        if filters.get("donor"):
            lines = lines.filter(donor_id=filters["donor"])
        totals["source_vnd"] = lines.aggregate(total=Sum("amount_vnd", default=0))["total"]
    page = paginate(request, records)
    record_view(
        request,
        purpose=Purpose.PAGE,
        person_ids=[record.person_id or record.household.head_id for record in page["rows"]],
    )
    donor = donors_for_user(request.user).filter(pk=filters["donor"]).first() if filters.get("donor") else None
    programme = (
        selectors.programmes_for_user(request.user).filter(pk=filters["programme"]).first()
        if filters.get("programme")
        else None
    )
    return render(
        request,
        "support/record_list.html",
        {
            "form": form,
            **page,
            "totals": totals,
            "donor": donor,
            "programme": programme,
            "many_communes": len(communes) > 1,
            # Rows link to records_url + uuid + "/" (support:record): one reverse() for the page.
            "records_url": reverse("support:records"),
            "households_url": reverse("households:list"),
        },
    )


# --- adding support for a household ----------------------------------------------------------------


def _programme_choices(user, household: Household | None):
    programmes = selectors.programmes_for_user(user).filter(year__gte=timezone.localdate().year - 1)
    if household is not None:
        programmes = programmes.filter(commune_id=household.commune_id)
    return list(programmes.order_by("-year", "name")[:100])


def _spread(error: ValidationError, forms: list, sections: dict) -> None:
    """A service's errors on the form that has the field, the funding and cost lines under their
    tables, anything else at the top of the record form."""
    for key, problems in error.message_dict.items():
        target = next((form for form in forms if form is not None and key in form.fields), None)
        if target is not None:
            target.add_error(key, problems)
        elif key in sections:
            sections[key].extend(problems)
        else:
            forms[0].add_error(None, problems)


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request):
    """Add support for one household: choose the programme (``?programme=``) and the household
    (``?household=<uuid>``, or find it by code or name), then the record and its kind's details."""
    programme = household = None
    if request.GET.get("programme"):
        try:
            programme_id = int(request.GET["programme"])
        except ValueError:
            raise Http404("programme") from None
        programme = access_programme(request.user, programme_id, for_edit=True)
    if request.GET.get("household"):
        household = access_household_by_uuid(request.user, parse_uuid(request.GET["household"]), for_edit=True)
    require_editor(request.user)
    context = {"programme": programme, "household": household}
    if programme is None:
        context["programmes"] = _programme_choices(request.user, household)
        return render(request, "support/record_new.html", {**context, "step": "programme"})
    if household is None:
        search = HouseholdSearchForm(request.GET)
        found = []
        if search.is_valid() and search.cleaned_data["q"]:
            found = list(
                Household.objects.filter(commune_id=programme.commune_id, dissolved_on__isnull=True)
                .filter(household_search_q(search.cleaned_data["q"]))
                .select_related("village", "head")
                .order_by("code")[:SEARCH_LIMIT]
            )
        return render(request, "support/record_new.html",
                      {**context, "step": "household", "search": search, "found": found})  # fmt: skip
    return _record_form_page(request, programme, household)


def _record_form_page(request, programme, household):
    data = posted(request)
    members = household.memberships.filter(left_on__isnull=True).values("person_id")
    form = RecordForm(data, members=Person.objects.filter(pk__in=members).order_by("full_name"), prefix="record")
    detail_class = DETAIL_FORMS.get(programme.kind)
    details = detail_class(data, prefix="details") if detail_class else None
    costs = HouseCostFormSet(data, prefix="costs") if programme.kind == Kind.HOUSE else None
    donors = Donor.objects.filter(province_id=programme.commune.province_id).order_by("name")
    fundings = FundingFormSet(data, prefix="fundings", donors=donors)
    sections = {"fundings": [], "costs": []}
    parts = [part for part in (form, details, costs, fundings) if part is not None]
    valid = [part.is_valid() for part in parts]  # every part is validated, so each shows its errors
    if data is not None and all(valid):
        record_data = form.cleaned_data
        if details is None:
            kind_details = None
        elif costs is not None:
            kind_details = details.details(costs.costs())
        else:
            kind_details = details.details()
        try:
            record = record_services.record_create(
                programme=programme, household=household, planned_on=record_data["planned_on"],
                value_vnd=record_data["value_vnd"] or 0, in_kind=record_data["in_kind"], person=record_data["person"],
                delivered_on=record_data["delivered_on"], fundings=fundings.lines() or None, details=kind_details,
                note=record_data["note"], acting_user=request.user,
            )  # fmt: skip
        except PermissionDenied:
            form.add_error(None, _("You may not record support for this household."))
        except ValidationError as error:
            _spread(error, [form, details], sections)
        else:
            messages.success(request, _("Support recorded for household %(code)s.") % {"code": household.code})
            return redirect(record_url(record))
    return render(
        request,
        "support/record_new.html",
        {
            "step": "record",
            "programme": programme,
            "household": household,
            "form": form,
            "details": details,
            "costs": costs,
            "fundings": fundings,
            "sections": sections,
        },
    )


# --- a record's page and its acts ------------------------------------------------------------------


@login_required
def record_detail(request, record_uuid):
    record = access_record_by_uuid(request.user, record_uuid)
    house = loan = livelihood = None
    visits = []
    if record.kind == Kind.HOUSE:
        house = House.objects.filter(record=record).prefetch_related("costs").first()
    elif record.kind == Kind.LOAN:
        loan = Loan.objects.filter(record=record).first()
    elif record.kind == Kind.LIVELIHOOD:
        livelihood = Livelihood.objects.filter(record=record).first()
        if livelihood is not None:
            visits = list(livelihood.visits.select_related("visited_by"))
    editor = request.user.can_manage_registry
    planned = record.status == Record.Status.PLANNED
    record_view(
        request,
        purpose=Purpose.PAGE,
        person_ids=[record.person_id or record.household.head_id],
        commune_ids=[record.commune_id],
    )
    return render(
        request,
        "support/record_detail.html",
        {
            "record": record,
            "fundings": list(record.fundings.select_related("donor")),
            "house": house,
            "loan": loan,
            "livelihood": livelihood,
            "visits": visits,
            "evidence": list(record.evidence.select_related("uploaded_by")),
            "events": list(record.events.select_related("actor")[:50]),
            "can_deliver": editor and planned,
            "can_cancel": editor and planned,
            "can_add_evidence": editor,
            "can_visit": editor and livelihood is not None and record.status == Record.Status.DELIVERED,
            "can_update_balance": editor and loan is not None,
            "overdue": loan is not None and Loan.objects.filter(
                selectors.overdue_loans_q(timezone.localdate()), pk=loan.pk).exists(),
        },
    )  # fmt: skip


def _record_action(request, record, form, call, *, title, success, intro="", button=""):
    return action(request, form, call, title=title, success=success, back_url=record_url(record),
                  subject=f"{record.programme.name} · {record.household.code}", intro=intro, button=button)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def record_deliver(request, record_uuid):
    record = access_record_by_uuid(request.user, record_uuid, for_edit=True)
    return _record_action(
        request, record, DeliverForm(posted(request)),
        lambda data: record_services.record_deliver(record=record, delivered_on=data["delivered_on"],
                                             acting_user=request.user),
        title=_("Record the delivery"), success=_("Delivery recorded."), button=_("Record the delivery"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def record_cancel(request, record_uuid):
    record = access_record_by_uuid(request.user, record_uuid, for_edit=True)
    return _record_action(
        request, record, CancelForm(posted(request)),
        lambda data: record_services.record_cancel(record=record, reason=data["reason"], acting_user=request.user),
        title=_("Cancel the planned support"), success=_("Support cancelled."),
        button=_("Cancel the planned support"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def record_evidence(request, record_uuid):
    record = access_record_by_uuid(request.user, record_uuid, for_edit=True)
    return _record_action(
        request, record, EvidenceForm(posted(request), posted_files(request)),
        lambda data: record_services.evidence_add(kind=data["kind"], file=data["file"], title=data["title"], record=record,
                                           acting_user=request.user),
        title=_("Add a photo or a signed receipt"), success=_("Evidence added."), intro=EVIDENCE_INTRO,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def record_visit(request, record_uuid):
    record = access_record_by_uuid(request.user, record_uuid, for_edit=True)
    if record.kind != Kind.LIVELIHOOD:
        raise Http404("not a livelihood model")
    return _record_action(
        request, record, VisitForm(posted(request)),
        lambda data: record_services.visit_record(record=record, visited_on=data["visited_on"], outcome=data["outcome"],
                                           note=data["note"], acting_user=request.user),
        title=_("Record a follow-up visit"), success=_("Visit recorded."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def loan_balance(request, record_uuid):
    record = access_record_by_uuid(request.user, record_uuid, for_edit=True)
    loan = Loan.objects.filter(record=record).first()
    if loan is None:
        raise Http404("not a loan")
    # The balance on record, grouped as the officer reads it ("56.000.000"); the field takes it back as typed.
    initial = {"outstanding_vnd": vnd(loan.outstanding_vnd), "repayment": loan.repayment}
    return _record_action(
        request, record, BalanceForm(posted(request), initial=initial),
        lambda data: loan_services.loan_balance_update(record=record, outstanding_vnd=data["outstanding_vnd"],
                                                  balance_on=data["balance_on"], repayment=data["repayment"],
                                                  acting_user=request.user) and record,
        title=_("Update the loan's balance"), success=_("Balance updated."),
    )  # fmt: skip


@login_required
def record_evidence_file(request, record_uuid, evidence_id: int):
    """Evidence is served through the record's door (scope), not from a public media URL."""
    record = access_record_by_uuid(request.user, record_uuid)
    evidence = record.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404("evidence")
    return evidence_response(request, evidence, person_ids=[record.person_id] if record.person_id else [])
