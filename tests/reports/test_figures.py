"""Every dashboard figure, recomputed independently (plain Python over ORM rows) on a small world and
compared exactly; and held together with the apps' own selectors (review_results, the reminders'
coverage, the support totals).

The world (``build_world``), for November 2026 read on 20 November 2026:
- Xã Tân Đông: seven households (one dissolved, one without a village) whose statuses of 2022–2025
  make every kind of change (escaped poverty and near-poverty, new, fell back); an approved review
  of 2024 with a target of 2 and the review of 2026 under way with three complaints; ten allowance
  cases in every state (suspended, terminated this month, a category change, a death, two
  categories at once, an application, a verification); health cards that start, end, overlap and
  lapse across the twelve months; this month's run computed (3 bank + 1 cash), October's reconciled
  and July's cancelled; support delivered and planned; reminders from March 2026.
- Phường Bình Minh: two households (an imported list of 2024), two cases, an approved run, a house.
- Phường Bến Thành (Hồ Chí Minh): a bit of everything, never in any figure of Tây Ninh.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from beneficiaries.models import Case, CaseCategory, HealthInsuranceCard, Suspension
from beneficiaries.selectors import _expiring_cards
from core.months import add_months
from disbursements.models import Run, RunLine
from households.models import Household, HouseholdYearStatus, Membership, Person
from households.services import household_summaries_refresh
from notifications.models import Message, MessageTemplate
from notifications.reminders import coverage as reminders_coverage
from povertyreview.models import Assessment, Campaign, Complaint, PovertyStandard, ReductionTarget
from povertyreview.selectors import review_results
from povertyreview.standard_data import load_standards
from reports import figures
from support import selectors as support_selectors
from support.models import Donor, Funding, Programme, Record, RecordFunding
from tests.factories import VillageFactory
from tests.households.factories import make_household

TODAY = date(2026, 11, 20)
NOVEMBER = date(2026, 11, 1)
TAN_DONG, BINH_MINH, BEN_THANH = "25522", "25480", "26734"
PAYABLE = ("active", "suspended", "terminated", "transferred")


@dataclass
class World:
    units: object
    officer: object
    households: dict
    persons: dict
    cases: dict
    campaigns: dict


def _member(household: Household, name: str, born: date, relationship: str = "other", joined=date(2020, 1, 1)):
    from tests.households.factories import make_person

    person = make_person(name, "F", born)
    Membership.objects.create(person=person, household=household, relationship=relationship, joined_on=joined)
    return person


def _leave(person: Person, on: date, *, died: bool = False) -> None:
    Membership.objects.filter(person=person, left_on__isnull=True).update(left_on=on)
    if died:
        Person.objects.filter(pk=person.pk).update(date_of_death=on)


def _card(person: Person, start: date, end: date, number: str) -> None:
    HealthInsuranceCard.objects.create(person=person, number=number, valid_from=start, valid_to=end)


def _case(person, commune, officer, status, start, categories, *, end=None, method="bank", applied_on=None):
    case = Case.objects.create(
        person=person,
        commune=commune,
        status=status,
        applied_on=applied_on or start,
        prepared_by=officer,
        start_month=start if status not in ("applied", "verified") else None,
        end_month=end,
        payment_method=method,
        **({"bank_bin": "970436", "account_number": "0123456789"} if method == "bank" else {}),
    )
    for code, extra in categories:
        CaseCategory.objects.create(case=case, category_id=code, **extra)
    return case


def _status(household, **years) -> None:
    for year, status in years.items():
        HouseholdYearStatus.objects.create(household=household, year=int(year.removeprefix("y")), status=status)


def _run(commune, month, status, officer, lines=(), *, totals=None):
    run = Run.objects.create(commune=commune, month=month, status=status, prepared_by=officer)
    for number, (case, amount, method) in enumerate(lines):
        RunLine.objects.create(
            run=run, case=case, reference=f"{run.pk}-{number}", national_id=case.person.national_id,
            full_name=case.person.full_name, amount=amount, payment_method=method,
        )  # fmt: skip
    if totals is None:
        bank = sum(amount for _case, amount, method in lines if method == "bank")
        total = sum(amount for _case, amount, _method in lines)
        totals = (len(lines), total, bank, total - bank)
    run.line_count, run.total_amount, run.bank_amount, run.cash_amount = totals
    run.save()
    return run


def build_world(units, users) -> World:
    officer = users["tandong_officer"]
    td, bm, hcm = units.tan_dong, units.binh_minh, units.other_commune
    v1, v2 = units.tan_dong_village, VillageFactory(commune=td, name="Ấp Tân Hòa")
    hcm_village = VillageFactory(commune=hcm, name="Khu phố 1")
    one = (("Chủ Hộ", "M", date(1960, 1, 1), "head"),)
    hh = {
        "hh1": make_household(td, v1, "TD-1", (("Nguyễn Văn Một", "M", date(1960, 5, 1), "head"),)),
        "hh2": make_household(td, v1, "TD-2", (("Trần Văn Hai", "M", date(1975, 2, 2), "head"),)),
        "hh3": make_household(td, v2, "TD-3", (("Lê Văn Ba", "M", date(1990, 3, 3), "head"),)),
        "hh4": make_household(td, v2, "TD-4", (("Phạm Thị Bốn", "F", date(1950, 4, 4), "head"),)),
        "hh5": make_household(td, v2, "TD-5", (("Võ Văn Năm", "M", date(1955, 5, 5), "head"),)),
        "hh6": make_household(td, v1, "TD-6", one),
        "hh7": make_household(td, None, "TD-7", (("Đỗ Thị Bảy", "F", date(1985, 7, 7), "head"),)),
        "bm1": make_household(bm, units.binh_minh_village, "BM-1", (("Hồ Văn Tám", "M", date(1940, 8, 8), "head"),)),
        "bm2": make_household(bm, units.binh_minh_village, "BM-2", one),
        "x1": make_household(hcm, hcm_village, "X-1", (("Mai Văn Chín", "M", date(1970, 9, 9), "head"),)),
    }
    p = {key: household.head for key, household in hh.items()}
    p["hh1_spouse"] = _member(hh["hh1"], "Nguyễn Thị Vợ", date(1962, 6, 6), "spouse")
    p["hh1_child"] = _member(hh["hh1"], "Nguyễn Văn Con", date(2015, 1, 10), "child")
    p["hh2_late"] = _member(hh["hh2"], "Trần Thị Mới", date(1980, 1, 1), "spouse", joined=date(2026, 6, 15))
    p["hh3_spouse"] = _member(hh["hh3"], "Lê Thị Vợ", date(1992, 1, 1), "spouse")
    p["baby"] = _member(hh["hh3"], "Lê Văn Bé", date(2026, 7, 2), "child", joined=date(2026, 7, 2))
    p["mover"] = _member(hh["hh5"], "Võ Thị Đi", date(1988, 8, 8), "child")
    p["bm1_spouse"] = _member(hh["bm1"], "Hồ Thị Vợ", date(1945, 1, 1), "spouse")
    p["x1_spouse"] = _member(hh["x1"], "Mai Thị Vợ", date(1972, 1, 1), "spouse")
    # The mover leaves Tân Đông for Bình Minh on 10 April; the elder of TD-4 dies on 10 September;
    # TD-6 is dissolved in May (its member left).
    _leave(p["mover"], date(2026, 4, 10))
    Membership.objects.create(person=p["mover"], household=hh["bm2"], relationship="other", joined_on=date(2026, 4, 10))
    _leave(p["hh4"], date(2026, 9, 10), died=True)
    _leave(p["hh6"], date(2026, 5, 1))
    Household.objects.filter(pk=hh["hh6"].pk).update(dissolved_on=date(2026, 5, 1))
    household_summaries_refresh([household.pk for household in hh.values()])

    # Statuses: TD-1 fell back in 2025 (poor in 2022), TD-2 and TD-5 escaped poverty, TD-3 escaped
    # near-poverty, TD-4 and TD-7 are new; TD-6 is dissolved. Bình Minh: an imported list of 2024.
    _status(hh["hh1"], y2022="poor", y2023="none", y2024="middle_income", y2025="poor")
    _status(hh["hh2"], y2024="poor", y2025="near_poor")
    _status(hh["hh3"], y2024="near_poor", y2025="middle_income")
    _status(hh["hh4"], y2025="near_poor")
    _status(hh["hh5"], y2024="poor", y2025="near_poor")
    _status(hh["hh6"], y2024="poor", y2025="poor")
    _status(hh["hh7"], y2024="none", y2025="near_poor")
    _status(hh["bm1"], y2024="poor")
    _status(hh["bm2"], y2024="none")
    _status(hh["x1"], y2025="poor", y2026="poor")

    load_standards()
    standard = PovertyStandard.objects.first()
    review_2024 = Campaign.objects.create(commune=td, year=2024, standard=standard, status="approved")
    ReductionTarget.objects.create(commune=td, year=2024, planned_reduction=2)
    review_2026 = Campaign.objects.create(commune=td, year=2026, standard=standard, status="surveying")
    Campaign.objects.create(commune=hcm, year=2026, standard=standard, status="approved")
    listed = Assessment.objects.create(
        campaign=review_2026, household=hh["hh1"], village=v1, area="rural", listed_reason="on_list"
    )
    for number, (deadline, status) in enumerate(
        [(date(2026, 11, 10), "open"), (date(2026, 11, 30), "open"), (date(2026, 11, 1), "resolved")]
    ):
        Complaint.objects.create(
            campaign=review_2026, assessment=listed, complainant=f"Người {number}", received_on=date(2026, 11, 1),
            content="…", deadline=deadline, status=status, registered_by=officer,
        )  # fmt: skip

    month = date
    cases = {
        "c1": _case(p["hh1_child"], td, officer, "active", month(2025, 1, 1), [("5.1", {})]),
        "c2": _case(p["hh1"], td, officer, "active", month(2024, 6, 1), [("5.5c", {})]),
        "c3": _case(p["hh2"], td, officer, "active", month(2026, 1, 1), [("5.6s", {})]),
        "c4": _case(p["hh3"], td, officer, "suspended", month(2025, 1, 1), [("5.6es", {})]),
        "c5": _case(p["hh5"], td, officer, "terminated", month(2025, 1, 1), [("5.5a", {})], end=month(2026, 11, 1)),
        "c6": _case(
            p["hh1_spouse"],
            td,
            officer,
            "active",
            month(2025, 6, 1),
            [
                ("5.5a", {"to_month": month(2026, 8, 1)}),
                ("5.5c", {"from_month": month(2026, 9, 1)}),
            ],
        ),  # fmt: skip
        "c7": _case(p["hh7"], td, officer, "applied", None, [("5.6s", {})], applied_on=month(2026, 11, 10)),
        "c8": _case(p["hh2_late"], td, officer, "verified", None, [("5.5c", {})], applied_on=month(2026, 11, 2)),
        "c9": _case(p["hh4"], td, officer, "active", month(2025, 3, 1), [("5.6s", {})]),
        "c10": _case(
            p["hh3_spouse"],
            td,
            officer,
            "active",
            month(2026, 2, 1),
            [
                ("5.4", {"dependent_children": 2}),
                ("5.6s", {}),
            ],
        ),  # fmt: skip
        "b1": _case(p["bm1"], bm, officer, "active", month(2025, 1, 1), [("5.5c", {})]),
        "b2": _case(p["bm1_spouse"], bm, officer, "active", month(2026, 5, 1), [("5.6s", {})], method="cash"),
        "h1": _case(p["x1"], hcm, officer, "active", month(2025, 1, 1), [("5.1", {})]),
    }
    Suspension.objects.create(case=cases["c4"], from_month=month(2026, 10, 1), reason="Tạm giam")

    cards = [
        ("hh1", date(2025, 12, 1), date(2026, 11, 30)),
        ("hh1_spouse", date(2026, 3, 15), date(2027, 3, 14)),
        ("hh1_child", date(2025, 1, 1), date(2025, 12, 31)),
        ("hh1_child", date(2026, 2, 1), date(2027, 1, 31)),
        ("hh2", date(2025, 6, 1), date(2026, 5, 31)),
        ("hh3", date(2026, 1, 1), date(2026, 12, 31)),
        ("hh3", date(2026, 6, 1), date(2027, 5, 31)),
        ("baby", date(2026, 7, 2), date(2032, 7, 1)),
        ("hh4", date(2025, 1, 1), date(2027, 1, 1)),
        ("mover", date(2025, 6, 1), date(2026, 12, 31)),
        ("bm1", date(2026, 10, 1), date(2027, 9, 30)),
        ("bm1_spouse", date(2025, 11, 1), date(2026, 12, 5)),
        ("x1", date(2025, 1, 1), date(2027, 1, 1)),
    ]
    for number, (key, start, end) in enumerate(cards):
        _card(p[key], start, end, f"GD4{number:012d}")

    _run(td, NOVEMBER, "computed", officer, [
        (cases["c1"], 750_000, "bank"), (cases["c2"], 500_000, "bank"), (cases["c3"], 750_000, "bank"),
        (cases["c6"], 500_000, "cash"),
    ])  # fmt: skip
    _run(td, month(2026, 10, 1), "reconciled", officer, totals=(4, 2_000_000, 1_500_000, 500_000))
    _run(td, month(2026, 7, 1), "cancelled", officer, totals=(9, 9_999_000, 9_999_000, 0))
    _run(bm, NOVEMBER, "approved", officer, [(cases["b1"], 500_000, "bank"), (cases["b2"], 750_000, "cash")])
    _run(hcm, NOVEMBER, "reconciled", officer, [(cases["h1"], 750_000, "bank")])

    donor = Donor.objects.create(province=units.tay_ninh, name="Công ty Thử")
    house = Programme.objects.create(commune=td, kind="house", name="Nhà 2026", year=2026, created_by=officer)
    gifts = Programme.objects.create(commune=td, kind="gift", name="Quà Tết 2025", year=2025, created_by=officer)
    loans = Programme.objects.create(commune=td, kind="loan", name="Vay 2026", year=2026, created_by=officer)
    checkup = Programme.objects.create(commune=td, kind="checkup", name="Khám 2026", year=2026, attendees=120,
                                       created_by=officer)  # fmt: skip
    Funding.objects.create(programme=checkup, source="donor", donor=donor, amount_vnd=30_000_000)
    Funding.objects.create(programme=checkup, source="state_budget", amount_vnd=5_000_000)
    bm_houses = Programme.objects.create(commune=bm, kind="house", name="Nhà BM", year=2026, created_by=officer)
    hcm_gifts = Programme.objects.create(commune=hcm, kind="gift", name="Quà", year=2026, created_by=officer)

    def record(programme, household, status, value, day, fundings=()):
        made = Record.objects.create(
            programme=programme, commune=programme.commune, kind=programme.kind, household=household, status=status,
            planned_on=day, delivered_on=day if status == "delivered" else None, value_vnd=value, created_by=officer,
        )  # fmt: skip
        for source, amount, giver in fundings:
            RecordFunding.objects.create(record=made, source=source, amount_vnd=amount, donor=giver)

    record(house, hh["hh1"], "delivered", 100_000_000, date(2026, 3, 5),
           [("fund_for_poor", 60_000_000, None), ("donor", 40_000_000, donor)])  # fmt: skip
    record(gifts, hh["hh2"], "delivered", 500_000, date(2025, 2, 1), [("fund_for_poor", 500_000, None)])
    record(gifts, hh["hh3"], "delivered", 500_000, date(2025, 2, 1), [("fund_for_poor", 500_000, None)])
    record(loans, hh["hh5"], "planned", 50_000_000, date(2026, 12, 1))
    record(bm_houses, hh["bm1"], "delivered", 50_000_000, date(2026, 6, 1), [("state_budget", 50_000_000, None)])
    record(hcm_gifts, hh["x1"], "delivered", 700_000, date(2026, 2, 1), [("state_budget", 700_000, None)])

    template = MessageTemplate.objects.get(code=figures.REMINDER_TEMPLATE)

    def message(commune, day, status):
        made = Message.objects.create(channel="sms", recipient="+84912345678", commune=commune, template=template,
                                      text="…", status=status)  # fmt: skip
        moment = timezone.make_aware(datetime.combine(day, time(8)))
        Message.objects.filter(pk=made.pk).update(created_at=moment)

    message(td, date(2026, 1, 5), "cancelled")
    message(td, date(2026, 3, 10), "delivered")
    message(td, date(2026, 4, 10), "failed")
    message(hcm, date(2025, 6, 1), "delivered")
    return World(units, officer, hh, p, cases, {"2024": review_2024, "2026": review_2026})


@pytest.fixture
def world(units, users) -> World:
    return build_world(units, users)


# --- independent computations: plain Python over ORM rows ------------------------------------------


def registry_expected(code: str) -> tuple[int, int]:
    households = list(Household.objects.filter(commune_id=code, dissolved_on__isnull=True))
    members = Membership.objects.filter(household__in=households, left_on__isnull=True).count()
    return len(households), members


def statuses_of(code: str) -> dict[int, dict[int, str]]:
    """year -> {household id: status} over the commune's current households."""
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for row in HouseholdYearStatus.objects.filter(household__commune_id=code, household__dissolved_on__isnull=True):
        found[row.year][row.household_id] = row.status
    return found


def list_year_expected(code: str, year: int) -> int | None:
    years = {
        y
        for y, rows in statuses_of(code).items()
        if y <= year and set(rows.values()) & {"poor", "near_poor", "middle_income"}
    }
    years |= {
        c.year + 1 for c in Campaign.objects.filter(commune_id=code, kind="periodic", status="approved")
        if c.year + 1 <= year
    }  # fmt: skip
    return max(years, default=None)


def changes_expected(code: str, status_year: int) -> dict:
    years = statuses_of(code)
    now, before = years[status_year], years.get(status_year - 1, {})
    listed = {"poor", "near_poor"}
    result = Counter()
    for household, status in now.items():
        previous = before.get(household)
        earlier = any(years[y].get(household) in listed for y in years if y < status_year - 1)
        if previous == "poor" and status != "poor":
            result["escaped_poverty"] += 1
        if previous == "near_poor" and status in ("middle_income", "none"):
            result["escaped_near_poverty"] += 1
        if status in listed and previous not in listed:
            result["fell_back" if earlier else "new_listed"] += 1
    return result


def paid_in(case: Case, month: date) -> bool:
    if case.status not in PAYABLE or case.start_month is None or case.start_month > month:
        return False
    if case.end_month is not None and case.end_month < month:
        return False
    if case.person.date_of_death is not None and case.person.date_of_death < month:
        return False
    if any(s.from_month <= month and (s.to_month is None or s.to_month >= month) for s in case.suspensions.all()):
        return False
    return bool(categories_in(case, month))


def categories_in(case: Case, month: date) -> list[str]:
    return [
        row.category_id
        for row in case.categories.all()
        if (row.from_month is None or row.from_month <= month) and (row.to_month is None or row.to_month >= month)
    ]


def covered(person_id: int, day: date) -> bool:
    return HealthInsuranceCard.objects.filter(person_id=person_id, valid_from__lte=day, valid_to__gte=day).exists()


def living_on(code: str, day: date) -> list[int]:
    return [
        m.person_id
        for m in Membership.objects.filter(household__commune_id=code).select_related("person")
        if m.joined_on <= day and (m.left_on is None or m.left_on > day) and m.person.date_of_birth <= day
        and (m.person.date_of_death is None or m.person.date_of_death > day)
    ]  # fmt: skip


# --- the tests ------------------------------------------------------------------------------------


def test_every_figure_of_each_commune_against_an_independent_computation(world):
    board = figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    rows = {row.code: row for row in board.communes}
    assert list(rows) == [BINH_MINH, TAN_DONG]  # by name: Phường Bình Minh, Xã Tân Đông
    day = date(2026, 11, 30)
    for code, row in rows.items():
        assert (row.households, row.members) == registry_expected(code)

        assert row.status_year == list_year_expected(code, 2026)
        now, before = statuses_of(code)[row.status_year], statuses_of(code).get(row.status_year - 1, {})
        assert row.poor == Counter(now.values())["poor"]
        assert row.near_poor == Counter(now.values())["near_poor"]
        assert row.middle_income == Counter(now.values())["middle_income"]
        assert row.previous_poor == Counter(before.values())["poor"]
        assert row.previous_near_poor == Counter(before.values())["near_poor"]
        changes = changes_expected(code, row.status_year)
        assert (row.escaped_poverty, row.escaped_near_poverty, row.new_listed, row.fell_back) == (
            changes["escaped_poverty"], changes["escaped_near_poverty"], changes["new_listed"], changes["fell_back"],
        )  # fmt: skip
        assert row.listed_rate == round(100 * (row.poor + row.near_poor) / row.households, 2)

        cases = Case.objects.filter(commune_id=code).select_related("person").prefetch_related("categories",
                                                                                               "suspensions")  # fmt: skip
        paid = [case for case in cases if paid_in(case, NOVEMBER)]
        assert row.beneficiaries == len(paid)
        assert row.by_category == dict(Counter(c for case in paid for c in categories_in(case, NOVEMBER)))
        assert row.beneficiaries_covered == sum(covered(case.person_id, day) for case in paid)

        run = Run.objects.exclude(status="cancelled").get(commune_id=code, month=NOVEMBER)
        lines = list(run.lines.all())
        assert (row.run_id, row.run_status, row.run_people) == (run.pk, run.status, len(lines))
        assert row.run_total_vnd == sum(line.amount for line in lines)
        assert row.run_bank_people == sum(line.payment_method == "bank" for line in lines)
        assert row.run_bank_vnd == sum(line.amount for line in lines if line.payment_method == "bank")

        living = living_on(code, day)
        assert row.living_members == len(living)
        assert row.members_covered == sum(covered(person, day) for person in living)

        open_cases = Counter(case.status for case in cases)
        assert (row.cases_applied, row.cases_verified, row.cases_suspended) == (
            open_cases["applied"], open_cases["verified"], open_cases["suspended"],
        )  # fmt: skip
        complaints = Complaint.objects.filter(campaign__commune_id=code, status="open")
        assert row.complaints_open == complaints.count()
        assert row.complaints_overdue == complaints.filter(deadline__lt=TODAY).count()
        expiring = _expiring_cards(TODAY).filter(
            person__in=Case.objects.filter(commune_id=code, status__in=["applied", "verified", "active", "suspended"])
            .values("person_id")
        )  # fmt: skip
        assert row.cards_expiring == expiring.count()


def test_the_world_s_numbers_as_written_down(world):
    """The same figures as plain numbers, so the independent computation cannot share a mistake."""
    board = figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    td, bm = board.communes[1], board.communes[0]
    assert (td.households, td.members) == (6, 10)  # TD-6 dissolved; TD-4's elder died; the mover left
    assert (td.status_year, td.poor, td.near_poor, td.middle_income) == (2025, 1, 4, 1)
    assert (td.previous_poor, td.previous_near_poor) == (2, 1)  # TD-6 (dissolved) not counted
    assert (td.escaped_poverty, td.escaped_near_poverty, td.new_listed, td.fell_back) == (2, 1, 2, 1)
    assert (td.planned_reduction, td.achieved_reduction, td.plan_percent) == (2, 1, 50.0)
    assert td.listed_rate == 83.33  # 5 of 6
    assert td.beneficiaries == 6  # c1, c2, c3, c5 (ends this month), c6, c10
    assert td.by_category == {"5.1": 1, "5.5c": 2, "5.6s": 2, "5.5a": 1, "5.4": 1}
    assert td.by_clause == {"5.1": 1, "5.4": 1, "5.5": 3, "5.6": 2}  # c10 under 5.4 and 5.6, once in all
    assert (td.run_people, td.run_bank_people, td.bank_share, td.run_total_vnd) == (4, 3, 75.0, 2_500_000)
    assert (td.living_members, td.members_covered, td.beneficiaries_covered) == (10, 5, 3)
    assert (td.cases_applied, td.cases_verified, td.cases_suspended) == (1, 1, 1)
    assert (td.complaints_open, td.complaints_overdue, td.cards_expiring) == (2, 1, 1)
    assert (td.review_status, td.late_review, td.late_run) == ("surveying", False, True)
    assert (bm.status_year, bm.poor, bm.new_listed, bm.planned_reduction) == (2024, 1, 1, None)
    assert (bm.beneficiaries, bm.bank_share, bm.late_run, bm.late_review) == (2, 50.0, False, True)
    total = board.total
    assert (total.households, total.poor, total.near_poor, total.beneficiaries) == (8, 2, 4, 8)
    assert (total.run_people, total.run_bank_people, total.run_total_vnd) == (6, 4, 3_750_000)
    assert total.planned_reduction == 2 and total.plan_percent == 50.0  # only Tân Đông set a target
    assert total.status_year is None  # 2025 and 2024
    assert [clause.code for clause in board.categories] == ["5.1", "5.4", "5.5", "5.6"]
    assert board.categories[2].categories == [("5.5a", 1), ("5.5c", 3)]
    assert [(late.code) for late in board.late_runs] == [TAN_DONG]
    assert [(late.code) for late in board.late_reviews] == [BINH_MINH]


def test_a_person_holding_two_categories_of_one_clause_counts_once_in_the_clause(world):
    before = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY)
    # An elder of a poor household with no supporter (5.5a) who is also over 80 (5.5c): the same
    # clause 5.5 twice. Each category counts them; the clause and the total count them once.
    elder = _member(world.households["hh1"], "Nguyễn Thị Cụ", date(1940, 2, 2), "parent")
    _case(elder, world.units.tan_dong, world.officer, "active", date(2026, 1, 1),
          [("5.5a", {}), ("5.5c", {})])  # fmt: skip
    after = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY)
    assert after.total.by_category["5.5a"] == before.total.by_category["5.5a"] + 1
    assert after.total.by_category["5.5c"] == before.total.by_category["5.5c"] + 1
    assert after.total.by_clause["5.5"] == before.total.by_clause["5.5"] + 1
    assert after.total.beneficiaries == before.total.beneficiaries + 1
    clause = next(row for row in after.categories if row.code == "5.5")
    assert clause.people == before.total.by_clause["5.5"] + 1


def test_the_list_and_its_changes_are_review_results_own(world):
    """For each commune, the figures of its list in force are those of the review that wrote it."""
    board = figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    for row in board.communes:
        result = review_results(world.units.tan_dong if row.code == TAN_DONG else world.units.binh_minh,
                                row.status_year - 1)  # fmt: skip
        assert result.total_households == row.households
        assert (result.counts["poor"], result.counts["near_poor"], result.counts["middle_income"]) == (
            row.poor, row.near_poor, row.middle_income,
        )  # fmt: skip
        assert (result.previous_counts["poor"], result.previous_counts["near_poor"]) == (
            row.previous_poor, row.previous_near_poor,
        )  # fmt: skip
        assert (result.escaped_poverty, result.escaped_near_poverty, result.new_listed, result.fell_back) == (
            row.escaped_poverty, row.escaped_near_poverty, row.new_listed, row.fell_back,
        )  # fmt: skip
        assert result.listed_rate == row.listed_rate
        assert (result.planned_reduction, result.plan_percent) == (row.planned_reduction, row.plan_percent)
        villages = figures.villages(row.code, row.status_year)
        assert [
            (v["village__name"], v["households"], v["poor"], v["near_poor"], v["rate"]) for v in result.by_village
        ] == [(v.name, v.households, v.poor, v.near_poor, v.listed_rate) for v in villages]


def test_the_list_in_force_is_the_latest_up_to_the_year(world):
    def years(year):
        return {row.code: row.status_year for row in figures.dashboard([TAN_DONG, BINH_MINH], year=year, month=12,
                                                                          today=TODAY).communes}  # fmt: skip

    assert years(2026) == {TAN_DONG: 2025, BINH_MINH: 2024}  # no list of 2026 yet: 2025's stays in force
    assert years(2024) == {TAN_DONG: 2024, BINH_MINH: 2024}
    # 2023 holds only a "none" status and no review wrote it: it is not a list, 2022's is.
    assert years(2023) == {TAN_DONG: 2022, BINH_MINH: None}
    # An approved review that leaves nobody listed still makes its year the list in force.
    Campaign.objects.create(commune=world.units.tan_dong, year=2025, standard=PovertyStandard.objects.first(),
                            status="approved")  # fmt: skip
    for household in world.households.values():
        if household.commune_id == TAN_DONG:
            HouseholdYearStatus.objects.create(household=household, year=2026, status="none")
    row = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY).total
    assert (row.status_year, row.listed, row.previous_poor, row.escaped_poverty) == (2026, 0, 1, 1)


def test_coverage_month_by_month_is_the_reminders_own_and_marks_when_reminders_began(world):
    board = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY)
    months = [row.month for row in board.coverage_trend]
    assert months == [add_months(date(2025, 12, 1), n) for n in range(12)]
    theirs = reminders_coverage(TAN_DONG, months)
    assert [(row.living_members, row.members_covered) for row in board.coverage_trend] == [
        (row.members, row.covered) for row in theirs
    ]
    for row in board.coverage_trend:
        day = row.day
        living = living_on(TAN_DONG, day)
        assert (row.living_members, row.members_covered) == (len(living), sum(covered(p, day) for p in living))
        cases = Case.objects.filter(commune_id=TAN_DONG).select_related("person").prefetch_related("categories",
                                                                                                   "suspensions")  # fmt: skip
        paid = [case for case in cases if paid_in(case, row.month)]
        assert (row.beneficiaries, row.beneficiaries_covered) == (
            len(paid), sum(covered(case.person_id, day) for case in paid),
        )  # fmt: skip
    # The month itself agrees with the commune's row; the province's one-day count with both.
    assert (board.total.living_members, board.total.members_covered) == (
        board.coverage_trend[-1].living_members, board.coverage_trend[-1].members_covered,
    )  # fmt: skip
    flat = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY, trends=False)
    assert flat.coverage_trend == []
    assert (flat.total.living_members, flat.total.members_covered) == (10, 5)
    # Reminders: the cancelled one of January does not count; Hồ Chí Minh's is out of scope.
    assert board.reminders_began == date(2026, 3, 1)
    before, after = board.reminder_effect
    assert (before.month, after.month) == (date(2026, 3, 1), date(2026, 10, 1))  # October: the last month ended
    assert figures.dashboard([BINH_MINH], year=2026, month=11, today=TODAY).reminders_began is None


def test_payments_by_month_leave_cancelled_runs_out(world):
    board = figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    by_month = {row.month: (row.bank_vnd, row.cash_vnd) for row in board.payment_months}
    assert len(by_month) == 12
    expected = defaultdict(lambda: (0, 0))
    for run in Run.objects.filter(commune_id__in=[TAN_DONG, BINH_MINH]).exclude(status="cancelled"):
        bank, cash = expected[run.month]
        expected[run.month] = (bank + run.bank_amount, cash + run.cash_amount)
    assert by_month == {month: expected[month] for month in by_month}
    assert by_month[date(2026, 7, 1)] == (0, 0)
    assert by_month[NOVEMBER] == (2_500_000, 1_250_000)


def test_support_is_the_support_app_s_totals_and_a_plain_sum(world):
    board = figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    delivered = Record.objects.filter(commune_id__in=[TAN_DONG, BINH_MINH], status="delivered")
    kinds = {row["kind"]: row for row in board.support.by_kind}
    for kind, row in kinds.items():
        this_year = [r for r in delivered if r.kind == kind and r.delivered_on.year == 2026]
        every = [r for r in delivered if r.kind == kind]
        assert (row["records"], row["value_vnd"]) == (len(this_year), sum(r.value_vnd for r in this_year))
        assert (row["all_records"], row["all_value_vnd"]) == (len(every), sum(r.value_vnd for r in every))
    assert set(kinds) == {"house", "gift"}  # the planned loan is not delivered
    assert (kinds["house"]["records"], kinds["house"]["value_vnd"]) == (2, 150_000_000)
    assert (kinds["gift"]["records"], kinds["gift"]["all_records"]) == (0, 2)
    sources = {(row["source"], row["donor_id"]): row["value_vnd"] for row in board.support.by_source}
    assert sources == {("fund_for_poor", None): 60_000_000, ("state_budget", None): 50_000_000,
                       ("donor", Donor.objects.get().pk): 40_000_000}  # fmt: skip
    assert board.support.checkups == support_selectors.checkup_totals([TAN_DONG, BINH_MINH], 2026)
    assert (board.support.checkups["attendees"], board.support.checkups["cost_vnd"]) == (120, 35_000_000)


def test_lateness_follows_the_prepare_day_and_the_review_calendar(world, settings):
    settings.DISBURSEMENT_PREPARE_DAY = 15

    def late(month: date, today: date) -> dict:
        board = figures.dashboard([TAN_DONG, BINH_MINH], year=month.year, month=month.month, today=today)
        return {row.code: (row.late_run, row.late_review) for row in board.communes}

    # Before the 15th nobody is late with November's run; Bình Minh is late with a review it has
    # not opened by 30 September, Tân Đông (surveying) not before 14 December.
    assert late(NOVEMBER, date(2026, 11, 10)) == {TAN_DONG: (False, False), BINH_MINH: (False, True)}
    assert late(NOVEMBER, TODAY) == {TAN_DONG: (True, False), BINH_MINH: (False, True)}
    assert late(date(2026, 9, 1), date(2026, 9, 20)) == {TAN_DONG: (True, False), BINH_MINH: (True, False)}
    assert late(date(2026, 12, 1), date(2026, 12, 20)) == {TAN_DONG: (True, True), BINH_MINH: (True, True)}
    # A past month is read on its last day: October's run was reconciled, Bình Minh never ran one.
    assert late(date(2026, 10, 1), TODAY) == {TAN_DONG: (False, False), BINH_MINH: (True, True)}


def test_figures_never_include_a_commune_outside_the_codes(world):
    alone = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY)
    both = figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    assert [row.code for row in alone.communes] == [TAN_DONG]
    # Tân Đông alone is exactly its row among the two (the commune and the province dashboards agree).
    row = next(r for r in both.communes if r.code == TAN_DONG)
    for name in figures.SUMMED + ["status_year", "planned_reduction", "run_id", "late_run", "late_review"]:
        assert getattr(alone.total, name) == getattr(row, name), name
    assert alone.total.by_category == row.by_category
    # Hồ Chí Minh's run, case, gift and reminder are nowhere.
    assert both.total.run_people == 6 and both.total.beneficiaries == 8
    assert both.payment_months[-1].total_vnd == 3_750_000
    assert figures.dashboard([], year=2026, month=11, today=TODAY).total.households == 0


def test_a_fixed_number_of_queries_whatever_the_number_of_communes(world, units, django_assert_num_queries):
    from tests.factories import CommuneFactory

    # 17 and the closed months' coverage: read, counted where missing (members, beneficiaries; the
    # month that runs is counted in the same two queries) and stored (reports.closed_months).
    with django_assert_num_queries(19):
        figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    with django_assert_num_queries(18):  # stored: read, and the month that runs counted
        figures.dashboard([TAN_DONG, BINH_MINH], year=2026, month=11, today=TODAY)
    codes = [TAN_DONG, BINH_MINH]
    for number in range(5):
        commune = CommuneFactory(province=units.tay_ninh)
        village = VillageFactory(commune=commune)
        household = make_household(commune, village, f"N-{number}")
        _status(household, y2025="poor")
        _case(household.head, commune, world.officer, "active", date(2025, 1, 1), [("5.5c", {})])
        codes.append(commune.code)
    with django_assert_num_queries(19):  # the new communes' closed months are counted and stored
        board = figures.dashboard(codes, year=2026, month=11, today=TODAY)
    assert len(board.communes) == 7 and board.total.beneficiaries == 13
