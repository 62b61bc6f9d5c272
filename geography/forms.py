from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from geography.models import Village


class VillageForm(forms.Form):
    name = forms.CharField(label=_("Village name"), max_length=100)
    kind = forms.ChoiceField(label=_("Type"), choices=Village.Kind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Add")))


class CommuneSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a commune"), required=False, max_length=100)
