from collections.abc import Callable
from datetime import date, datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.tabular import check_upload_size

# Dates and months are typed in text inputs, dd/mm/yyyy and mm/yyyy, whatever the browser's language
# (a ``type="date"`` input follows the browser: an English browser shows 12/07/2026 for 7 December).
# Days are read with the locale's DATE_INPUT_FORMATS (casework/formats: dd/mm/yyyy, YYYY-MM-DD for
# old bookmarks); month fields with MONTH_INPUT_FORMATS (``month_field``).
DAY_PLACEHOLDER = "dd/mm/yyyy"
MONTH_PLACEHOLDER = "mm/yyyy"
MONTH_INPUT_FORMATS = ["%m/%Y", "%Y-%m", "%Y-%m-%d", "%m-%Y"]


class DayInput(forms.DateInput):
    """A day typed dd/mm/yyyy in a text input."""

    def __init__(self, attrs=None):
        defaults = {"placeholder": DAY_PLACEHOLDER, "inputmode": "numeric", "autocomplete": "off", "maxlength": 10}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")


class MonthInput(forms.DateInput):
    """A month typed mm/yyyy in a text input (stored as its first day)."""

    def __init__(self, attrs=None):
        defaults = {"placeholder": MONTH_PLACEHOLDER, "inputmode": "numeric", "autocomplete": "off", "maxlength": 7}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%m/%Y")


DATE_INPUT = DayInput()
MONTH_INPUT = MonthInput()


def parse_month(value: str) -> date | None:
    """A month typed or linked (12/2026, 2026-12, 2026-12-01) as its first day; None if it is none."""
    for pattern in MONTH_INPUT_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).date().replace(day=1)
        except (ValueError, AttributeError):
            continue
    return None


def month_field(label, **kwargs) -> forms.DateField:
    """A month (its first day), typed mm/yyyy; 2026-12 and 2026-12-01 are read too."""
    kwargs.setdefault("widget", MONTH_INPUT)
    return forms.DateField(label=label, input_formats=MONTH_INPUT_FORMATS, **kwargs)


class CrispyForm(forms.Form):
    """A form rendered by crispy inside a <form> tag that the template writes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class FileImportForm(CrispyForm):
    """Upload a CSV or XLSX file to check (dry run, the default) or import. Subclasses say what a
    line is in ``file_help``."""

    file_help = ""

    file = forms.FileField(label=_("File (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=_("Check only (dry run): nothing is saved"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.file_help
        self.helper.add_input(Submit("submit", _("Import")))

    def clean_file(self):
        """A file over ``IMPORT_MAX_UPLOAD_BYTES`` is refused here, before it is read."""
        file = self.cleaned_data["file"]
        check_upload_size(file, settings.IMPORT_MAX_UPLOAD_BYTES)
        return file


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError back on the form, on the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submit(form: forms.Form, action: Callable[[dict], object]):
    """Run ``action`` with the form's data if the form is valid; service errors go back on the
    form (``None`` then). Every app's views call services through this."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as error:
        apply_validation_error(form, error)
        return None


def plain_bootstrap(form: forms.Form) -> None:
    """Bootstrap classes on every field of a filter form rendered by hand (without crispy, which
    costs milliseconds on the busiest list pages)."""
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"


def offer_choices(field: forms.ModelChoiceField, queryset, *, asked: str, list_all: bool = True) -> None:
    """A model filter's choices: every row of ``queryset``, or with ``list_all=False`` (an
    administrator before a commune is chosen: every village of the country) only the one asked for;
    any row of ``queryset`` still validates."""
    field.queryset = queryset
    if not list_all:
        field.widget.choices = field.iterator(field)
        field.widget.choices.queryset = queryset.filter(pk=asked) if asked.isdigit() else queryset.none()
