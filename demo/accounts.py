"""Demo data for Tây Ninh: two communes, their villages and one user per role, then (``load_demo``)
every app's demo data through the loaders of the other ``demo`` modules, in the order they build on
each other: households, reviews, allowance cases, payment runs, support, notifications.
"""

from django.db import transaction

from accounts.models import Role, User
from accounts.services import user_create_or_update
from demo.beneficiaries import load_demo_beneficiaries
from demo.disbursements import load_demo_disbursements
from demo.households import load_demo_households
from demo.notifications import load_notifications_demo
from demo.povertyreview import load_demo_reviews
from demo.support import load_support_demo
from geography.models import Commune, Province, Village
from geography.services import admin_units_load, village_create

DEMO_PASSWORD = "demo12345"
TAY_NINH = "80"
TAN_DONG = "25522"
BINH_MINH = "25480"

# Demo village names: plausible, not an official list (villages are entered by each commune).
VILLAGES = {
    TAN_DONG: [
        ("Ấp Con Trăn", Village.Kind.AP),
        ("Ấp Đông Hà", Village.Kind.AP),
        ("Ấp Đông Hiệp", Village.Kind.AP),
        ("Ấp Đông Tiến", Village.Kind.AP),
        ("Ấp Tân Hòa", Village.Kind.AP),
        ("Ấp Tân Lợi", Village.Kind.AP),
        ("Ấp Tân Thuận", Village.Kind.AP),
        ("Ấp Tân Trung", Village.Kind.AP),
    ],
    BINH_MINH: [
        ("Khu phố Ninh Lộc", Village.Kind.KHU_PHO),
        ("Khu phố Ninh Phú", Village.Kind.KHU_PHO),
        ("Khu phố Ninh Thọ", Village.Kind.KHU_PHO),
        ("Khu phố Ninh Trung", Village.Kind.KHU_PHO),
        ("Khu phố Ninh Thành", Village.Kind.KHU_PHO),
    ],
}

# username, role, first name, last name, communes, provinces
USERS = [
    ("admin", Role.ADMINISTRATOR, "Quản trị", "Hệ thống", [], []),
    ("tandong.officer", Role.COMMUNE_OFFICER, "Hiếu Trang", "Nguyễn Thị", [TAN_DONG], []),
    ("tandong.committee", Role.COMMITTEE_MEMBER, "Văn Tâm", "Trần", [TAN_DONG], []),
    ("tandong.chair", Role.COMMUNE_CHAIR, "Minh Hùng", "Lê", [TAN_DONG], []),
    ("binhminh.officer", Role.COMMUNE_OFFICER, "Thị Lan", "Phạm", [BINH_MINH], []),
    ("binhminh.chair", Role.COMMUNE_CHAIR, "Văn Phúc", "Đặng", [BINH_MINH], []),
    ("tayninh.province", Role.PROVINCIAL_VIEWER, "Quốc Bảo", "Võ", [], [TAY_NINH]),
]


@transaction.atomic
def load_demo(*, with_households: bool = True) -> list[User]:
    """Idempotent. ``with_households=False`` skips the ~7,700 synthetic households (browser tests)."""
    if Commune.objects.filter(code__in=[TAN_DONG, BINH_MINH]).count() != 2:
        admin_units_load()
    communes = Commune.objects.in_bulk([TAN_DONG, BINH_MINH])
    provinces = Province.objects.in_bulk([TAY_NINH])
    users = {
        username: user_create_or_update(
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            communes=[communes[code] for code in commune_codes],
            provinces=[provinces[code] for code in province_codes],
            # Staff notices (a run or review awaiting approval, a complaint) go by email.
            email=f"{username}@demo.casework.vn",
        )
        for username, role, first, last, commune_codes, province_codes in USERS
    }
    # Each commune's villages are entered by its own officer, as in real use.
    officers = {TAN_DONG: users["tandong.officer"], BINH_MINH: users["binhminh.officer"]}
    for code, villages in VILLAGES.items():
        commune = communes[code]
        existing = set(commune.villages.values_list("name", flat=True))
        for name, kind in villages:
            if name not in existing:
                village_create(commune=commune, name=name, kind=kind, acting_user=officers[code])
    if with_households:
        load_demo_households()
        load_demo_reviews()
        load_demo_beneficiaries()
        load_demo_disbursements()
        load_support_demo()
        load_notifications_demo()
    return list(users.values())
