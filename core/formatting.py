"""Numbers and months as the interface's language writes them, for pages, PDFs and the texts Python
builds for them (explanations of amounts, messages): Vietnamese groups thousands with "." and
writes decimals with "," (295.750.000 · 1,0), English the other way round (295,750,000 · 1.0);
a month is "12/2026" in both. Templates use the same functions as filters (``{% load formats %}``:
``|number``, ``|number:1``, ``|month``, ``|months``). CSV, XLSX and bank files are machine formats
and keep their own (plain digits, ISO months).

The separators come from Django's locale formats (``casework/formats/vi`` adds Vietnamese grouping);
``USE_THOUSAND_SEPARATOR`` stays off, or every id in a template (URLs, form values) would be grouped.
"""

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext as _

_DIGITS = re.compile(r"-?\d+")


def number(value, decimals: int | None = None) -> str:
    """1420000 -> '1.420.000' (vi) / '1,420,000' (en); ``decimals`` fixes the places after the
    separator (``number(Decimal("1.0"), 1)`` -> '1,0'); None: integers as they are, decimals with
    their own places. None or "" -> ""."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        # Only whole numbers in digits: "810.000" may be a number already formatted in Vietnamese.
        if not _DIGITS.fullmatch(value):
            return value
        value = int(value)
    if decimals is None and isinstance(value, float | Decimal) and value == int(value):
        decimals = 0 if isinstance(value, float) else max(0, -value.as_tuple().exponent)
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def month(value: date | str | None) -> str:
    """A month (a date, or a stored "2026-12" / "2026-12-01") -> '12/2026'."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        return f"{value[5:7]}/{value[:4]}" if len(value) >= 7 and value[4] == "-" else value
    return f"{value.month:02d}/{value.year}"


def day(value: date | str | None) -> str:
    """A day (a date, or a stored "2026-12-07") -> '07/12/2026'."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value:%d/%m/%Y}"


def months(values: Iterable[date | str], separator: str = ", ") -> str:
    """Several months: '11/2026, 12/2026'."""
    return separator.join(month(value) for value in values)


def field_label(model, name: str) -> str:
    """A model field's name as the pages write it: its ``verbose_name``, translated
    ("disability_level" -> "Mức độ khuyết tật"); the name itself if the model has no such field."""
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
    return label[:1].upper() + label[1:]


def field_value(model, name: str, value) -> str:
    """A value of a model field as stored in an event's data (``str()`` of it, or JSON), written as
    the pages write it: a choice by its label ("severe" -> "Đặc biệt nặng"), a date dd/mm/yyyy, a
    month field mm/yyyy, yes/no, a number grouped; nothing -> "—"."""
    if value in (None, "", "None"):
        return "—"
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        truth = value if isinstance(value, bool) else str(value) == "True"
        return str(_("yes") if truth else _("no"))
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return month(day) if name.endswith("month") else f"{day:%d/%m/%Y}"
    if isinstance(field, models.IntegerField | models.DecimalField) and not isinstance(field, models.AutoField):
        try:
            return number(Decimal(str(value)))
        except ArithmeticError:
            return str(value)
    return str(value)


def change_text(model, name: str, old, new) -> str:
    """'Mức độ khuyết tật: Không → Đặc biệt nặng' for a diff or a timeline."""
    return f"{field_label(model, name)}: {field_value(model, name, old)} → {field_value(model, name, new)}"
