from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DayInput


class AccessFilterForm(forms.Form):
    national_id = forms.RegexField(
        label=_("National ID (CCCD)"),
        regex=r"^\s*[0-9]{12}\s*$",
        required=False,
        error_messages={"invalid": _("A national ID has 12 digits.")},
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}),
    )
    username = forms.CharField(
        label=_("User"), max_length=150, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DayInput(attrs={"class": "form-control"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=DayInput(attrs={"class": "form-control"}))

    def clean_national_id(self) -> str:
        return (self.cleaned_data.get("national_id") or "").strip()


class SubjectForm(forms.Form):
    national_id = forms.RegexField(
        label=_("National ID (CCCD)"),
        regex=r"^\s*[0-9]{12}\s*$",
        error_messages={"invalid": _("A national ID has 12 digits.")},
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_national_id(self) -> str:
        return self.cleaned_data["national_id"].strip()
