"""Validation and normalisation of personal identifiers: national ID (CCCD) and phone numbers.

A national ID has 12 digits (rules.md §4.0): 3 for the province of birth registration, 1 for sex
and century, 2 for the last two digits of the birth year, 6 serial. The province codes are the 63
codes in use before the 2025 merger (CCCD numbers issued then keep them).
"""

from datetime import date

import phonenumbers
from django.utils.translation import gettext as _

from privacy.visibility import mask_value

CCCD_PROVINCE_CODES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)
# sex/century digit -> (sex, first year of the century)
CCCD_SEX_CENTURY = {
    "0": ("M", 1900), "1": ("F", 1900),
    "2": ("M", 2000), "3": ("F", 2000),
    "4": ("M", 2100), "5": ("F", 2100),
}  # fmt: skip


def national_id_problems(national_id: str, *, sex: str | None = None, date_of_birth: date | None = None) -> list[str]:
    """Every reason ``national_id`` is not acceptable for this person; empty when it is."""
    if len(national_id) != 12 or not national_id.isascii() or not national_id.isdigit():
        return [_("must be 12 digits")]
    problems = []
    if national_id[:3] not in CCCD_PROVINCE_CODES:
        problems.append(_("unknown province prefix %(prefix)s") % {"prefix": national_id[:3]})
    coded_sex, century = CCCD_SEX_CENTURY.get(national_id[3], (None, None))
    if coded_sex is None:
        problems.append(_("sex/century digit %(digit)s is not 0–5") % {"digit": national_id[3]})
    elif sex and coded_sex != sex:
        problems.append(_("its sex digit does not match the person's sex"))
    if date_of_birth and century is not None:
        if not century <= date_of_birth.year < century + 100:
            problems.append(_("its century digit does not match the year of birth"))
        elif int(national_id[4:6]) != date_of_birth.year % 100:
            problems.append(
                _("its year digits %(digits)s do not match the year of birth") % {"digits": national_id[4:6]}
            )
    return problems


def normalise_phone(raw: str) -> str:
    """A Vietnamese phone number in E.164 ("+84912345678"); raises ValueError if it is not one."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException as error:
        raise ValueError(_("not a phone number")) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("not a valid phone number"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    if not e164:
        return ""
    return phonenumbers.format_number(phonenumbers.parse(e164, "VN"), phonenumbers.PhoneNumberFormat.NATIONAL)


def mask(value: str, *, visible: int = 3) -> str:
    """Hide all but the last ``visible`` characters: "079201001234" -> "•••••••••234"
    (``privacy.visibility.mask_value``, the one masking of the product)."""
    return mask_value(value, visible=visible)
