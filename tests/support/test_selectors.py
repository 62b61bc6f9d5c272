"""Reads of support: totals by kind, source, village and year (and loans, check-ups) against sums
the test computes itself from the rows it created, in scope only; the "received nothing this year"
list, visits due, overdue loans, the household's timeline and panel, the worklist, query counts."""

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from core.timeline import HouseholdPanel, TimelineEntry, panels_for_household, timeline_for_household
from core.worklists import WorkItem
from geography.scoping import commune_codes_for_user
from support import selectors, services
from support.models import Kind, Loan, Record, Source
from support.services import FundingLine, LivelihoodDetails, LoanDetails
from tests.conftest import BINH_MINH, TAN_DONG
from tests.support.conftest import LAST_YEAR, NEW_YEAR, THIS_YEAR

TODAY = timezone.localdate()
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BOTH = [TAN_DONG, BINH_MINH]

# (programme, household, value, what happened, funding lines (source, donor, amount))
#   what happened: a delivery date, "planned" or "cancelled"
GIFT_SPLIT = (("state_budget", None, 333_333), ("donor", "phu_thanh", 166_667))
SPECS = [
    ("house", "poor", 90_000_000, NEW_YEAR, (("fund_for_poor", None, 60_000_000), ("donor", "red_cross", 30_000_000))),
    ("house", "khmer", 45_000_000, date(LAST_YEAR, 11, 5), (("fund_for_poor", None, 40_000_000), ("household", None, 5_000_000))),
    ("gift", "poor", 500_000, NEW_YEAR, GIFT_SPLIT),
    ("gift", "near_poor", 500_000, NEW_YEAR, GIFT_SPLIT),
    ("gift", "middle", 500_000, "planned", GIFT_SPLIT),
    ("gift", "khmer", 500_000, "cancelled", GIFT_SPLIT),
    ("livelihood", "near_poor", 30_000_000, date(LAST_YEAR, 8, 20), (("fund_for_poor", None, 25_000_000), ("household", None, 5_000_000))),
    ("loan", "khmer", 50_000_000, date(LAST_YEAR, 3, 15), (("state_budget", None, 50_000_000),)),
    ("bm_gift", "binh_minh", 400_000, NEW_YEAR, (("state_budget", None, 400_000),)),
]  # fmt: skip


def _details(kind, index, delivered):
    if kind == Kind.LOAN:
        return LoanDetails(contract_number=f"HĐ-{index}", loan_programme="Hộ nghèo", disbursed_on=delivered,
                           term_months=60, outstanding_vnd=40_000_000, balance_on=delivered)  # fmt: skip
    if kind == Kind.LIVELIHOOD:
        return LivelihoodDetails(asset="bò cái", quantity=2)
    return None


@pytest.fixture
def rows(programmes, registry, donors, officer, bm_officer) -> list[dict]:
    """The records of SPECS, created through the services; each as a plain dict for the expected sums."""
    created = []
    for index, (programme_key, household_key, value, happened, lines) in enumerate(SPECS):
        programme = getattr(programmes, programme_key)
        household = getattr(registry, household_key)
        user = bm_officer if programme.commune_id == BINH_MINH else officer
        delivered_on = happened if isinstance(happened, date) else None
        record = services.record_create(
            programme=programme, household=household, planned_on=delivered_on or NEW_YEAR, value_vnd=value,
            delivered_on=delivered_on, details=_details(programme.kind, index, delivered_on or NEW_YEAR),
            fundings=[FundingLine(s, a, getattr(donors, d) if d else None) for s, d, a in lines], acting_user=user,
        )  # fmt: skip
        if happened == "cancelled":
            services.record_cancel(record=record, reason="Vắng nhà", acting_user=user)
        created.append({
            "commune": programme.commune_id, "kind": programme.kind, "household": household.pk,
            "village": (household.village_id, household.village.name), "value": value,
            "delivered_on": delivered_on if happened not in ("planned", "cancelled") else None,
            "lines": [(s, getattr(donors, d) if d else None, a) for s, d, a in lines],
        })  # fmt: skip
    return created


def delivered(rows, codes, year=None) -> list[dict]:
    return [r for r in rows if r["delivered_on"] and r["commune"] in codes and year in (None, r["delivered_on"].year)]


def grouped(rows, key) -> dict:
    groups = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


SCOPES = [
    pytest.param([TAN_DONG], THIS_YEAR, id="tan-dong-this-year"),
    pytest.param([TAN_DONG], LAST_YEAR, id="tan-dong-last-year"),
    pytest.param([TAN_DONG], None, id="tan-dong-all-years"),
    pytest.param([BINH_MINH], THIS_YEAR, id="binh-minh"),
    pytest.param(BOTH, THIS_YEAR, id="province"),
    pytest.param(BOTH, None, id="province-all-years"),
]


@pytest.mark.parametrize(("codes", "year"), SCOPES)
def test_totals_by_kind(codes, year, rows, django_assert_num_queries):
    with django_assert_num_queries(1):
        totals = selectors.totals_by_kind(codes, year)
    expected = [
        {"kind": kind, "records": len(group), "households": len({r["household"] for r in group}),
         "value_vnd": sum(r["value"] for r in group), "label": Kind(kind).label}
        for kind, group in sorted(grouped(delivered(rows, codes, year), lambda r: r["kind"]).items())
    ]  # fmt: skip
    assert totals == expected


@pytest.mark.parametrize(("codes", "year"), SCOPES)
def test_totals_by_source(codes, year, rows, django_assert_num_queries):
    with django_assert_num_queries(1):
        totals = selectors.totals_by_source(codes, year)
    lines = [
        (source, donor, amount, id(r)) for r in delivered(rows, codes, year) for source, donor, amount in r["lines"]
    ]
    groups = grouped(lines, lambda line: (line[0], line[1]))
    expected = [
        {"source": source, "donor_id": donor.pk if donor else None, "donor__name": donor.name if donor else None,
         "value_vnd": sum(line[2] for line in group), "records": len({line[3] for line in group}),
         "label": donor.name if donor else Source(source).label}
        for (source, donor), group in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] and item[0][1].name))
    ]  # fmt: skip
    assert totals == expected


@pytest.mark.parametrize(("codes", "year"), SCOPES)
def test_totals_by_village(codes, year, rows, django_assert_num_queries):
    with django_assert_num_queries(1):
        totals = selectors.totals_by_village(codes, year)
    expected = {
        village: {"household__village_id": village[0], "household__village__name": village[1], "records": len(group),
                  "households": len({r["household"] for r in group}), "value_vnd": sum(r["value"] for r in group)}
        for village, group in grouped(delivered(rows, codes, year), lambda r: r["village"]).items()
    }  # fmt: skip
    # The order is the database's collation of Vietnamese names; the rows are compared by village.
    assert {(row["household__village_id"], row["household__village__name"]): row for row in totals} == expected
    assert len(totals) == len(expected)


@pytest.mark.parametrize("codes", [[TAN_DONG], [BINH_MINH], BOTH])
def test_totals_by_year(codes, rows, django_assert_num_queries):
    with django_assert_num_queries(1):
        totals = selectors.totals_by_year(codes)
    expected = [
        {"year": year, "kind": kind, "records": len(group), "value_vnd": sum(r["value"] for r in group)}
        for (year, kind), group in sorted(grouped(delivered(rows, codes), lambda r: (r["delivered_on"].year, r["kind"])).items())
    ]  # fmt: skip
    assert totals == expected


def test_totals_figures_spelled_out(rows):
    """The same figures written by hand: Bình Minh's gift never counts in Tân Đông's totals; planned and
    cancelled support never counts anywhere."""
    assert selectors.totals_by_kind([TAN_DONG], THIS_YEAR) == [
        {"kind": "gift", "records": 2, "households": 2, "value_vnd": 1_000_000, "label": "Gift distribution"},
        {"kind": "house", "records": 1, "households": 1, "value_vnd": 90_000_000, "label": "House build or repair"},
    ]
    assert selectors.totals_by_kind([BINH_MINH], THIS_YEAR) == [
        {"kind": "gift", "records": 1, "households": 1, "value_vnd": 400_000, "label": "Gift distribution"},
    ]
    assert [(r["label"], r["value_vnd"]) for r in selectors.totals_by_source([TAN_DONG])] == [
        ("Công ty TNHH Phú Thành", 333_334),
        ("Hội Chữ thập đỏ tỉnh", 30_000_000),
        ("Fund for the Poor", 125_000_000),
        ("Household's own contribution", 10_000_000),
        ("State budget", 50_666_666),
    ]


def test_totals_are_empty_for_a_commune_with_nothing(units, rows):
    assert selectors.totals_by_kind(["26734"]) == []
    assert selectors.totals_by_source(["26734"]) == []
    assert selectors.totals_by_village(["26734"]) == []
    assert selectors.totals_by_year(["26734"]) == []


def test_programme_totals_and_distribution_counts(rows, programmes, officer, registry, django_assert_num_queries):
    with django_assert_num_queries(2):
        totals = selectors.programme_totals(programmes.gift)
    assert totals == {
        "budget_vnd": 3_000_000, "delivered_vnd": 1_000_000, "delivered": 2, "planned_vnd": 500_000, "planned": 1,
        "households": 2,
    }  # fmt: skip
    distribution = services.distribution_create(
        programme=programmes.gift, name="Quà Tết", planned_on=NEW_YEAR, unit_value_vnd=500_000, acting_user=officer
    )
    services.distribution_add_recipients(
        distribution=distribution, criteria=services.RecipientFilter(year=THIS_YEAR, statuses=("poor", "near_poor")),
        acting_user=officer,
    )  # fmt: skip
    poor = Record.objects.get(distribution=distribution, household=registry.poor)
    services.distribution_deliver(
        distribution=distribution, record_ids=[poor.pk], delivered_on=NEW_YEAR, acting_user=officer
    )
    khmer = Record.objects.get(distribution=distribution, household=registry.khmer)
    services.record_cancel(record=khmer, reason="Vắng nhà", acting_user=officer)
    with django_assert_num_queries(1):
        counts = selectors.distribution_counts(distribution)
    assert counts == {"planned": 1, "delivered": 1, "cancelled": 1, "delivered_vnd": 500_000}


# --- Loans and check-ups ------------------------------------------------------------------------

# (household, amount, disbursed_on, term, outstanding, repayment, delivered?) — Tân Đông's loans
LOANS = {
    "A": ("poor", 50_000_000, date(LAST_YEAR, 3, 15), 60, 40_000_000, "current", True),  # current, due later
    "B": ("near_poor", 30_000_000, date(2021, 1, 10), 36, 12_000_000, "current", True),  # past due 10/01/2024, owes
    "C": ("khmer", 20_000_000, date(LAST_YEAR, 6, 1), 60, 20_000_000, "overdue", True),  # the bank says overdue
    "D": ("middle", 25_000_000, date(2020, 5, 5), 36, 0, "repaid", True),  # past due, repaid
    "E": ("elder", 10_000_000, date(LAST_YEAR, 9, 9), 24, 10_000_000, "current", False),  # planned: not lent yet
}


@pytest.fixture
def loans(programmes, registry, units, officer, bm_officer) -> dict:
    for contract, (household, amount, disbursed_on, term, outstanding, repayment, lent) in LOANS.items():
        services.record_create(
            programme=programmes.loan, household=getattr(registry, household), planned_on=disbursed_on,
            value_vnd=amount, delivered_on=disbursed_on if lent else None, acting_user=officer,
            details=LoanDetails(contract_number=contract, loan_programme="Hộ nghèo", disbursed_on=disbursed_on,
                                term_months=term, outstanding_vnd=outstanding, balance_on=disbursed_on, repayment=repayment),
        )  # fmt: skip
    bm_loans = services.programme_create(
        commune=units.binh_minh, kind=Kind.LOAN, name="Cho vay", year=THIS_YEAR,
        fundings=[FundingLine(Source.STATE_BUDGET, 100_000_000)], acting_user=bm_officer,
    )  # fmt: skip
    services.record_create(
        programme=bm_loans, household=registry.binh_minh, planned_on=date(2020, 1, 1), value_vnd=70_000_000,
        delivered_on=date(2020, 1, 1), acting_user=bm_officer,
        details=LoanDetails(contract_number="F", loan_programme="Hộ nghèo", disbursed_on=date(2020, 1, 1),
                            term_months=12, outstanding_vnd=70_000_000, balance_on=date(2020, 1, 1)),
    )  # fmt: skip
    return {loan.contract_number: loan for loan in Loan.objects.all()}


def test_loan_totals(loans, django_assert_num_queries):
    lent = [spec for spec in LOANS.values() if spec[6]]
    with django_assert_num_queries(1):
        totals = selectors.loan_totals([TAN_DONG])
    assert totals == {
        "loans": len(lent),
        "lent_vnd": sum(spec[1] for spec in lent),
        "balance_vnd": sum(spec[4] for spec in lent),
        "overdue": 2,
        "overdue_balance_vnd": LOANS["B"][4] + LOANS["C"][4],
    }
    assert totals == {"loans": 4, "lent_vnd": 125_000_000, "balance_vnd": 72_000_000, "overdue": 2,
                      "overdue_balance_vnd": 32_000_000}  # fmt: skip
    assert selectors.loan_totals([BINH_MINH]) == {
        "loans": 1, "lent_vnd": 70_000_000, "balance_vnd": 70_000_000, "overdue": 1, "overdue_balance_vnd": 70_000_000
    }  # fmt: skip
    assert selectors.loan_totals(["26734"]) == {
        "loans": 0, "lent_vnd": 0, "balance_vnd": 0, "overdue": 0, "overdue_balance_vnd": 0
    }  # fmt: skip


def test_overdue_loans(loans, django_assert_num_queries):
    with django_assert_num_queries(1):
        overdue = [
            (loan.contract_number, loan.record.household.code) for loan in selectors.overdue_loans([TAN_DONG], TODAY)
        ]
    assert sorted(overdue) == [("B", "TD-002"), ("C", "TD-004")]
    # Before B fell due, only the bank's word makes a loan overdue.
    assert [loan.contract_number for loan in selectors.overdue_loans([TAN_DONG], date(2024, 1, 10))] == ["C"]
    assert sorted(loan.contract_number for loan in selectors.overdue_loans([TAN_DONG], date(2024, 1, 11))) == ["B", "C"]
    assert [loan.contract_number for loan in selectors.overdue_loans([BINH_MINH], TODAY)] == ["F"]


def test_checkup_totals(programmes, units, donors, officer, bm_officer, django_assert_num_queries):
    services.programme_create(
        commune=units.tan_dong, kind=Kind.CHECKUP, name="Khám mắt", year=LAST_YEAR, attendees=100, acting_user=officer,
        fundings=[FundingLine(Source.STATE_BUDGET, 20_000_000), FundingLine(Source.DONOR, 5_000_000, donors.phu_thanh)],
    )  # fmt: skip
    services.programme_create(
        commune=units.tan_dong, kind=Kind.CHECKUP, name="Khám răng", year=LAST_YEAR, acting_user=officer,
        fundings=[FundingLine(Source.STATE_BUDGET, 3_000_000)],
    )  # fmt: skip
    services.programme_create(
        commune=units.binh_minh, kind=Kind.CHECKUP, name="Khám bệnh", year=THIS_YEAR, attendees=50,
        fundings=[FundingLine(Source.STATE_BUDGET, 10_000_000)], acting_user=bm_officer,
    )  # fmt: skip
    with django_assert_num_queries(1):
        this_year = selectors.checkup_totals([TAN_DONG], THIS_YEAR)
    assert this_year == {"programmes": 1, "attendees": 320, "cost_vnd": 50_000_000}
    # Two funding lines never count a day's attendees twice; a day without a count adds none.
    assert selectors.checkup_totals([TAN_DONG], LAST_YEAR) == {
        "programmes": 2,
        "attendees": 100,
        "cost_vnd": 28_000_000,
    }
    assert selectors.checkup_totals([TAN_DONG]) == {"programmes": 3, "attendees": 420, "cost_vnd": 78_000_000}
    assert selectors.checkup_totals(BOTH, THIS_YEAR) == {"programmes": 2, "attendees": 370, "cost_vnd": 60_000_000}
    assert selectors.checkup_totals(["26734"]) == {"programmes": 0, "attendees": 0, "cost_vnd": 0}


# --- Work lists ---------------------------------------------------------------------------------


def _give(programme, household, user, delivered_on=None, **extra):
    return services.record_create(
        programme=programme, household=household, planned_on=delivered_on or NEW_YEAR, value_vnd=500_000,
        delivered_on=delivered_on, acting_user=user, **extra,
    )  # fmt: skip


def test_unsupported_poor_households(programmes, registry, units, officer, bm_officer, django_assert_num_queries):
    last_years = services.programme_create(
        commune=units.tan_dong, kind=Kind.GIFT, name="Quà Tết", year=LAST_YEAR,
        fundings=[FundingLine(Source.STATE_BUDGET, 1_000_000)], acting_user=officer,
    )  # fmt: skip
    _give(last_years, registry.poor, officer, delivered_on=date(LAST_YEAR, 12, 31))  # supported last year only
    _give(programmes.gift, registry.poor, officer)  # planned this year: not support yet
    services.record_cancel(record=_give(programmes.gift, registry.khmer, officer), reason="Vắng", acting_user=officer)
    _give(programmes.gift, registry.near_poor, officer, delivered_on=NEW_YEAR)  # near-poor, supported this year
    _give(programmes.gift, registry.middle, officer, delivered_on=NEW_YEAR)
    with django_assert_num_queries(1):
        listed = [household.code for household in selectors.unsupported_poor_households([TAN_DONG], THIS_YEAR)]
    # TD-003 is middle-income, TD-005 has no status, TD-006 is dissolved; BM-001 is Bình Minh's.
    assert sorted(listed) == ["TD-001", "TD-004"]
    # Last year TD-001 (poor) was supported; TD-003 (near-poor then) was not.
    assert [h.code for h in selectors.unsupported_poor_households([TAN_DONG], LAST_YEAR)] == ["TD-003"]
    assert [h.code for h in selectors.unsupported_poor_households([BINH_MINH], THIS_YEAR)] == ["BM-001"]
    _give(programmes.bm_gift, registry.binh_minh, bm_officer, delivered_on=NEW_YEAR)
    assert sorted(h.code for h in selectors.unsupported_poor_households(BOTH, THIS_YEAR)) == ["TD-001", "TD-004"]


def test_a_delivery_in_a_later_year_does_not_count_for_this_one(programmes, registry, officer):
    _give(programmes.gift, registry.poor, officer, delivered_on=date(LAST_YEAR, 12, 31))
    assert "TD-001" in [h.code for h in selectors.unsupported_poor_households([TAN_DONG], THIS_YEAR)]
    assert "TD-001" not in [h.code for h in selectors.unsupported_poor_households([TAN_DONG], LAST_YEAR)]


def _cattle(programmes, household, user, delivered_on):
    return services.record_create(
        programme=programmes.livelihood, household=household, planned_on=delivered_on or NEW_YEAR,
        value_vnd=30_000_000, delivered_on=delivered_on, details=LivelihoodDetails(asset="bò cái", quantity=2),
        acting_user=user,
    )  # fmt: skip


def test_visits_due(programmes, registry, units, officer, bm_officer, django_assert_num_queries):
    delivered = _cattle(programmes, registry.near_poor, officer, date(LAST_YEAR, 5, 10))  # due 1 November last year
    _cattle(programmes, registry.poor, officer, None)  # planned: no visit due
    bm_programme = services.programme_create(
        commune=units.binh_minh, kind=Kind.LIVELIHOOD, name="Nuôi bò", year=LAST_YEAR,
        fundings=[FundingLine(Source.STATE_BUDGET, 30_000_000)], acting_user=bm_officer,
    )  # fmt: skip
    services.record_create(
        programme=bm_programme, household=registry.binh_minh, planned_on=date(LAST_YEAR, 1, 1), value_vnd=30_000_000,
        delivered_on=date(LAST_YEAR, 1, 1), details=LivelihoodDetails(asset="bò"), acting_user=bm_officer,
    )  # fmt: skip
    assert list(selectors.visits_due([TAN_DONG], date(LAST_YEAR, 10, 31))) == []
    with django_assert_num_queries(1):
        due = [(lv.record.household.code, lv.record.programme.name, lv.next_visit_due)
               for lv in selectors.visits_due([TAN_DONG], date(LAST_YEAR, 11, 1))]  # fmt: skip
    assert due == [("TD-002", "Mô hình nuôi bò", date(LAST_YEAR, 11, 1))]
    assert [lv.record.household.code for lv in selectors.visits_due([BINH_MINH], TODAY)] == ["BM-001"]
    services.visit_record(record=delivered, visited_on=date(LAST_YEAR, 11, 20), outcome="stable", acting_user=officer)
    assert list(selectors.visits_due([TAN_DONG], date(THIS_YEAR, 4, 30))) == []
    assert [lv.pk for lv in selectors.visits_due([TAN_DONG], date(THIS_YEAR, 5, 1))] == [delivered.pk]
    services.visit_record(record=delivered, visited_on=date(LAST_YEAR, 12, 1), outcome="lost", acting_user=officer)
    assert list(selectors.visits_due([TAN_DONG], date(THIS_YEAR + 5, 1, 1))) == []


# --- The household page -------------------------------------------------------------------------


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=HCM)


@translation.override("en")  # English titles and numbers, whatever an earlier test left active
def test_household_support_timeline(rows, programmes, registry, officer, django_assert_num_queries):
    wife = registry.poor.memberships.get(person__full_name="Lê Thị Mai").person
    services.record_create(
        programme=programmes.gift, household=registry.poor, person=wife, planned_on=date(THIS_YEAR, 1, 1),
        in_kind="1 bao gạo", acting_user=officer,
    )  # fmt: skip
    with django_assert_num_queries(1):
        entries = selectors.household_support_timeline(registry.poor.pk)
    common = {"actor": "Nguyễn Thị Lan", "source": "Support, Xã Tân Đông"}
    assert entries == [
        TimelineEntry(occurred_at=noon(NEW_YEAR), title=f"Gift distribution: Quà Tết {THIS_YEAR} (planned)",
                      detail="1 bao gạo · Lê Thị Mai", **common),
        TimelineEntry(occurred_at=noon(NEW_YEAR), title=f"Gift distribution: Quà Tết {THIS_YEAR} (delivered)",
                      detail="500,000 đ", **common),
        TimelineEntry(occurred_at=noon(NEW_YEAR), title=f"House build or repair: Nhà đại đoàn kết {THIS_YEAR} (delivered)",
                      detail="90,000,000 đ", **common),
    ]  # fmt: skip
    # The cancelled gift of TD-004 is not on its timeline; its house and loan are.
    assert [e.title for e in selectors.household_support_timeline(registry.khmer.pk)] == [
        f"House build or repair: Nhà đại đoàn kết {THIS_YEAR} (delivered)",
        "Preferential loan: Cho vay hộ nghèo (delivered)",
    ]
    assert selectors.household_support_timeline(registry.elder.pk) == []


def test_household_support_timeline_is_one_query_whatever_the_records(
    programmes, registry, officer, django_assert_num_queries
):
    for count in (1, 8):
        while Record.objects.filter(household=registry.middle).count() < count:
            _give(programmes.gift, registry.middle, officer, delivered_on=NEW_YEAR)
        with django_assert_num_queries(1):
            assert len(selectors.household_support_timeline(registry.middle.pk)) == count
        with django_assert_num_queries(1):
            selectors.household_support_panel(registry.middle.pk)


@translation.override("en")
def test_household_support_panel(rows, registry, django_assert_num_queries):
    with django_assert_num_queries(1):
        panel = selectors.household_support_panel(registry.poor.pk)
    assert panel == HouseholdPanel(
        title="Support received by year", rows=[(str(THIS_YEAR), "90,500,000 đ (2 records)")],
        empty="No support delivered yet.",
    )  # fmt: skip
    assert selectors.household_support_panel(registry.khmer.pk).rows == [(str(LAST_YEAR), "95,000,000 đ (2 records)")]
    assert selectors.household_support_panel(registry.near_poor.pk).rows == [
        (str(THIS_YEAR), "500,000 đ (1 record)"),
        (str(LAST_YEAR), "30,000,000 đ (1 record)"),
    ]
    assert selectors.household_support_panel(registry.middle.pk).rows == []  # its gift is only planned


# --- Scope of the lists and the worklist --------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "communes"),
    [
        ("tandong_officer", {TAN_DONG}),
        ("tandong_chair", {TAN_DONG}),
        ("binhminh_officer", {BINH_MINH}),
        ("tayninh_province", {TAN_DONG, BINH_MINH}),
        ("hcm_province", set()),
        ("admin", {TAN_DONG, BINH_MINH}),
    ],
)
def test_lists_are_scoped(role, communes, rows, users, programmes, officer):
    services.distribution_create(
        programme=programmes.gift, name="Quà", planned_on=NEW_YEAR, unit_value_vnd=1, acting_user=officer
    )
    user = users[role]
    assert {r.commune_id for r in selectors.records_for_user(user)} == communes
    assert {p.commune_id for p in selectors.programmes_for_user(user)} == communes
    assert {d.commune_id for d in selectors.distributions_for_user(user)} == communes & {TAN_DONG}
    assert selectors.records_for_user(user).count() == sum(1 for r in rows if r["commune"] in communes)


@pytest.mark.parametrize("role", ["tandong_chair", "tandong_committee", "tayninh_province", "admin"])
def test_the_worklist_is_the_officers(role, users, programmes, registry):
    assert selectors.support_worklist(users[role]) == []


def test_worklist_counts_through_the_selectors(loans, programmes, registry, officer):
    """The three counts the officer's worklist shows, for Tân Đông today."""
    _cattle(programmes, registry.near_poor, officer, date(LAST_YEAR, 5, 10))
    assert sorted(h.code for h in selectors.unsupported_poor_households([TAN_DONG], TODAY.year)) == [
        "TD-001",
        "TD-002",
        "TD-004",
    ]
    assert selectors.visits_due([TAN_DONG], TODAY).count() == 1
    assert selectors.overdue_loans([TAN_DONG], TODAY).count() == 2


def test_worklist_items_of_the_officer(loans, programmes, registry, officer, users):
    _cattle(programmes, registry.near_poor, officer, date(LAST_YEAR, 5, 10))
    try:
        url = reverse("support:worklist")
    except NoReverseMatch:  # the pages land with their own session; this fails until they do
        pytest.fail("support:worklist is not a URL yet")
    assert selectors.support_worklist(officer) == [
        WorkItem(title="Poor and near-poor households with no support this year", url=f"{url}#unsupported", count=3),
        WorkItem(title="Livelihood models due a follow-up visit", url=f"{url}#visits", count=1),
        WorkItem(title="Preferential loans overdue", url=f"{url}#loans", count=2),
    ]
    # Bình Minh's officer sees Bình Minh's: its poor household and its overdue loan, no visit due.
    assert selectors.support_worklist(users["binhminh_officer"]) == [
        WorkItem(title="Poor and near-poor households with no support this year", url=f"{url}#unsupported", count=1),
        WorkItem(title="Preferential loans overdue", url=f"{url}#loans", count=1),
    ]


def test_the_lists_read_their_related_rows_in_one_query(rows, users, programmes, officer, django_assert_num_queries):
    services.distribution_create(
        programme=programmes.gift, name="Quà", planned_on=NEW_YEAR, unit_value_vnd=1, acting_user=officer
    )
    user = users["tayninh_province"]
    commune_codes_for_user(user)  # read once per request, cached on the user
    with django_assert_num_queries(1):
        listed = [(r.programme.name, r.household.code, r.person) for r in selectors.records_for_user(user)]
    assert len(listed) == len(SPECS)
    with django_assert_num_queries(1):
        assert len([p.commune.name for p in selectors.programmes_for_user(user)]) == 6
    with django_assert_num_queries(1):
        assert [(d.programme.name, d.commune.name) for d in selectors.distributions_for_user(user)] == [
            (f"Quà Tết {THIS_YEAR}", "Xã Tân Đông")
        ]


def test_the_household_page_gathers_support_through_the_core_registries(rows, registry):
    """The household page asks core.timeline, never support: the app registered its provider and panel."""
    titles = [entry.title for entry in timeline_for_household(registry.poor.pk)]
    assert f"House build or repair: Nhà đại đoàn kết {THIS_YEAR} (delivered)" in titles
    assert selectors.household_support_panel(registry.poor.pk) in panels_for_household(registry.poor.pk)
