"""Shared fixtures of the payment-run tests.

``make_cases`` writes active allowance cases straight into the tables (persons, cases, their
categories) with bulk INSERTs, so a test can have three cases or two thousand in a moment.
``prepare_now`` does what the workers do: it runs every pending batch of a run's current
preparation by calling ``services.batch_prepare`` directly, with no broker.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from beneficiaries.models import Case, CaseCategory, PaymentMethod
from beneficiaries.rule_data import load_rules
from core.text import fold_vietnamese
from disbursements import services
from disbursements.models import Run, RunBatch
from households.models import Person
from tests.households.factories import national_id_for

ACCOUNT = {"bank_bin": "970436", "account_number": "0123456789", "account_name": "NGUYEN THI HOA"}


@dataclass(frozen=True)
class Beneficiary:
    """What ``make_cases`` writes for one person."""

    full_name: str
    born: date
    start_month: date
    category: str = "5.5a"
    method: str = PaymentMethod.BANK


def make_cases(commune, prepared_by, people: list[Beneficiary]) -> list[Case]:
    """Active cases decided from each person's start month, in the order given (ids ascending)."""
    persons = Person.objects.bulk_create(
        Person(
            national_id=national_id_for("F", person.born),
            full_name=person.full_name,
            search_name=fold_vietnamese(person.full_name),
            date_of_birth=person.born,
            sex="F",
        )
        for person in people
    )
    cases = Case.objects.bulk_create(
        Case(
            person=person,
            commune=commune,
            status=Case.Status.ACTIVE,
            applied_on=data.start_month,
            prepared_by=prepared_by,
            decision_number=f"{index + 1}/QĐ-UBND",
            decision_date=data.start_month,
            start_month=data.start_month,
            payment_method=data.method,
            **(
                {
                    **ACCOUNT,
                    "account_number": f"01234{index:05d}",
                    "account_name": fold_vietnamese(data.full_name).upper(),
                }
                if data.method == PaymentMethod.BANK
                else {}
            ),
        )
        for index, (person, data) in enumerate(zip(persons, people, strict=True))
    )
    CaseCategory.objects.bulk_create(
        CaseCategory(case=case, category_id=data.category) for case, data in zip(cases, people, strict=True)
    )
    return cases


def many(count: int, start_month: date, *, born: date = date(1950, 3, 10)) -> list[Beneficiary]:
    """``count`` elders of 75 in 2025 (5.5a: 500,000 × 1.5 a month), every tenth paid in cash."""
    return [
        Beneficiary(
            f"Người Thụ Hưởng {index:05d}",
            born,
            start_month,
            method=PaymentMethod.CASH if index % 10 == 9 else PaymentMethod.BANK,
        )
        for index in range(count)
    ]


def pending_batches(run: Run) -> list[tuple[int, int]]:
    return list(
        RunBatch.objects.filter(run=run, generation=run.generation, done_at__isnull=True)
        .order_by("low")
        .values_list("low", "high")
    )


def prepare_now(run: Run) -> Run:
    """Run every pending batch of the run's current preparation, as the workers would."""
    run.refresh_from_db()
    for low, high in pending_batches(run):
        services.batch_prepare(run.pk, run.generation, low, high)
    run.refresh_from_db()
    return run


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """The payer's reports are kept as files: under the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rules(db):
    """The shipped rules. The data migration loads them, but a transactional test before this one
    empties every table (TransactionTestCase flushes), so they are loaded again where missing."""
    load_rules()


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


@pytest.fixture
def chair(users):
    return users["tandong_chair"]
