"""Every service of support programmes: what it writes (rows and events, exact values), and every
refusal with nothing changed (wrong role, wrong commune, bad input, wrong order)."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from beneficiaries.models import Case, CaseCategory
from households.models import Membership, PovertyStatus
from support import services
from support.models import (
    Distribution,
    Donor,
    Evidence,
    FollowUpVisit,
    Funding,
    House,
    HouseCost,
    Kind,
    Livelihood,
    Loan,
    Programme,
    Record,
    RecordFunding,
    Source,
    SupportEvent,
)
from support.services import FundingLine, HouseDetails, LivelihoodDetails, LoanDetails, RecipientFilter
from tests.support.conftest import LAST_YEAR, NEW_YEAR, THIS_YEAR

TODAY = timezone.localdate()
TOMORROW = TODAY + timedelta(days=1)
EV = SupportEvent.EventKind


def state() -> dict:
    """Everything a support service may write."""
    return {
        "programmes": list(
            Programme.objects.order_by("pk").values_list(
                "pk", "commune", "kind", "name", "year", "organiser", "target_group", "description", "attendees"
            )
        ),
        "fundings": list(
            Funding.objects.order_by("pk").values_list("pk", "programme", "source", "donor", "amount_vnd")
        ),
        "distributions": list(
            Distribution.objects.order_by("pk").values_list("pk", "status", "name", "unit_value_vnd")
        ),
        "records": list(
            Record.objects.order_by("pk").values_list(
                "pk",
                "programme",
                "household",
                "person",
                "distribution",
                "status",
                "planned_on",
                "delivered_on",
                "value_vnd",
                "in_kind",
            )
        ),  # fmt: skip
        "record_fundings": list(
            RecordFunding.objects.order_by("pk").values_list("record", "source", "donor", "amount_vnd")
        ),
        "houses": list(House.objects.order_by("pk").values_list("pk", "work", "started_on", "completed_on")),
        "house_costs": list(HouseCost.objects.order_by("pk").values_list("house", "item", "amount_vnd")),
        "loans": list(
            Loan.objects.order_by("pk").values_list(
                "pk", "bank", "contract_number", "due_on", "outstanding_vnd", "balance_on", "repayment"
            )
        ),
        "livelihoods": list(Livelihood.objects.order_by("pk").values_list("pk", "asset", "quantity", "next_visit_due")),
        "visits": list(FollowUpVisit.objects.order_by("pk").values_list("livelihood", "visited_on", "outcome")),
        "evidence": list(Evidence.objects.order_by("pk").values_list("record", "distribution", "kind", "file")),
        "donors": list(Donor.objects.order_by("pk").values_list("pk", "province", "name", "kind", "contact", "note")),
        "events": SupportEvent.objects.count(),
    }


def refused(call, **kwargs) -> dict:
    """Run a service that must refuse with a ValidationError and change nothing; return its messages."""
    before = state()
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    assert state() == before
    return error.value.message_dict


def forbidden(call, **kwargs) -> None:
    """Run a service that must refuse with PermissionDenied and change nothing."""
    before = state()
    with pytest.raises(PermissionDenied):
        call(**kwargs)
    assert state() == before


def events(**filters) -> list:
    return list(
        SupportEvent.objects.filter(**filters)
        .order_by("id")
        .values_list("kind", "actor__username", "commune", "reason", "data")
    )


def fundings_of(record) -> list:
    return list(
        RecordFunding.objects.filter(record=record).order_by("id").values_list("source", "donor__name", "amount_vnd")
    )


# --- Donors -------------------------------------------------------------------------------------


def test_donor_save_registers_and_changes_a_donor(units, officer):
    donor = services.donor_save(
        province=units.tay_ninh, name="  Công ty   TNHH  Minh Phát ", kind="business", contact=" Ông Tư, 0909 123 456 ",
        acting_user=officer,
    )  # fmt: skip
    assert Donor.objects.filter(pk=donor.pk).values_list("province", "name", "kind", "contact").get() == (
        "80", "Công ty TNHH Minh Phát", "business", "Ông Tư, 0909 123 456",
    )  # fmt: skip
    services.donor_save(
        province=units.tay_ninh, name="Công ty TNHH Minh Phát", kind="charity", donor=donor, acting_user=officer
    )
    assert Donor.objects.filter(pk=donor.pk).values_list("name", "kind", "contact").get() == (
        "Công ty TNHH Minh Phát", "charity", "",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kind", "problems"),
    [
        (
            "công ty tnhh phú thành",
            "business",
            {"name": ["a donor of this name is already registered in the province"]},
        ),
        ("   ", "business", {"name": ["is required"]}),
        ("Quỹ Bảo trợ", "bank", {"kind": ["unknown kind"]}),
    ],
)
def test_donor_save_refusals_change_nothing(name, kind, problems, donors, units, officer):
    assert refused(services.donor_save, province=units.tay_ninh, name=name, kind=kind, acting_user=officer) == problems


def test_the_same_donor_name_in_another_province(donors, units, users):
    donor = services.donor_save(
        province=units.other_province, name="Công ty TNHH Phú Thành", kind="business", acting_user=users["admin"]
    )
    assert donor.province_id == "79"


@pytest.mark.parametrize("role", ["tandong_chair", "tandong_committee", "tayninh_province"])
def test_donor_save_is_the_officers(role, users, units):
    forbidden(services.donor_save, province=units.tay_ninh, name="Quỹ", kind="charity", acting_user=users[role])


def test_an_officer_registers_donors_of_their_own_province_only(units, officer):
    forbidden(services.donor_save, province=units.other_province, name="Quỹ", kind="charity", acting_user=officer)


# --- Programmes ---------------------------------------------------------------------------------


def test_programme_create_writes_the_programme_its_funding_and_an_event(units, donors, officer):
    programme = services.programme_create(
        commune=units.tan_dong,
        kind=Kind.HOUSE,
        name="  Nhà đại đoàn kết 2026 ",
        year=2026,
        fundings=[
            FundingLine(Source.FUND_FOR_POOR, 540_000_000),
            FundingLine(Source.DONOR, 270_000_000, donors.phu_thanh),
            FundingLine(Source.HOUSEHOLD, 9_000_000),
        ],
        organiser="Ủy ban MTTQ xã",
        target_group="Hộ nghèo có nhà dột nát",
        acting_user=officer,
    )
    assert Programme.objects.filter(pk=programme.pk).values_list(
        "commune", "kind", "name", "year", "organiser", "target_group", "attendees", "created_by__username"
    ).get() == ("25522", "house", "Nhà đại đoàn kết 2026", 2026, "Ủy ban MTTQ xã", "Hộ nghèo có nhà dột nát", None,
                "tandong.officer")  # fmt: skip
    assert list(programme.fundings.order_by("id").values_list("source", "donor__name", "amount_vnd")) == [
        ("fund_for_poor", None, 540_000_000),
        ("donor", "Công ty TNHH Phú Thành", 270_000_000),
        ("household", None, 9_000_000),
    ]
    assert events(programme=programme) == [(EV.PROGRAMME_CREATED, "tandong.officer", "25522", "", {})]


def test_a_check_up_counts_its_attendees(units, donors, officer):
    programme = services.programme_create(
        commune=units.tan_dong, kind=Kind.CHECKUP, name="Khám bệnh", year=2026, attendees=1_200,
        fundings=[FundingLine(Source.DONOR, 870_000_000, donors.red_cross)], acting_user=officer,
    )  # fmt: skip
    assert Programme.objects.get(pk=programme.pk).attendees == 1_200


def test_the_same_name_is_allowed_in_another_year_or_commune(programmes, officer, units):
    # The fixture already made "Quà Tết <year>" in both Tân Đông and Bình Minh.
    assert programmes.gift.name == programmes.bm_gift.name
    again = services.programme_create(
        commune=units.tan_dong, kind=Kind.GIFT, name=programmes.gift.name, year=THIS_YEAR + 1,
        fundings=[FundingLine(Source.STATE_BUDGET, 1)], acting_user=officer,
    )  # fmt: skip
    assert again.year == THIS_YEAR + 1


SOURCE_BOTH = "a donor is named when, and only when, the source is a donor"


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        pytest.param(
            {"fundings": lambda d: []}, {"fundings": ["name at least one source of funding"]}, id="no-funding"
        ),
        pytest.param(
            {"fundings": lambda d: [FundingLine(Source.DONOR, 1_000)]}, {"fundings": [SOURCE_BOTH]}, id="donor-missing"
        ),
        pytest.param(
            {"fundings": lambda d: [FundingLine(Source.STATE_BUDGET, 1_000, d.phu_thanh)]},
            {"fundings": [SOURCE_BOTH]},
            id="donor-on-state-budget",
        ),
        pytest.param(
            {"fundings": lambda d: [FundingLine(Source.DONOR, 1_000, d.saigon)]},
            {"fundings": ["the donor “Công ty CP Sài Gòn Xanh” is registered in another province"]},
            id="donor-of-another-province",
        ),
        pytest.param(
            {"fundings": lambda d: [FundingLine(Source.STATE_BUDGET, 0)]},
            {"fundings": ["every amount must be more than 0 đồng"]},
            id="zero-amount",
        ),
        pytest.param(
            {"fundings": lambda d: [FundingLine(Source.STATE_BUDGET, 5), FundingLine(Source.STATE_BUDGET, 6)]},
            {"fundings": ["the same source is listed twice"]},
            id="source-twice",
        ),
        pytest.param(
            {"fundings": lambda d: [FundingLine("lottery", 5)]},
            {"fundings": ["unknown source “lottery”"]},
            id="unknown-source",
        ),
        pytest.param(
            {"attendees": 40}, {"attendees": ["only a medical check-up counts attendees"]}, id="attendees-of-gift"
        ),
        pytest.param(
            {"name": "Quà Tết {year}"},
            {"name": ["the commune already has a programme of this name this year"]},
            id="duplicate-name",
        ),
        pytest.param({"name": "  "}, {"name": ["is required"]}, id="no-name"),
        pytest.param({"year": 1999}, {"year": ["must be a year between 2000 and 2100"]}, id="year"),
        pytest.param({"kind": "lottery"}, {"kind": ["unknown kind"]}, id="kind"),
    ],
)
def test_programme_create_refusals_change_nothing(change, problems, programmes, donors, units, officer):
    kwargs = {
        "commune": units.tan_dong, "kind": Kind.GIFT, "name": "Quà Trung thu", "year": THIS_YEAR,
        "fundings": [FundingLine(Source.STATE_BUDGET, 1_000_000)], "acting_user": officer,
    }  # fmt: skip
    for key, value in change.items():
        kwargs[key] = value(donors) if callable(value) else value
    if isinstance(kwargs["name"], str):
        kwargs["name"] = kwargs["name"].format(year=THIS_YEAR)
    assert refused(services.programme_create, **kwargs) == problems


@pytest.mark.parametrize("role", ["tandong_committee", "tandong_chair", "tayninh_province", "binhminh_officer"])
def test_programme_create_is_the_officers_of_the_commune(role, users, units, donors):
    forbidden(
        services.programme_create, commune=units.tan_dong, kind=Kind.GIFT, name="Quà", year=THIS_YEAR,
        fundings=[FundingLine(Source.STATE_BUDGET, 1_000_000)], acting_user=users[role],
    )  # fmt: skip


def test_programme_update_replaces_the_funding_and_records_why(programmes, donors, officer):
    programme = services.programme_update(
        programme=programmes.checkup,
        name="Khám bệnh, cấp thuốc miễn phí",
        fundings=[
            FundingLine(Source.DONOR, 60_000_000, donors.red_cross),
            FundingLine(Source.STATE_BUDGET, 10_000_000),
        ],
        organiser="Trạm y tế xã",
        attendees=410,
        reason="Thêm kinh phí thuốc",
        acting_user=officer,
    )
    assert Programme.objects.filter(pk=programme.pk).values_list("name", "organiser", "attendees", "kind", "year").get() == (
        "Khám bệnh, cấp thuốc miễn phí", "Trạm y tế xã", 410, "checkup", THIS_YEAR,
    )  # fmt: skip
    assert list(programme.fundings.order_by("id").values_list("source", "donor__name", "amount_vnd")) == [
        ("donor", "Hội Chữ thập đỏ tỉnh", 60_000_000),
        ("state_budget", None, 10_000_000),
    ]
    assert events(programme=programme) == [
        (EV.PROGRAMME_CREATED, "tandong.officer", "25522", "", {}),
        (EV.PROGRAMME_CHANGED, "tandong.officer", "25522", "Thêm kinh phí thuốc", {}),
    ]


def test_programme_update_keeps_its_own_name(programmes, officer):
    services.programme_update(
        programme=programmes.loan, name=programmes.loan.name, fundings=[FundingLine(Source.STATE_BUDGET, 7)],
        acting_user=officer,
    )  # fmt: skip
    assert Funding.objects.filter(programme=programmes.loan).values_list("amount_vnd", flat=True).get() == 7


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        ({"name": "Mô hình nuôi bò"}, {"name": ["the commune already has a programme of this name this year"]}),
        ({"attendees": 10}, {"attendees": ["only a medical check-up counts attendees"]}),
        ({"fundings": []}, {"fundings": ["name at least one source of funding"]}),
    ],
)
def test_programme_update_refusals_change_nothing(change, problems, programmes, officer):
    kwargs = {
        "programme": programmes.loan, "name": "Vay vốn", "fundings": [FundingLine(Source.STATE_BUDGET, 7)],
        "acting_user": officer, **change,
    }  # fmt: skip
    assert refused(services.programme_update, **kwargs) == problems


def test_programme_update_refuses_a_donor_of_another_province(programmes, donors, officer):
    assert refused(
        services.programme_update, programme=programmes.loan, name="Vay vốn",
        fundings=[FundingLine(Source.DONOR, 7, donors.saigon)], acting_user=officer,
    ) == {"fundings": ["the donor “Công ty CP Sài Gòn Xanh” is registered in another province"]}  # fmt: skip


@pytest.mark.parametrize("role", ["tandong_committee", "tandong_chair", "tayninh_province", "binhminh_officer"])
def test_programme_update_is_the_officers_of_the_commune(role, users, programmes):
    forbidden(
        services.programme_update, programme=programmes.loan, name="Vay vốn",
        fundings=[FundingLine(Source.STATE_BUDGET, 7)], acting_user=users[role],
    )  # fmt: skip


# --- Proportional split -------------------------------------------------------------------------


def _lines(*amounts):
    return [FundingLine(f"s{i}", amount) for i, amount in enumerate(amounts)]


@pytest.mark.parametrize(
    ("value", "amounts", "expected"),
    [
        (500_000, (2_000_000, 1_000_000), [("s0", 333_333), ("s1", 166_667)]),
        (90_000_000, (120_000_000, 60_000_000), [("s0", 60_000_000), ("s1", 30_000_000)]),
        (100, (1, 1, 1), [("s0", 34), ("s1", 33), ("s2", 33)]),  # equal remainders: the first line first
        (2, (1, 1, 1), [("s0", 1), ("s1", 1)]),  # a source whose share rounds to 0 gets no line
        (10, (1, 2, 7), [("s0", 1), ("s1", 2), ("s2", 7)]),
        (7, (10,), [("s0", 7)]),
        (0, (10, 20), []),
        (1_000, (), []),
    ],
)
def test_proportional_split(value, amounts, expected):
    split = services.proportional_split(value, _lines(*amounts))
    assert [(line.source, line.amount_vnd) for line in split] == expected


def test_proportional_split_keeps_the_donor():
    donor = object()
    split = services.proportional_split(3, [FundingLine(Source.DONOR, 1, donor), FundingLine(Source.STATE_BUDGET, 2)])
    assert split == [FundingLine(Source.DONOR, 1, donor), FundingLine(Source.STATE_BUDGET, 2)]


@settings(max_examples=400, deadline=None)
@given(
    value=st.integers(min_value=1, max_value=10**12),
    amounts=st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=8),
)
@example(value=1, amounts=[1, 1, 1, 1])
@example(value=10**12, amounts=[1, 10**12 - 1])
def test_proportional_split_property(value, amounts):
    split = services.proportional_split(value, _lines(*amounts))
    total = sum(amounts)
    assert sum(line.amount_vnd for line in split) == value
    assert all(line.amount_vnd > 0 for line in split)
    by_source = {line.source: line.amount_vnd for line in split}
    assert len(by_source) == len(split)  # one line per source, in the sources' order
    assert [line.source for line in split] == [f"s{i}" for i in range(len(amounts)) if f"s{i}" in by_source]
    for i, amount in enumerate(amounts):
        exact = Fraction(value * amount, total)
        assert abs(by_source.get(f"s{i}", 0) - exact) < 1


# --- Records ------------------------------------------------------------------------------------

COSTS = (("Vật liệu xây dựng", 60_000_000), ("Nhân công", 25_000_000), ("Đóng góp ngày công", 5_000_000))


def house(programmes, registry, officer, **extra):
    values = {
        "programme": programmes.house, "household": registry.poor, "planned_on": date(LAST_YEAR, 10, 1),
        "value_vnd": 90_000_000, "delivered_on": NEW_YEAR, "acting_user": officer,
        "details": HouseDetails(floor_area_m2=Decimal("42.5"), started_on=date(LAST_YEAR, 10, 5), completed_on=NEW_YEAR,
                                costs=COSTS),
    }  # fmt: skip
    return services.record_create(**{**values, **extra})


def loan_details(**extra) -> LoanDetails:
    values = {
        "contract_number": "7500-LAV-2025-0012", "loan_programme": "Cho vay hộ nghèo", "disbursed_on": date(2025, 3, 15),
        "term_months": 36, "outstanding_vnd": 40_000_000, "balance_on": date(2025, 12, 31),
    }  # fmt: skip
    return LoanDetails(**{**values, **extra})


def loan(programmes, registry, officer, household=None, **extra):
    values = {
        "programme": programmes.loan, "household": household or registry.poor, "planned_on": date(2025, 3, 15),
        "value_vnd": 50_000_000, "delivered_on": date(2025, 3, 15), "details": loan_details(), "acting_user": officer,
    }  # fmt: skip
    return services.record_create(**{**values, **extra})


def cattle(programmes, registry, officer, **extra):
    values = {
        "programme": programmes.livelihood, "household": registry.near_poor, "planned_on": date(2025, 8, 1),
        "value_vnd": 30_000_000, "in_kind": "2 bò cái sinh sản", "delivered_on": date(2025, 8, 20),
        "details": LivelihoodDetails(asset="bò cái", quantity=2, follow_up_months=6), "acting_user": officer,
    }  # fmt: skip
    return services.record_create(**{**values, **extra})


def gift(programmes, registry, officer, household=None, **extra):
    values = {
        "programme": programmes.gift, "household": household or registry.poor, "planned_on": NEW_YEAR,
        "value_vnd": 500_000, "acting_user": officer,
    }  # fmt: skip
    return services.record_create(**{**values, **extra})


def test_record_create_house_with_its_costs_and_the_programmes_split(programmes, registry, officer):
    record = house(programmes, registry, officer)
    assert Record.objects.filter(pk=record.pk).values_list(
        "programme", "commune", "kind", "household", "person", "status", "planned_on", "delivered_on", "value_vnd",
        "created_by__username",
    ).get() == (programmes.house.pk, "25522", "house", registry.poor.pk, None, "delivered", date(LAST_YEAR, 10, 1),
                NEW_YEAR, 90_000_000, "tandong.officer")  # fmt: skip
    assert House.objects.filter(record=record).values_list("work", "floor_area_m2", "started_on", "completed_on").get() == (
        "build", Decimal("42.5"), date(LAST_YEAR, 10, 5), NEW_YEAR,
    )  # fmt: skip
    assert list(HouseCost.objects.filter(house__record=record).values_list("item", "amount_vnd")) == list(COSTS)
    # The programme's 120M : 60M split, applied to 90M.
    assert fundings_of(record) == [("fund_for_poor", None, 60_000_000), ("donor", "Hội Chữ thập đỏ tỉnh", 30_000_000)]
    assert events(record=record) == [(EV.RECORD_DELIVERED, "tandong.officer", "25522", "", {"value_vnd": 90_000_000})]


def test_a_house_without_details_is_allowed(programmes, registry, officer):
    record = house(programmes, registry, officer, details=None, delivered_on=None)
    assert (record.status, hasattr(record, "house")) == ("planned", False)
    assert events(record=record) == [(EV.RECORD_PLANNED, "tandong.officer", "25522", "", {"value_vnd": 90_000_000})]


def test_house_costs_must_add_up_to_the_value(programmes, registry, officer):
    details = HouseDetails(costs=(("Vật liệu", 60_000_000), ("Nhân công", 20_000_000)))
    assert refused(house, programmes=programmes, registry=registry, officer=officer, details=details) == {
        "costs": ["the cost lines add up to 80,000,000 đồng, not the value 90,000,000 đồng"]
    }


def test_a_house_is_not_completed_before_it_starts(programmes, registry, officer):
    details = HouseDetails(started_on=date(2025, 5, 1), completed_on=date(2025, 4, 30))
    assert refused(house, programmes=programmes, registry=registry, officer=officer, details=details) == {
        "completed_on": ["must not be before the start"]
    }


@pytest.mark.parametrize(
    "costs",
    [
        (("Vật liệu", 100_000_000), ("Giảm giá", -10_000_000)),
        (("Vật liệu", 90_000_000), ("Nhân công", 0)),
        (("Vật liệu", 60_000_000), ("  ", 30_000_000)),
    ],
)
def test_every_cost_line_names_an_item_and_a_positive_amount(costs, programmes, registry, officer):
    details = HouseDetails(costs=costs)
    assert refused(house, programmes=programmes, registry=registry, officer=officer, details=details) == {
        "costs": ["every cost line needs an item and an amount of more than 0 đồng"]
    }


def test_record_create_loan(programmes, registry, officer):
    record = loan(programmes, registry, officer)
    assert Loan.objects.filter(record=record).values_list(
        "bank", "contract_number", "loan_programme", "disbursed_on", "term_months", "due_on", "outstanding_vnd",
        "balance_on", "repayment",
    ).get() == ("NHCSXH", "7500-LAV-2025-0012", "Cho vay hộ nghèo", date(2025, 3, 15), 36, date(2028, 3, 15),
                40_000_000, date(2025, 12, 31), "current")  # fmt: skip
    assert fundings_of(record) == [("state_budget", None, 50_000_000)]
    assert events(record=record) == [(EV.RECORD_DELIVERED, "tandong.officer", "25522", "", {"value_vnd": 50_000_000})]


@pytest.mark.parametrize(
    ("disbursed_on", "term_months", "due_on"),
    [
        (date(2025, 3, 15), 36, date(2028, 3, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # the month is shorter: its last day
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2025, 1, 29), 1, date(2025, 2, 28)),
        (date(2024, 3, 30), 12, date(2025, 3, 30)),  # not the 28th: the day exists
        (date(2024, 12, 31), 60, date(2029, 12, 31)),
    ],
)
def test_a_loan_falls_due_term_months_after_disbursement(
    disbursed_on, term_months, due_on, programmes, registry, officer
):
    details = loan_details(disbursed_on=disbursed_on, term_months=term_months)
    record = loan(programmes, registry, officer, details=details, planned_on=disbursed_on, delivered_on=disbursed_on)
    assert Loan.objects.get(record=record).due_on == due_on


def test_a_contract_is_recorded_once_per_bank(programmes, registry, officer):
    loan(programmes, registry, officer)
    assert refused(loan, programmes=programmes, registry=registry, officer=officer, household=registry.near_poor) == {
        "contract_number": ["this bank's contract is already recorded"]
    }
    other_bank = loan(
        programmes, registry, officer, household=registry.near_poor, details=loan_details(bank="Agribank")
    )
    assert other_bank.loan.contract_number == "7500-LAV-2025-0012"


@pytest.mark.parametrize(
    ("details", "problems"),
    [
        (loan_details(outstanding_vnd=50_000_001), {"outstanding_vnd": ["is more than the amount lent"]}),
        (
            loan_details(outstanding_vnd=1, repayment=Loan.Repayment.REPAID),
            {"repayment": ["a repaid loan has no outstanding balance"]},
        ),
        (loan_details(repayment="forgiven"), {"repayment": ["unknown repayment status"]}),
        (loan_details(term_months=0), {"term_months": ["must be at least 1 month"]}),
        (loan_details(outstanding_vnd=-1), {"outstanding_vnd": ["must not be negative"]}),
        (loan_details(contract_number=" "), {"contract_number": ["is required"]}),
        (None, {"details": ["a loan needs its contract, programme, term and balance"]}),
        (LivelihoodDetails(asset="bò"), {"details": ["the details do not match the kind of support"]}),
    ],
)
def test_loan_refusals_change_nothing(details, problems, programmes, registry, officer):
    assert refused(loan, programmes=programmes, registry=registry, officer=officer, details=details) == problems


def test_a_repaid_loan_has_no_balance(programmes, registry, officer):
    record = loan(
        programmes, registry, officer, details=loan_details(outstanding_vnd=0, repayment=Loan.Repayment.REPAID)
    )
    assert (record.loan.outstanding_vnd, record.loan.repayment) == (0, "repaid")


def test_record_create_livelihood_is_due_a_visit_follow_up_months_after_delivery(programmes, registry, officer):
    record = cattle(programmes, registry, officer)
    assert Livelihood.objects.filter(record=record).values_list(
        "asset", "quantity", "follow_up_months", "next_visit_due"
    ).get() == ("bò cái", 2, 6, date(2026, 2, 1))
    assert fundings_of(record) == [("fund_for_poor", None, 30_000_000)]


def test_a_planned_livelihood_is_due_a_visit_once_delivered(programmes, registry, officer):
    record = cattle(programmes, registry, officer, delivered_on=None)
    assert Livelihood.objects.get(record=record).next_visit_due is None
    services.record_deliver(record=record, delivered_on=date(2025, 11, 30), acting_user=officer)
    assert Livelihood.objects.get(record=record).next_visit_due == date(2026, 5, 1)


@pytest.mark.parametrize(
    ("details", "problems"),
    [
        (None, {"details": ["a livelihood model needs its asset"]}),
        (LivelihoodDetails(asset=" "), {"asset": ["is required"]}),
        (LivelihoodDetails(asset="bò", quantity=0), {"quantity": ["must be at least 1"]}),
        (LivelihoodDetails(asset="bò", follow_up_months=0), {"follow_up_months": ["must be at least 1 month"]}),
    ],
)
def test_livelihood_refusals_change_nothing(details, problems, programmes, registry, officer):
    assert refused(cattle, programmes=programmes, registry=registry, officer=officer, details=details) == problems


def test_a_gift_for_a_member_with_explicit_funding(programmes, registry, donors, officer):
    wife = registry.poor.memberships.get(person__full_name="Lê Thị Mai").person
    record = gift(
        programmes, registry, officer, person=wife, delivered_on=NEW_YEAR, in_kind="1 bao gạo",
        fundings=[FundingLine(Source.DONOR, 400_000, donors.phu_thanh), FundingLine(Source.HOUSEHOLD, 100_000)],
    )  # fmt: skip
    assert (record.person_id, record.in_kind) == (wife.pk, "1 bao gạo")
    assert fundings_of(record) == [("donor", "Công ty TNHH Phú Thành", 400_000), ("household", None, 100_000)]


def test_support_in_kind_only_has_no_funding_lines(programmes, registry, officer):
    record = gift(programmes, registry, officer, value_vnd=0, in_kind="2 bao gạo 10 kg")
    assert (record.value_vnd, record.in_kind, fundings_of(record)) == (0, "2 bao gạo 10 kg", [])


def test_a_person_who_is_not_a_current_member_is_refused(programmes, registry, officer):
    wife = Membership.objects.get(person__full_name="Lê Thị Mai")
    neighbour = registry.near_poor.head
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, person=neighbour) == {
        "person": ["is not a current member of the household"]
    }
    Membership.objects.filter(pk=wife.pk).update(left_on=date(2025, 6, 1))
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, person=wife.person) == {
        "person": ["is not a current member of the household"]
    }


def test_a_dissolved_household_is_refused(programmes, registry, officer):
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, household=registry.dissolved) == {
        "household": [f"the household was dissolved on 30/06/{LAST_YEAR}"]
    }


def test_a_household_of_another_commune_is_refused(programmes, registry, officer):
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, household=registry.binh_minh) == {
        "household": ["the household is not in the programme's commune"]
    }


def test_a_delivery_in_the_future_is_refused(programmes, registry, officer):
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, delivered_on=TOMORROW) == {
        "delivered_on": ["must not be in the future"]
    }


@pytest.mark.parametrize(
    ("fundings", "problems"),
    [
        (
            [FundingLine(Source.STATE_BUDGET, 300_000), FundingLine(Source.FUND_FOR_POOR, 100_000)],
            ["the sources add up to 400,000 đồng, not the value 500,000 đồng"],
        ),
        ([], ["the sources add up to 0 đồng, not the value 500,000 đồng"]),
        ([FundingLine(Source.DONOR, 500_000)], [SOURCE_BOTH]),
    ],
)
def test_explicit_funding_must_add_up_to_the_value(fundings, problems, programmes, registry, officer):
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, fundings=fundings) == {
        "fundings": problems
    }


def test_a_record_gives_money_or_something_in_kind(programmes, registry, officer):
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, value_vnd=0) == {
        "value_vnd": ["give a value in đồng or describe what was given in kind"]
    }


def test_a_gift_has_no_details(programmes, registry, officer):
    assert refused(gift, programmes=programmes, registry=registry, officer=officer, details=HouseDetails()) == {
        "details": ["this kind of support has no details"]
    }


@pytest.mark.parametrize("role", ["tandong_committee", "tandong_chair", "tayninh_province", "binhminh_officer"])
def test_record_create_is_the_officers_of_the_commune(role, users, programmes, registry):
    forbidden(gift, programmes=programmes, registry=registry, officer=users[role])


def test_an_administrator_may_record(programmes, registry, users):
    record = gift(programmes, registry, users["admin"])
    assert record.created_by == users["admin"]


# --- Deliver, cancel ----------------------------------------------------------------------------


def test_record_deliver(programmes, registry, officer):
    record = gift(programmes, registry, officer)
    services.record_deliver(record=record, delivered_on=NEW_YEAR, acting_user=officer)
    assert Record.objects.filter(pk=record.pk).values_list("status", "delivered_on").get() == ("delivered", NEW_YEAR)
    assert [kind for kind, *_rest in events(record=record)] == [EV.RECORD_PLANNED, EV.RECORD_DELIVERED]
    assert refused(services.record_deliver, record=record, delivered_on=NEW_YEAR, acting_user=officer) == {
        "status": ["The support is “Delivered”; only planned support can be delivered."]
    }


def test_record_deliver_refuses_a_day_in_the_future(programmes, registry, officer):
    record = gift(programmes, registry, officer)
    assert refused(services.record_deliver, record=record, delivered_on=TOMORROW, acting_user=officer) == {
        "delivered_on": ["must not be in the future"]
    }


def test_record_cancel(programmes, registry, officer):
    record = gift(programmes, registry, officer)
    assert refused(services.record_cancel, record=record, reason=" ", acting_user=officer) == {
        "reason": ["Say why the support is cancelled."]
    }
    services.record_cancel(record=record, reason="Hộ đã chuyển đi", acting_user=officer)
    assert Record.objects.get(pk=record.pk).status == "cancelled"
    assert events(record=record)[-1] == (EV.RECORD_CANCELLED, "tandong.officer", "25522", "Hộ đã chuyển đi", {})
    assert refused(services.record_deliver, record=record, delivered_on=NEW_YEAR, acting_user=officer) == {
        "status": ["The support is “Cancelled”; only planned support can be delivered."]
    }


def test_delivered_support_is_never_cancelled(programmes, registry, officer):
    record = gift(programmes, registry, officer, delivered_on=NEW_YEAR)
    assert refused(services.record_cancel, record=record, reason="Nhầm", acting_user=officer) == {
        "status": ["Only planned support can be cancelled; this one is “Delivered”."]
    }


@pytest.mark.parametrize("role", ["tandong_chair", "tayninh_province", "binhminh_officer"])
def test_deliver_and_cancel_are_the_officers(role, users, programmes, registry, officer):
    record = gift(programmes, registry, officer)
    forbidden(services.record_deliver, record=record, delivered_on=NEW_YEAR, acting_user=users[role])
    forbidden(services.record_cancel, record=record, reason="Nhầm", acting_user=users[role])


# --- Loan balance -------------------------------------------------------------------------------


def test_loan_balance_update(programmes, registry, officer):
    record = loan(programmes, registry, officer)
    services.loan_balance_update(
        record=record, outstanding_vnd=35_000_000, balance_on=date(2026, 3, 31), repayment=Loan.Repayment.OVERDUE,
        acting_user=officer,
    )  # fmt: skip
    assert Loan.objects.filter(record=record).values_list("outstanding_vnd", "balance_on", "repayment").get() == (
        35_000_000, date(2026, 3, 31), "overdue",
    )  # fmt: skip
    assert events(record=record)[-1] == (
        EV.LOAN_BALANCE, "tandong.officer", "25522", "",
        {"before": {"outstanding_vnd": 40_000_000, "repayment": "current", "balance_on": "2025-12-31"},
         "outstanding_vnd": 35_000_000, "repayment": "overdue", "balance_on": "2026-03-31", "imported": False},
    )  # fmt: skip
    services.loan_balance_update(
        record=record, outstanding_vnd=0, balance_on=date(2026, 3, 31), repayment=Loan.Repayment.REPAID,
        acting_user=officer,
    )  # fmt: skip
    assert Loan.objects.filter(record=record).values_list("outstanding_vnd", "repayment").get() == (0, "repaid")


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (
            {"balance_on": date(2025, 12, 30)},
            {"balance_on": ["is older than the balance on record (31/12/2025)"]},
        ),
        ({"balance_on": TOMORROW}, {"balance_on": ["must not be in the future"]}),
        ({"outstanding_vnd": 50_000_001}, {"outstanding_vnd": ["must be between 0 and the amount lent"]}),
        ({"repayment": Loan.Repayment.REPAID}, {"repayment": ["a repaid loan has no outstanding balance"]}),
        ({"repayment": "forgiven"}, {"repayment": ["unknown repayment status"]}),
    ],
)
def test_loan_balance_refusals_change_nothing(change, problems, programmes, registry, officer):
    record = loan(programmes, registry, officer)
    kwargs = {
        "record": record, "outstanding_vnd": 30_000_000, "balance_on": date(2026, 1, 31),
        "repayment": Loan.Repayment.CURRENT, "acting_user": officer, **change,
    }  # fmt: skip
    assert refused(services.loan_balance_update, **kwargs) == problems


def test_only_a_loan_has_a_balance(programmes, registry, officer):
    record = gift(programmes, registry, officer)
    assert refused(
        services.loan_balance_update, record=record, outstanding_vnd=0, balance_on=NEW_YEAR,
        repayment=Loan.Repayment.REPAID, acting_user=officer,
    ) == {"record": ["only a loan has a balance"]}  # fmt: skip


@pytest.mark.parametrize("role", ["tandong_chair", "tandong_committee", "tayninh_province", "binhminh_officer"])
def test_loan_balance_is_the_officers(role, users, programmes, registry, officer):
    record = loan(programmes, registry, officer)
    forbidden(
        services.loan_balance_update, record=record, outstanding_vnd=0, balance_on=date(2026, 1, 31),
        repayment=Loan.Repayment.REPAID, acting_user=users[role],
    )  # fmt: skip


# --- Follow-up visits ---------------------------------------------------------------------------


def test_a_visit_sets_the_next_one(programmes, registry, officer):
    record = cattle(programmes, registry, officer)
    visit = services.visit_record(
        record=record, visited_on=date(2026, 2, 10), outcome=FollowUpVisit.Outcome.THRIVING, note=" Bò đã đẻ 1 bê ",
        acting_user=officer,
    )  # fmt: skip
    assert FollowUpVisit.objects.filter(pk=visit.pk).values_list(
        "livelihood", "visited_on", "outcome", "note", "visited_by__username"
    ).get() == (record.pk, date(2026, 2, 10), "thriving", "Bò đã đẻ 1 bê", "tandong.officer")
    assert Livelihood.objects.get(record=record).next_visit_due == date(2026, 8, 1)
    assert events(record=record)[-1] == (
        EV.VISIT,
        "tandong.officer",
        "25522",
        "",
        {"outcome": "thriving", "visited_on": "2026-02-10"},
    )
    # An older visit entered late does not move the next one.
    services.visit_record(record=record, visited_on=date(2025, 12, 1), outcome="stable", acting_user=officer)
    assert Livelihood.objects.get(record=record).next_visit_due == date(2026, 8, 1)


def test_a_lost_asset_is_not_visited_again(programmes, registry, officer):
    record = cattle(programmes, registry, officer)
    services.visit_record(
        record=record, visited_on=date(2026, 2, 10), outcome=FollowUpVisit.Outcome.LOST, acting_user=officer
    )
    assert Livelihood.objects.get(record=record).next_visit_due is None


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        ({"visited_on": date(2025, 8, 19)}, {"visited_on": ["is before the asset was delivered (20/08/2025)"]}),
        ({"visited_on": TOMORROW}, {"visited_on": ["must not be in the future"]}),
        ({"outcome": "sold"}, {"outcome": ["unknown outcome"]}),
    ],
)
def test_visit_refusals_change_nothing(change, problems, programmes, registry, officer):
    record = cattle(programmes, registry, officer)
    kwargs = {"record": record, "visited_on": date(2026, 2, 10), "outcome": "stable", "acting_user": officer, **change}
    assert refused(services.visit_record, **kwargs) == problems


def test_only_a_delivered_livelihood_is_visited(programmes, registry, officer):
    planned = cattle(programmes, registry, officer, delivered_on=None)
    assert refused(
        services.visit_record, record=planned, visited_on=NEW_YEAR, outcome="stable", acting_user=officer
    ) == {"record": ["the asset has not been delivered yet"]}
    a_gift = gift(programmes, registry, officer, delivered_on=NEW_YEAR)
    assert refused(
        services.visit_record, record=a_gift, visited_on=NEW_YEAR, outcome="stable", acting_user=officer
    ) == {"record": ["only a livelihood model has follow-up visits"]}


@pytest.mark.parametrize("role", ["tandong_chair", "tayninh_province", "binhminh_officer"])
def test_visits_are_the_officers(role, users, programmes, registry, officer):
    record = cattle(programmes, registry, officer)
    forbidden(services.visit_record, record=record, visited_on=NEW_YEAR, outcome="stable", acting_user=users[role])


# --- Evidence -----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_evidence_of_a_record(media, programmes, registry, officer):
    record = house(programmes, registry, officer)
    upload = SimpleUploadedFile("nha-moi.jpg", b"\xff\xd8\xff photo", content_type="image/jpeg")
    evidence = services.evidence_add(kind="photo", file=upload, record=record, acting_user=officer)
    assert (evidence.record_id, evidence.distribution_id, evidence.kind, evidence.title) == (
        record.pk,
        None,
        "photo",
        "nha-moi.jpg",
    )
    assert evidence.file.name.startswith(f"support/evidence/{TODAY.year}/nha-moi")
    assert (media / evidence.file.name).read_bytes() == b"\xff\xd8\xff photo"
    assert events(record=record)[-1] == (EV.EVIDENCE_ADDED, "tandong.officer", "25522", "", {"title": "nha-moi.jpg"})
    assert SupportEvent.objects.get(kind=EV.EVIDENCE_ADDED).programme == programmes.house


def test_evidence_of_a_distribution(media, programmes, officer):
    distribution = services.distribution_create(
        programme=programmes.gift, name="Quà Tết", planned_on=NEW_YEAR, unit_value_vnd=500_000, acting_user=officer
    )
    upload = SimpleUploadedFile("danh-sach-ky-nhan.pdf", b"%PDF-1.4", content_type="application/pdf")
    evidence = services.evidence_add(
        kind="receipt", file=upload, title="Danh sách ký nhận", distribution=distribution, acting_user=officer
    )
    assert (evidence.record_id, evidence.distribution_id, evidence.title) == (
        None,
        distribution.pk,
        "Danh sách ký nhận",
    )


def test_evidence_refusals_change_nothing(media, programmes, registry, officer, users):
    record = gift(programmes, registry, officer)
    upload = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff photo")
    assert refused(services.evidence_add, kind="video", file=upload, record=record, acting_user=officer) == {
        "kind": ["unknown kind"]
    }
    assert refused(services.evidence_add, kind="photo", file=None, record=record, acting_user=officer) == {
        "file": ["choose a file"]
    }
    forbidden(services.evidence_add, kind="photo", file=upload, record=record, acting_user=users["binhminh_officer"])
    forbidden(services.evidence_add, kind="photo", file=upload, record=record, acting_user=users["tandong_chair"])
    assert list(media.iterdir()) == []


# --- Distributions ------------------------------------------------------------------------------


@pytest.fixture
def distribution(programmes, officer) -> Distribution:
    return services.distribution_create(
        programme=programmes.gift, name=" Quà Tết hộ nghèo ", planned_on=NEW_YEAR, unit_value_vnd=500_000,
        in_kind="1 thùng quà", acting_user=officer,
    )  # fmt: skip


def codes(distribution, **filters) -> list[str]:
    return sorted(Record.objects.filter(distribution=distribution, **filters).values_list("household__code", flat=True))


def add(distribution, officer, **criteria) -> dict:
    return services.distribution_add_recipients(
        distribution=distribution, criteria=RecipientFilter(year=criteria.pop("year", THIS_YEAR), **criteria),
        acting_user=officer,
    )  # fmt: skip


def test_distribution_create(distribution, programmes):
    assert Distribution.objects.filter(pk=distribution.pk).values_list(
        "programme", "commune", "name", "planned_on", "unit_value_vnd", "in_kind", "status", "created_by__username"
    ).get() == (programmes.gift.pk, "25522", "Quà Tết hộ nghèo", NEW_YEAR, 500_000, "1 thùng quà", "open",
                "tandong.officer")  # fmt: skip
    assert events(distribution=distribution) == [
        (EV.PROGRAMME_CHANGED, "tandong.officer", "25522", "", {"distribution_created": "Quà Tết hộ nghèo"})
    ]


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        ({"name": " "}, {"name": ["is required"]}),
        ({"unit_value_vnd": 0}, {"unit_value_vnd": ["give a value in đồng or describe what is given in kind"]}),
    ],
)
def test_distribution_create_refusals_change_nothing(change, problems, programmes, officer):
    kwargs = {"programme": programmes.gift, "name": "Quà", "planned_on": NEW_YEAR, "unit_value_vnd": 500_000,
              "acting_user": officer, **change}  # fmt: skip
    assert refused(services.distribution_create, **kwargs) == problems


@pytest.mark.parametrize("role", ["tandong_chair", "tandong_committee", "tayninh_province", "binhminh_officer"])
def test_distribution_create_is_the_officers(role, users, programmes):
    forbidden(
        services.distribution_create, programme=programmes.gift, name="Quà", planned_on=NEW_YEAR,
        unit_value_vnd=500_000, acting_user=users[role],
    )  # fmt: skip


POOR, NEAR_POOR = PovertyStatus.POOR, PovertyStatus.NEAR_POOR


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        pytest.param(lambda r: {"statuses": (POOR,)}, ["TD-001", "TD-004"], id="poor"),
        pytest.param(lambda r: {"statuses": (NEAR_POOR,)}, ["TD-002"], id="near-poor"),
        pytest.param(lambda r: {"statuses": (POOR, NEAR_POOR)}, ["TD-001", "TD-002", "TD-004"], id="both"),
        pytest.param(
            lambda r: {"statuses": (POOR, NEAR_POOR), "year": LAST_YEAR}, ["TD-001", "TD-003"], id="last-year"
        ),
        pytest.param(lambda r: {"ethnic_minority": True}, ["TD-004"], id="ethnic-minority"),
        pytest.param(lambda r: {"category": "5.5a"}, ["TD-005"], id="category"),
        pytest.param(lambda r: {"category": "5.5c"}, [], id="category-nobody"),
        pytest.param(lambda r: {"village_id": r.west.pk}, ["TD-002", "TD-004"], id="village"),
        pytest.param(lambda r: {"statuses": (POOR,), "village_id": r.east.pk}, ["TD-001"], id="poor-of-a-village"),
        pytest.param(
            lambda r: {"statuses": (POOR, NEAR_POOR), "ethnic_minority": True}, ["TD-004"], id="poor-minority"
        ),
        pytest.param(lambda r: {"category": "5.5a", "village_id": r.west.pk}, [], id="category-elsewhere"),
        pytest.param(lambda r: {}, ["TD-001", "TD-002", "TD-003", "TD-004", "TD-005"], id="everyone"),
    ],
)
def test_add_recipients_by_filter_never_twice(criteria, expected, distribution, registry, officer):
    chosen = criteria(registry)
    result = add(distribution, officer, **chosen)
    assert result == {"added": len(expected), "already": 0}
    assert codes(distribution) == expected
    before = state()
    assert add(distribution, officer, **criteria(registry)) == {"added": 0, "already": len(expected)}
    after = state()
    assert (after["records"], after["record_fundings"]) == (before["records"], before["record_fundings"])
    assert after["events"] == before["events"] + 1


def test_overlapping_filters_add_only_the_new_households(distribution, registry, officer):
    assert add(distribution, officer, statuses=(POOR,)) == {"added": 2, "already": 0}
    assert add(distribution, officer, statuses=(POOR, NEAR_POOR)) == {"added": 1, "already": 2}
    assert codes(distribution) == ["TD-001", "TD-002", "TD-004"]
    assert [data for *_rest, data in events(distribution=distribution, kind=EV.RECIPIENTS_ADDED)] == [
        {"criteria": {"year": THIS_YEAR, "statuses": ["poor"], "ethnic_minority": False, "category": "",
                      "village_id": None}, "added": 2, "already": 0},
        {"criteria": {"year": THIS_YEAR, "statuses": ["poor", "near_poor"], "ethnic_minority": False, "category": "",
                      "village_id": None}, "added": 1, "already": 2},
    ]  # fmt: skip


def test_recipients_are_planned_records_with_the_programmes_split(distribution, registry, officer, programmes):
    add(distribution, officer, statuses=(POOR,))
    records = Record.objects.filter(distribution=distribution).order_by("household__code")
    assert list(records.values_list(
        "household__code", "programme", "commune", "kind", "status", "planned_on", "delivered_on", "value_vnd", "in_kind",
        "created_by__username",
    )) == [
        (code, programmes.gift.pk, "25522", "gift", "planned", NEW_YEAR, None, 500_000, "1 thùng quà", "tandong.officer")
        for code in ("TD-001", "TD-004")
    ]  # fmt: skip
    for record in records:
        assert fundings_of(record) == [("state_budget", None, 333_333), ("donor", "Công ty TNHH Phú Thành", 166_667)]


def test_an_in_kind_distribution_has_no_funding_lines(programmes, registry, officer):
    distribution = services.distribution_create(
        programme=programmes.gift, name="Gạo cứu đói", planned_on=NEW_YEAR, in_kind="10 kg gạo", acting_user=officer
    )
    assert add(distribution, officer, statuses=(POOR,)) == {"added": 2, "already": 0}
    assert RecordFunding.objects.filter(record__distribution=distribution).count() == 0


def test_a_member_who_left_does_not_make_the_household_ethnic_minority(distribution, registry, officer):
    Membership.objects.filter(person=registry.khmer_wife).update(left_on=date(2025, 6, 1))
    assert add(distribution, officer, ethnic_minority=True) == {"added": 0, "already": 0}


def test_only_an_active_case_with_the_category_still_open_counts(distribution, registry, officer):
    CaseCategory.objects.filter(case=registry.elder_case).update(
        from_month=date(2025, 3, 1), to_month=date(2025, 12, 1)
    )
    assert add(distribution, officer, category="5.5a") == {"added": 0, "already": 0}
    CaseCategory.objects.filter(case=registry.elder_case).update(to_month=None)
    Case.objects.filter(pk=registry.elder_case.pk).update(status=Case.Status.SUSPENDED)
    assert add(distribution, officer, category="5.5a") == {"added": 0, "already": 0}
    Case.objects.filter(pk=registry.elder_case.pk).update(status=Case.Status.ACTIVE)
    assert add(distribution, officer, category="5.5a") == {"added": 1, "already": 0}


def test_add_recipients_refusals_change_nothing(distribution, registry, units, officer):
    assert refused(add, distribution=distribution, officer=officer, statuses=("rich",)) == {
        "statuses": ["unknown poverty status"]
    }
    assert refused(add, distribution=distribution, officer=officer, village_id=units.binh_minh_village.pk) == {
        "village": ["is not a village of the commune"]
    }


@pytest.mark.parametrize("role", ["tandong_chair", "tandong_committee", "tayninh_province", "binhminh_officer"])
def test_add_recipients_is_the_officers(role, users, distribution, registry):
    forbidden(add, distribution=distribution, officer=users[role], statuses=(POOR,))


@pytest.fixture
def listed(distribution, registry, officer) -> dict:
    """TD-001, TD-002, TD-004 on the list; their record ids by household code."""
    add(distribution, officer, statuses=(POOR, NEAR_POOR))
    return dict(Record.objects.filter(distribution=distribution).values_list("household__code", "pk"))


def test_deliver_every_planned_recipient(distribution, listed, officer):
    assert (
        services.distribution_deliver(
            distribution=distribution, record_ids=None, delivered_on=NEW_YEAR, acting_user=officer
        )
        == 3
    )
    assert list(
        Record.objects.filter(distribution=distribution).values_list("status", "delivered_on").order_by().distinct()
    ) == [("delivered", NEW_YEAR)]
    assert events(distribution=distribution, kind=EV.DISTRIBUTION_DELIVERED) == [
        (EV.DISTRIBUTION_DELIVERED, "tandong.officer", "25522", "", {"delivered": 3, "delivered_on": str(NEW_YEAR)})
    ]
    assert refused(
        services.distribution_deliver,
        distribution=distribution,
        record_ids=None,
        delivered_on=NEW_YEAR,
        acting_user=officer,
    ) == {"recipients": ["Nobody on the list is waiting for delivery."]}


def test_deliver_a_list_then_the_rest(distribution, listed, officer):
    assert (
        services.distribution_deliver(
            distribution=distribution, record_ids=[listed["TD-001"]], delivered_on=NEW_YEAR, acting_user=officer
        )
        == 1
    )
    assert codes(distribution, status="delivered") == ["TD-001"]
    assert (
        services.distribution_deliver(
            distribution=distribution, record_ids=None, delivered_on=TODAY, acting_user=officer
        )
        == 2
    )
    assert list(Record.objects.filter(distribution=distribution).order_by("household__code").values_list(
        "household__code", "delivered_on")) == [("TD-001", NEW_YEAR), ("TD-002", TODAY), ("TD-004", TODAY)]  # fmt: skip


def test_a_list_naming_a_delivered_recipient_is_refused_whole(distribution, listed, officer):
    services.distribution_deliver(
        distribution=distribution, record_ids=[listed["TD-001"]], delivered_on=NEW_YEAR, acting_user=officer
    )
    assert refused(
        services.distribution_deliver, distribution=distribution, record_ids=[listed["TD-002"], listed["TD-001"]],
        delivered_on=TODAY, acting_user=officer,
    ) == {"recipients": [f"TD-001 already received it on {NEW_YEAR:%d/%m/%Y}"]}  # fmt: skip
    assert codes(distribution, status="planned") == ["TD-002", "TD-004"]


def test_deliver_refusals_change_nothing(distribution, listed, programmes, registry, officer):
    services.record_cancel(record=Record.objects.get(pk=listed["TD-004"]), reason="Vắng nhà", acting_user=officer)
    stranger = gift(programmes, registry, officer, household=registry.middle)
    deliver = services.distribution_deliver
    assert refused(
        deliver, distribution=distribution, record_ids=[stranger.pk], delivered_on=TODAY, acting_user=officer
    ) == {"recipients": [f"recipient {stranger.pk} is not on this distribution's list"]}
    assert refused(
        deliver, distribution=distribution, record_ids=[listed["TD-004"]], delivered_on=TODAY, acting_user=officer
    ) == {"recipients": ["TD-004 is not a planned recipient"]}
    assert refused(deliver, distribution=distribution, record_ids=[], delivered_on=TODAY, acting_user=officer) == {
        "recipients": ["choose at least one recipient"]
    }
    assert refused(deliver, distribution=distribution, record_ids=None, delivered_on=TOMORROW, acting_user=officer) == {
        "delivered_on": ["must not be in the future"]
    }


@pytest.mark.parametrize("role", ["tandong_chair", "tayninh_province", "binhminh_officer"])
def test_deliver_and_close_are_the_officers(role, users, distribution, listed):
    forbidden(services.distribution_deliver, distribution=distribution, record_ids=None, delivered_on=TODAY,
              acting_user=users[role])  # fmt: skip
    forbidden(services.distribution_close, distribution=distribution, acting_user=users[role])
    forbidden(
        services.distribution_remove_recipient, distribution=distribution,
        record=Record.objects.get(pk=listed["TD-001"]), acting_user=users[role],
    )  # fmt: skip


def test_remove_a_planned_recipient(distribution, listed, officer):
    services.distribution_remove_recipient(
        distribution=distribution, record=Record.objects.get(pk=listed["TD-002"]), reason=" Đã nhận nơi khác ",
        acting_user=officer,
    )  # fmt: skip
    assert codes(distribution) == ["TD-001", "TD-004"]
    assert not RecordFunding.objects.filter(record_id=listed["TD-002"]).exists()
    assert events(distribution=distribution, kind=EV.RECIPIENT_REMOVED) == [
        (EV.RECIPIENT_REMOVED, "tandong.officer", "25522", "Đã nhận nơi khác", {"household": "TD-002"})
    ]


def test_a_delivered_recipient_is_not_removed(distribution, listed, officer, programmes, registry):
    services.distribution_deliver(
        distribution=distribution, record_ids=[listed["TD-001"]], delivered_on=NEW_YEAR, acting_user=officer
    )
    assert refused(
        services.distribution_remove_recipient, distribution=distribution,
        record=Record.objects.get(pk=listed["TD-001"]), acting_user=officer,
    ) == {"record": ["TD-001 has already received it; a delivery cannot be taken back."]}  # fmt: skip
    # A record of another list (or of none) is not this distribution's to remove.
    forbidden(
        services.distribution_remove_recipient, distribution=distribution,
        record=gift(programmes, registry, officer, household=registry.middle), acting_user=officer,
    )  # fmt: skip


def test_a_cancelled_recipient_is_not_removed(distribution, listed, officer):
    cancelled = services.record_cancel(
        record=Record.objects.get(pk=listed["TD-004"]), reason="Vắng nhà", acting_user=officer
    )
    assert refused(
        services.distribution_remove_recipient, distribution=distribution, record=cancelled, acting_user=officer
    ) == {"record": ["TD-004 is not a planned recipient"]}


def test_close_cancels_the_recipients_who_never_came(distribution, listed, officer):
    services.distribution_deliver(
        distribution=distribution, record_ids=[listed["TD-001"]], delivered_on=NEW_YEAR, acting_user=officer
    )
    closed = services.distribution_close(distribution=distribution, acting_user=officer)
    assert Distribution.objects.get(pk=closed.pk).status == "closed"
    assert list(Record.objects.filter(distribution=distribution).order_by("household__code").values_list(
        "household__code", "status")) == [("TD-001", "delivered"), ("TD-002", "cancelled"), ("TD-004", "cancelled")]  # fmt: skip
    assert events(distribution=distribution, kind=EV.DISTRIBUTION_CLOSED) == [
        (EV.DISTRIBUTION_CLOSED, "tandong.officer", "25522", "", {"not_collected": 2})
    ]
    # Like every distribution event, it is on the programme's history too.
    assert set(SupportEvent.objects.filter(distribution=distribution).values_list("programme", flat=True)) == {
        distribution.programme_id
    }


def test_a_closed_distribution_refuses_everything(distribution, listed, officer):
    services.distribution_close(distribution=distribution, acting_user=officer)
    closed = {"status": ["The distribution is closed."]}
    # ``distribution`` is the object read before closing: every service reads the distribution again.
    assert refused(add, distribution=distribution, officer=officer, statuses=(POOR,)) == closed
    assert (
        refused(
            services.distribution_deliver,
            distribution=distribution,
            record_ids=None,
            delivered_on=TODAY,
            acting_user=officer,
        )
        == closed
    )
    assert refused(
        services.distribution_remove_recipient, distribution=distribution,
        record=Record.objects.get(pk=listed["TD-002"]), acting_user=officer,
    ) == closed  # fmt: skip
    assert refused(services.distribution_close, distribution=distribution, acting_user=officer) == closed
