"""Forms of the poverty review: they check the shape of input only; services.py decides what is allowed."""

from crispy_forms.layout import HTML, Field, Layout
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.documents import DOCUMENT_HELP, validate_document
from core.forms import DATE_INPUT, CrispyForm
from geography.models import Area
from households.models import PovertyStatus

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class OpenCampaignForm(CrispyForm):
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None, to_field_name="code")
    year = forms.IntegerField(
        label=_("Review year"),
        min_value=2000,
        max_value=2100,
        initial=lambda: timezone.localdate().year,
        help_text=_("The review held in this year decides the list of poor and near-poor households of the next."),
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        only = list(communes[:2])
        if len(only) == 1:
            self.fields["commune"].initial = only[0].code
            self.fields["commune"].widget = forms.HiddenInput()


class AddHouseholdForm(CrispyForm):
    household = forms.CharField(label=_("Household code"), max_length=30)
    reason = forms.ChoiceField(
        label=_("Listed because"),
        choices=[("applied", _("The household applied")), ("added", _("The committee found it"))],
    )


class SurveyForm(CrispyForm):
    """The survey of one household: area, members, income, and one checkbox per indicator of the
    campaign's standard (named ``deprived_<code>``), its definition as help."""

    area = forms.ChoiceField(label=_("Area"), choices=Area.choices)
    members = forms.IntegerField(label=_("Members"), min_value=0, max_value=999, required=False)
    income_per_capita = forms.IntegerField(label=_("Income per person per month (đồng)"), min_value=0, required=False)
    household_income = forms.IntegerField(
        label=_("Or: the household's income per month (đồng)"),
        min_value=0,
        required=False,
        help_text=_(
            "Enter one of the two; the income per person is then the household's income divided by its members."
        ),
    )

    def __init__(self, *args, indicators, registry_known: dict, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_codes = []
        names = ["area", "members", "income_per_capita", "household_income"]
        for indicator in indicators:
            name = f"deprived_{indicator.code}"
            self.indicator_codes.append(indicator.code)
            help_text = indicator.definition
            if indicator.code in registry_known:
                help_text = format_html(
                    '{} <span class="badge text-bg-info" data-testid="from-registry">{}</span>',
                    indicator.definition,
                    _("from the registry"),
                )
            self.fields[name] = forms.BooleanField(label=indicator.name, help_text=help_text, required=False)
            names.append(name)
        if read_only:
            for field in self.fields.values():
                field.disabled = True
        heading = format_html('<h2 class="h6 mt-3">{}</h2>', _("Deprived on (tick each indicator the household lacks)"))
        self.helper.layout = Layout(*(Field(name) for name in names[:4]), HTML(heading), *names[4:])

    def deprived(self) -> list[str]:
        return [code for code in self.indicator_codes if self.cleaned_data.get(f"deprived_{code}")]

    @staticmethod
    def initial_for(assessment, registry_known: dict) -> dict:
        """The saved survey, or (before the survey) the registry's pre-fill."""
        if assessment.is_surveyed:
            initial = {
                "area": assessment.area,
                "members": assessment.members,
                "income_per_capita": assessment.income_per_capita if assessment.household_income is None else None,
                "household_income": assessment.household_income,
            }
            initial.update({f"deprived_{code}": True for code in assessment.deprived})
            return initial
        initial = {"area": assessment.area, "members": assessment.household.member_count or None}
        initial.update({f"deprived_{code}": value for code, value in registry_known.items()})
        return initial


class AdvanceForm(CrispyForm):
    """Moving a campaign forward; entering public posting asks when and where the list is posted."""

    posting_starts_on = forms.DateField(label=_("Posted from"), widget=DATE_INPUT)
    posting_ends_on = forms.DateField(label=_("Posted until"), widget=DATE_INPUT)
    posting_place = forms.CharField(
        label=_("Posting place"),
        max_length=200,
        help_text=_("e.g. the commune People's Committee and the village halls"),
    )

    def __init__(self, *args, asks_posting: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not asks_posting:
            for name in ("posting_starts_on", "posting_ends_on", "posting_place"):
                del self.fields[name]

    def step_data(self) -> dict:
        return dict(self.cleaned_data)


class MeetingForm(CrispyForm):
    """A village meeting and the votes in favour of each proposed household waiting for it
    (fields ``votes_<assessment id>``)."""

    held_on = forms.DateField(label=_("Held on"), widget=DATE_INPUT, initial=timezone.localdate)
    chaired_by = forms.CharField(label=_("Chaired by"), max_length=120)
    attendees = forms.IntegerField(label=_("Attendees"), min_value=0, max_value=32767)
    minutes = forms.FileField(
        label=_("Minutes (scanned file)"), required=False, help_text=DOCUMENT_HELP, validators=[validate_document]
    )

    def __init__(self, *args, pending, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = list(pending)
        labels = dict(PovertyStatus.choices)
        for assessment in self.pending:
            proposed = labels.get(assessment.classification or assessment.previous_classification, "")
            head = assessment.household.head.full_name if assessment.household.head else "—"
            self.fields[f"votes_{assessment.pk}"] = forms.IntegerField(
                label=_("%(code)s · %(head)s: votes in favour") % {"code": assessment.household.code, "head": head},
                help_text=_("Proposed: %(class)s") % {"class": proposed},
                min_value=0,
                max_value=32767,
            )

    def votes(self) -> dict[int, int]:
        return {assessment.pk: self.cleaned_data[f"votes_{assessment.pk}"] for assessment in self.pending}


class ComplaintForm(CrispyForm):
    assessment = forms.ModelChoiceField(label=_("Household"), queryset=None)
    complainant = forms.CharField(label=_("Complainant"), max_length=120)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT, initial=timezone.localdate)
    content = forms.CharField(label=_("Complaint"), widget=TEXTAREA)

    def __init__(self, *args, assessments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = assessments
        self.fields["assessment"].label_from_instance = lambda assessment: (
            f"{assessment.household.code} · {assessment.household.head.full_name if assessment.household.head else '—'}"
        )
        self.fields["received_on"].help_text = _("The answer is due %(days)d days after the complaint is received.") % {
            "days": settings.POVERTY_REVIEW_COMPLAINT_DAYS
        }


class ResolveComplaintForm(CrispyForm):
    recheck_result = forms.CharField(label=_("Result of the re-check"), widget=TEXTAREA)
    answer = forms.CharField(label=_("Answer given to the complainant"), widget=TEXTAREA)
    resolved_on = forms.DateField(label=_("Resolved on"), widget=DATE_INPUT, initial=timezone.localdate)


class ApproveForm(CrispyForm):
    decision_number = forms.CharField(label=_("Decision number"), max_length=50)
    decision_date = forms.DateField(label=_("Decision date"), widget=DATE_INPUT, initial=timezone.localdate)


class RegularReviewForm(CrispyForm):
    household = forms.CharField(label=_("Household code"), max_length=30)
    requested_on = forms.DateField(label=_("Requested on"), widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason for the request"), max_length=255, help_text=_("e.g. a member fell seriously ill")
    )

    def __init__(self, *args, with_household: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_household:
            del self.fields["household"]


class TargetForm(CrispyForm):
    planned_reduction = forms.IntegerField(
        label=_("Planned reduction of poor households"),
        help_text=_("How many fewer poor households the review should end with."),
    )


class ResultsFilterForm(forms.Form):
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None, to_field_name="code", required=False)
    year = forms.IntegerField(label=_("Review year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["commune"].widget.attrs["class"] = "form-select"
        self.fields["year"].widget.attrs["class"] = "form-control"


class AssessmentFilterForm(forms.Form):
    STATES = [
        ("", _("All")),
        ("missing", _("Not surveyed")),
        ("surveyed", _("Surveyed")),
        ("proposed", _("Proposed (poor or near-poor, now or before)")),
        ("returned", _("Returned to survey")),
        ("disputed", _("Disputed (open complaint)")),
    ]
    village = forms.ModelChoiceField(label=_("Village"), queryset=None, required=False)
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


class WhatIfForm(forms.Form):
    standard = forms.ModelChoiceField(label=_("Standard"), queryset=None, to_field_name="code", empty_label=None)

    def __init__(self, *args, standards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standards
        self.fields["standard"].widget.attrs["class"] = "form-select"
