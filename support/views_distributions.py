"""Pages of distributions (rules of issue 7 §3): create one for a programme, add recipients by a
filter, review the list (remove one with a reason), print the receipt list with a signature column
(PDF), record delivery in bulk, close. A refusal of the service (a household that already received
it, a closed distribution …) is shown on the page with the household it names; nothing changes."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries.models import Category
from core.formatting import number
from core.forms import apply_validation_error
from core.pdf import commune_header, pdf_response, render_pdf
from core.text import fold_vietnamese
from privacy.log import Purpose, record_view
from support import selectors
from support.access import access_distribution, access_programme
from support.forms import (
    BulkDeliverForm,
    ConfirmForm,
    DistributionForm,
    EvidenceForm,
    RecipientFilterForm,
    RecipientListFilterForm,
    RemoveRecipientForm,
)
from support.models import Distribution, Record
from support.services import distributions as distribution_services
from support.services import records as record_services
from support.views import EVIDENCE_INTRO, action, evidence_response, paginate, posted, posted_files
from support.views_programmes import KINDS_WITH_DETAILS
from support.workflow import WORKFLOW

RECIPIENTS_PER_PAGE = 100
NO_VILLAGE = "Chưa rõ thôn, ấp"


def _distribution_url(distribution: Distribution) -> str:
    return reverse("support:distribution", kwargs={"distribution_id": distribution.pk})


@login_required
@require_http_methods(["GET", "POST"])
def distribution_new(request, programme_id: int):
    programme = access_programme(request.user, programme_id, for_edit=True)
    if programme.kind in KINDS_WITH_DETAILS:
        raise Http404("this kind of support is recorded household by household")
    back = reverse("support:programme", kwargs={"programme_id": programme.pk})
    return action(
        request, DistributionForm(posted(request)),
        lambda data: distribution_services.distribution_create(
            programme=programme, name=data["name"], planned_on=data["planned_on"],
            unit_value_vnd=data["unit_value_vnd"] or 0, in_kind=data["in_kind"], acting_user=request.user,
        ),
        title=_("New distribution"), subject=str(programme), back_url=back,
        success=_("Distribution created: now add its recipients."), done=_distribution_url,
        intro=_("A distribution hands the same gift to many households on one day. Give a value per household, "
                "what is given in kind, or both."),
    )  # fmt: skip


def _recipients(distribution: Distribution, filters: RecipientListFilterForm):
    records = distribution.records.select_related("household__village", "household__head").order_by(
        "household__village__name", "household__code", "pk"
    )
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            records = records.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["q"]:
            records = records.filter(household__code__icontains=filters.cleaned_data["q"].strip())
    return records


def _distribution_page(request, distribution: Distribution, deliver_form: BulkDeliverForm | None = None):
    filters = RecipientListFilterForm(request.GET or None)
    editor = request.user.can_manage_registry
    counts = selectors.distribution_counts(distribution)
    page = paginate(request, _recipients(distribution, filters), RECIPIENTS_PER_PAGE)
    record_view(
        request,
        purpose=Purpose.PAGE,
        person_ids=[record.household.head_id for record in page["rows"]],
        commune_ids=[distribution.commune_id],
    )
    return render(
        request,
        "support/distribution_detail.html",
        {
            "distribution": distribution,
            "programme": distribution.programme,
            "counts": counts,
            "listed": counts["planned"] + counts["delivered"],
            "filters": filters,
            **page,
            "deliver_form": deliver_form or BulkDeliverForm(),
            "evidence": list(distribution.evidence.select_related("uploaded_by")),
            "can_edit": WORKFLOW.allows(request.user, distribution, "add_recipients"),
            "can_add_evidence": editor,
            # Rows link to records_url + uuid + "/" (support:record) and households_url + uuid + "/".
            "records_url": reverse("support:records"),
            "households_url": reverse("households:list"),
        },
    )


@login_required
def distribution_detail(request, distribution_id: int):
    return _distribution_page(request, access_distribution(request.user, distribution_id))


@login_required
@require_http_methods(["GET", "POST"])
def distribution_recipients(request, distribution_id: int):
    """Add the households that match a filter (poor / near-poor of a year, ethnic minority,
    beneficiaries of a category, a village); those already listed stay as they are."""
    distribution = access_distribution(request.user, distribution_id, for_edit=True)
    form = RecipientFilterForm(
        posted(request),
        initial={"year": distribution.planned_on.year},
        categories=[(category.code, f"{category.code} {category.name}") for category in
                    Category.objects.order_by("position")],
        villages=list(distribution.commune.villages.order_by("name").values_list("pk", "name")),
    )  # fmt: skip

    def add(data):
        result = distribution_services.distribution_add_recipients(
            distribution=distribution, criteria=form.criteria(), acting_user=request.user
        )
        return result

    def added(result) -> str:
        text = ngettext("%(added)d household added to the list.", "%(added)d households added to the list.",
                        result["added"]) % result  # fmt: skip
        if result["already"]:
            text += " " + ngettext("%(already)d was already on it.", "%(already)d were already on it.",
                                   result["already"]) % result  # fmt: skip
        return text

    return action(
        request, form, add, title=_("Add recipients"), subject=distribution.name,
        back_url=_distribution_url(distribution), success=added, button=_("Add to the list"),
        intro=_("Every household of the commune that matches all the conditions you choose is added as a planned "
                "recipient. A household already on the list is never added twice."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def distribution_remove(request, distribution_id: int, record_id: int):
    distribution = access_distribution(request.user, distribution_id, for_edit=True)
    record = distribution.records.select_related("household").filter(pk=record_id).first()
    if record is None:
        raise Http404("recipient")
    return action(
        request, RemoveRecipientForm(posted(request)),
        lambda data: distribution_services.distribution_remove_recipient(
            distribution=distribution, record=record, reason=data["reason"], acting_user=request.user
        ) or distribution,
        title=_("Take household %(code)s off the list") % {"code": record.household.code},
        subject=distribution.name, back_url=_distribution_url(distribution), button=_("Take off the list"),
        success=_("Household %(code)s taken off the list.") % {"code": record.household.code},
    )  # fmt: skip


@login_required
@require_POST
def distribution_deliver(request, distribution_id: int):
    """Record delivery to the ticked households, or to every planned one ("everyone"). A refusal
    (one of them already received it …) shows the list again with the message; nothing changes."""
    distribution = access_distribution(request.user, distribution_id, for_edit=True)
    form = BulkDeliverForm(request.POST)
    if form.is_valid():
        try:
            delivered = distribution_services.distribution_deliver(
                distribution=distribution, record_ids=form.record_ids(),
                delivered_on=form.cleaned_data["delivered_on"], acting_user=request.user,
            )  # fmt: skip
        except PermissionDenied:
            form.add_error(None, _("You may not record delivery for this distribution."))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, ngettext("Delivery recorded for %(count)d household.",
                                               "Delivery recorded for %(count)d households.", delivered)
                             % {"count": delivered})  # fmt: skip
            return redirect(_distribution_url(distribution))
    return _distribution_page(request, distribution, deliver_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def distribution_close(request, distribution_id: int):
    distribution = access_distribution(request.user, distribution_id, for_edit=True)
    return action(
        request, ConfirmForm(posted(request)),
        lambda data: distribution_services.distribution_close(distribution=distribution, acting_user=request.user),
        title=_("Close the distribution"), subject=distribution.name, back_url=_distribution_url(distribution),
        button=_("Close the distribution"), success=_("Distribution closed."),
        intro=_("Households still planned have not come: their support is cancelled. Nothing can be added or "
                "delivered afterwards."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def distribution_evidence(request, distribution_id: int):
    distribution = access_distribution(request.user, distribution_id, for_edit=True)
    return action(
        request, EvidenceForm(posted(request), posted_files(request), initial={"kind": "receipt"}),
        lambda data: record_services.evidence_add(kind=data["kind"], file=data["file"], title=data["title"],
                                           distribution=distribution, acting_user=request.user) and distribution,
        title=_("Add the signed receipt list or a photo"), subject=distribution.name,
        back_url=_distribution_url(distribution), success=_("Evidence added."), intro=EVIDENCE_INTRO,
    )  # fmt: skip


@login_required
def distribution_evidence_file(request, distribution_id: int, evidence_id: int):
    distribution = access_distribution(request.user, distribution_id)
    evidence = distribution.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404("evidence")
    return evidence_response(request, evidence)


# --- the receipt list (PDF) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptRow:
    number: int
    household_code: str
    head: str
    village: str
    value_vnd: int
    in_kind: str

    @property
    def given(self) -> str:
        parts = [f"{vnd(self.value_vnd)} đồng" if self.value_vnd else "", self.in_kind]
        return "; ".join(part for part in parts if part)


def vnd(amount: int) -> str:
    """1500000 -> '1.500.000' (an official document is Vietnamese whatever the interface language)."""
    return number(amount)


def receipt_rows(distribution: Distribution) -> list[ReceiptRow]:
    """Everyone listed (planned or delivered), by village then household code, numbered; one query.
    Household code, head's name and village only: never a national ID."""
    rows = (
        distribution.records.exclude(status=Record.Status.CANCELLED)
        .order_by("pk")
        .values_list("household__code", "household__head__full_name", "household__village__name", "value_vnd",
                     "in_kind")
    )  # fmt: skip
    ordered = sorted(
        ((village or NO_VILLAGE, code, head or "", value, in_kind) for code, head, village, value, in_kind in rows),
        key=lambda row: (row[0] == NO_VILLAGE, fold_vietnamese(row[0]), row[1]),
    )
    return [ReceiptRow(number, code, head, village, value, in_kind)
            for number, (village, code, head, value, in_kind) in enumerate(ordered, start=1)]  # fmt: skip


def _person_name(user) -> str:
    return " ".join(part for part in (user.last_name, user.first_name) if part) or user.username


@login_required
def distribution_receipts(request, distribution_id: int):
    """The receipt list to sign at the distribution: every reader of the distribution may print it."""
    distribution = access_distribution(request.user, distribution_id)
    rows = receipt_rows(distribution)
    if rows:
        record_view(
            request,
            purpose=Purpose.PRINT,
            person_ids=distribution.records.exclude(status=Record.Status.CANCELLED).values("household__head_id"),
            commune_ids=[distribution.commune_id],
            count=len(rows),
        )
    total = sum(row.value_vnd for row in rows)
    context = {
        "distribution": distribution,
        "header": commune_header(distribution.commune, on=distribution.planned_on),
        "document_title": "DANH SÁCH KÝ NHẬN",
        "rows": rows,
        "count": len(rows),
        "total": vnd(total),
        "unit_value": vnd(distribution.unit_value_vnd),
        "has_value": total > 0,
        "preparer_name": _person_name(distribution.created_by),
    }
    filename = f"Danh sách ký nhận {distribution.name} {distribution.commune.name}.pdf"
    return pdf_response(render_pdf("pdf/support_receipts.html", context), filename)
