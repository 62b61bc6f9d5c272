"""Synthetic households at scale: plausible Vietnamese families for demos, tests and benchmarks.

``generate_households`` writes households with their members, memberships, one "registered" event
each and, when asked, a poverty status per year. The data is deterministic: the same seed and the
same database state give the same names, dates of birth, national IDs, codes and UUIDs (the
database ids and timestamps differ). Each commune draws from its own ``random.Random`` seeded by
(seed, commune code, first household number), so adding households later continues with new
families instead of repeating the first ones.

Uniqueness is structural, not checked row by row:

- a national ID is province prefix + sex/century digit + two year digits + a 6-digit serial; each
  (prefix, digit, year) key has its own counter that starts after the highest serial already in the
  database for that key, so a run never reuses a number, whatever the seed;
- household codes are ``<initials>-<number>`` ("TD-000001" in Xã Tân Đông), numbered after the
  highest code of that form in the commune;
- person and household ids are reserved from their sequences before the rows are written, so the
  foreign keys are known when the rows are formatted.

Rows are formatted as COPY text in Python and streamed with psycopg 3 ``COPY … FROM STDIN``, one
transaction per chunk of households; every constraint and index stays in place. Historical
(simple-history) rows and duplicate flags are not written for synthetic people.
"""

from __future__ import annotations

import bisect
import random
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from django.db import connection, transaction
from django.utils import timezone

from core.text import fold_vietnamese
from geography.models import Commune, Village
from geography.services import village_create
from households.identity import CCCD_PROVINCE_CODES
from households.models import (
    DisabilityLevel,
    Household,
    HouseholdEvent,
    HouseholdYearStatus,
    Membership,
    Person,
    PovertyStatus,
    Relationship,
)
from households.selectors import commune_code_prefix

# Ages are counted at this date, not today, so that the same seed gives the same people next year.
REFERENCE_DATE = date(2025, 7, 1)
DEFAULT_CHUNK_SIZE = 50_000
# Connections that write chunks at the same time when the generator runs outside a transaction.
WRITERS = 2
_SERIAL_LIMIT = 1_000_000
# A session-level advisory lock: two generators never allocate serials at the same time.
_ADVISORY_LOCK_KEY = 0x5CA5E001


class _Weighted:
    """Weighted choice with one ``random()`` call: about three times faster than ``rng.choices``."""

    __slots__ = ("cumulative", "total", "values")

    def __init__(self, weighted: Sequence[tuple[object, float]]):
        self.values = [value for value, _weight in weighted]
        self.cumulative = list(accumulate(weight for _value, weight in weighted))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


def _common_first(names: str, common: int, weight: float = 3.0) -> list[tuple[str, float]]:
    """The first ``common`` names of a space-separated list ("_" joins a two-word name) weigh
    ``weight``, the others 1."""
    parts = [name.replace("_", " ") for name in names.split()]
    return [(name, weight if index < common else 1.0) for index, name in enumerate(parts)]


def _uniform(names: str) -> _Weighted:
    return _Weighted(_common_first(names, 0))


# --- names ---------------------------------------------------------------------------------
# Family names with their approximate national shares (per cent); in the south Huỳnh and Võ are
# more frequent than Hoàng and Vũ, which are the same names in northern pronunciation.
KINH_FAMILY_NAMES = _Weighted(
    [
        ("Nguyễn", 38.4), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Huỳnh", 3.4), ("Hoàng", 1.7),
        ("Phan", 4.5), ("Võ", 2.9), ("Vũ", 1.0), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3),
        ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Trương", 0.9), ("Đinh", 0.7), ("Lâm", 0.6), ("Mai", 0.5),
        ("Đoàn", 0.6), ("Lưu", 0.3), ("Tô", 0.3), ("Cao", 0.4), ("Châu", 0.4), ("Hà", 0.4), ("Thái", 0.3),
        ("Lương", 0.4), ("Quách", 0.2), ("Tạ", 0.2), ("La", 0.2), ("Trịnh", 0.4), ("Từ", 0.15), ("Tăng", 0.15),
        ("Chu", 0.15), ("Kiều", 0.1), ("Diệp", 0.1), ("Văn", 0.1), ("Nhan", 0.05), ("Mạc", 0.05),
    ]
)  # fmt: skip
HOA_FAMILY_NAMES = _uniform("Lâm Quách Trương Lý Mã Hứa Tăng Diệp Lưu Thái Châu Quan Ông Tạ Vương Trần")
KHMER_FAMILY_NAMES = _Weighted(
    [("Thạch", 30), ("Danh", 20), ("Sơn", 15), ("Kim", 10), ("Chau", 10), ("Lâm", 5), ("Lý", 5), ("Huỳnh", 5)]
)
CHAM_FAMILY_NAMES = _uniform("Mohamad Sa Ma Kha Ly Ha")

# Middle names: the parents' generation is mostly Văn / Thị; younger people much less so.
MIDDLE_NAMES = {
    ("M", False): _Weighted(
        [("Văn", 60), ("Hữu", 6), ("Minh", 5), ("Đức", 5), ("Thanh", 5), ("Công", 4), ("Tấn", 4), ("Quốc", 3),
         ("Ngọc", 3), ("Xuân", 3), ("Thành", 2), ("Hoàng", 2), ("Trọng", 2)]
    ),
    ("M", True): _Weighted(
        [("Văn", 30), ("Minh", 10), ("Quốc", 7), ("Hoàng", 6), ("Thanh", 6), ("Đức", 6), ("Gia", 6), ("Anh", 5),
         ("Tuấn", 4), ("Hữu", 4), ("Tấn", 4), ("Nhật", 4), ("Bảo", 4), ("Trọng", 4)]
    ),
    ("F", False): _Weighted(
        [("Thị", 80), ("Ngọc", 5), ("Kim", 4), ("Thanh", 3), ("Thu", 3), ("Hồng", 3), ("Mỹ", 2)]
    ),
    ("F", True): _Weighted(
        [("Thị", 35), ("Ngọc", 10), ("Mỹ", 6), ("Bảo", 6), ("Thanh", 6), ("Thu", 5), ("Kim", 5), ("Phương", 5),
         ("Khánh", 5), ("Minh", 5), ("Hoài", 4), ("Thảo", 4), ("Gia", 4)]
    ),
}  # fmt: skip
# Given names: traditional (most of the people born before 1985) and modern.
GIVEN_NAMES = {
    ("M", False): _Weighted(
        _common_first(
            "Hùng Dũng Minh Hải Sơn Bình Cường Hòa Thành Tâm Phúc Thắng Long Nam Hiếu Trung Lâm Tài Lộc Quang "
            "Vinh Hưng Nhân Tín Nghĩa Thiện Hậu Tú Lợi Sang Tân Thuận Đông Tiến Chiến Út Mến Nhựt Thông Tường Quý",
            12,
        )
    ),
    ("M", True): _Weighted(
        _common_first(
            "Tuấn Minh Huy Khoa Bảo Kiệt Phát Thịnh Khang Trí Duy Đạt An Khánh Hoàng Phong Long Nam Hiếu Thành "
            "Phúc Hào Vũ Dương Toàn Lộc Tài Nhân Quân Thiện Khôi Nguyên Tùng Kha Lực Sơn Hải Tín",
            12,
        )
    ),
    ("F", False): _Weighted(
        _common_first(
            "Lan Hoa Hương Mai Hạnh Nga Hiền Thu Vân Yến Nhung Dung Tuyết Loan Thủy Hồng Hằng Hiếu Cúc Huệ Liên "
            "Thanh Bích Lệ Nguyệt Phượng Thúy Hậu Mến Út Đào Sương Kim Tâm Xuân Oanh Ngọc Giang Châu Trinh",
            12,
        )
    ),
    ("F", True): _Weighted(
        _common_first(
            "Trang Linh Thảo Ngọc Nhi Anh Vy Trâm Diễm Uyên Phương Hà My Ngân Hân Như Quyên Tuyền Ly Ánh Diệu "
            "Hiếu Hương Mai Lan Yến Thu Vân Hạnh Giang Châu Kim Tâm Xuân Trinh Hồng Thủy Nhung Oanh",
            12,
        )
    ),
}
KHMER_GIVEN_NAMES = {
    "M": _uniform("Sóc Phol Sa_Rin Sô_Kha Ra_Tha Chanh Sa_Muôn Khơl Rết Sa_Vong Kim_Sang Thol Sa_Rát"),
    "F": _uniform("Sa_Ry Sô_Phia Thi_Đa Sa_Ly Chăn_Thu Pha_Ly Sóc_Kha Ny Mây Sa_Vân Đa_Ra Sa_Phon"),
}
CHAM_GIVEN_NAMES = {
    "M": _uniform("Ha_Sanh Sa_Mách Y_Sa Ku_Sanh Ro_Sít Đa_Vít Ab_Đul Ha_Ly Ka_Rim Mu_Sa"),
    "F": _uniform("Ma_Ri_A Sa_Ly_Ma Kha_Ti_Gia Ha_Li_Ma Ro_Ky_A Sa_Phi_A Ma_Ry_Dah Ai_Sa Ha_Wa"),
}

KINH, HOA, KHMER, CHAM = "01", "04", "05", "17"
# Tây Ninh (Tây Ninh and former Long An): almost all Kinh, with Khmer, Hoa and Chăm communities and a
# few people of other groups who carry Kinh-style names here.
ETHNICITIES = _Weighted(
    [(KINH, 98.55), (KHMER, 0.6), (HOA, 0.4), (CHAM, 0.3), ("02", 0.05), ("06", 0.04), ("07", 0.03), ("22", 0.03)]
)
_FAMILY_NAMES_BY_ETHNICITY = {HOA: HOA_FAMILY_NAMES, KHMER: KHMER_FAMILY_NAMES, CHAM: CHAM_FAMILY_NAMES}

_FOLDED: dict[str, str] = {}


def _fold(part: str) -> str:
    folded = _FOLDED.get(part)
    if folded is None:
        folded = _FOLDED[part] = fold_vietnamese(part)
    return folded


# --- identifiers ---------------------------------------------------------------------------
# CCCD province prefixes of people born elsewhere who live in the south-east (weights).
_MIGRANT_PREFIXES = _Weighted(
    [("079", 25), ("074", 8), ("070", 6), ("075", 6), ("084", 6), ("086", 5), ("087", 6), ("089", 6), ("092", 4),
     ("094", 5), ("038", 5), ("040", 5), ("042", 3), ("036", 3), ("034", 3), ("001", 3), ("052", 3), ("051", 2)]
)  # fmt: skip
# New province -> [(first commune code, CCCD prefix of the pre-2025 province)], highest first: the
# province of Tây Ninh (80) joined Tây Ninh (CCCD 072) and Long An (CCCD 080) on 1 July 2025.
_HOME_PREFIXES = {"80": [("27000", "080"), ("00000", "072")]}


def home_prefix(commune: Commune) -> str:
    """The CCCD prefix of people born where this commune is."""
    for first_code, prefix in _HOME_PREFIXES.get(commune.province_id, []):
        if commune.code >= first_code:
            return prefix
    candidate = f"0{commune.province_id}"
    return candidate if candidate in CCCD_PROVINCE_CODES else "001"


class NationalIdAllocator:
    """Hands out national IDs that are valid for a sex and a birth year and never used before.

    One counter per (prefix, sex/century digit, year digits): it starts after the highest serial the
    database already holds for that key, or at an offset derived from the key when there is none
    (so that serials do not all start at 000001).
    """

    def __init__(self, highest: dict[str, int] | None = None):
        self._next: dict[str, int] = {key: serial + 1 for key, serial in (highest or {}).items()}

    @classmethod
    def from_database(cls) -> NationalIdAllocator:
        with connection.cursor() as cursor:
            # A child registered without a national ID has none to count.
            cursor.execute(
                f"SELECT left(national_id, 6), max(right(national_id, 6))::int FROM {Person._meta.db_table} "
                "WHERE national_id <> '' GROUP BY 1"
            )
            return cls(dict(cursor.fetchall()))

    def allocate(self, prefix: str, sex: str, year: int) -> str:
        digit = (year // 100 - 19) * 2 + (1 if sex == "F" else 0)
        key = f"{prefix}{digit}{year % 100:02d}"
        serial = self._next.get(key)
        if serial is None:
            serial = 1 + zlib.crc32(key.encode()) % 300_000
        if serial >= _SERIAL_LIMIT:
            raise RuntimeError(f"no national-ID serial left for the key {key}")
        self._next[key] = serial + 1
        return f"{key}{serial:06d}"


# Mobile prefixes in use (after the 2018 renumbering): Viettel, MobiFone, VinaPhone, Vietnamobile.
_MOBILE_PREFIXES = [
    "32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98", "70", "76", "77", "78", "79",
    "90", "93", "81", "82", "83", "84", "85", "88", "91", "94", "56", "58",
]  # fmt: skip


def _health_insurance_number(rng: random.Random, age: int, province_digits: str) -> str:
    """Object code (2 letters) + benefit level + province (2 digits) + 10-digit social-insurance number."""
    if age < 6:
        head = "TE1"
    elif age < 18:
        head = "HS4"
    elif age >= 80:
        head = "BT2"
    elif age >= 60:
        head = "HT3" if rng.random() < 0.3 else "GD4"
    else:
        head = "DN4" if rng.random() < 0.35 else "GD4"
    return f"{head}{province_digits}{rng.randrange(10**10):010d}"


_INSURED_SHARE = [(6, 0.97), (18, 0.90), (60, 0.58), (80, 0.74), (200, 0.95)]  # (age below, share)
_DISABLED_SHARE = [(18, 0.01), (60, 0.025), (80, 0.07), (200, 0.13)]
_DISABILITY_LEVELS = _Weighted(
    [(DisabilityLevel.MILD.value, 50), (DisabilityLevel.SEVERE.value, 35), (DisabilityLevel.EXTREMELY_SEVERE.value, 15)]
)


def _share_for(table: list[tuple[int, float]], age: int) -> float:
    for below, share in table:
        if age < below:
            return share
    return table[-1][1]


# --- households ----------------------------------------------------------------------------
# Household sizes 1–7: mean about 3.5 (census 2019: 3.5 persons per household).
HOUSEHOLD_SIZES = _Weighted([(1, 10), (2, 18), (3, 22), (4, 26), (5, 13), (6, 7), (7, 4)])


@dataclass(slots=True)
class SyntheticPerson:
    relationship: str
    sex: str
    age: int
    full_name: str = ""
    search_name: str = ""
    date_of_birth: date | None = None
    national_id: str = ""
    ethnicity: str = KINH
    phone: str = ""
    disability_level: str = DisabilityLevel.NONE.value
    health_insurance_number: str = ""
    uuid_hex: str = ""


@dataclass(slots=True)
class SyntheticHousehold:
    number: int
    code: str
    village_id: int
    village_name: str
    address: str
    registered_on: date
    uuid_hex: str
    members: list[SyntheticPerson] = field(default_factory=list)
    # Higher means more likely poor: elderly and disabled members, large or lone-elderly households.
    need_score: float = 0.0

    @property
    def has_disability(self) -> bool:
        return any(m.disability_level != DisabilityLevel.NONE for m in self.members)


def _uuid_hex(rng: random.Random) -> str:
    """A version-4 UUID from ``rng`` (32 hex digits, which PostgreSQL accepts)."""
    bits = rng.getrandbits(128)
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    return f"{bits:032x}"


_LISTING_ORDER = {"head": 0, "spouse": 1, "parent": 2, "sibling": 3, "child": 4, "grandchild": 5, "other": 6}


def _compose(rng: random.Random, size: int) -> list[SyntheticPerson]:
    """Who lives together: relationships, sexes and ages that agree with each other.

    A child is at least 18 years younger than its mother (or 21 than a father alone), a grandchild
    at least 40 years younger than the head's generation, a parent of the head 20 to 35 years older.
    """
    if size == 1:
        head_age = rng.randint(60, 85) if rng.random() < 0.45 else rng.randint(25, 59)
        return [SyntheticPerson(Relationship.HEAD.value, "M" if rng.random() < 0.45 else "F", head_age)]
    if size == 2:
        roll = rng.random()
        head_age = rng.randint(55, 85) if roll < 0.45 else rng.randint(25, 35) if roll < 0.75 else rng.randint(36, 54)
    elif size >= 5 and rng.random() < 0.4:
        head_age = rng.randint(48, 80)  # three generations under one roof
    else:
        head_age = min(85, max(25, int(rng.triangular(25, 70, 40))))
    head_sex = "M" if rng.random() < 0.74 else "F"
    members = [SyntheticPerson(Relationship.HEAD.value, head_sex, head_age)]
    free = size - 1

    mother_age = head_age if head_sex == "F" else None
    married = rng.random() < (0.7 if size == 2 else 0.88)
    if married:
        if head_sex == "M":
            spouse_age = max(18, head_age - rng.randint(0, 6) if rng.random() < 0.9 else head_age + rng.randint(1, 3))
            mother_age = spouse_age
        else:
            spouse_age = min(95, head_age + rng.randint(0, 5))
        members.append(SyntheticPerson(Relationship.SPOUSE.value, "F" if head_sex == "M" else "M", spouse_age))
        free -= 1
    # The youngest parent of the children: the mother, or a father bringing them up alone.
    parent_age = mother_age if mother_age is not None else head_age - 3

    if free and head_age <= 62 and rng.random() < (0.1 if size <= 3 else 0.25):
        members.append(
            SyntheticPerson(
                Relationship.PARENT.value, "F" if rng.random() < 0.65 else "M", head_age + rng.randint(20, 35)
            )
        )
        free -= 1
    grandchildren = 0
    if free >= 2 and parent_age >= 45 and rng.random() < 0.55:
        grandchildren = rng.randint(1, min(3, free - 1))
    elif free == 1 and parent_age >= 60 and rng.random() < 0.3:
        grandchildren = 1
    children = free - grandchildren
    if children and parent_age < 18:
        grandchildren, children = 0, 0
    if children and not married and rng.random() < 0.15:
        # A brother or sister of the head instead of one child.
        members.append(
            SyntheticPerson(
                Relationship.SIBLING.value, "M" if rng.random() < 0.5 else "F", max(16, head_age + rng.randint(-10, 10))
            )
        )
        children -= 1
    oldest_child = parent_age - 18
    for _index in range(children):
        age = min(oldest_child, max(0, parent_age - rng.randint(18, 42)))
        members.append(SyntheticPerson(Relationship.CHILD.value, "M" if rng.random() < 0.51 else "F", age))
    for _index in range(grandchildren):
        members.append(
            SyntheticPerson(
                Relationship.GRANDCHILD.value,
                "M" if rng.random() < 0.51 else "F",
                rng.randint(0, min(17, parent_age - 40)),
            )
        )
    while len(members) < size:  # a head too young for the children drawn: another relative lives in
        members.append(
            SyntheticPerson(Relationship.OTHER.value, "M" if rng.random() < 0.5 else "F", rng.randint(18, 60))
        )
    # Listed as a household book lists them: head, spouse, parents, then the young ones, eldest first.
    members[1:] = sorted(members[1:], key=lambda m: (_LISTING_ORDER[m.relationship], -m.age))
    return members


class _CommuneGenerator:
    """Draws one commune's households, in order, from its own random stream."""

    def __init__(
        self,
        *,
        commune: Commune,
        villages: list[tuple[int, str]],
        seed: int,
        first_number: int,
        count: int,
        allocator: NationalIdAllocator,
        as_of: date,
    ):
        self.commune = commune
        self.villages = villages
        self.allocator = allocator
        self.as_of = as_of
        self.as_of_ordinal = as_of.toordinal()
        self.prefix = commune_code_prefix(commune)
        self.home_prefix = home_prefix(commune)
        self.insurance_province = self.home_prefix[-2:]
        self.urban = commune.division_type == Commune.DivisionType.PHUONG
        self.next_number = first_number
        self.count = count
        self.remaining = count
        stream = f"casework-synthetic:{seed}:{commune.code}:{first_number}"
        self.rng = random.Random(stream)
        # Sizes are drawn up front from a stream of their own, so the number of persons of any slice
        # of households is known before its ids are reserved.
        sizes_rng = random.Random(stream + ":sizes")
        self.sizes = [HOUSEHOLD_SIZES.pick(sizes_rng) for _index in range(count)]
        self.position = 0

    def households(self, count: int) -> Iterator[SyntheticHousehold]:
        for _index in range(count):
            yield self._household(self.sizes[self.position])
            self.position += 1
            self.remaining -= 1

    def _birth_date(self, age: int) -> date:
        rng = self.rng
        # Born ``age`` full years before the reference date, on any day of that year of life.
        return date.fromordinal(self.as_of_ordinal - int(age * 365.2425) - rng.randrange(365))

    def _name(self, sex: str, born: date, ethnicity: str, family: str) -> tuple[str, str]:
        rng = self.rng
        if ethnicity == KHMER:
            middle = "Thị" if sex == "F" else ("Văn" if rng.random() < 0.3 else "")
            given = KHMER_GIVEN_NAMES[sex].pick(rng)
        elif ethnicity == CHAM:
            middle, given = "", CHAM_GIVEN_NAMES[sex].pick(rng)
        else:
            modern = born.year >= 1985
            if rng.random() < 0.2:
                modern = not modern
            middle = MIDDLE_NAMES[(sex, born.year >= 1985)].pick(rng)
            given = GIVEN_NAMES[(sex, modern)].pick(rng)
            while given == middle:  # "Minh Minh"
                given = GIVEN_NAMES[(sex, modern)].pick(rng)
        if middle:
            return f"{family} {middle} {given}", f"{_fold(family)} {_fold(middle)} {_fold(given)}"
        return f"{family} {given}", f"{_fold(family)} {_fold(given)}"

    def _family_name(self, ethnicity: str) -> str:
        return _FAMILY_NAMES_BY_ETHNICITY.get(ethnicity, KINH_FAMILY_NAMES).pick(self.rng)

    def _household(self, size: int) -> SyntheticHousehold:
        rng = self.rng
        number = self.next_number
        self.next_number += 1
        village_id, village_name = self.villages[rng.randrange(len(self.villages))]
        if self.urban:
            address = f"Số {rng.randint(1, 350)}, {village_name}"
        else:
            address = f"Tổ {rng.randint(1, 15)}, {village_name}"
        members = _compose(rng, size)
        ethnicity = ETHNICITIES.pick(rng)
        head = members[0]
        head_family = self._family_name(ethnicity)
        spouse = next((m for m in members if m.relationship == Relationship.SPOUSE), None)
        spouse_ethnicity = ethnicity if ethnicity == KINH or rng.random() < 0.8 else KINH
        spouse_family = self._family_name(spouse_ethnicity) if spouse else ""
        if head.sex == "M":
            children_family = head_family
        elif spouse is not None:
            children_family = spouse_family
        else:  # a mother alone: the children carry their father's name, sometimes hers
            children_family = head_family if rng.random() < 0.3 else self._family_name(ethnicity)
        for member in members:
            relationship = member.relationship
            if relationship in (Relationship.HEAD, Relationship.SIBLING):
                family = head_family
            elif relationship == Relationship.SPOUSE:
                family = spouse_family
            elif relationship == Relationship.CHILD:
                family = children_family
            elif relationship == Relationship.PARENT:
                family = head_family if member.sex == "M" else self._family_name(ethnicity)
            elif relationship == Relationship.GRANDCHILD:
                family = children_family if rng.random() < 0.7 else self._family_name(ethnicity)
            else:
                family = self._family_name(ethnicity)
            self._fill_person(member, family, spouse_ethnicity if relationship == Relationship.SPOUSE else ethnicity)
        # Registered some time in the last 20 years, once the head was an adult.
        registered = self.as_of_ordinal - rng.randrange(20 * 365)
        head_adult = head.date_of_birth.toordinal() + int(18 * 365.2425)
        registered_on = date.fromordinal(min(self.as_of_ordinal, max(registered, head_adult)))
        elderly = sum(1 for m in members if m.age >= 60)
        disabled = [m for m in members if m.disability_level != DisabilityLevel.NONE]
        score = 2.0 * min(elderly, 2) + rng.random() * 3.0
        if disabled:
            score += 1.5 + (2.0 if any(m.disability_level != DisabilityLevel.MILD for m in disabled) else 0.0)
        if elderly == len(members):
            score += 2.0
        if len(members) >= 6:
            score += 1.0
        return SyntheticHousehold(
            number=number,
            code=f"{self.prefix}-{number:06d}",
            village_id=village_id,
            village_name=village_name,
            address=address,
            registered_on=registered_on,
            uuid_hex=_uuid_hex(rng),
            members=members,
            need_score=score,
        )

    def _fill_person(self, person: SyntheticPerson, family: str, ethnicity: str) -> None:
        rng = self.rng
        age = person.age
        person.ethnicity = ethnicity
        person.date_of_birth = born = self._birth_date(age)
        person.full_name, person.search_name = self._name(person.sex, born, ethnicity, family)
        local_share = 0.97 if age < 15 else 0.86
        prefix = self.home_prefix if rng.random() < local_share else _MIGRANT_PREFIXES.pick(rng)
        person.national_id = self.allocator.allocate(prefix, person.sex, born.year)
        if age >= 16 and rng.random() < 0.065:
            person.phone = f"+84{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        if rng.random() < _share_for(_DISABLED_SHARE, age):
            person.disability_level = _DISABILITY_LEVELS.pick(rng)
        if rng.random() < _share_for(_INSURED_SHARE, age):
            person.health_insurance_number = _health_insurance_number(rng, age, self.insurance_province)
        person.uuid_hex = _uuid_hex(rng)


def next_household_numbers(communes: Sequence[Commune]) -> dict[str, int]:
    """Commune code -> the first free number for codes of the form ``<initials>-<digits>``."""
    numbers = {}
    with connection.cursor() as cursor:
        for commune in communes:
            prefix = commune_code_prefix(commune)
            cursor.execute(
                f"SELECT max(substring(code FROM %s)::bigint) FROM {Household._meta.db_table} "
                "WHERE commune_id = %s AND code LIKE %s",
                [f"^{prefix}-([0-9]+)$", commune.code, f"{prefix}-%"],
            )
            highest = cursor.fetchone()[0]
            numbers[commune.code] = (highest or 0) + 1
    return numbers


def villages_for(commune: Commune, *, households: int) -> tuple[list[tuple[int, str]], int]:
    """The commune's villages as (id, name); when it has none, creates "Ấp 1…k" ("Khu phố 1…k" in a
    phường), about one for every 500 households. Returns the villages and how many were created."""
    villages = list(Village.objects.filter(commune=commune).order_by("name", "id").values_list("id", "name"))
    if villages:
        return villages, 0
    urban = commune.division_type == Commune.DivisionType.PHUONG
    label, kind = ("Khu phố", Village.Kind.KHU_PHO) if urban else ("Ấp", Village.Kind.AP)
    count = min(30, max(4, round(households / 500)))
    for number in range(1, count + 1):
        village_create(commune=commune, name=f"{label} {number}", kind=kind, acting_user=None)
    villages = list(Village.objects.filter(commune=commune).order_by("id").values_list("id", "name"))
    return villages, count


def iter_synthetic_households(
    *,
    commune: Commune,
    villages: list[tuple[int, str]],
    count: int,
    seed: int,
    first_number: int = 1,
    allocator: NationalIdAllocator,
    as_of: date = REFERENCE_DATE,
) -> Iterator[SyntheticHousehold]:
    """Households drawn as ``generate_households`` draws them, without writing anything (e.g. to
    build an import file). National IDs come from ``allocator``."""
    generator = _CommuneGenerator(
        commune=commune,
        villages=villages,
        seed=seed,
        first_number=first_number,
        count=count,
        allocator=allocator,
        as_of=as_of,
    )
    yield from generator.households(count)


# --- loading -------------------------------------------------------------------------------
_PERSON_COLUMNS = (
    "id, uuid, national_id, full_name, search_name, date_of_birth, sex, ethnicity, phone, disability_level, "
    "health_insurance_number, date_of_death, created_at, updated_at"
)
_HOUSEHOLD_COLUMNS = (
    "id, uuid, code, commune_id, village_id, address, area, head_id, member_count, has_disability, search_text, "
    "dissolved_on, created_at, updated_at"
)
_MEMBERSHIP_COLUMNS = "person_id, household_id, relationship, joined_on, left_on, left_reason, created_at, updated_at"
_EVENT_COLUMNS = "kind, household_id, person_id, commune_id, actor_id, occurred_at, reason, data"
_STATUS_COLUMNS = "household_id, year, status, created_at, updated_at"


@dataclass
class GenerationReport:
    households: int = 0
    persons: int = 0
    memberships: int = 0
    events: int = 0
    statuses: int = 0
    villages_created: int = 0
    seconds: float = 0.0
    by_commune: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.households + self.persons + self.memberships + self.events + self.statuses

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


ProgressCallback = Callable[[GenerationReport, int], None]


def _reserve_ids(cursor, table: str, count: int) -> int:
    """The first of ``count`` consecutive ids that no other session will be given."""
    # EXCLUSIVE blocks other sessions' INSERTs (and so their nextval) until this transaction ends.
    cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    cursor.execute(
        f"SELECT GREATEST(nextval(pg_get_serial_sequence(%s, 'id')), (SELECT coalesce(max(id), 0) + 1 FROM {table}))",
        [table],
    )
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + max(count, 1) - 1])
    return first


def _status_counts(spec: dict[str, int | float], households: int) -> list[tuple[str, int]]:
    counts = []
    for status in (PovertyStatus.POOR, PovertyStatus.NEAR_POOR, PovertyStatus.MIDDLE_INCOME):
        wanted = spec.get(status.value, 0)
        counts.append((status.value, wanted if isinstance(wanted, int) else round(wanted * households)))
    unknown = set(spec) - {s for s, _count in counts}
    if unknown:
        raise ValueError(f"unknown poverty statuses: {sorted(unknown)}")
    if sum(count for _status, count in counts) > households:
        raise ValueError(f"{dict(counts)} is more than the {households} households generated")
    return counts


def generate_households(
    *,
    communes: Sequence[Commune],
    households_per_commune: int | dict[str, int],
    seed: int,
    year_statuses: dict[int, dict[str, int | float]] | None = None,
    as_of: date = REFERENCE_DATE,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback | None = None,
) -> GenerationReport:
    """Create households with their members in each commune; see the module docstring.

    ``households_per_commune``: one number for every commune, or commune code -> number.
    ``year_statuses``: year -> {status: how many per commune (int) or which share (float)}; e.g.
    ``{2024: {"poor": 18, "near_poor": 25}}``. The households most in need (elderly and disabled
    members) get the statuses first; every other new household gets "none" for that year.
    ``progress(report, total_households)`` is called after each chunk is committed.

    Each chunk is committed on its own. Called outside a transaction, ``WRITERS`` other
    connections write chunks while the next ones are being drawn, so that PostgreSQL and Python
    use every core; inside one (tests, a caller's ``atomic``), everything is written in order on the
    caller's connection.
    """
    started = time.monotonic()
    wanted = {
        c.code: households_per_commune
        if isinstance(households_per_commune, int)
        else households_per_commune.get(c.code, 0)
        for c in communes
    }
    communes = [c for c in communes if wanted[c.code] > 0]
    report = GenerationReport()
    if not communes:
        return report
    for spec in (year_statuses or {}).values():
        _status_counts(spec, min(wanted.values()))  # refuse a wrong specification before writing anything
    total = sum(wanted[c.code] for c in communes)
    in_transaction = connection.in_atomic_block
    with connection.cursor() as cursor:
        # Inside a transaction the lock ends with it, even when it is rolled back.
        lock = "pg_advisory_xact_lock" if in_transaction else "pg_advisory_lock"
        cursor.execute(f"SELECT {lock}(%s)", [_ADVISORY_LOCK_KEY])
    executor = None if in_transaction else ThreadPoolExecutor(max_workers=WRITERS)
    try:
        allocator = NationalIdAllocator.from_database()
        first_numbers = next_household_numbers(communes)
        generators = []
        for commune in communes:
            villages, created = villages_for(commune, households=wanted[commune.code])
            report.villages_created += created
            generators.append(
                _CommuneGenerator(
                    commune=commune,
                    villages=villages,
                    seed=seed,
                    first_number=first_numbers[commune.code],
                    count=wanted[commune.code],
                    allocator=allocator,
                    as_of=as_of,
                )
            )
        # Every id of the run is reserved at once (the sizes are drawn up front), so that the
        # writer never needs a lock that waits for the rows being written.
        with transaction.atomic(), connection.cursor() as cursor:
            first_person = _reserve_ids(cursor, Person._meta.db_table, sum(sum(g.sizes) for g in generators))
            first_household = _reserve_ids(cursor, Household._meta.db_table, total)
        builder = _ChunkBuilder(
            now=timezone.now().isoformat(),
            year_statuses=year_statuses or {},
            first_person=first_person,
            first_household=first_household,
        )

        def written(chunk: _Chunk) -> int:
            chunk.add_to(report)
            report.seconds = time.monotonic() - started
            if progress:
                progress(report, total)
            return chunk.index

        pending: deque[Future] = deque()
        # A status row refers to households of earlier chunks, which must be committed before it is
        # written: (index of the last chunk with the commune's households, status lines).
        waiting: list[tuple[int, list[str]]] = []
        committed = -1  # every chunk up to this one is committed
        for index, pieces in enumerate(_chunks(generators, chunk_size)):
            chunk = builder.build(pieces, index=index)
            if chunk.status_lines:
                waiting.append((index, chunk.status_lines))
            if executor is None:
                committed = index  # written in order, on this connection, households first
            else:
                while len(pending) >= WRITERS:
                    committed = written(pending.popleft().result())
            chunk.status_lines = [line for last, lines in waiting if last <= committed for line in lines]
            waiting = [(last, lines) for last, lines in waiting if last > committed]
            if executor is None:
                written(_write_chunk(chunk))
            else:
                pending.append(executor.submit(_write_chunk, chunk, close=True))
        while pending:
            written(pending.popleft().result())
        if waiting:
            last = _Chunk(index=-1, rows=[], status_lines=[line for _last, lines in waiting for line in lines])
            written(_write_chunk(last))
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_ADVISORY_LOCK_KEY])
    report.seconds = time.monotonic() - started
    return report


def _chunks(generators: list[_CommuneGenerator], chunk_size: int) -> Iterator[list[tuple[_CommuneGenerator, int]]]:
    """The next ``chunk_size`` households, across communes in order, as (generator, how many)."""
    planned = {id(g): 0 for g in generators}
    pieces, room = [], chunk_size
    for generator in generators:
        while planned[id(generator)] < generator.count:
            take = min(room, generator.count - planned[id(generator)])
            pieces.append((generator, take))
            planned[id(generator)] += take
            room -= take
            if room == 0:
                yield pieces
                pieces, room = [], chunk_size
    if pieces:
        yield pieces


@dataclass
class _Chunk:
    index: int
    rows: list[tuple[str, str, list[str]]]  # (table, columns, COPY text lines)
    status_lines: list[str]
    households: int = 0
    persons: int = 0
    by_commune: dict[str, int] = field(default_factory=dict)

    def add_to(self, report: GenerationReport) -> None:
        report.households += self.households
        report.persons += self.persons
        report.memberships += self.persons
        report.events += self.households
        report.statuses += len(self.status_lines)
        for code, count in self.by_commune.items():
            report.by_commune[code] = report.by_commune.get(code, 0) + count


def _write_chunk(chunk: _Chunk, *, close: bool = False) -> _Chunk:
    """COPY a chunk's rows in one transaction, on this thread's connection (closed after when
    ``close``: a writer thread's connection is its own)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            tables = [*chunk.rows, (HouseholdYearStatus._meta.db_table, _STATUS_COLUMNS, chunk.status_lines)]
            for table, columns, lines in tables:
                if lines:
                    with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for start in range(0, len(lines), 20_000):
                            copy.write("".join(lines[start : start + 20_000]))
    finally:
        if close:
            connection.close()
    return chunk


class _ChunkBuilder:
    """Formats households as COPY text lines, with ids taken in order from the reserved ranges."""

    def __init__(self, *, now: str, year_statuses: dict, first_person: int, first_household: int):
        self.now = now
        self.year_statuses = year_statuses
        self.next_person = first_person
        self.next_household = first_household
        # commune code -> [(need score, household id)] of this run, until the commune is complete
        self.scores: dict[str, list[tuple[float, int]]] = {}

    def build(self, pieces: list[tuple[_CommuneGenerator, int]], *, index: int) -> _Chunk:
        now = self.now
        persons, households, memberships, events, statuses = [], [], [], [], []
        person_id, household_id = self.next_person, self.next_household
        by_commune: dict[str, int] = {}
        for generator, take in pieces:
            commune = generator.commune
            commune_code, area = commune.code, commune.area
            by_commune[commune_code] = by_commune.get(commune_code, 0) + take
            scores = self.scores.setdefault(commune_code, [])
            for household in generator.households(take):
                head_id = person_id
                registered_on = household.registered_on
                for member in household.members:
                    born = member.date_of_birth
                    persons.append(
                        f"{person_id}\t{member.uuid_hex}\t{member.national_id}\t{member.full_name}\t"
                        f"{member.search_name}\t{born.isoformat()}\t{member.sex}\t{member.ethnicity}\t{member.phone}\t"
                        f"{member.disability_level}\t{member.health_insurance_number}\t\\N\t{now}\t{now}\n"
                    )
                    joined_on = born if born > registered_on else registered_on
                    memberships.append(
                        f"{person_id}\t{household_id}\t{member.relationship}\t{joined_on.isoformat()}\t\\N\t\t{now}\t{now}\n"
                    )
                    person_id += 1
                size = len(household.members)
                disability = "t" if household.has_disability else "f"
                # as households.services.household_summaries_refresh writes it
                search_text = " ".join(sorted(member.search_name for member in household.members))
                households.append(
                    f"{household_id}\t{household.uuid_hex}\t{household.code}\t{commune_code}\t{household.village_id}\t"
                    f"{household.address}\t{area}\t{head_id}\t{size}\t{disability}\t{search_text}\t\\N\t{now}\t{now}\n"
                )
                events.append(
                    f"{HouseholdEvent.Kind.REGISTERED.value}\t{household_id}\t\\N\t{commune_code}\t\\N\t{now}\t\t"
                    f'{{"code": "{household.code}", "members": {size}}}\n'
                )
                scores.append((household.need_score, household_id))
                household_id += 1
            if not generator.remaining:
                statuses.extend(self._statuses(self.scores.pop(commune_code)))
        household_count, person_count = household_id - self.next_household, person_id - self.next_person
        self.next_person, self.next_household = person_id, household_id
        return _Chunk(
            index=index,
            rows=[
                (Person._meta.db_table, _PERSON_COLUMNS, persons),
                (Household._meta.db_table, _HOUSEHOLD_COLUMNS, households),
                (Membership._meta.db_table, _MEMBERSHIP_COLUMNS, memberships),
                (HouseholdEvent._meta.db_table, _EVENT_COLUMNS, events),
            ],
            status_lines=statuses,
            households=household_count,
            persons=person_count,
            by_commune=by_commune,
        )

    def _statuses(self, scores: list[tuple[float, int]]) -> list[str]:
        if not self.year_statuses:
            return []
        # Most in need first; the household id breaks ties so the order is total.
        ranked = [household_id for _score, household_id in sorted(scores, key=lambda item: (-item[0], item[1]))]
        rows = []
        for year, spec in sorted(self.year_statuses.items()):
            position = 0
            for status, count in _status_counts(spec, len(ranked)):
                for household_id in ranked[position : position + count]:
                    rows.append(f"{household_id}\t{year}\t{status}\t{self.now}\t{self.now}\n")
                position += count
            for household_id in ranked[position:]:
                rows.append(f"{household_id}\t{year}\t{PovertyStatus.NONE.value}\t{self.now}\t{self.now}\n")
        return rows
