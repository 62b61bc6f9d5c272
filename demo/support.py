"""Demo support programmes (called by ``demo.accounts.load_demo`` after the payment runs).

**Xã Tân Đông**, as in the field story:

- **9 solidarity houses** ("nhà đại đoàn kết") for poor and near-poor households, **over 810 million
  đồng** in all (814,000,000), each with its cost breakdown and funded by the Fund for the Poor, a
  named donor and the household's own contribution; built over the last two years.
- **Preferential loans of the Bank for Social Policies totalling over 76 billion đồng**: about 1,350
  loans of 30 to 100 million đồng under seven of the bank's lending programmes, disbursed over the
  last six years, recorded the way a commune records them: by **importing the bank's list**
  (``support.importing``) a year ago, then this month's list with the new balances (some loans repaid
  since, some overdue).
- **Cattle** ("mô hình nuôi bò sinh sản") for three dozen poor, near-poor and recently escaped
  households, with follow-up visits recorded for some and due for others.
- **Over 3,000 gifts** (about 1,100 a year): at each of the last three Tết, Mid-Autumn festivals
  and "peak months for the poor", distributions to poor and near-poor households (of the list in
  force that day: the latest list of that year or before), ethnic-minority households and the
  households of allowance beneficiaries, each funded by the commune, the Fund for the Poor or named
  donors; the next Tết's list is drawn up and awaits delivery. A few listed households never came for their
  gifts (their records are cancelled when the distribution closes), and three poor or near-poor
  households of the current list received nothing at all: the "no one left behind" work list has
  names in it.
- A free medical check-up day each year (people attended and cost), vocational training for
  working-age members and scholarships for pupils of poor households.

**Phường Bình Minh**: three charity houses ("nhà tình thương"), 240 loans by the same import,
and five lottery-ticket vending carts. **Tây Ninh** gets a donor registry of ten donors.

Small volumes go through the services (houses, livelihood models, training, scholarships, donors,
programmes); the big ones are set-based: each distribution's recipients are listed, delivered and
closed by the distribution services (one statement each), the loans by the import (COPY). Each
event is then dated to the day it stands for (the services stamp the time they run). Choices come
from fixed seeds and dates from today (an annual event happens on its latest three occurrences
before today): every demo database holds the same kind of data. A commune that already has support
programmes is left alone, so calling this again changes nothing.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Case, CaseCategory
from core.months import add_months, first_of_month
from geography.models import Commune, Province
from households.models import Household, HouseholdYearStatus, Membership, Person, PovertyStatus
from support import services
from support.importing import import_loans
from support.models import Distribution, Donor, FollowUpVisit, House, Kind, Programme, Record, Source, SupportEvent
from support.services import FundingLine, HouseDetails, LivelihoodDetails, RecipientFilter

TAN_DONG, BINH_MINH, TAY_NINH = "25522", "25480", "80"
OFFICERS = {TAN_DONG: "tandong.officer", BINH_MINH: "binhminh.officer"}
SEED = 810
LISTED = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)
NEVER_REACHED = 3  # poor or near-poor households of the current list that received nothing
NO_SHOW_SHARE = 0.02  # of a distribution's recipients never come for it
KINH = "01"

# Lunar New Year's day (Tết Nguyên đán) and the Mid-Autumn festival (Tết Trung thu), by year.
TET = {
    2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10),
    2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
    2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
    2033: date(2033, 1, 31), 2034: date(2034, 2, 19), 2035: date(2035, 2, 8),
}  # fmt: skip
MID_AUTUMN = {
    2021: date(2021, 9, 21), 2022: date(2022, 9, 10), 2023: date(2023, 9, 29), 2024: date(2024, 9, 17),
    2025: date(2025, 10, 6), 2026: date(2026, 9, 25), 2027: date(2027, 9, 15), 2028: date(2028, 10, 3),
    2029: date(2029, 9, 22), 2030: date(2030, 9, 12), 2031: date(2031, 10, 1), 2032: date(2032, 9, 19),
    2033: date(2033, 9, 8), 2034: date(2034, 9, 27), 2035: date(2035, 9, 16),
}  # fmt: skip

# name, kind, contact
DONORS = [
    ("Hội Chữ thập đỏ tỉnh Tây Ninh", Donor.DonorKind.CHARITY, "Số 1 Cách Mạng Tháng Tám, TP. Tây Ninh"),
    ("Công ty CP Cao su Tân Châu", Donor.DonorKind.BUSINESS, "Phòng Công đoàn, 0276 3875 123"),
    ("Công ty TNHH Phú Thành", Donor.DonorKind.BUSINESS, "Ông Lê Văn Phú, giám đốc, 0913 456 789"),
    ("Công ty TNHH Nông sản Hòa Thành", Donor.DonorKind.BUSINESS, "Bà Nguyễn Thị Thu, 0276 3841 555"),
    ("Quỹ từ thiện Tấm Lòng Vàng Tây Ninh", Donor.DonorKind.CHARITY, "Bà Phạm Thị Hạnh, 0909 112 233"),
    ("Hội Doanh nhân trẻ tỉnh Tây Ninh", Donor.DonorKind.ORGANISATION, "Văn phòng hội, 0276 3822 666"),
    ("Hội Thầy thuốc trẻ tỉnh Tây Ninh", Donor.DonorKind.ORGANISATION, "BS. Trần Minh Tâm, 0918 777 321"),
    ("Hội Khuyến học xã Tân Đông", Donor.DonorKind.ORGANISATION, "Ông Võ Văn Sáu, chủ tịch hội"),
    ("Chùa Phước Lâm", Donor.DonorKind.CHARITY, "Ấp Tân Hòa, xã Tân Đông"),
    ("Ông Trần Văn Phước", Donor.DonorKind.INDIVIDUAL, "Doanh nhân, quê ấp Đông Hà"),
]

# The bank's lending programmes: name, amount (millions of đồng, from, to, in steps of 5), term in months.
LOAN_PROGRAMMES = {
    "poor": ("Cho vay hộ nghèo", (50, 100), 60),
    "near_poor": ("Cho vay hộ cận nghèo", (50, 100), 60),
    "escaped": ("Cho vay hộ mới thoát nghèo", (40, 100), 60),
    "water": ("Cho vay nước sạch và vệ sinh môi trường nông thôn", (30, 40), 60),
    "jobs": ("Cho vay hỗ trợ tạo việc làm", (50, 100), 60),
    "students": ("Cho vay học sinh, sinh viên có hoàn cảnh khó khăn", (30, 60), 120),
    "business": ("Cho vay sản xuất kinh doanh tại vùng khó khăn", (50, 100), 60),
    "housing": ("Cho vay nhà ở xã hội", (80, 100), 120),
}
# commune -> (number of loans, other programmes drawn with weights); poor and near-poor households
# borrow under their own programmes first.
LOAN_PLANS = {
    TAN_DONG: (1_350, [("water", 35), ("jobs", 30), ("business", 25), ("students", 10)]),
    BINH_MINH: (240, [("jobs", 55), ("students", 25), ("housing", 20)]),
}
LOAN_YEARS = 6  # loans disbursed over the last six years
DEFAULTING_SHARE = 0.04  # loans that stop being repaid at some point


@dataclass
class _Member:
    person_id: int
    national_id: str
    full_name: str
    born: date
    household_id: int


@dataclass
class _Registry:
    """What the demo reads of a commune once: households, members, poverty lists, minorities."""

    commune: Commune
    codes: dict[int, str]  # household id -> code (households not dissolved)
    members: dict[int, list[_Member]]  # household id -> living current members, head first
    statuses: dict[int, dict[int, str]]  # year -> household id -> status
    minority: set[int]
    never: set[int] = field(default_factory=set)  # poor or near-poor households that receive nothing

    @classmethod
    def read(cls, commune: Commune) -> "_Registry":
        codes = dict(
            Household.objects.filter(commune=commune, dissolved_on__isnull=True)
            .order_by("pk")
            .values_list("pk", "code")
        )
        members: dict[int, list[_Member]] = defaultdict(list)
        minority = set()
        living = Membership.objects.filter(household__commune=commune, left_on__isnull=True,
                                           person__date_of_death__isnull=True)  # fmt: skip
        rows = (
            living.order_by("household_id", "person__national_id")
            .values_list("household_id", "relationship", "person_id", "person__national_id", "person__full_name",
                         "person__date_of_birth", "person__ethnicity")
        )  # fmt: skip
        for household_id, relationship, person_id, national_id, name, born, ethnicity in rows:
            member = _Member(person_id, national_id, name, born, household_id)
            if relationship == "head":
                members[household_id].insert(0, member)
            else:
                members[household_id].append(member)
            if ethnicity != KINH and household_id in codes:
                minority.add(household_id)
        statuses: dict[int, dict[int, str]] = defaultdict(dict)
        for household_id, year, status in HouseholdYearStatus.objects.filter(household__commune=commune).values_list(
            "household_id", "year", "status"
        ):
            statuses[year][household_id] = status
        return cls(commune, codes, dict(members), dict(statuses), minority)

    def status_year(self, day: date) -> int | None:
        """The year whose list is in force on ``day``: the latest list of that year or before."""
        years = sorted(self.statuses)
        earlier = [year for year in years if year <= day.year]
        return earlier[-1] if earlier else (years[0] if years else None)

    def listed(self, day: date, statuses=LISTED) -> list[int]:
        year = self.status_year(day)
        found = self.statuses.get(year, {}) if year is not None else {}
        return sorted(pk for pk, status in found.items() if status in statuses and pk in self.codes)

    def ever_listed(self) -> list[int]:
        return sorted(
            {pk for year in self.statuses.values() for pk, s in year.items() if s in LISTED} & set(self.codes)
        )

    def age(self, member: _Member, on: date) -> int:
        return on.year - member.born.year - ((on.month, on.day) < (member.born.month, member.born.day))


def load_support_demo() -> dict[str, int]:
    """Commune code -> support records created; a commune that already has support programmes is
    left alone, so calling this again does nothing."""
    today = timezone.localdate()
    users = User.objects.in_bulk(list(OFFICERS.values()), field_name="username")
    province = Province.objects.get(code=TAY_NINH)
    donors = _donors(province, users[OFFICERS[TAN_DONG]])
    created = {}
    for code, username in OFFICERS.items():
        commune = Commune.objects.get(code=code)
        if Programme.objects.filter(commune=commune).exists() or not Household.objects.filter(commune=commune).exists():
            created[code] = 0
            continue
        before = Record.objects.filter(commune=commune).count()
        demo = _Demo(commune, users[username], donors, today, random.Random(f"{SEED}-{code}"))
        if code == TAN_DONG:
            demo.tan_dong()
        else:
            demo.binh_minh()
        created[code] = Record.objects.filter(commune=commune).count() - before
    return created


def _donors(province: Province, officer) -> dict[str, Donor]:
    existing = {donor.name: donor for donor in Donor.objects.filter(province=province)}
    for name, kind, contact in DONORS:
        if name not in existing:
            existing[name] = services.donor_save(province=province, name=name, kind=kind, contact=contact,
                                                 acting_user=officer)  # fmt: skip
    return existing


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _shares(total: int, weights: list[int]) -> list[int]:
    """``total`` in parts proportional to ``weights`` (in thousands of đồng), summing exactly."""
    parts = [total * weight // sum(weights) // 1_000 * 1_000 for weight in weights]
    parts[0] += total - sum(parts)
    return parts


def _recent(dates_by_year: dict[int, date], today: date, count: int, *, before: int = 0) -> list[date]:
    """The last ``count`` occurrences (minus ``before`` days) that fall before today."""
    days = sorted(day - timedelta(days=before) for day in dates_by_year.values())
    return [day for day in days if day < today][-count:]


def _yearly(month: int, day: int, today: date, count: int) -> list[date]:
    return _recent(
        {year: date(year, month, day) for year in range(today.year - count - 1, today.year + 1)}, today, count
    )


class _Demo:
    """Writes one commune's support through the services and dates each step."""

    def __init__(self, commune: Commune, officer, donors: dict[str, Donor], today: date, rng: random.Random):
        self.commune, self.officer, self.donors, self.today, self.rng = commune, officer, donors, today, rng
        self.registry = _Registry.read(commune)
        self.mark = SupportEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        # The allowance categories of the commune's beneficiaries: a gift for the others lists nobody.
        self.categories = set(
            CaseCategory.objects.filter(case__commune=commune, case__status=Case.Status.ACTIVE)
            .values_list("category_id", flat=True)
            .distinct()
        )

    @property
    def local_name(self) -> str:
        """The commune's name as written inside a sentence ("xã Tân Đông")."""
        return self.commune.name[:1].lower() + self.commune.name[1:]

    def on(self, day: date | None, call, **kwargs):
        """Run one service as the officer and date the events it wrote to ``day``, 09:00 (None:
        leave them to the next dating, for a group of records of the same day)."""
        result = call(acting_user=self.officer, **kwargs)
        if day is not None:
            self.date_events(day)
        return result

    def date_events(self, day: date) -> None:
        """Date the events written since the last call (one statement)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {SupportEvent._meta.db_table} SET occurred_at = %s WHERE id > %s RETURNING id",
                [_at(day), self.mark],
            )
            self.mark = max((pk for (pk,) in cursor.fetchall()), default=self.mark)

    def programme(
        self, day: date, kind: str, name: str, fundings: list[FundingLine], *, year: int | None = None, **extra
    ) -> Programme:
        """A programme created on ``day`` for ``year`` (the year of ``day`` by default)."""
        return self.on(day, services.programme_create, commune=self.commune, kind=kind, name=name,
                       year=year or day.year, fundings=fundings, **extra)  # fmt: skip

    def donor(self, name: str) -> Donor:
        return self.donors[name]

    def persons(self, members: list[_Member]) -> dict[int, Person]:
        return Person.objects.in_bulk([member.person_id for member in members])

    def households(self, pks) -> dict[int, Household]:
        return Household.objects.in_bulk(list(pks))

    # --- Tân Đông ------------------------------------------------------------------------------

    def tan_dong(self) -> None:
        current = self.registry.listed(self.today)
        self.registry.never = set(self.rng.sample(current, min(NEVER_REACHED, len(current))))
        self.houses(
            values=[88, 92, 95, 90, 85, 94, 90, 93, 87],
            programme="Nhà đại đoàn kết {year}",
            donors=["Công ty CP Cao su Tân Châu", "Chùa Phước Lâm", "Ông Trần Văn Phước"],
            first_days_ago=700,
        )
        self.loans(LOAN_PLANS[TAN_DONG])
        self.cattle(households=36)
        self.gifts()
        self.checkups(attendees=[640, 585, 612], cost=[(150, 100), (140, 95), (160, 110)])
        self.training(people=24)
        self.scholarships(pupils=30)

    def binh_minh(self) -> None:
        self.houses(
            values=[70, 78, 82],
            programme="Nhà tình thương {year}",
            donors=[
                "Hội Doanh nhân trẻ tỉnh Tây Ninh",
                "Quỹ từ thiện Tấm Lòng Vàng Tây Ninh",
                "Công ty TNHH Phú Thành",
            ],
            first_days_ago=500,
        )
        self.loans(LOAN_PLANS[BINH_MINH])
        self.carts(households=5)

    # --- houses --------------------------------------------------------------------------------

    def houses(self, *, values: list[int], programme: str, donors: list[str], first_days_ago: int) -> None:
        """Houses for listed households, started at even intervals, each handed over two months later.
        Funding: the Fund for the Poor 50 million (40 for a smaller house), a named donor, and the rest
        from the household."""
        step = (first_days_ago - 120) // max(len(values) - 1, 1)
        plans = []
        taken: set[int] = set()
        for number, millions in enumerate(values):
            started = self.today - timedelta(days=first_days_ago - number * step)
            completed = started + timedelta(days=55 + self.rng.randrange(20))
            candidates = [pk for pk in self.registry.listed(started) if pk not in taken | self.registry.never]
            household = self.rng.choice(candidates or [pk for pk in self.registry.ever_listed()
                                                       if pk not in taken | self.registry.never])  # fmt: skip
            taken.add(household)
            value = millions * 1_000_000
            fund = (50 if millions >= 80 else 40) * 1_000_000
            donated = min(self.rng.choice([15, 20, 25, 30]) * 1_000_000, value - fund - 5_000_000)
            lines = [FundingLine(Source.FUND_FOR_POOR, fund),
                     FundingLine(Source.DONOR, donated, self.donor(donors[number % len(donors)])),
                     FundingLine(Source.HOUSEHOLD, value - fund - donated)]  # fmt: skip
            materials = value * 62 // 100 // 1_000_000 * 1_000_000
            labour = value * 23 // 100 // 1_000_000 * 1_000_000
            costs = (("Vật liệu xây dựng (gạch, xi măng, sắt thép, cát đá)", materials),
                     ("Nhân công", labour),
                     ("Mái tôn, cửa, điện nước", value - materials - labour))  # fmt: skip
            plans.append((started, completed, household, value, lines, costs))
        by_year: dict[int, list] = defaultdict(list)
        for plan in plans:
            by_year[plan[1].year].append(plan)
        for year, year_plans in sorted(by_year.items()):
            totals: dict[tuple, int] = defaultdict(int)
            for *_rest, lines, _costs in year_plans:
                for line in lines:
                    totals[(line.source, line.donor)] += line.amount_vnd
            first_start = min(plan[0] for plan in year_plans)
            record_programme = self.programme(
                first_start if first_start.year == year else date(year, 1, 2),
                Kind.HOUSE,
                programme.format(year=year),
                [FundingLine(source, amount, donor) for (source, donor), amount in totals.items()],
                organiser=f"Ủy ban Mặt trận Tổ quốc Việt Nam {self.local_name}",
                target_group="Hộ nghèo, hộ cận nghèo khó khăn về nhà ở",
            )  # fmt: skip
            homes = self.households(plan[2] for plan in year_plans)
            for started, completed, household, value, lines, costs in year_plans:
                area = Decimal(self.rng.choice(["42.0", "45.0", "48.0", "50.0", "54.0"]))
                self.on(completed, services.record_create, programme=record_programme,
                        household=homes[household], planned_on=started,
                        delivered_on=completed, value_vnd=value, fundings=lines,
                        details=HouseDetails(work=House.Work.BUILD, floor_area_m2=area, started_on=started,
                                             completed_on=completed, costs=costs),
                        note=f"Khởi công {started:%d/%m/%Y}, bàn giao {completed:%d/%m/%Y}.")  # fmt: skip

    # --- loans ---------------------------------------------------------------------------------

    def loans(self, plan) -> None:
        """Two lists of the bank, imported as a commune does: a year ago (every contract then,
        repaid ones included) and at the end of last month (the contracts still owed a year ago and
        every one since, with their new balances)."""
        count, others = plan
        this_month = first_of_month(self.today)
        first_list_on = add_months(this_month, -12) - timedelta(days=1)
        second_list_on = this_month - timedelta(days=1)
        loans = self.draw_loans(count, others, second_list_on)
        first = [loan.line(first_list_on) for loan in loans if loan.disbursed_on <= first_list_on]
        owed_then = {row["contract_number"] for row in first if row["repayment_status"] != "đã trả"}
        second = [loan.line(second_list_on) for loan in loans
                  if loan.disbursed_on > first_list_on or loan.contract in owed_then]  # fmt: skip
        for rows, listed_on in ((first, first_list_on), (second, second_list_on)):
            day = min(listed_on + timedelta(days=5), self.today)
            report = import_loans(rows, commune=self.commune, acting_user=self.officer,
                                  filename=f"NHCSXH-{self.commune.pk}-{listed_on:%Y%m}.xlsx")  # fmt: skip
            if not report.ok:
                raise RuntimeError(f"demo loan list refused: {report.errors[:5]}")
            self.date_events(day)

    def draw_loans(self, count: int, others, last_day: date) -> list["_DemoLoan"]:
        registry = self.registry
        earliest = last_day - timedelta(days=365 * LOAN_YEARS)
        span = (last_day - earliest).days
        eligible = [pk for pk in registry.codes if pk not in registry.never and registry.members.get(pk)]
        listed_status = {}
        for year in sorted(registry.statuses):
            listed_status.update(registry.statuses[year])
        ordered = sorted(eligible, key=lambda pk: registry.codes[pk])
        # One household in ten borrows twice.
        borrowers = self.rng.sample(ordered, min(count * 9 // 10, len(ordered)))
        borrowers += self.rng.sample(borrowers, count - len(borrowers))
        names, weights = zip(*others, strict=True)
        loans = []
        for number, household in enumerate(borrowers[:count], start=1):
            status = listed_status.get(household, "")
            kind = {"poor": "poor", "near_poor": "near_poor", "middle_income": "escaped"}.get(status)
            if kind is None or self.rng.random() < 0.3:
                kind = self.rng.choices(names, weights=weights)[0]
            title, (low, high), term = LOAN_PROGRAMMES[kind]
            amount = self.rng.randrange(low, high + 1, 5) * 1_000_000
            disbursed = earliest + timedelta(days=self.rng.randrange(span))
            adults = [m for m in registry.members[household] if 18 <= registry.age(m, disbursed) <= 70]
            borrower = adults[0] if adults else registry.members[household][0]
            contract = f"73{self.commune.pk[-3:]}{disbursed.year % 100:02d}{number:05d}"
            stops = self.rng.randrange(6, term) if self.rng.random() < DEFAULTING_SHARE else None
            loans.append(_DemoLoan(contract, registry.codes[household], borrower, title, amount, disbursed, term,
                                   stops))  # fmt: skip
        return loans

    # --- livelihood models ---------------------------------------------------------------------

    def cattle(self, *, households: int) -> None:
        """Breeding cows (18 million đồng each) for listed and recently escaped households, handed
        over in two rounds a year apart; a visit every six months is recorded for most models, the
        others are due one."""
        registry = self.registry
        pool = [pk for pk in registry.ever_listed() if pk not in registry.never]
        escaped = {pk for status in registry.statuses.values() for pk, s in status.items()
                   if s == PovertyStatus.MIDDLE_INCOME and pk in registry.codes}  # fmt: skip
        pool = sorted(set(pool) | (escaped - registry.never))
        chosen = self.rng.sample(pool, min(households, len(pool)))
        rounds = [chosen[: len(chosen) * 5 // 9], chosen[len(chosen) * 5 // 9 :]]
        for number, group in enumerate(rounds):
            day = self.today - timedelta(days=(560 if number == 0 else 200) + self.rng.randrange(10))
            quantities = [2 if self.rng.random() < 0.7 else 1 for _ in group]
            total = sum(quantities) * 18_000_000
            state, fund = _shares(total, [70, 30])
            programme = self.programme(
                day - timedelta(days=30), Kind.LIVELIHOOD, f"Mô hình nuôi bò sinh sản {day.year}",
                [FundingLine(Source.STATE_BUDGET, state), FundingLine(Source.FUND_FOR_POOR, fund)],
                organiser=f"UBND {self.local_name}",
                target_group="Hộ nghèo, hộ cận nghèo, hộ mới thoát nghèo có lao động",
            )  # fmt: skip
            homes = self.households(group)
            records = [
                self.on(None, services.record_create, programme=programme, household=homes[household],
                        planned_on=day - timedelta(days=14), delivered_on=day,
                        value_vnd=quantity * 18_000_000, in_kind=f"{quantity} con bò cái giống",
                        details=LivelihoodDetails(asset="Bò cái giống", quantity=quantity))
                for household, quantity in zip(group, quantities, strict=True)
            ]  # fmt: skip
            self.date_events(day)
            for record in records:
                self.visits(record, day)

    def visits(self, record: Record, delivered_on: date) -> None:
        """Visits every six months up to last week, for seven models in ten; the others wait for one."""
        if self.rng.random() < 0.3:
            return
        outcomes = [FollowUpVisit.Outcome.THRIVING, FollowUpVisit.Outcome.STABLE, FollowUpVisit.Outcome.STABLE,
                    FollowUpVisit.Outcome.STRUGGLING]  # fmt: skip
        visit_on = delivered_on + timedelta(days=175 + self.rng.randrange(20))
        notes = {
            FollowUpVisit.Outcome.THRIVING: "Bò khỏe, đã phối giống; hộ trồng thêm cỏ.",
            FollowUpVisit.Outcome.STABLE: "Bò phát triển bình thường, chuồng trại sạch sẽ.",
            FollowUpVisit.Outcome.STRUGGLING: "Thiếu thức ăn mùa khô; đề nghị hỗ trợ kỹ thuật.",
        }
        while visit_on < self.today - timedelta(days=7):
            outcome = self.rng.choice(outcomes)
            self.on(visit_on, services.visit_record, record=record, visited_on=visit_on, outcome=outcome,
                    note=notes[outcome])  # fmt: skip
            visit_on += timedelta(days=180 + self.rng.randrange(15))

    def carts(self, *, households: int) -> None:
        """Lottery-ticket vending carts for poor and near-poor people of the ward (or any household
        when the ward has fewer)."""
        registry = self.registry
        pool = registry.ever_listed()
        others = [pk for pk in sorted(registry.codes) if pk not in pool]
        chosen = pool[:households] + self.rng.sample(others, max(0, households - len(pool)))
        day = self.today - timedelta(days=150)
        programme = self.programme(
            day - timedelta(days=20), Kind.LIVELIHOOD, f"Tặng xe bán vé số {day.year}",
            [FundingLine(Source.DONOR, households * 4_500_000, self.donor("Công ty TNHH Phú Thành"))],
            organiser=f"Hội Chữ thập đỏ {self.local_name}",
            target_group="Người nghèo, người khuyết tật bán vé số",
        )  # fmt: skip
        homes = self.households(chosen)
        for household in chosen:
            self.on(None, services.record_create, programme=programme, household=homes[household],
                    planned_on=day - timedelta(days=7), delivered_on=day, value_vnd=4_500_000,
                    in_kind="1 xe đẩy bán vé số",
                    details=LivelihoodDetails(asset="Xe bán vé số", quantity=1, follow_up_months=3))  # fmt: skip
        self.date_events(day)

    # --- gifts ---------------------------------------------------------------------------------

    def gifts(self) -> None:
        """Every gift occasion of the last three years, and the next Tết's list awaiting delivery."""
        for tet in _recent(TET, self.today, 3, before=7):
            self.gift_round(tet, TET_GIFTS)
        for day in _recent(MID_AUTUMN, self.today, 3, before=5):
            self.gift_round(day, MID_AUTUMN_GIFTS)
        for day in _yearly(10, 17, self.today, 3):
            self.gift_round(day, PEAK_MONTH_GIFTS)
        upcoming = min((day - timedelta(days=7) for day in TET.values() if day - timedelta(days=7) > self.today),
                       default=None)  # fmt: skip
        if upcoming is not None:
            self.distribute(upcoming, TET_GIFTS[1], deliver=False)

    def gift_round(self, day: date, gifts: list["_Gift"]) -> None:
        for gift in gifts:
            self.distribute(day, gift, deliver=True)

    def criteria(self, day: date, gift: "_Gift") -> list[RecipientFilter]:
        year = self.registry.status_year(day) or day.year
        found = []
        if gift.listed:
            found.append(RecipientFilter(year=year, statuses=LISTED))
        if gift.minority:
            found.append(RecipientFilter(year=year, ethnic_minority=True))
        found += [RecipientFilter(year=year, category=code) for code in gift.categories if code in self.categories]
        return found

    def distribute(self, day: date, gift: "_Gift", *, deliver: bool) -> Distribution:
        criteria = self.criteria(day, gift)
        draft = Distribution(commune_id=self.commune.pk)
        first, *rest = (services.eligible_households(draft, criterion).values("pk") for criterion in criteria)
        budget = max(first.union(*rest).count(), 1) * gift.unit_vnd  # the households the criteria will list
        fundings = [
            FundingLine(source, amount, self.donor(donor) if donor else None)
            for (source, donor, _weight), amount in zip(
                gift.funders, _shares(budget, [weight for *_rest, weight in gift.funders]), strict=True
            )
        ]
        # A list is drawn up ten days ahead (the next Tết's: these days).
        listed_on = min(day - timedelta(days=10), self.today - timedelta(days=2))
        programme = self.programme(listed_on - timedelta(days=10), Kind.GIFT, gift.name.format(year=day.year),
                                   fundings, year=day.year, organiser=gift.organiser,
                                   target_group=gift.target_group)  # fmt: skip
        distribution = self.on(None, services.distribution_create, programme=programme,
                               name=gift.name.format(year=day.year), planned_on=day, unit_value_vnd=gift.unit_vnd,
                               in_kind=gift.in_kind)  # fmt: skip
        for criterion in criteria:
            self.on(None, services.distribution_add_recipients, distribution=distribution, criteria=criterion)
        self.date_events(listed_on)
        if not deliver:
            return distribution
        recipients = list(distribution.records.order_by("pk").values_list("pk", "household_id"))
        came = [pk for pk, household in recipients
                if household not in self.registry.never and self.rng.random() >= NO_SHOW_SHARE]  # fmt: skip
        self.on(day, services.distribution_deliver, distribution=distribution, record_ids=came, delivered_on=day)
        self.on(min(day + timedelta(days=5), self.today), services.distribution_close, distribution=distribution)
        return distribution

    # --- check-ups, training, scholarships -----------------------------------------------------

    def checkups(self, *, attendees: list[int], cost: list[tuple[int, int]]) -> None:
        """A free check-up day each year, around Vietnamese Doctors' Day (27 February)."""
        for day, people, (doctors, charity) in zip(_yearly(3, 8, self.today, 3), attendees, cost, strict=False):
            self.programme(
                day, Kind.CHECKUP, f"Khám bệnh, cấp thuốc miễn phí {day.year}",
                [FundingLine(Source.DONOR, doctors * 1_000_000, self.donor("Hội Thầy thuốc trẻ tỉnh Tây Ninh")),
                 FundingLine(Source.DONOR, charity * 1_000_000, self.donor("Quỹ từ thiện Tấm Lòng Vàng Tây Ninh"))],
                organiser=f"Hội Thầy thuốc trẻ tỉnh Tây Ninh và Trạm Y tế {self.local_name}",
                target_group="Người cao tuổi, người nghèo, người dân tộc thiểu số",
                description="Khám tổng quát, đo huyết áp, đường huyết, siêu âm; cấp thuốc miễn phí.",
                attendees=people,
            )  # fmt: skip

    def training(self, *, people: int) -> None:
        """Short vocational courses for working-age members of listed, escaped and minority households."""
        registry = self.registry
        courses = [("Kỹ thuật chăn nuôi bò", 3_500_000), ("May công nghiệp", 4_000_000),
                   ("Sửa chữa xe máy", 4_000_000), ("Trồng nấm rơm", 3_000_000)]  # fmt: skip
        day = self.today - timedelta(days=240)
        households = sorted((set(registry.ever_listed()) | registry.minority) - registry.never)
        pool = [m for pk in households for m in registry.members.get(pk, []) if 18 <= registry.age(m, day) <= 45]
        chosen = self.rng.sample(pool, min(people, len(pool)))
        plans = [(member, self.rng.choice(courses)) for member in chosen]
        persons, homes = self.persons(chosen), self.households(m.household_id for m in chosen)
        programme = self.programme(
            day - timedelta(days=60), Kind.TRAINING, f"Đào tạo nghề cho lao động nông thôn {day.year}",
            [FundingLine(Source.STATE_BUDGET, sum(value for _m, (_c, value) in plans))],
            organiser="Trung tâm Giáo dục nghề nghiệp huyện Tân Châu",
            target_group="Lao động thuộc hộ nghèo, cận nghèo, mới thoát nghèo, dân tộc thiểu số",
        )  # fmt: skip
        for member, (course, value) in plans:
            self.on(None, services.record_create, programme=programme,
                    household=homes[member.household_id],
                    person=persons[member.person_id], planned_on=day - timedelta(days=90), delivered_on=day,
                    value_vnd=value, in_kind=f"Khóa {course} (3 tháng)")  # fmt: skip
        self.date_events(day)

    def scholarships(self, *, pupils: int) -> None:
        """Scholarships at the start of each of the last two school years for pupils aged 6 to 17
        of listed households."""
        registry = self.registry
        for day in _yearly(9, 5, self.today, 2):
            households = [pk for pk in registry.listed(day) if pk not in registry.never]
            pool = [m for pk in households for m in registry.members.get(pk, []) if 6 <= registry.age(m, day) <= 17]
            chosen = self.rng.sample(pool, min(pupils // 2, len(pool)))
            values = [1_500_000 if registry.age(m, day) >= 11 else 1_000_000 for m in chosen]
            if not chosen:
                continue
            association, patron = _shares(sum(values), [60, 40])
            persons, homes = self.persons(chosen), self.households(m.household_id for m in chosen)
            programme = self.programme(
                day - timedelta(days=20), Kind.STUDENT,
                f"Học bổng học sinh nghèo vượt khó năm học {day.year}–{day.year + 1}",
                [FundingLine(Source.DONOR, association, self.donor("Hội Khuyến học xã Tân Đông")),
                 FundingLine(Source.DONOR, patron, self.donor("Ông Trần Văn Phước"))],
                organiser="Hội Khuyến học xã Tân Đông", target_group="Học sinh thuộc hộ nghèo, hộ cận nghèo",
            )  # fmt: skip
            for member, value in zip(chosen, values, strict=True):
                self.on(None, services.record_create, programme=programme,
                        household=homes[member.household_id],
                        person=persons[member.person_id], planned_on=day, delivered_on=day, value_vnd=value,
                        in_kind="Tập vở, ba lô")  # fmt: skip
            self.date_events(day)


@dataclass
class _DemoLoan:
    """One loan of the bank's lists: its balance on any day follows a repayment every six months
    (``stops``: the months after which a defaulting borrower paid nothing more)."""

    contract: str
    household_code: str
    borrower: _Member
    programme: str
    amount: int
    disbursed_on: date
    term: int
    stops: int | None

    def balance(self, on: date) -> tuple[int, str]:
        elapsed = (on.year - self.disbursed_on.year) * 12 + on.month - self.disbursed_on.month
        elapsed -= on.day < self.disbursed_on.day
        paid_months = min(elapsed, self.stops) if self.stops is not None else elapsed
        instalments = max(paid_months, 0) // 6
        if instalments * 6 >= self.term:
            return 0, "đã trả"
        instalment = round(self.amount * 6 / self.term, -3)
        outstanding = max(self.amount - instalments * int(instalment), 0)
        late = self.stops is not None and elapsed > self.stops + 6
        return outstanding, "quá hạn" if late or elapsed >= self.term else "trong hạn"

    def line(self, on: date) -> dict[str, str]:
        outstanding, status = self.balance(on)
        return {
            "contract_number": self.contract,
            "household_code": self.household_code,
            "borrower_national_id": self.borrower.national_id,
            # The bank's list: names in capitals, as the bank keeps them.
            "borrower_name": self.borrower.full_name.upper(),
            "loan_programme": self.programme,
            "amount_vnd": str(self.amount),
            "disbursed_on": f"{self.disbursed_on:%d/%m/%Y}",
            "term_months": str(self.term),
            "outstanding_vnd": str(outstanding),
            "balance_on": f"{on:%d/%m/%Y}",
            "repayment_status": status,
        }


@dataclass(frozen=True)
class _Gift:
    name: str  # with {year}
    organiser: str
    target_group: str
    unit_vnd: int
    in_kind: str
    funders: list  # (source, donor name or "", weight)
    listed: bool = False  # poor and near-poor households of the list in force
    minority: bool = False  # households with an ethnic-minority member
    categories: tuple[str, ...] = ()  # households of active allowance beneficiaries of these categories


ALL_CATEGORIES = ("5.1", "5.2", "5.4", "5.5a", "5.5c", "5.6s", "5.6es")
TET_GIFTS = [
    _Gift("Quà Tết Nguyên đán {year} – UBND xã", "UBND xã và Ủy ban MTTQ xã",
          "Hộ nghèo, cận nghèo, dân tộc thiểu số, đối tượng bảo trợ xã hội", 500_000, "10 kg gạo",
          [(Source.STATE_BUDGET, "", 60), (Source.FUND_FOR_POOR, "", 40)],
          listed=True, minority=True, categories=ALL_CATEGORIES),
    _Gift("Quà Tết {year} – Hội Chữ thập đỏ tỉnh", "Hội Chữ thập đỏ tỉnh Tây Ninh",
          "Hộ nghèo, cận nghèo, dân tộc thiểu số", 400_000, "Thùng quà Tết (bánh, mứt, dầu ăn)",
          [(Source.DONOR, "Hội Chữ thập đỏ tỉnh Tây Ninh", 1)], listed=True, minority=True),
    _Gift("Quà Tết {year} cho người cao tuổi và người khuyết tật",
          "Công ty CP Cao su Tân Châu và Quỹ từ thiện Tấm Lòng Vàng Tây Ninh",
          "Hộ có người cao tuổi hưởng trợ cấp hoặc người khuyết tật nặng", 300_000, "",
          [(Source.DONOR, "Công ty CP Cao su Tân Châu", 1), (Source.DONOR, "Quỹ từ thiện Tấm Lòng Vàng Tây Ninh", 1)],
          categories=("5.5a", "5.5c", "5.6s", "5.6es")),
]  # fmt: skip
MID_AUTUMN_GIFTS = [
    _Gift("Quà Trung thu {year} cho thiếu nhi", "Chùa Phước Lâm và Đoàn Thanh niên xã",
          "Thiếu nhi hộ nghèo, cận nghèo, dân tộc thiểu số", 200_000, "Bánh trung thu, lồng đèn",
          [(Source.DONOR, "Chùa Phước Lâm", 1)], listed=True, minority=True),
]  # fmt: skip
PEAK_MONTH_GIFTS = [
    _Gift("Tháng cao điểm Vì người nghèo {year}", "Ủy ban MTTQ xã",
          "Hộ nghèo, cận nghèo, dân tộc thiểu số", 500_000, "Nhu yếu phẩm",
          [(Source.FUND_FOR_POOR, "", 50), (Source.DONOR, "Hội Doanh nhân trẻ tỉnh Tây Ninh", 30),
           (Source.DONOR, "Công ty TNHH Nông sản Hòa Thành", 20)], listed=True, minority=True),
]  # fmt: skip
