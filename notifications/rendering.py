"""What a message says: a template rendered with its context (dates, months and amounts as
officers write them), and the measures of an SMS text (GSM-7 or UCS-2, how many parts it takes,
the text without diacritics for phones that cannot show them). No database writes."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Language, MessageTemplate, template_placeholders

# --- text helpers ----------------------------------------------------------------------------------

# The GSM 03.38 default alphabet and its extension table (an extension character costs two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _count_parts(units: list[int], single: int, multi: int) -> int:
    """Parts needed for a text of ``units`` (the size of each character, never split across parts)."""
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:
        if used + size > multi:
            parts, used = parts + 1, 0
        used += size
    return parts


def sms_parts(text: str) -> int:
    """How many SMS parts ``text`` takes: GSM-7 holds 160 septets in one part and 153 per part of a
    long message; any other character (Vietnamese diacritics such as "ẻ", "ạ", "đ") makes it UCS-2:
    70 UTF-16 units in one part, 67 per part. An empty text is still one part."""
    if is_gsm7(text):
        return _count_parts([2 if ch in GSM7_EXTENSION else 1 for ch in text], 160, 153)
    return _count_parts([2 if ord(ch) > 0xFFFF else 1 for ch in text], 70, 67)


# Typography a phone without Unicode cannot show either.
_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\u00a0": " "})


def unaccent_text(text: str) -> str:
    """``text`` without Vietnamese diacritics, keeping case and spacing: "Thẻ BHYT của Đặng" →
    "The BHYT cua Dang". Like ``core.text.fold_vietnamese`` but for sending, not for matching."""
    text = text.replace("đ", "d").replace("Đ", "D").translate(_PLAIN)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


# --- rendering -------------------------------------------------------------------------------------


def format_value(key: str, value, language: str) -> str:
    """How a placeholder's value appears in a message: dates dd/mm/yyyy (a key named ``month`` or
    ending in ``_month``: mm/yyyy), amounts (a key ending in ``amount`` or ``_vnd``) with thousands
    separators ("1.500.000" in Vietnamese, "1,500,000" in English), anything else as ``str()``."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if timezone.is_aware(value) else (
            value.strftime("%d/%m/%Y %H:%M"))  # fmt: skip
    if isinstance(value, date):
        return value.strftime("%m/%Y") if key == "month" or key.endswith("_month") else value.strftime("%d/%m/%Y")
    if isinstance(value, int) and not isinstance(value, bool) and (key.endswith("amount") or key.endswith("_vnd")):
        grouped = f"{value:,}"
        return grouped.replace(",", ".") if language == Language.VI else grouped
    return "" if value is None else str(value)


def render(template: MessageTemplate, context: dict, language: str) -> tuple[str, str, dict]:
    """(subject, text, the placeholders as formatted) of ``template`` in ``language``; raises
    ValidationError naming the missing placeholders."""
    formatted = {key: format_value(key, value, language) for key, value in context.items()}
    body, subject = template.body(language), template.subject(language)
    missing = (template_placeholders(body) | template_placeholders(subject)) - set(formatted)
    if missing:
        raise ValidationError(
            {"context": _("The template %(code)s needs %(names)s.") % {"code": template.code,
                                                                         "names": ", ".join(sorted(missing))}}
        )  # fmt: skip
    return subject.format_map(formatted), body.format_map(formatted).strip(), formatted
