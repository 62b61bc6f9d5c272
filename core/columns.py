"""The Vietnamese names of the import files' columns and codes, shared by every import.

An officer's file is written in Vietnamese: "Họ và tên", "Giới tính" = "Nữ", "Quan hệ với chủ hộ" =
"chủ hộ", "Ngày sinh" = 15/06/1960. ``core.tabular.split_table`` turns each such header into the
column's English name (``canonical_header``) and each such value into its code (``canonical_value``)
before any import sees the line, so every import accepts both, in any case, with or without
diacritics (``core.text.fold_vietnamese``), without a line of its own. The English names and codes
stay what they were: an English file imports exactly as before.

``docs/formats.md`` lists the same names; ``VIETNAMESE_HEADERS`` writes the templates' header rows.
"""

import difflib
import functools
import re
import unicodedata
from datetime import date, datetime

from core.text import fold_vietnamese

# The header a template writes for each column (the first name an officer would use).
VIETNAMESE_HEADERS = {
    "household_code": "Mã hộ",
    "commune_code": "Mã xã",
    "village": "Thôn/tổ dân phố",
    "address": "Địa chỉ",
    "area": "Khu vực",
    "national_id": "Số định danh cá nhân",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "sex": "Giới tính",
    "relationship": "Quan hệ với chủ hộ",
    "ethnicity": "Dân tộc",
    "phone": "Số điện thoại",
    "disability_level": "Mức độ khuyết tật",
    "member_since": "Thành viên từ ngày",
    "categories": "Diện hưởng",
    "dependent_children": "Số con đang nuôi",
    "decision_number": "Số quyết định",
    "decision_date": "Ngày quyết định",
    "start_month": "Tháng bắt đầu hưởng",
    "paid_through_month": "Đã chi trả đến tháng",
    "end_month": "Tháng thôi hưởng",
    "date_of_death": "Ngày qua đời",
    "payment_method": "Hình thức chi trả",
    "bank_bin": "Mã ngân hàng",
    "account_number": "Số tài khoản",
    "account_name": "Tên chủ tài khoản",
    "members": "Số nhân khẩu",
    "income_per_capita_vnd": "Thu nhập bình quân đầu người (đồng/tháng)",
    "employment": "Việc làm",
    "dependants": "Người phụ thuộc",
    "nutrition": "Dinh dưỡng",
    "health_insurance": "Bảo hiểm y tế",
    "adult_education": "Trình độ giáo dục người lớn",
    "school_attendance": "Tình trạng đi học trẻ em",
    "housing_quality": "Chất lượng nhà ở",
    "housing_area": "Diện tích nhà ở bình quân",
    "water": "Nguồn nước sinh hoạt",
    "latrine": "Nhà tiêu hợp vệ sinh",
    "telecom": "Sử dụng dịch vụ viễn thông",
    "information_assets": "Phương tiện tiếp cận thông tin",
    "contract_number": "Số khế ước",
    "borrower_national_id": "Số định danh cá nhân người vay",
    "borrower_name": "Tên người vay",
    "loan_programme": "Chương trình vay",
    "amount_vnd": "Số tiền vay (đồng)",
    "disbursed_on": "Ngày giải ngân",
    "term_months": "Thời hạn vay (tháng)",
    "outstanding_vnd": "Dư nợ (đồng)",
    "balance_on": "Dư nợ đến ngày",
    "repayment_status": "Tình trạng trả nợ",
}

# Other headers met in officers' files, for the same columns.
_OTHER_HEADERS = {
    "household_code": ["Mã số hộ", "Số hộ"],
    "commune_code": ["Mã đơn vị hành chính", "Mã xã/phường"],
    "village": ["Thôn", "Ấp", "Thôn, ấp", "Thôn/ấp/khu phố", "Thôn/ấp", "Khu phố", "Tổ dân phố"],
    "address": ["Địa chỉ cụ thể", "Số nhà"],
    "area": ["Thành thị/nông thôn", "Khu vực (thành thị/nông thôn)"],
    "national_id": [
        "CCCD",
        "Số căn cước",
        "Số căn cước công dân",
        "Số định danh",
        "Số CCCD",
        "Số CMND/CCCD",
    ],
    "full_name": ["Họ tên", "Tên"],
    "date_of_birth": ["Ngày tháng năm sinh", "Ngày, tháng, năm sinh"],
    "sex": ["Giới"],
    "relationship": ["Quan hệ", "Quan hệ với chủ hộ", "Quan hệ chủ hộ"],
    "phone": ["Điện thoại", "SĐT", "Số ĐT"],
    "disability_level": ["Khuyết tật", "Mức độ khuyết tật"],
    "member_since": ["Thành viên từ", "Ngày nhập hộ", "Ngày vào hộ", "Nhập hộ từ ngày"],
    "categories": ["Diện", "Đối tượng", "Diện đối tượng"],
    "dependent_children": ["Số con"],
    "decision_date": ["Ngày ký quyết định"],
    "start_month": ["Hưởng từ tháng", "Tháng hưởng"],
    "end_month": ["Thôi hưởng từ tháng"],
    "date_of_death": ["Ngày mất", "Ngày chết"],
    "payment_method": ["Hình thức nhận"],
    "account_name": ["Chủ tài khoản"],
    "members": ["Nhân khẩu"],
    "income_per_capita_vnd": ["Thu nhập bình quân đầu người", "Thu nhập bình quân"],
    "contract_number": ["Số hợp đồng", "Số HĐ"],
    "borrower_national_id": ["Số CCCD người vay", "CCCD người vay"],
    "borrower_name": ["Người vay", "Họ tên người vay"],
    "amount_vnd": ["Số tiền vay", "Số tiền"],
    "disbursed_on": ["Ngày vay"],
    "term_months": ["Thời hạn (tháng)", "Thời hạn vay"],
    "outstanding_vnd": ["Dư nợ"],
    "balance_on": ["Ngày dư nợ"],
    "repayment_status": ["Tình trạng nợ"],
}


@functools.lru_cache(maxsize=4096)  # a file repeats the same few codes on every line
def _key(text: str) -> str:
    """A header as compared: folded, its punctuation taken as spaces ("Thôn/ấp" = "thon ap")."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold_vietnamese(text)).split())


@functools.lru_cache(maxsize=4096)
def _value_key(text: str) -> str:
    """A code as compared: folded, "/", "-" and "_" taken as spaces ("vợ/chồng" = "vo chong"); any
    other sign stays, so that "Nữ?" is not read as "Nữ"."""
    return " ".join(re.sub(r"[/_-]+", " ", fold_vietnamese(text)).split())


HEADER_ALIASES = {
    _key(name): column
    for column, names in (
        (column, [VIETNAMESE_HEADERS[column], *_OTHER_HEADERS.get(column, [])]) for column in VIETNAMESE_HEADERS
    )
    for name in names
}


def canonical_header(text: str) -> str:
    """The column a header cell names: its English name (``full_name``) for a Vietnamese one in any
    case and with or without diacritics ("Họ và tên", "HO VA TEN"); any other header in lower case."""
    name = text.strip().lower()
    return HEADER_ALIASES.get(_key(name), name) if name else name


# The codes an officer writes, folded, for each column that takes codes. The English codes are
# accepted as they always were (the importers check them); these are the other ways.
_SPOUSE, _CHILD, _PARENT, _GRANDCHILD, _SIBLING, _OTHER = "spouse", "child", "parent", "grandchild", "sibling", "other"
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"nam": "M", "nu": "F", "male": "M", "female": "F", "m": "M", "f": "F"},
    "relationship": {
        "chu ho": "head",
        "vo": _SPOUSE,
        "chong": _SPOUSE,
        "vo chong": _SPOUSE,
        "con": _CHILD,
        "con trai": _CHILD,
        "con gai": _CHILD,
        "con de": _CHILD,
        "con nuoi": _CHILD,
        "cha": _PARENT,
        "bo": _PARENT,
        "me": _PARENT,
        "cha me": _PARENT,
        "bo me": _PARENT,
        "chau": _GRANDCHILD,
        "chau noi": _GRANDCHILD,
        "chau ngoai": _GRANDCHILD,
        "anh": _SIBLING,
        "chi": _SIBLING,
        "em": _SIBLING,
        "anh trai": _SIBLING,
        "chi gai": _SIBLING,
        "em trai": _SIBLING,
        "em gai": _SIBLING,
        "anh chi em": _SIBLING,
        # The registry has no grandparent, in-law or other kin: they are "other". "ba" is left out:
        # without its marks it is "bà" (grandmother) or "ba" (father, in the South); see _EXACT.
        "ong": _OTHER,
        "ong noi": _OTHER,
        "ba noi": _OTHER,
        "ong ngoai": _OTHER,
        "ba ngoai": _OTHER,
        "con dau": _OTHER,
        "con re": _OTHER,
        "chau ho": _OTHER,
        "khac": _OTHER,
    },
    "area": {"nong thon": "rural", "thanh thi": "urban"},
    "disability_level": {
        "khong": "none",
        "khong khuyet tat": "none",
        "nhe": "mild",
        "khuyet tat nhe": "mild",
        "nang": "severe",
        "khuyet tat nang": "severe",
        "dac biet nang": "extremely_severe",
        "khuyet tat dac biet nang": "extremely_severe",
    },
    "payment_method": {
        "ngan hang": "bank",
        "chuyen khoan": "bank",
        "tai khoan": "bank",
        "tien mat": "cash",
        "buu dien": "cash",
    },
}

# Words that fold to the same letters but differ: matched as written (lower case) before folding.
_EXACT = {"relationship": {"bà": _OTHER, "má": _PARENT}}

# What a template's drop-down offers, and what an error lists: Vietnamese first, then the codes.
ACCEPTED_VALUES: dict[str, list[str]] = {
    "sex": ["Nam", "Nữ", "M", "F"],
    "relationship": [
        "chủ hộ",
        "vợ",
        "chồng",
        "con",
        "cha",
        "mẹ",
        "cháu",
        "anh",
        "chị",
        "em",
        "ông",
        "bà",
        "khác",
        "head",
        "spouse",
        "child",
        "parent",
        "grandchild",
        "sibling",
        "other",
    ],
    "area": ["nông thôn", "thành thị", "rural", "urban"],
    "disability_level": ["không", "nhẹ", "nặng", "đặc biệt nặng", "none", "mild", "severe", "extremely_severe"],
    "payment_method": ["ngân hàng", "tiền mặt", "bank", "cash"],
}

DATE_COLUMNS = frozenset(
    ("date_of_birth", "member_since", "decision_date", "date_of_death", "disbursed_on", "balance_on")
)
MONTH_COLUMNS = frozenset(("start_month", "paid_through_month", "end_month"))
# The columns ``canonical_value`` may change (the others are read as they are).
CONVERTED_COLUMNS = frozenset(VALUE_ALIASES) | DATE_COLUMNS | MONTH_COLUMNS
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{4})")


def canonical_value(column: str, text: str, raw=None) -> str:
    """A cell's text as the import reads it: a Vietnamese code as its English code ("Nữ" -> "F",
    "chủ hộ" -> "head"), a date written dd/mm/yyyy as YYYY-MM-DD, a month mm/yyyy (or an Excel date
    cell in a month column) as YYYY-MM. Anything else, an impossible date included, is unchanged:
    the import then says what is wrong with it."""
    if not text:
        return text
    if column in MONTH_COLUMNS and isinstance(raw, (date, datetime)):
        return f"{raw.year:04d}-{raw.month:02d}"
    aliases = VALUE_ALIASES.get(column)
    if aliases is not None:
        exact = _EXACT.get(column, {}).get(unicodedata.normalize("NFC", text.strip().lower()))
        return exact or aliases.get(_value_key(text), text)
    if column in DATE_COLUMNS and (match := _DAY_MONTH_YEAR.fullmatch(text)):
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    if column in MONTH_COLUMNS and (match := _MONTH_YEAR.fullmatch(text)):
        month, year = (int(part) for part in match.groups())
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else text
    return text


def accepted(choices: list[str], value: str, *, count: int = 5) -> str:
    """The ``count`` choices closest to ``value`` (compared folded: "Khome" -> "Khmer, …"), for an
    error on a long list (54 ethnic groups); "" when none is close (the message then lists all)."""
    folded = {_key(choice): choice for choice in choices}
    close = difflib.get_close_matches(_key(value), list(folded), n=count, cutoff=0.6)
    return ", ".join(folded[name] for name in close)
