"""Forms check the shape of input only; the services decide what is allowed."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_INPUT, CrispyForm, offer_choices, plain_bootstrap
from geography.models import Area, Commune, Village
from geography.scoping import commune_codes_for_user
from households.ethnicity import ETHNICITY_CHOICES, KINH
from households.models import DisabilityLevel, Relationship, Sex
from households.services import NATIONAL_ID_REQUIRED_FROM_AGE, PersonData

NON_HEAD_RELATIONSHIPS = [choice for choice in Relationship.choices if choice[0] != Relationship.HEAD]


class PersonForm(CrispyForm):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    # Optional here: the service requires it from 14 (``services.NATIONAL_ID_REQUIRED_FROM_AGE``), and
    # says so on this field. The page carries the age for whoever reads it (the click-count script).
    national_id = forms.CharField(
        label=_("National ID (CCCD)"),
        max_length=12,
        min_length=12,
        required=False,
        help_text=_("Not required for a child under 14."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-required-from-age": NATIONAL_ID_REQUIRED_FROM_AGE}),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE_INPUT)
    # A blank first choice: an untouched row of the registration form stays "unchanged" and is skipped.
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITY_CHOICES, initial=KINH)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    disability_level = forms.ChoiceField(label=_("Disability"), choices=DisabilityLevel.choices, initial="none")
    health_insurance_number = forms.CharField(label=_("Health-insurance card"), max_length=15, required=False)

    def __init__(self, *args, common_ethnicities: list[str] | None = None, **kwargs):
        """``common_ethnicities``: the commune's most common groups (``selectors.common_ethnicities``),
        offered first; the first of them is the default."""
        super().__init__(*args, **kwargs)
        if common_ethnicities:
            offer_common_ethnicities(self.fields["ethnicity"], common_ethnicities)

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            national_id=data["national_id"],
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            ethnicity=data["ethnicity"],
            phone=data.get("phone", ""),
            disability_level=data["disability_level"],
            health_insurance_number=data.get("health_insurance_number", ""),
        )


def offer_common_ethnicities(field: forms.ChoiceField, common: list[str]) -> None:
    """The commune's common groups in a first group of options, then the other groups in the
    official order; the most common is chosen unless the form says otherwise."""
    names = dict(ETHNICITY_CHOICES)
    common = [code for code in common if code in names]
    field.choices = [
        (_("Common in this commune"), [(code, names[code]) for code in common]),
        (_("Other ethnic groups"), [(code, name) for code, name in ETHNICITY_CHOICES if code not in common]),
    ]
    field.initial = common[0]


class MemberForm(PersonForm):
    relationship = forms.ChoiceField(label=_("Relationship to head"), choices=[("", "—"), *NON_HEAD_RELATIONSHIPS])
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE_INPUT, initial=timezone.localdate, required=False)

    field_order = ["full_name", "relationship", "national_id", "date_of_birth", "sex", "ethnicity", "phone",
                   "disability_level", "health_insurance_number", "joined_on"]  # fmt: skip


class MemberRowForm(PersonForm):
    """The in-place edit of one member row (htmx): the person's details and a reason."""

    reason = forms.CharField(label=_("Reason for the change"), max_length=255, required=False)


class HouseholdForm(CrispyForm):
    code = forms.CharField(
        label=_("Household code"),
        max_length=30,
        help_text=_("Unique in the commune. The next free code is suggested; you may change it."),
    )
    village = forms.ModelChoiceField(label=_("Village"), queryset=None)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    area = forms.ChoiceField(
        label=_("Area"),
        choices=[("", _("From the commune")), *Area.choices],
        required=False,
        help_text=_("Rural or urban follows the commune's type unless you choose otherwise."),
    )
    housing_area_m2 = forms.DecimalField(
        label=_("Housing area (m²)"),
        required=False,
        min_value=1,
        max_digits=6,
        decimal_places=1,
        help_text=_("Floor area of the dwelling; the poverty survey computes the area per person from it."),
    )

    def __init__(self, *args, commune: Commune, with_code: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = commune.villages.order_by("name")
        if not with_code:
            del self.fields["code"]


class RegisterMemberForm(MemberForm):
    """A member block of the registration form (added with "Add a member"); one left empty is skipped.
    The relationship starts as "child", the most common one after the head's spouse."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_permitted = True
        self.fields["relationship"].initial = Relationship.CHILD
        del self.fields["joined_on"]


# No block to begin with: the head has their own form; the page adds a block per member
# (static/js/household-register.js clones ``empty_form``).
RegisterMemberFormSet = forms.formset_factory(RegisterMemberForm, extra=0, max_num=20, validate_max=True)


class MoveForm(CrispyForm):
    to_household = forms.CharField(label=_("Code of the household in this commune"), max_length=30)
    relationship = forms.ChoiceField(label=_("Relationship to that household's head"), choices=NON_HEAD_RELATIONSHIPS)
    moved_on = forms.DateField(label=_("Moved on"), widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class TransferPersonForm(CrispyForm):
    to_commune = forms.CharField(label=_("Code of the receiving commune"), max_length=5, min_length=5)
    moved_on = forms.DateField(label=_("Moved on"), widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class DeathForm(CrispyForm):
    date_of_death = forms.DateField(label=_("Date of death"), widget=DATE_INPUT)
    new_head = forms.ModelChoiceField(label=_("New head (if the deceased was the head)"), queryset=None, required=False)
    reason = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_head"].queryset = candidates
        self.fields["new_head"].label_from_instance = lambda membership: membership.person.full_name


class ChangeHeadForm(CrispyForm):
    new_head = forms.ModelChoiceField(label=_("New head"), queryset=None)
    former_head_relationship = forms.ChoiceField(
        label=_("The former head's relationship to the new head"), choices=NON_HEAD_RELATIONSHIPS
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_head"].queryset = candidates
        self.fields["new_head"].label_from_instance = lambda membership: membership.person.full_name


class SplitForm(CrispyForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Members who form the new household"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    new_head = forms.ModelChoiceField(label=_("Head of the new household"), queryset=None)
    new_code = forms.CharField(label=_("Code of the new household"), max_length=30)
    village = forms.ModelChoiceField(label=_("Village"), queryset=None)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    split_on = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, candidates, commune: Commune, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("members", "new_head"):
            self.fields[name].queryset = candidates
            self.fields[name].label_from_instance = lambda membership: membership.person.full_name
        self.fields["village"].queryset = commune.villages.order_by("name")


class TransferHouseholdForm(CrispyForm):
    to_commune = forms.CharField(
        label=_("Code of the receiving commune"),
        max_length=5,
        min_length=5,
        help_text=_("The household stays here until that commune accepts it."),
    )
    transferred_on = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class AcceptHouseholdForm(CrispyForm):
    """The receiving commune places an arriving household: a village, and a new code if its code
    is taken here."""

    village = forms.ModelChoiceField(label=_("Village"), queryset=None)
    new_code = forms.CharField(
        label=_("New household code"), max_length=30, required=False, help_text=_("Only if the code is taken here.")
    )

    def __init__(self, *args, commune: Commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = commune.villages.order_by("name")


class AcceptPersonForm(CrispyForm):
    """The receiving commune places an arriving person: in one of its households, or as the head
    of a new one."""

    EXISTING, NEW = "existing", "new"
    placement = forms.ChoiceField(
        label=_("Place them"),
        choices=[(EXISTING, _("In a household of this commune")), (NEW, _("As head of a new household"))],
        widget=forms.RadioSelect,
        initial=EXISTING,
    )
    household_code = forms.CharField(label=_("Code of the household in this commune"), max_length=30, required=False)
    relationship = forms.ChoiceField(
        label=_("Relationship to that household's head"), choices=[("", "—"), *NON_HEAD_RELATIONSHIPS], required=False
    )
    new_code = forms.CharField(label=_("Code of the new household"), max_length=30, required=False)
    village = forms.ModelChoiceField(label=_("Village"), queryset=None, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)

    def __init__(self, *args, commune: Commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = commune.villages.order_by("name")

    def clean(self):
        data = super().clean()
        needed = (
            ["household_code", "relationship"] if data.get("placement") == self.EXISTING else ["new_code", "village"]
        )
        for name in needed:
            if not data.get(name):
                self.add_error(name, _("This field is required."))
        return data


class TransferReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


WAITING_FOR_VILLAGE = "none"


class _VillageChoices(ModelChoiceIterator):
    """The choices: "Any", "Waiting for a village", then the villages (read when the form is rendered)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield (WAITING_FOR_VILLAGE, _("Waiting for a village"))
        # A commune's few villages in one plain SELECT: ModelChoiceIterator reads them through
        # queryset.iterator(), a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE: three round
        # trips and a materialised result) on the list page, the busiest page.
        for village in self.queryset.all():
            yield self.choice(village)

    def __len__(self):
        return super().__len__() + 1


class VillageFilterField(forms.ModelChoiceField):
    """A village of the list's communes, or ``none``: households waiting for a village (arrived from
    another commune and not placed yet)."""

    iterator = _VillageChoices

    def to_python(self, value):
        return WAITING_FOR_VILLAGE if value == WAITING_FOR_VILLAGE else super().to_python(value)


class HouseholdFilterForm(forms.Form):
    """The list's filters. A filter that does not validate (a commune or village outside the user's
    scope, a malformed date) makes the list empty, never wider: a link that asks for a list must
    not show a broader one (``filters``)."""

    q = forms.CharField(label=_("Name, national ID, phone or household code"), required=False, max_length=100)
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None, required=False, to_field_name="code")
    village = VillageFilterField(label=_("Village"), queryset=None, required=False, empty_label=_("Any"))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("poor", _("Poor")), ("near_poor", _("Near-poor")),
                 ("listed", _("Poor or near-poor")), ("middle_income", _("Middle-income")),
                 ("none", _("Not classified"))],
    )  # fmt: skip
    change = forms.ChoiceField(
        label=_("Change from the year before"),
        required=False,
        choices=[("", _("Any")), ("escaped_poverty", _("Escaped poverty")),
                 ("escaped_near_poverty", _("Escaped near-poverty")),
                 ("new_listed", _("Newly poor or near-poor")),
                 ("fell_back", _("Fell back into poverty or near-poverty"))],
    )  # fmt: skip
    disability = forms.ChoiceField(
        label=_("Disability"), required=False, choices=[("", _("Any")), ("yes", _("Has a member with a disability"))]
    )
    uninsured_on = forms.DateField(
        label=_("Members without a valid health-insurance card on"), required=False, widget=DATE_INPUT
    )
    # Set by the province dashboard's links (the province's communes in the user's scope).
    province = forms.CharField(required=False, max_length=2, widget=forms.HiddenInput)

    def __init__(self, *args, communes, villages, list_villages: bool = True, **kwargs):
        """``villages``: those a filter may name. ``list_villages=False`` (an administrator before a
        commune is chosen) offers only the one asked for, not every village of the country."""
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        asked = self.data.get("village", "") if self.is_bound else ""
        offer_choices(self.fields["village"], villages, asked=asked, list_all=list_villages)
        # Rendered as plain Bootstrap fields (the list page is the busiest page; crispy costs ms).
        plain_bootstrap(self)

    def filters(self) -> dict:
        """The selector's arguments (``household_list_for_user``)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return {"matches_nothing": True}
        data = self.cleaned_data
        village = data["village"]
        needs_year = data["status"] or data["change"]
        return {
            "search": data["q"] or "",
            "province_code": data["province"],
            "commune_code": data["commune"].code if data["commune"] else "",
            "village_id": village.pk if village and village != WAITING_FOR_VILLAGE else None,
            "waiting_for_village": village == WAITING_FOR_VILLAGE,
            "year": data["year"] or (timezone.localdate().year if needs_year else None),
            "status": data["status"],
            "change": data["change"],
            "has_disability": True if data["disability"] == "yes" else None,
            "uninsured_on": data["uninsured_on"],
        }


def household_filter_form(user, data) -> HouseholdFilterForm:
    """The list's filter form over ``data`` (a query string; empty: unbound) with the choices ``user``
    may name: their communes, and the villages of those (every village for an administrator only once a
    commune is chosen). The list page and the API's household list build it the same way."""
    codes = None if user.has_national_scope else commune_codes_for_user(user)
    communes = Commune.objects.filter(code__in=codes) if codes is not None else Commune.objects.all()
    villages = Village.objects.filter(commune__in=codes) if codes is not None else Village.objects.all()
    chosen_commune = data.get("commune", "")
    if chosen_commune:
        villages = villages.filter(commune_id=chosen_commune)
    return HouseholdFilterForm(
        data or None,
        communes=communes.order_by("name"),
        villages=villages.order_by("name"),
        list_villages=codes is not None or bool(chosen_commune),
    )
