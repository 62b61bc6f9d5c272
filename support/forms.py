"""Forms of the support pages: they check the shape of input only; ``support.services`` decides what is
allowed (role, scope, sums, a household listed twice, a closed distribution …)."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import DOCUMENT_HELP, validate_document
from core.forms import DATE_INPUT, CrispyForm
from households.models import PovertyStatus
from support.models import Donor, Evidence, FollowUpVisit, House, Kind, Loan, Record, Source
from support.services.distributions import RecipientFilter
from support.services.loans import LoanDetails
from support.services.programmes import FundingLine
from support.services.records import HouseDetails, LivelihoodDetails


def _this_year() -> int:
    return timezone.localdate().year


class MoneyField(forms.IntegerField):
    """Đồng as typed in an office: "1.500.000", "1,500,000" and "1 500 000" are all 1500000."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**15)
        super().__init__(*args, **kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "numeric"})

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s.,]", "", value)
        return super().to_python(value)


def _bootstrap(form: forms.Form) -> None:
    """Plain Bootstrap classes on a filter form (rendered by hand, not by crispy: lists are busy pages)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select"
        else:
            field.widget.attrs["class"] = "form-control"


YEAR_FIELD = {"min_value": 2000, "max_value": 2100}


# --- programmes ------------------------------------------------------------------------------------


class ProgrammeFilterForm(forms.Form):
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, **YEAR_FIELD)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *Kind.choices])

    def __init__(self, *args, communes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("All")), *communes]
        if len(communes) <= 1:
            del self.fields["commune"]
        _bootstrap(self)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class ProgrammeForm(CrispyForm):
    """A programme's own fields; ``commune``, ``kind`` and ``year`` only when it is created."""

    commune = forms.ChoiceField(label=_("Commune"))
    kind = forms.ChoiceField(label=_("Kind of support"), choices=Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    year = forms.IntegerField(label=_("Year"), initial=_this_year, **YEAR_FIELD)
    organiser = forms.CharField(label=_("Organiser"), max_length=200, required=False)
    target_group = forms.CharField(
        label=_("Target group"), max_length=200, required=False, help_text=_("e.g. poor households of the commune")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    attendees = forms.IntegerField(
        label=_("People attended"), required=False, min_value=0, help_text=_("Medical check-ups only.")
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=255, required=False)

    def __init__(self, *args, communes: list[tuple[str, str]] | None = None, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is None:
            self.fields["commune"].choices = communes or []
            del self.fields["reason"]
        else:
            for name in ("commune", "kind", "year"):
                del self.fields[name]
            if programme.kind != Kind.CHECKUP:
                del self.fields["attendees"]


class FundingForm(CrispyForm):
    """One source of a programme's (or a record's) funding; an empty row is skipped."""

    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *Source.choices], required=False)
    donor = forms.ModelChoiceField(
        label=_("Donor"), queryset=Donor.objects.none(), required=False, help_text=_("Only when the source is a donor.")
    )
    amount_vnd = MoneyField(label=_("Amount (đồng)"), required=False)

    def __init__(self, *args, donors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if donors is not None:
            self.fields["donor"].queryset = donors
        _bootstrap(self)  # rendered as a table row, not by crispy

    def clean(self):
        data = super().clean()
        if any(data.get(name) for name in ("source", "donor", "amount_vnd")):
            if not data.get("source"):
                self.add_error("source", _("Choose the source."))
            if not data.get("amount_vnd"):
                self.add_error("amount_vnd", _("Give the amount."))
        return data

    def line(self) -> FundingLine | None:
        data = getattr(self, "cleaned_data", {})
        if not data.get("source"):
            return None
        return FundingLine(source=data["source"], amount_vnd=data["amount_vnd"], donor=data.get("donor"))


class BaseFundingFormSet(forms.BaseFormSet):
    def __init__(self, *args, donors=None, **kwargs):
        self.donors = donors
        self.problems: list[str] = []  # the service's refusals about the lines as a whole (sums, sources)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "donors": self.donors}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), donors=self.donors,
                         empty_permitted=True, use_required_attribute=False)  # fmt: skip
        self.add_fields(form, None)
        return form

    def lines(self) -> list[FundingLine]:
        return [line for form in self.forms if (line := form.line()) is not None]


FundingFormSet = forms.formset_factory(FundingForm, formset=BaseFundingFormSet, extra=3, max_num=12)


def funding_initial(lines) -> list[dict]:
    return [{"source": line.source, "donor": line.donor, "amount_vnd": line.amount_vnd} for line in lines]


# --- donors ----------------------------------------------------------------------------------------


class DonorForm(CrispyForm):
    province = forms.ChoiceField(label=_("Province"))
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Donor.DonorKind.choices)
    contact = forms.CharField(label=_("Contact (person, phone, address)"), max_length=255, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, provinces: list[tuple[str, str]] | None = None, **kwargs):
        """``provinces``: the user's provinces as (code, name); the field is asked only when there
        are several (an administrator) and only for a new donor."""
        super().__init__(*args, **kwargs)
        if not provinces or len(provinces) == 1:
            del self.fields["province"]
        else:
            self.fields["province"].choices = provinces


# --- records ---------------------------------------------------------------------------------------


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Household code, name, national ID or phone"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class RecordForm(CrispyForm):
    person = forms.ModelChoiceField(
        label=_("Member (optional)"),
        queryset=None,
        required=False,
        help_text=_("When the support is for one member (a student, a patient …)."),
    )
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE_INPUT, initial=timezone.localdate)
    delivered_on = forms.DateField(
        label=_("Delivered on"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("Fill in only if it has already been delivered."),
    )
    value_vnd = MoneyField(label=_("Value (đồng)"), required=False)
    in_kind = forms.CharField(
        label=_("In kind"), max_length=255, required=False, help_text=_("e.g. 2 cows, 10 kg of rice, a school kit")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        """``members``: the household's current members (persons)."""
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members
        self.fields["person"].label_from_instance = lambda person: person.full_name


class HouseForm(CrispyForm):
    work = forms.ChoiceField(label=_("Work"), choices=House.Work.choices)
    floor_area_m2 = forms.DecimalField(
        label=_("Floor area (m²)"), required=False, min_value=1, max_digits=6, decimal_places=1
    )
    started_on = forms.DateField(label=_("Started on"), widget=DATE_INPUT, required=False)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE_INPUT, required=False)

    def details(self, costs: list[tuple[str, int]]) -> HouseDetails:
        data = self.cleaned_data
        return HouseDetails(work=data["work"], floor_area_m2=data["floor_area_m2"], started_on=data["started_on"],
                            completed_on=data["completed_on"], costs=tuple(costs))  # fmt: skip


class HouseCostForm(CrispyForm):
    item = forms.CharField(label=_("Item"), max_length=120, required=False, help_text=_("e.g. materials, labour"))
    amount_vnd = MoneyField(label=_("Amount (đồng)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)  # rendered as a table row, not by crispy

    def clean(self):
        data = super().clean()
        if data.get("item") and not data.get("amount_vnd"):
            self.add_error("amount_vnd", _("Give the amount."))
        if data.get("amount_vnd") and not data.get("item"):
            self.add_error("item", _("Name the item."))
        return data


class BaseHouseCostFormSet(forms.BaseFormSet):
    def costs(self) -> list[tuple[str, int]]:
        return [(form.cleaned_data["item"], form.cleaned_data["amount_vnd"]) for form in self.forms
                if getattr(form, "cleaned_data", {}).get("item")]  # fmt: skip


HouseCostFormSet = forms.formset_factory(HouseCostForm, formset=BaseHouseCostFormSet, extra=4, max_num=20)


class LoanForm(CrispyForm):
    contract_number = forms.CharField(label=_("Contract number"), max_length=40)
    bank = forms.CharField(label=_("Bank"), max_length=60, initial="NHCSXH")
    loan_programme = forms.CharField(
        label=_("Loan programme"), max_length=120, help_text=_("e.g. loans to poor households")
    )
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DATE_INPUT)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=600)
    outstanding_vnd = MoneyField(label=_("Outstanding balance (đồng)"))
    balance_on = forms.DateField(label=_("Balance as of"), widget=DATE_INPUT, initial=timezone.localdate)
    repayment = forms.ChoiceField(label=_("Repayment status"), choices=Loan.Repayment.choices)

    def details(self) -> LoanDetails:
        data = self.cleaned_data
        return LoanDetails(
            contract_number=data["contract_number"], loan_programme=data["loan_programme"],
            disbursed_on=data["disbursed_on"], term_months=data["term_months"],
            outstanding_vnd=data["outstanding_vnd"], balance_on=data["balance_on"], bank=data["bank"].strip(),
            repayment=data["repayment"],
        )  # fmt: skip


class LivelihoodForm(CrispyForm):
    asset = forms.CharField(label=_("Asset"), max_length=200, help_text=_("e.g. cows, a lottery-ticket vending cart"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    follow_up_months = forms.IntegerField(label=_("Visit every (months)"), min_value=1, max_value=60, initial=6)

    def details(self) -> LivelihoodDetails:
        data = self.cleaned_data
        return LivelihoodDetails(asset=data["asset"], quantity=data["quantity"],
                                 follow_up_months=data["follow_up_months"])  # fmt: skip


DETAIL_FORMS = {Kind.HOUSE: HouseForm, Kind.LOAN: LoanForm, Kind.LIVELIHOOD: LivelihoodForm}


class DeliverForm(CrispyForm):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE_INPUT, initial=timezone.localdate)


class CancelForm(CrispyForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class EvidenceForm(CrispyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Evidence.EvidenceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), help_text=DOCUMENT_HELP, validators=[validate_document])


class VisitForm(CrispyForm):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE_INPUT, initial=timezone.localdate)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpVisit.Outcome.choices)
    note = forms.CharField(label=_("What was found"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class BalanceForm(CrispyForm):
    outstanding_vnd = MoneyField(label=_("Outstanding balance (đồng)"))
    balance_on = forms.DateField(label=_("Balance as of"), widget=DATE_INPUT, initial=timezone.localdate)
    repayment = forms.ChoiceField(label=_("Repayment status"), choices=Loan.Repayment.choices)


class RecordFilterForm(forms.Form):
    """The list behind every total: kind, source (and donor), village, year, status, overdue loans."""

    commune = forms.ChoiceField(label=_("Commune"), required=False)
    programme = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *Kind.choices])
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("Any")), *Source.choices])
    donor = forms.IntegerField(required=False, widget=forms.HiddenInput)
    village = forms.ChoiceField(label=_("Village"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, **YEAR_FIELD)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Record.Status.choices])
    overdue = forms.BooleanField(label=_("Overdue loans only"), required=False)

    def __init__(self, *args, communes: list[tuple[str, str]], villages: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("All")), *communes]
        if len(communes) <= 1:
            del self.fields["commune"]
        self.fields["village"].choices = [("", _("Any")), ("none", _("No village")), *villages]
        _bootstrap(self)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "", False)}


class TotalsForm(forms.Form):
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, **YEAR_FIELD, help_text=_("Empty: all years."))

    def __init__(self, *args, communes: list[tuple[str, str]], all_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", all_label), *communes]
        if len(communes) <= 1:
            del self.fields["commune"]
        _bootstrap(self)


class WorklistForm(forms.Form):
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, **YEAR_FIELD)

    def __init__(self, *args, communes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("All")), *communes]
        if len(communes) <= 1:
            del self.fields["commune"]
        _bootstrap(self)


# --- distributions ---------------------------------------------------------------------------------


class DistributionForm(CrispyForm):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("e.g. Tết gifts 2026"))
    planned_on = forms.DateField(label=_("Distribution date"), widget=DATE_INPUT, initial=timezone.localdate)
    unit_value_vnd = MoneyField(label=_("Value per household (đồng)"), required=False)
    in_kind = forms.CharField(
        label=_("In kind"), max_length=255, required=False, help_text=_("e.g. 10 kg of rice, a box of cakes")
    )


class RecipientFilterForm(CrispyForm):
    year = forms.IntegerField(label=_("Poverty status of the year"), **YEAR_FIELD)
    statuses = forms.MultipleChoiceField(
        label=_("Households that are"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (PovertyStatus.POOR, _("Poor")),
            (PovertyStatus.NEAR_POOR, _("Near-poor")),
            (PovertyStatus.MIDDLE_INCOME, _("Middle-income")),
        ],
        help_text=_("None ticked: every household, whatever its status."),
    )
    ethnic_minority = forms.BooleanField(label=_("Only households with an ethnic-minority member"), required=False)
    category = forms.ChoiceField(label=_("Only households with a beneficiary of the category"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)

    def __init__(self, *args, categories: list[tuple[str, str]], villages: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Any")), *categories]
        self.fields["village"].choices = [("", _("Every village")), *villages]

    def criteria(self) -> RecipientFilter:
        data = self.cleaned_data
        return RecipientFilter(
            year=data["year"],
            statuses=tuple(data["statuses"]),
            ethnic_minority=data["ethnic_minority"],
            category=data["category"],
            village_id=int(data["village"]) if data["village"] else None,
        )


class RecordIdsField(forms.TypedMultipleChoiceField):
    """Ticked recipients (record ids); whether each is on the list, and planned, is the service's question."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)

    def valid_value(self, value) -> bool:
        return str(value).isdigit()


class BulkDeliverForm(CrispyForm):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE_INPUT, initial=timezone.localdate)
    recipients = RecordIdsField()
    everyone = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def record_ids(self) -> list[int] | None:
        """None: every planned recipient ("all planned"); otherwise the ticked ones."""
        return None if self.cleaned_data["everyone"] else list(self.cleaned_data["recipients"])


class RemoveRecipientForm(CrispyForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class ConfirmForm(CrispyForm):
    """Nothing to fill in: one confirmed click."""


class RecipientListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Record.Status.choices])
    q = forms.CharField(label=_("Household code"), required=False, max_length=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
