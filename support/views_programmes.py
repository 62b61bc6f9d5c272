"""Pages of support programmes (the app's main page is their list) and of the province's donor
registry. Thin, as every support page: see ``support/views.py``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import submit
from geography.access import access_commune_by_code
from geography.models import Province
from geography.scoping import communes_for_user
from support import selectors
from support.access import access_donor, access_programme, donors_for_user
from support.forms import DonorForm, FundingFormSet, ProgrammeFilterForm, ProgrammeForm, funding_initial
from support.models import Donor, Funding, Kind, Record
from support.services import programmes as programme_services
from support.views import paginate, posted, user_communes

PROGRAMME_RECORDS_SHOWN = 50
KINDS_WITH_DETAILS = (Kind.HOUSE, Kind.LOAN, Kind.LIVELIHOOD)


def _sum_per_programme(queryset, field: str, aggregate=Sum):
    """A correlated subquery: the sum (or count) of ``field`` over the programme's rows, 0 for none."""
    total = queryset.filter(programme=OuterRef("pk")).order_by().values("programme").annotate(total=aggregate(field))
    return Coalesce(Subquery(total.values("total"), output_field=IntegerField()), 0)


def _programme_url(programme) -> str:
    return reverse("support:programme", kwargs={"programme_id": programme.pk})


@login_required
def programme_list(request):
    """The programmes of the user's communes with their budget against what was delivered."""
    communes = user_communes(request.user)
    form = ProgrammeFilterForm(request.GET or None, communes=communes)
    filters = form.filters()
    delivered = Record.objects.filter(status=Record.Status.DELIVERED)
    programmes = selectors.programmes_for_user(request.user).annotate(
        budget_vnd=_sum_per_programme(Funding.objects.all(), "amount_vnd"),
        delivered_vnd=_sum_per_programme(delivered, "value_vnd"),
        delivered_count=_sum_per_programme(delivered, "pk", Count),
    )
    if filters.get("commune"):
        programmes = programmes.filter(commune_id=filters["commune"])
    if filters.get("year"):
        programmes = programmes.filter(year=filters["year"])
    if filters.get("kind"):
        programmes = programmes.filter(kind=filters["kind"])
    return render(
        request,
        "support/programme_list.html",
        {
            "form": form,
            **paginate(request, programmes.order_by("-year", "name", "pk")),
            "many_communes": len(communes) > 1,
            "can_edit": request.user.can_manage_registry,
            # The bank's loan-list import is per commune: offered here to the officer of one commune (an
            # officer of several finds it on each loan programme's page).
            "loans_import_url": (
                reverse("support:loans_import", kwargs={"commune_code": communes[0][0]})
                if request.user.can_manage_registry and len(communes) == 1
                else ""
            ),
            # Rows link to list_url + "programmes/" + id + "/" (support:programme): one reverse().
            "list_url": reverse("support:list"),
        },
    )


def _save_programme(request, form, fundings, call):
    """Validate the programme's form and its funding lines, call the service, spread its errors."""
    if not (form.is_valid() and fundings.is_valid()):
        return None
    try:
        return call(form.cleaned_data, fundings.lines())
    except PermissionDenied:
        form.add_error(None, _("You may not change the programmes of this commune."))
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            if key in form.fields:
                form.add_error(key, problems)
            elif key == "fundings":
                fundings.problems = problems
            else:
                form.add_error(None, problems)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request):
    if not request.user.can_manage_registry:
        raise PermissionDenied
    communes = user_communes(request.user)
    initial = {}
    if request.GET.get("commune"):
        initial["commune"] = access_commune_by_code(request.user, request.GET["commune"]).code
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    form = ProgrammeForm(posted(request), communes=communes, initial=initial)
    fundings = FundingFormSet(posted(request), prefix="fundings", donors=donors_for_user(request.user))

    def create(data, lines):
        return programme_services.programme_create(
            commune=access_commune_by_code(request.user, data["commune"]), kind=data["kind"], name=data["name"],
            year=data["year"], fundings=lines, organiser=data["organiser"], target_group=data["target_group"],
            description=data["description"], attendees=data["attendees"], acting_user=request.user,
        )  # fmt: skip

    if request.method == "POST" and (programme := _save_programme(request, form, fundings, create)):
        messages.success(request, _("Programme “%(name)s” created.") % {"name": programme.name})
        return redirect(_programme_url(programme))
    return render(
        request,
        "support/programme_form.html",
        {"form": form, "fundings": fundings, "title": _("New support programme"), "back_url": reverse("support:list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, programme_id: int):
    programme = access_programme(request.user, programme_id, for_edit=True)
    initial = {key: getattr(programme, key) for key in ("name", "organiser", "target_group", "description",
                                                         "attendees")}  # fmt: skip
    form = ProgrammeForm(posted(request), programme=programme, initial=initial)
    donors = Donor.objects.filter(province_id=programme.commune.province_id).order_by("name")
    fundings = FundingFormSet(
        posted(request), prefix="fundings", donors=donors,
        initial=funding_initial(programme_services.programme_funding_lines(programme)),
    )  # fmt: skip

    def update(data, lines):
        return programme_services.programme_update(
            programme=programme, name=data["name"], fundings=lines, organiser=data["organiser"],
            target_group=data["target_group"], description=data["description"], attendees=data.get("attendees"),
            reason=data["reason"], acting_user=request.user,
        )  # fmt: skip

    if request.method == "POST" and (saved := _save_programme(request, form, fundings, update)):
        messages.success(request, _("Programme saved."))
        return redirect(_programme_url(saved))
    return render(
        request,
        "support/programme_form.html",
        {"form": form, "fundings": fundings, "programme": programme, "title": _("Edit the programme"),
         "back_url": _programme_url(programme)},
    )  # fmt: skip


@login_required
def programme_detail(request, programme_id: int):
    programme = access_programme(request.user, programme_id)
    records = (
        programme.records.select_related("household__village", "household__head", "person")
        .exclude(distribution__isnull=False)
        .order_by("-planned_on", "-id")
    )
    distributions = programme.distributions.annotate(
        planned=Count("records", filter=Q(records__status=Record.Status.PLANNED)),
        delivered=Count("records", filter=Q(records__status=Record.Status.DELIVERED)),
    ).order_by("-planned_on", "name")
    shown = list(records[: PROGRAMME_RECORDS_SHOWN + 1])
    editor = request.user.can_manage_registry
    return render(
        request,
        "support/programme_detail.html",
        {
            "programme": programme,
            "totals": selectors.programme_totals(programme),
            "fundings": list(programme.fundings.select_related("donor")),
            "distributions": list(distributions),
            "records": shown[:PROGRAMME_RECORDS_SHOWN],
            "more_records": len(shown) > PROGRAMME_RECORDS_SHOWN,
            "records_url": reverse("support:records"),
            "can_edit": editor,
            # A distribution lists households without per-household details: not for houses, loans,
            # livelihood models (each of those is recorded with its own details).
            "can_distribute": editor and programme.kind not in KINDS_WITH_DETAILS,
        },
    )


# --- the donor registry ----------------------------------------------------------------------------


@login_required
def donor_list(request):
    funded = Funding.objects.filter(donor=OuterRef("pk")).order_by().values("donor")
    donors = donors_for_user(request.user).select_related("province").annotate(
        programmes=Coalesce(Subquery(funded.annotate(n=Count("programme", distinct=True)).values("n")), 0),
        funded_vnd=Coalesce(Subquery(funded.annotate(total=Sum("amount_vnd")).values("total"),
                                     output_field=IntegerField()), 0),
    )  # fmt: skip
    return render(
        request,
        "support/donor_list.html",
        {**paginate(request, donors.order_by("province_id", "name")), "can_edit": request.user.can_manage_registry},
    )


def _donor_form_page(request, form, donor, province_for):
    def save(data):
        try:
            return programme_services.donor_save(
                province=province_for(data), name=data["name"], kind=data["kind"], contact=data["contact"],
                note=data["note"], donor=donor, acting_user=request.user,
            )  # fmt: skip
        except PermissionDenied as refusal:
            raise ValidationError(_("You may not register donors of this province.")) from refusal

    if request.method == "POST" and (saved := submit(form, save)):
        messages.success(request, _("Donor “%(name)s” saved.") % {"name": saved.name})
        return redirect("support:donors")
    title = _("Edit the donor") if donor else _("Register a donor")
    return render(request, "support/action.html",
                  {"form": form, "title": title, "back_url": reverse("support:donors"), "button": _("Save")})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def donor_new(request):
    if not request.user.can_manage_registry:
        raise PermissionDenied
    provinces = list(
        Province.objects.filter(code__in=communes_for_user(request.user).values("province_id"))
        .order_by("name")
        .values_list("code", "name")
    )
    if not provinces:
        raise PermissionDenied
    form = DonorForm(posted(request), provinces=provinces)

    def province_for(data):
        code = data.get("province") or provinces[0][0]
        return Province.objects.get(code=code)

    return _donor_form_page(request, form, None, province_for)


@login_required
@require_http_methods(["GET", "POST"])
def donor_edit(request, donor_id: int):
    donor = access_donor(request.user, donor_id, for_edit=True)
    initial = {"name": donor.name, "kind": donor.kind, "contact": donor.contact, "note": donor.note}
    form = DonorForm(posted(request), initial=initial)
    return _donor_form_page(request, form, donor, lambda data: donor.province)
