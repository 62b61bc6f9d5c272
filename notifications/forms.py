"""Forms of the reminders and messages pages: they check the shape of input only; the services decide
what is allowed (role, scope)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import plain_bootstrap
from notifications.models import MessageStatus


class PauseForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.update({"class": "form-control form-control-sm", "placeholder": _("Reason")})


class ResumeForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)


class MessageFilterForm(forms.Form):
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *MessageStatus.choices])
    template = forms.ChoiceField(label=_("Message"), required=False)
    q = forms.CharField(label=_("Name or phone"), required=False, max_length=100)

    def __init__(self, *args, communes, templates, **kwargs):
        """``communes`` and ``templates``: (value, label) pairs, read once by the view."""
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("All my communes")), *communes]
        self.fields["template"].choices = [("", _("Any")), *templates]
        plain_bootstrap(self)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}
