"""The administrator's form for a new system client: the shape of the input only; the rules (roles,
units, scopes, names) are the services' (``api.services``, ``accounts.services.service_account_save``)."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.services import SERVICE_ROLES
from api.permissions import SCOPES
from core.forms import CrispyForm
from geography.models import Commune, Province


class ClientForm(CrispyForm):
    name = forms.CharField(
        label=_("Name"), max_length=120,
        help_text=_("The system that calls the API, as the access log will name it (e.g. the province's health-insurance system)."),
    )  # fmt: skip
    role = forms.ChoiceField(
        label=_("Role"), choices=[(role, Role(role).label) for role in SERVICE_ROLES],
        help_text=_("What the client may see and do, as a person of this role would."),
    )  # fmt: skip
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes"), queryset=Commune.objects.select_related("province").order_by("province__name", "name"),
        required=False, help_text=_("For a commune role: the communes whose data the client reads."),
    )  # fmt: skip
    provinces = forms.ModelMultipleChoiceField(
        label=_("Provinces"), queryset=Province.objects.order_by("name"), required=False,
        help_text=_("For the provincial reader: the provinces whose data the client reads."),
    )  # fmt: skip
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple,
        choices=[(scope, format_lazy("{}: {}", scope, _(description))) for scope, description in SCOPES.items()],
        help_text=_("A token of the client carries only these; each call needs the scope of its endpoint."),
    )  # fmt: skip


class ConfirmForm(CrispyForm):
    """Nothing to fill: the POST of a confirmation page (rotate, revoke)."""
