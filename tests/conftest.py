"""Shared fixtures: the two demo communes of Tây Ninh, a commune of another province, and one
signed-in client per role. Every test runs against PostgreSQL (see casework/settings/test.py)."""

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation

from accounts.models import Role
from geography.models import Commune, Village
from tests.clock import VIETNAM, travel_to_casework_today
from tests.factories import CommuneFactory, ProvinceFactory, UserFactory, VillageFactory

# Playwright drives the browser from an event loop in the test thread; the ORM calls the tests
# make beside it are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TAN_DONG, BINH_MINH, OTHER_PROVINCE_COMMUNE = "25522", "25480", "26734"
# The day the demo's exact figures are asserted on: the demo is generated relative to the day it is
# loaded (this month's run, cards ending soon, reminders up to yesterday), so a test that asserts its
# figures loads it on this day (``on_demo_day``) and passes on any real day.
DEMO_DAY = datetime(2026, 11, 20, 10, 0, tzinfo=VIETNAM)


def pytest_configure(config):
    """``CASEWORK_TODAY=2028-02-29 make test``: the suite as if that were today (see tests/clock.py)."""
    travel_to_casework_today()


@contextmanager
def on_day(moment: datetime, *, tick: bool = True):
    """Run the block as if it were ``moment`` (Asia/Ho_Chi_Minh); the clock ticks from there."""
    with time_machine.travel(moment, tick=tick):
        yield


@pytest.fixture
def on_demo_day():
    """The test runs on DEMO_DAY (load the demo inside it)."""
    with on_day(DEMO_DAY):
        yield DEMO_DAY


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Service messages are asserted in English (the source strings); pages pick their own language."""
    with translation.override("en"):
        yield


@dataclass
class Units:
    tay_ninh: object
    tan_dong: Commune
    binh_minh: Commune
    other_province: object
    other_commune: Commune
    tan_dong_village: Village
    binh_minh_village: Village


@pytest.fixture
def units(db) -> Units:
    return make_units()


def make_units() -> Units:
    """Tây Ninh with Tân Đông and Bình Minh (and a village each), and a commune of Hồ Chí Minh City."""
    tay_ninh = ProvinceFactory(code="80", name="Tây Ninh")
    hcm = ProvinceFactory(code="79", name="Thành phố Hồ Chí Minh", division_type="thanh_pho_trung_uong")
    tan_dong = CommuneFactory(code=TAN_DONG, name="Xã Tân Đông", province=tay_ninh)
    binh_minh = CommuneFactory(
        code=BINH_MINH, name="Phường Bình Minh", province=tay_ninh, division_type=Commune.DivisionType.PHUONG
    )
    other = CommuneFactory(
        code=OTHER_PROVINCE_COMMUNE, name="Phường Bến Thành", province=hcm, division_type=Commune.DivisionType.PHUONG
    )
    return Units(
        tay_ninh=tay_ninh,
        tan_dong=tan_dong,
        binh_minh=binh_minh,
        other_province=hcm,
        other_commune=other,
        tan_dong_village=VillageFactory(commune=tan_dong, name="Ấp Đông Hà"),
        binh_minh_village=VillageFactory(commune=binh_minh, name="Khu phố Ninh Phú", kind=Village.Kind.KHU_PHO),
    )


# role key -> (role, commune codes, province codes)
ROLE_USERS = {
    "tandong_officer": (Role.COMMUNE_OFFICER, [TAN_DONG], []),
    "tandong_committee": (Role.COMMITTEE_MEMBER, [TAN_DONG], []),
    "tandong_chair": (Role.COMMUNE_CHAIR, [TAN_DONG], []),
    "binhminh_officer": (Role.COMMUNE_OFFICER, [BINH_MINH], []),
    "tayninh_province": (Role.PROVINCIAL_VIEWER, [], ["80"]),
    "hcm_province": (Role.PROVINCIAL_VIEWER, [], ["79"]),
    "admin": (Role.ADMINISTRATOR, [], []),
}


@pytest.fixture
def users(units) -> dict:
    return make_users(units)


def make_users(units: Units) -> dict:
    """One user per ``ROLE_USERS`` key, assigned to its units."""
    communes = {c.code: c for c in (units.tan_dong, units.binh_minh, units.other_commune)}
    provinces = {"80": units.tay_ninh, "79": units.other_province}
    created = {}
    for key, (role, commune_codes, province_codes) in ROLE_USERS.items():
        created[key] = UserFactory(
            username=key.replace("_", "."),
            role=role,
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
            communes=[communes[c] for c in commune_codes],
            provinces=[provinces[p] for p in province_codes],
        )
    return created


@pytest.fixture
def client_for(users):
    """client_for("tandong_officer") -> a Client signed in as that role; "anonymous" -> signed out.
    ``language="en"`` sets the interface language cookie (pages speak Vietnamese by default)."""

    def make(role_key: str, *, language: str | None = None) -> Client:
        client = Client()
        if role_key != "anonymous":
            client.force_login(users[role_key])
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make
