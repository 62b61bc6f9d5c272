"""Forms of the allowance pages: they check the shape of input only; services.py decides what is
allowed (categories, payment details, statuses, maker-checker)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries import banks, category_labels
from beneficiaries.models import Case, Category, PaymentMethod
from beneficiaries.selectors import clause_of
from beneficiaries.services import CategoryChoice, PaymentDetails
from core.documents import DOCUMENT_HELP, validate_document
from core.forms import DATE_INPUT, CrispyForm, month_field, offer_choices, plain_bootstrap
from core.months import first_of_month
from geography.models import Commune, Village
from geography.scoping import commune_codes_for_user
from privacy.visibility import HEALTH_CATEGORIES, sees_health

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def reason_field(label=None) -> forms.CharField:
    return forms.CharField(label=label or _("Reason"), widget=TEXTAREA, max_length=1000)


def category_text(category) -> str:
    """A category as a choice reads: the decree's short wording and citation, never the bare code."""
    if category.code in category_labels.LABELS:
        return category_labels.short_label(category.code)
    return str(category)


class CategoriesMixin(forms.Form):
    """The categories a case is decided under; 5.4 also needs the number of dependent children."""

    categories = forms.MultipleChoiceField(label=_("Categories"), widget=forms.CheckboxSelectMultiple)
    dependent_children = forms.IntegerField(
        label=_("Dependent children (5.4)"),
        min_value=0,
        max_value=30,
        required=False,
        help_text=_("Only for a single parent (5.4): the allowance is paid once per dependent child."),
    )

    def set_categories(self, categories) -> None:
        self.per_child = {category.code for category in categories if category.per_child_addition}
        self.fields["categories"].choices = [(category.code, category_text(category)) for category in categories]

    def category_choices(self) -> list[CategoryChoice]:
        children = self.cleaned_data.get("dependent_children") or 0
        return [
            CategoryChoice(code, children if code in self.per_child else 0) for code in self.cleaned_data["categories"]
        ]


class PaymentMixin(forms.Form):
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK, widget=forms.RadioSelect
    )
    # Chosen by name; the value kept is the bank's NAPAS BIN, as the bank files need it.
    bank_bin = forms.ChoiceField(label=_("Bank"), required=False, choices=banks.choices)
    account_number = forms.CharField(label=_("Account number"), max_length=19, required=False)
    account_name = forms.CharField(label=_("Account holder"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A case imported with a BIN the list does not know keeps it when edited.
        current = self.initial.get("bank_bin") or ""
        self.fields["bank_bin"].choices = banks.choices(current)

    def payment(self) -> PaymentDetails:
        data = self.cleaned_data
        return PaymentDetails(
            method=data["payment_method"],
            bank_bin=data["bank_bin"].strip(),
            account_number=data["account_number"].replace(" ", ""),
            account_name=data["account_name"],
        )


class CaseFileForm(CategoriesMixin, PaymentMixin, CrispyForm):
    """File a case: for a person chosen on the household page, or found by national ID."""

    national_id = forms.CharField(
        label=_("National ID (CCCD)"),
        max_length=12,
        min_length=12,
        help_text=_("The person must live in a household of your commune."),
    )
    applied_on = forms.DateField(label=_("Application date"), widget=DATE_INPUT, initial=timezone.localdate)
    document_title = forms.CharField(label=_("Document title"), max_length=200, required=False)
    document = forms.FileField(
        label=_("Application document"),
        required=False,
        help_text=_("The application form or a certificate (PDF or a photo); more can be added on the case page."),
        validators=[validate_document],
    )
    field_order = ["national_id", "applied_on", "categories", "dependent_children"]

    def __init__(self, *args, categories, with_national_id: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_categories(categories)
        if not with_national_id:
            del self.fields["national_id"]

    def clean_national_id(self) -> str:
        value = self.cleaned_data["national_id"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("must be 12 digits"))
        return value


class VerifyForm(CrispyForm):
    confirmed = forms.MultipleChoiceField(
        label=_("Conditions confirmed"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick each condition you checked with the applicant and the village."),
    )
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False, max_length=1000)

    def __init__(self, *args, declarations: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmed"].choices = [(text, text) for text in declarations]
        if not declarations:
            del self.fields["confirmed"]


class DecideForm(CrispyForm):
    decision_number = forms.CharField(label=_("Decision number"), max_length=50, help_text=_("e.g. 125/QĐ-UBND"))
    decision_date = forms.DateField(label=_("Decision date"), widget=DATE_INPUT, initial=timezone.localdate)


class RefuseForm(CrispyForm):
    reason = reason_field(_("Reasons for the refusal (sent to the applicant in writing)"))


class SuspendForm(CrispyForm):
    from_month = month_field(_("Suspended from (month)"))
    reason = reason_field()


class ResumeForm(CrispyForm):
    from_month = month_field(_("Paid again from (month)"))
    pay_arrears = forms.BooleanField(label=_("Pay the suspended months as arrears"), required=False)


class TerminateForm(CrispyForm):
    last_month = month_field(
        _("Last month paid"), help_text=_("The month of death or of losing eligibility; payment stops after it.")
    )
    reason = reason_field()


class CategoryChangeForm(CategoriesMixin, CrispyForm):
    from_month = month_field(_("From (month)"), help_text=_("Months before it keep their categories."))
    reason = reason_field()

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_categories(categories)


class TransferForm(CrispyForm):
    to_commune = forms.CharField(
        label=_("New commune (code)"), min_length=5, max_length=5, help_text=_("The 5-digit code of the commune.")
    )
    last_month = month_field(_("Last month paid by this commune"))
    reason = reason_field()


class PaymentChangeForm(PaymentMixin, CrispyForm):
    reason = reason_field()


class MonthsChangeForm(CrispyForm):
    """A correction of the months paid of a decided case (a request the chair approves)."""

    start_month = month_field(_("First month paid"))
    paid_through_month = month_field(
        _("Paid through (before this product)"),
        required=False,
        help_text=_("The last month paid before this product took the case over; empty when none."),
    )
    reason = reason_field()


class BirthDateChangeForm(CrispyForm):
    """A correction of the date of birth of a case's person (a request the chair approves)."""

    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE_INPUT)
    national_id = forms.CharField(
        label=_("National ID (CCCD)"),
        min_length=12,
        max_length=12,
        help_text=_("Its 5th and 6th digits are the year of birth: change it only with the year, as on the card."),
    )
    reason = reason_field()


class HealthCardForm(CrispyForm):
    number = forms.CharField(label=_("Card number"), max_length=15)
    group = forms.CharField(label=_("Beneficiary group"), max_length=10, required=False, help_text=_("e.g. BT"))
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE_INPUT)


class DocumentForm(CrispyForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), help_text=DOCUMENT_HELP, validators=[validate_document])


class CaseFilterForm(forms.Form):
    """The case list's filters. A filter that does not validate (a commune or village outside the
    user's scope, a malformed month) makes the list empty, never wider: a link that asks for a list
    must not show a broader one (``filters``)."""

    q = forms.CharField(label=_("Name or national ID"), required=False, max_length=100)
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=None, required=False, to_field_name="code", empty_label=_("Any")
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Case.Status.choices])
    clause = forms.ChoiceField(label=_("Clause of Decree 20 Art. 5"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    month = month_field(
        _("Paid for the month"),
        required=False,
        help_text=_("The month's beneficiaries: categories held that month, not suspended, alive."),
    )
    village = forms.ModelChoiceField(label=_("Village"), queryset=None, required=False)
    payment_method = forms.ChoiceField(
        label=_("Payment method"), required=False, choices=[("", _("Any")), *PaymentMethod.choices]
    )
    turning = forms.IntegerField(required=False, min_value=0, max_value=150, widget=forms.HiddenInput)
    cards = forms.CharField(required=False, widget=forms.HiddenInput)
    # Set by the dashboards' links: the province's communes in the user's scope; the people holding
    # no health-insurance card valid on a day.
    province = forms.CharField(required=False, max_length=2, widget=forms.HiddenInput)
    uninsured_on = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories, villages, communes=None, list_villages: bool = True, **kwargs):
        """``villages``: those a filter may name. ``list_villages=False`` (an administrator before a
        commune is chosen) offers only the one asked for, not every village of the country.
        ``communes``: those a filter may name (None: no commune filter)."""
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Any")), *((c.code, category_text(c)) for c in categories)]
        self.clauses: dict[str, list[str]] = {}
        for category in categories:
            self.clauses.setdefault(clause_of(category.code), []).append(category.code)
        self.fields["clause"].choices = [
            ("", _("Any")),
            *((clause, category_labels.clause_label(clause)) for clause in self.clauses),
        ]
        asked = self.data.get("village", "") if self.is_bound else ""
        offer_choices(self.fields["village"], villages, asked=asked, list_all=list_villages)
        if communes is None:
            del self.fields["commune"]
        else:
            self.fields["commune"].queryset = communes
        plain_bootstrap(self)

    def filters(self) -> dict:
        """The selector's arguments (``case_list_for_user``)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return {"matches_nothing": True}
        data = self.cleaned_data
        categories = [data["category"]] if data["category"] else []
        if data["clause"]:
            of_clause = self.clauses[data["clause"]]
            categories = [code for code in categories if code in of_clause] if categories else of_clause
            if not categories:  # a category of another clause: nobody holds both
                return {"matches_nothing": True}
        commune = data.get("commune")
        return {
            "search": data["q"] or "",
            "province_code": data["province"],
            "commune_code": commune.code if commune else "",
            "status": data["status"],
            "categories": tuple(categories),
            "village_id": data["village"].pk if data["village"] else None,
            "payment_method": data["payment_method"],
            "paid_for": first_of_month(data["month"]) if data["month"] else None,
            "uninsured_on": data["uninsured_on"],
            "turning": data["turning"],
            "cards_expiring": data["cards"] == "expiring",
        }


def case_filter_form(user, data) -> CaseFilterForm:
    """The case list's filter form over ``data`` (a query string; empty: unbound) with the choices
    ``user`` may name: their communes and those communes' villages (every village for an
    administrator only once a commune is chosen), and the categories, without the health-related ones
    for a role that may not see them (a list filtered by 5.8 would name the people with HIV:
    ``privacy.visibility``). The list page and the API's case list build it the same way."""
    codes = None if user.has_national_scope else commune_codes_for_user(user)
    communes = Commune.objects.filter(code__in=codes) if codes is not None else Commune.objects.all()
    villages = Village.objects.filter(commune__in=codes) if codes is not None else Village.objects.all()
    chosen_commune = data.get("commune", "")
    if chosen_commune:
        villages = villages.filter(commune_id=chosen_commune)
    categories = list(Category.objects.order_by("position"))
    if not sees_health(user):
        categories = [category for category in categories if category.code not in HEALTH_CATEGORIES]
    return CaseFilterForm(
        data or None,
        categories=categories,
        villages=villages.order_by("name"),
        communes=communes.order_by("name"),
        list_villages=codes is not None or bool(chosen_commune),
    )


class MonthlyTotalForm(forms.Form):
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None, to_field_name="code")
    month = month_field(_("Month"))

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        plain_bootstrap(self)
