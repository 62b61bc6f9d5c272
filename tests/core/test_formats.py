"""Issue 16 items 7, 8 and 13: one format for numbers, months, field names and typed dates."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from beneficiaries.entitlement import coefficient_text
from core.formatting import change_text, day, field_label, field_value, month, months, number
from core.forms import DATE_INPUT, MONTH_INPUT, month_field
from households.models import Household, Person


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ["295.750.000", "4.702", "1,0", "81,45", "0", "1.420.000", "-1.500"]),
        ("en", ["295,750,000", "4,702", "1.0", "81.45", "0", "1,420,000", "-1,500"]),
    ],
)
def test_numbers_follow_the_interface_language(language, expected):
    with translation.override(language):
        values = [295750000, 4702, Decimal("1.0"), Decimal("81.45"), 0, "1420000", -1500]
        assert [number(value) for value in values] == expected
        assert number(None) == "" and number("") == "" and number("—") == "—"
        # A string already formatted stays as it is ("810.000" is not 810 with three decimals).
        assert number("810.000") == "810.000" and number("1,5") == "1,5"


def test_coefficients_keep_the_decree_places():
    with translation.override("vi"):
        assert [coefficient_text(Decimal(v)) for v in ("1.00", "1.50", "2.25", "0.5")] == ["1,0", "1,5", "2,25", "0,5"]
    with translation.override("en"):
        assert coefficient_text(Decimal("1.50")) == "1.5"


def test_months_and_days():
    assert month(date(2026, 12, 1)) == "12/2026"
    assert month("2026-12") == "12/2026" and month("2026-12-01") == "12/2026"
    assert month(None) == "" and month("") == ""
    assert months(["2026-11", "2026-12"]) == "11/2026, 12/2026"
    assert day("2026-12-07") == "07/12/2026" and day(date(1948, 7, 2)) == "02/07/1948"


def test_the_template_filters():
    template = Template("{% load formats %}{{ a|number }} {{ c|number:1 }} {{ m|month }} {{ ms|months }}")
    context = Context({"a": 295750000, "c": Decimal("1"), "m": date(2026, 12, 1), "ms": ["2026-11", "2026-12"]})
    with translation.override("vi"):
        assert template.render(context) == "295.750.000 1,0 12/2026 11/2026, 12/2026"
    with translation.override("en"):
        assert template.render(context) == "295,750,000 1.0 12/2026 11/2026, 12/2026"


def test_a_diff_names_fields_and_values_in_the_interface_language():
    with translation.override("vi"):
        assert change_text(Person, "disability_level", "none", "severe") == "Mức độ khuyết tật: Không → Nặng"
        assert change_text(Person, "date_of_birth", "1948-07-02", "1948-02-07") == "Ngày sinh: 02/07/1948 → 07/02/1948"
        assert change_text(Household, "area", "rural", "urban") == "Khu vực: Nông thôn → Thành thị"
        assert change_text(Household, "housing_area_m2", "45.5", "50") == "Diện tích nhà ở (m²): 45,5 → 50"
        assert field_value(Person, "phone", "") == "—"
    with translation.override("en"):
        assert field_label(Person, "disability_level") == "Disability level"
        assert field_label(Person, "no_such_field") == "no_such_field"


class _DatesForm(forms.Form):
    born = forms.DateField(widget=DATE_INPUT)
    month = month_field("Month")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_are_typed_day_first_whatever_the_language(language):
    with translation.override(language):
        for born, paid in (("07/12/2026", "12/2026"), ("2026-12-07", "2026-12"), ("7/12/2026", "2026-12-01")):
            form = _DatesForm({"born": born, "month": paid})
            assert form.is_valid(), form.errors
            assert form.cleaned_data == {"born": date(2026, 12, 7), "month": date(2026, 12, 1)}
        assert not _DatesForm({"born": "12/31/2026", "month": "13/2026"}).is_valid()
        html = str(_DatesForm(initial={"born": date(1948, 7, 2), "month": date(2026, 12, 1)}))
    assert 'type="text"' in html and 'type="date"' not in html and 'type="month"' not in html
    assert 'value="02/07/1948"' in html and 'placeholder="dd/mm/yyyy"' in html
    assert 'value="12/2026"' in html and 'placeholder="mm/yyyy"' in html
    assert DATE_INPUT.input_type == MONTH_INPUT.input_type == "text"
