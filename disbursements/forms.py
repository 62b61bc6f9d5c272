"""Forms of the payment pages: they check the shape of input only; services.py decides what is
allowed (role, scope, the run's status, maker-checker)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import PaymentMethod
from core.forms import CrispyForm, month_field, plain_bootstrap
from core.months import first_of_month


def _this_month():
    return first_of_month(timezone.localdate())


class PrepareForm(CrispyForm):
    commune = forms.ChoiceField(label=_("Commune"))
    month = month_field(_("Month"), initial=_this_month)

    def __init__(self, *args, communes, **kwargs):
        """``communes``: the user's communes as (code, name), read once (a queryset would be read
        again each time the field renders)."""
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = list(communes)


class ApproveForm(CrispyForm):
    """Nothing to fill in: approving is one confirmed click."""


class ReprepareForm(CrispyForm):
    """Nothing to fill in: preparing again recomputes every line."""


class CancelForm(CrispyForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class MonthFilterForm(forms.Form):
    month = month_field(_("Month"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.attrs["class"] = "form-control"

    def chosen_month(self):
        if self.is_valid() and self.cleaned_data["month"]:
            return first_of_month(self.cleaned_data["month"])
        return _this_month()


class LineFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, national ID or reference"), required=False, max_length=100)
    payment_method = forms.ChoiceField(
        label=_("Payment method"), required=False, choices=[("", _("Any")), *PaymentMethod.choices]
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    flag = forms.ChoiceField(
        label=_("Flagged"),
        required=False,
        choices=[
            ("", _("Any")),
            ("failed_before", _("Months the payer reported failed before")),
            ("arrears", _("Long arrears")),
        ],
    )

    def __init__(self, *args, categories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Any")), *((code, code) for code in categories if code)]
        plain_bootstrap(self)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"], "payment_method": data["payment_method"], "category": data["category"],
            "flag": data["flag"],
        }  # fmt: skip
