"""Shared fixtures of the support tests.

``registry`` is Xã Tân Đông's households in two villages with their poverty statuses of this year
(and last year), an ethnic-minority household and an elder with an active 5.5a allowance, plus one
poor household of Phường Bình Minh. ``programmes`` are Tân Đông's programmes of each kind (created
through the service, so they carry their funding) and one of Bình Minh. "This year" is the year
of today: the worklist and the "received nothing" list read today's date, and a delivery on the
1st of January of this year is never in the future.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import timezone

from beneficiaries.models import Case, CaseCategory
from geography.models import Village
from households.models import Household, HouseholdYearStatus, Person, PovertyStatus
from support import services
from support.models import Donor, Kind, Programme, Source
from support.services import FundingLine
from tests.factories import VillageFactory
from tests.households.factories import make_household

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1
NEW_YEAR = date(THIS_YEAR, 1, 1)  # a day of this year that is never in the future
KHMER = "05"


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


@pytest.fixture
def chair(users):
    return users["tandong_chair"]


@pytest.fixture
def committee(users):
    return users["tandong_committee"]


@pytest.fixture
def viewer(users):
    return users["tayninh_province"]


@pytest.fixture
def bm_officer(users):
    return users["binhminh_officer"]


@dataclass
class Donors:
    phu_thanh: Donor  # a business of Tây Ninh
    red_cross: Donor  # a charity of Tây Ninh
    saigon: Donor  # a business registered in Hồ Chí Minh City (another province)


@pytest.fixture
def donors(units) -> Donors:
    return Donors(
        phu_thanh=Donor.objects.create(province=units.tay_ninh, name="Công ty TNHH Phú Thành"),
        red_cross=Donor.objects.create(
            province=units.tay_ninh, name="Hội Chữ thập đỏ tỉnh", kind=Donor.DonorKind.CHARITY
        ),
        saigon=Donor.objects.create(province=units.other_province, name="Công ty CP Sài Gòn Xanh"),
    )


@dataclass
class Registry:
    east: Village  # Ấp Đông Hà (units.tan_dong_village)
    west: Village  # Ấp Tân Lợi
    poor: Household  # TD-001, east: poor this year and last year
    near_poor: Household  # TD-002, west: near-poor this year
    middle: Household  # TD-003, east: middle-income this year
    khmer: Household  # TD-004, west: poor this year; the wife is Khmer
    elder: Household  # TD-005, east: no status; the elder has an active 5.5a allowance
    dissolved: Household  # TD-006, east: poor this year, dissolved
    binh_minh: Household  # BM-001 of Phường Bình Minh: poor this year
    khmer_wife: Person
    elder_person: Person
    elder_case: Case


def _status(household, status, year=THIS_YEAR):
    HouseholdYearStatus.objects.create(household=household, year=year, status=status)


@pytest.fixture
def registry(units, officer) -> Registry:
    east = units.tan_dong_village
    west = VillageFactory(commune=units.tan_dong, name="Ấp Tân Lợi")
    poor = make_household(
        units.tan_dong,
        east,
        code="TD-001",
        members=(("Nguyễn Văn Tám", "M", date(1968, 4, 2), "head"), ("Lê Thị Mai", "F", date(1972, 8, 9), "spouse")),
    )
    near_poor = make_household(
        units.tan_dong, west, code="TD-002", members=(("Trần Văn Sáu", "M", date(1975, 1, 3), "head"),)
    )
    middle = make_household(
        units.tan_dong, east, code="TD-003", members=(("Phạm Văn Năm", "M", date(1980, 2, 2), "head"),)
    )
    khmer = make_household(
        units.tan_dong,
        west,
        code="TD-004",
        members=(("Danh Sơn", "M", date(1978, 5, 5), "head"), ("Thạch Thị Sa Rết", "F", date(1981, 7, 7), "spouse")),
    )
    khmer_wife = Person.objects.get(full_name="Thạch Thị Sa Rết")
    khmer_wife.ethnicity = KHMER
    khmer_wife.save(update_fields=["ethnicity"])
    elder = make_household(
        units.tan_dong, east, code="TD-005", members=(("Võ Thị Bảy", "F", date(1940, 3, 3), "head"),)
    )
    dissolved = make_household(
        units.tan_dong, east, code="TD-006", members=(("Đỗ Văn Chín", "M", date(1960, 9, 9), "head"),)
    )
    Household.objects.filter(pk=dissolved.pk).update(dissolved_on=date(LAST_YEAR, 6, 30))
    dissolved.refresh_from_db()
    binh_minh = make_household(
        units.binh_minh,
        units.binh_minh_village,
        code="BM-001",
        members=(("Lý Văn Mười", "M", date(1970, 10, 10), "head"),),
    )
    for household, status in (
        (poor, PovertyStatus.POOR),
        (near_poor, PovertyStatus.NEAR_POOR),
        (middle, PovertyStatus.MIDDLE_INCOME),
        (khmer, PovertyStatus.POOR),
        (dissolved, PovertyStatus.POOR),
        (binh_minh, PovertyStatus.POOR),
    ):
        _status(household, status)
    _status(poor, PovertyStatus.POOR, LAST_YEAR)
    _status(middle, PovertyStatus.NEAR_POOR, LAST_YEAR)
    elder_case = Case.objects.create(
        person=elder.head,
        commune=units.tan_dong,
        status=Case.Status.ACTIVE,
        applied_on=date(LAST_YEAR, 3, 2),
        prepared_by=officer,
        decision_number="15/QĐ-UBND",
        decision_date=date(LAST_YEAR, 3, 20),
        start_month=date(LAST_YEAR, 3, 1),
        payment_method="cash",
    )
    CaseCategory.objects.create(case=elder_case, category_id="5.5a")
    return Registry(
        east=east,
        west=west,
        poor=poor,
        near_poor=near_poor,
        middle=middle,
        khmer=khmer,
        elder=elder,
        dissolved=dissolved,
        binh_minh=binh_minh,
        khmer_wife=khmer_wife,
        elder_person=elder.head,
        elder_case=elder_case,
    )


@dataclass
class Programmes:
    gift: Programme  # Tết gifts: state budget 2,000,000 + Phú Thành 1,000,000
    house: Programme  # solidarity houses: Fund for the Poor 120,000,000 + Red Cross 60,000,000
    loan: Programme  # preferential loans: state budget 5,000,000,000
    livelihood: Programme  # cattle: Fund for the Poor 100,000,000
    checkup: Programme  # check-up day: Red Cross 50,000,000, 320 people
    bm_gift: Programme  # Bình Minh's Tết gifts: state budget 4,000,000


@pytest.fixture
def programmes(units, donors, officer, bm_officer) -> Programmes:
    def create(commune, kind, name, fundings, user=officer, **extra):
        return services.programme_create(
            commune=commune, kind=kind, name=name, year=THIS_YEAR, fundings=fundings, acting_user=user, **extra
        )

    return Programmes(
        gift=create(
            units.tan_dong,
            Kind.GIFT,
            f"Quà Tết {THIS_YEAR}",
            [FundingLine(Source.STATE_BUDGET, 2_000_000), FundingLine(Source.DONOR, 1_000_000, donors.phu_thanh)],
        ),
        house=create(
            units.tan_dong,
            Kind.HOUSE,
            f"Nhà đại đoàn kết {THIS_YEAR}",
            [FundingLine(Source.FUND_FOR_POOR, 120_000_000), FundingLine(Source.DONOR, 60_000_000, donors.red_cross)],
        ),
        loan=create(units.tan_dong, Kind.LOAN, "Cho vay hộ nghèo", [FundingLine(Source.STATE_BUDGET, 5_000_000_000)]),
        livelihood=create(
            units.tan_dong, Kind.LIVELIHOOD, "Mô hình nuôi bò", [FundingLine(Source.FUND_FOR_POOR, 100_000_000)]
        ),
        checkup=create(
            units.tan_dong,
            Kind.CHECKUP,
            "Khám bệnh miễn phí",
            [FundingLine(Source.DONOR, 50_000_000, donors.red_cross)],
            attendees=320,
        ),
        bm_gift=create(
            units.binh_minh,
            Kind.GIFT,
            f"Quà Tết {THIS_YEAR}",
            [FundingLine(Source.STATE_BUDGET, 4_000_000)],
            user=bm_officer,
        ),
    )
