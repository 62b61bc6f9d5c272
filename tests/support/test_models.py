"""The database itself refuses what the services refuse: each constraint of the support tables,
hit by a direct insert that bypasses the services."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from support.models import (
    Distribution,
    Donor,
    Evidence,
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
)
from tests.support.conftest import THIS_YEAR


def rejects(constraint: str, make) -> None:
    """``make()`` fails on ``constraint`` and leaves nothing behind."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        make()
    assert constraint in str(error.value)


@pytest.fixture
def record(registry, programmes, officer) -> Record:
    return Record.objects.create(
        programme=programmes.house,
        commune=programmes.house.commune,
        kind=Kind.HOUSE,
        household=registry.poor,
        planned_on=date(THIS_YEAR, 1, 1),
        value_vnd=90_000_000,
        created_by=officer,
    )


@pytest.fixture
def distribution(programmes, officer) -> Distribution:
    return Distribution.objects.create(
        programme=programmes.gift,
        commune=programmes.gift.commune,
        name="Quà Tết ấp Đông Hà",
        planned_on=date(THIS_YEAR, 1, 1),
        unit_value_vnd=500_000,
        created_by=officer,
    )


def test_a_household_is_on_a_distribution_once(distribution, registry, officer):
    def recipient():
        return Record.objects.create(
            programme=distribution.programme,
            commune=distribution.commune,
            kind=Kind.GIFT,
            household=registry.poor,
            distribution=distribution,
            planned_on=distribution.planned_on,
            value_vnd=500_000,
            created_by=officer,
        )

    recipient()
    rejects("record_once_per_distribution", recipient)
    assert Record.objects.filter(distribution=distribution).count() == 1


def test_records_outside_distributions_may_repeat(record, registry, programmes, officer):
    Record.objects.create(
        programme=programmes.house, commune=programmes.house.commune, kind=Kind.HOUSE, household=registry.poor,
        planned_on=date(THIS_YEAR, 1, 1), value_vnd=10_000_000, created_by=officer,
    )  # fmt: skip
    assert Record.objects.filter(household=registry.poor).count() == 2


def test_a_delivered_record_has_its_date(record):
    record.status = Record.Status.DELIVERED
    rejects("record_delivered_has_date", record.save)


def test_a_record_gives_money_or_something_in_kind(record):
    record.value_vnd = 0
    rejects("record_gives_something", record.save)
    record.in_kind = "2 bao gạo"
    record.save()
    assert Record.objects.get(pk=record.pk).in_kind == "2 bao gạo"


def test_a_distribution_gives_money_or_something_in_kind(programmes, officer):
    rejects(
        "distribution_gives_something",
        lambda: Distribution.objects.create(
            programme=programmes.gift,
            commune=programmes.gift.commune,
            name="Trống",
            planned_on=date(THIS_YEAR, 1, 1),
            created_by=officer,
        ),  # fmt: skip
    )


def test_donor_names_are_unique_in_a_province(donors, units):
    rejects(
        "donor_name_unique_in_province",
        lambda: Donor.objects.create(province=units.tay_ninh, name="Công ty TNHH Phú Thành"),
    )
    Donor.objects.create(province=units.other_province, name="Công ty TNHH Phú Thành")
    assert Donor.objects.filter(name="Công ty TNHH Phú Thành").count() == 2


def test_programme_names_are_unique_in_a_commune_and_year(programmes, officer):
    def again(year):
        return Programme.objects.create(
            commune=programmes.gift.commune, kind=Kind.GIFT, name=programmes.gift.name, year=year, created_by=officer
        )

    rejects("programme_name_unique_in_year", lambda: again(THIS_YEAR))
    again(THIS_YEAR + 1)


def test_a_funding_names_a_donor_exactly_when_the_source_is_a_donor(programmes, donors):
    programme = programmes.loan
    rejects(
        "funding_donor_iff_donor_source",
        lambda: Funding.objects.create(programme=programme, source=Source.DONOR, amount_vnd=1),
    )
    rejects(
        "funding_donor_iff_donor_source",
        lambda: Funding.objects.create(programme=programme, source=Source.OTHER, donor=donors.phu_thanh, amount_vnd=1),
    )


def test_a_source_funds_a_programme_once(programmes, donors):
    # The loan programme already has a state-budget line (no donor): NULL donors count as equal.
    rejects(
        "funding_once_per_source",
        lambda: Funding.objects.create(programme=programmes.loan, source=Source.STATE_BUDGET, amount_vnd=1),
    )
    Funding.objects.create(programme=programmes.loan, source=Source.DONOR, donor=donors.phu_thanh, amount_vnd=1)
    Funding.objects.create(programme=programmes.loan, source=Source.DONOR, donor=donors.red_cross, amount_vnd=1)
    assert programmes.loan.fundings.count() == 3


def test_record_funding_lines(record, donors):
    RecordFunding.objects.create(record=record, source=Source.FUND_FOR_POOR, amount_vnd=60_000_000)
    rejects(
        "record_funding_once_per_source",
        lambda: RecordFunding.objects.create(record=record, source=Source.FUND_FOR_POOR, amount_vnd=1),
    )
    rejects(
        "record_funding_positive",
        lambda: RecordFunding.objects.create(record=record, source=Source.OTHER, amount_vnd=0),
    )
    rejects(
        "record_funding_donor_iff_donor_source",
        lambda: RecordFunding.objects.create(record=record, source=Source.DONOR, amount_vnd=30_000_000),
    )
    assert list(record.fundings.values_list("source", "amount_vnd")) == [(Source.FUND_FOR_POOR, 60_000_000)]


def test_a_house_is_completed_after_it_is_started(record):
    rejects(
        "house_completed_after_start",
        lambda: House.objects.create(record=record, started_on=date(2025, 5, 1), completed_on=date(2025, 4, 30)),
    )
    house = House.objects.create(record=record, started_on=date(2025, 5, 1), completed_on=date(2025, 5, 1))
    HouseCost.objects.create(house=house, item="Vật liệu", amount_vnd=90_000_000)
    assert str(house) == f"New house ({record.pk})"


def _loan(record, **extra):
    values = {
        "record": record, "contract_number": "HĐ-001", "loan_programme": "Hộ nghèo", "disbursed_on": date(2025, 3, 15),
        "term_months": 36, "due_on": date(2028, 3, 15), "outstanding_vnd": 40_000_000, "balance_on": date(2025, 12, 31),
    }  # fmt: skip
    return Loan.objects.create(**{**values, **extra})


def test_loan_constraints(record, registry, programmes, officer):
    rejects("loan_term_positive", lambda: _loan(record, term_months=0))
    rejects("loan_repaid_has_no_balance", lambda: _loan(record, repayment=Loan.Repayment.REPAID))
    _loan(record)
    other = Record.objects.create(
        programme=programmes.loan, commune=programmes.loan.commune, kind=Kind.LOAN, household=registry.near_poor,
        planned_on=date(2025, 3, 15), value_vnd=50_000_000, created_by=officer,
    )  # fmt: skip
    rejects("loan_contract_unique", lambda: _loan(other))
    _loan(other, bank="Agribank")  # the same number at another bank is another contract
    assert sorted(Loan.objects.values_list("bank", "contract_number")) == [("Agribank", "HĐ-001"), ("NHCSXH", "HĐ-001")]


def test_evidence_belongs_to_one_record_or_one_distribution(record, distribution, officer):
    rejects(
        "evidence_of_record_or_distribution",
        lambda: Evidence.objects.create(
            record=record, distribution=distribution, kind="photo", file="a.jpg", uploaded_by=officer
        ),
    )
    rejects(
        "evidence_of_record_or_distribution",
        lambda: Evidence.objects.create(kind="photo", file="a.jpg", uploaded_by=officer),
    )
    assert Evidence.objects.count() == 0


def test_str(record, donors):
    livelihood = Livelihood.objects.create(record=record, asset="bò cái", quantity=2)
    assert str(livelihood) == "2 × bò cái"
    assert str(record) == f"Nhà đại đoàn kết {THIS_YEAR}: {record.household_id}"
    assert (
        str(RecordFunding(record=record, source=Source.STATE_BUDGET, amount_vnd=1_500_000)) == "State budget: 1,500,000"
    )
    assert str(donors.phu_thanh) == "Công ty TNHH Phú Thành"
