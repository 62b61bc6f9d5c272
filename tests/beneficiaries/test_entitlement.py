"""The entitlement engine against tables written here from rules.md §1–2 (never against the
engine's own helpers): every category and band edge, both base levels, arrears spans, the month
of a birthday, death, start and end, payments already made, suspensions, category changes and a
province's own base level; then properties over random cases, and the query count."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beneficiaries.entitlement import compute
from beneficiaries.models import BaseLevel, Case, CaseCategory, Suspension
from tests.households.factories import make_person

# rules.md §1: the national base level from a month.
NATIONAL_BASE = [(date(2021, 7, 1), 360_000), (date(2024, 7, 1), 500_000)]

# rules.md §2: code -> [(lowest age, age it stops at (exclusive), coefficient)]; None: no bound.
BANDS = {
    "5.1": [(None, 4, "2.5"), (4, 16, "1.5")],
    "5.2": [(16, 23, "1.5")],
    "5.3": [(None, 4, "2.5"), (4, 16, "2.0")],
    "5.4": [(None, None, "1.0")],  # per dependent child, added to the highest other category
    "5.5a": [(60, 80, "1.5"), (80, None, "2.0")],
    "5.5b": [(75, 80, "1.0")],
    "5.5c": [(80, None, "1.0")],
    "5.5d": [(60, None, "3.0")],
    "5.6es": [(None, 16, "2.5"), (16, 60, "2.0"), (60, None, "2.5")],
    "5.6s": [(None, 16, "2.0"), (16, 60, "1.5"), (60, None, "2.0")],
    "5.7": [(None, 3, "1.5")],
    "5.8": [(None, None, "1.5")],
}

MAY_2025 = date(2025, 5, 1)
JUNE_2024 = date(2024, 6, 1)
_names = itertools.count(1)


def month(year: int, number: int) -> date:
    return date(year, number, 1)


def aged(age: int, in_month: date = MAY_2025) -> date:
    """A date of birth on the first of ``in_month``: exactly ``age`` on its last day."""
    return date(in_month.year - age, in_month.month, 1)


@pytest.fixture
def case_for(units, officer):
    """case_for(born=…, categories=[("5.5a", 0) or ("5.4", 2, from, to)], start=…) -> an active Case."""

    def make(*, born, categories, start, end=None, paid_through=None, died=None, commune=None) -> Case:
        person = make_person(f"Người Thử {next(_names)}", "F", born, date_of_death=died)
        case = Case.objects.create(
            person=person, commune=commune or units.tan_dong, status=Case.Status.ACTIVE, applied_on=start,
            prepared_by=officer, start_month=start, end_month=end, paid_through_month=paid_through,
            payment_method="cash",
        )  # fmt: skip
        for code, children, *span in categories:
            from_month, to_month = (span + [None, None])[:2]
            CaseCategory.objects.create(
                case=case, category_id=code, dependent_children=children, from_month=from_month, to_month=to_month
            )
        return case

    return make


def months_of(entitlement) -> list[tuple[str, int]]:
    return [(f"{line.month:%Y-%m}", line.amount) for line in entitlement.months]


# --- one month: every category and band edge -------------------------------------------------

# (categories, age in the month, month, amount)
ONE_MONTH = [
    # 5.1: 2.5 below 4, 1.5 from 4 to 15, nothing from 16
    ([("5.1", 0)], 3, MAY_2025, 1_250_000),
    ([("5.1", 0)], 4, MAY_2025, 750_000),
    ([("5.1", 0)], 15, MAY_2025, 750_000),
    ([("5.1", 0)], 16, MAY_2025, 0),
    # 5.2: 1.5 from 16 through 22
    ([("5.2", 0)], 15, MAY_2025, 0),
    ([("5.2", 0)], 16, MAY_2025, 750_000),
    ([("5.2", 0)], 22, MAY_2025, 750_000),
    ([("5.2", 0)], 23, MAY_2025, 0),
    # 5.3: 2.5 below 4, 2.0 from 4 to 15
    ([("5.3", 0)], 0, MAY_2025, 1_250_000),
    ([("5.3", 0)], 3, MAY_2025, 1_250_000),
    ([("5.3", 0)], 4, MAY_2025, 1_000_000),
    ([("5.3", 0)], 15, MAY_2025, 1_000_000),
    ([("5.3", 0)], 16, MAY_2025, 0),
    # 5.4: 1.0 per child; with 5.5a, 5.6 or 5.8 both are paid
    ([("5.4", 1)], 35, MAY_2025, 500_000),
    ([("5.4", 3)], 35, MAY_2025, 1_500_000),
    ([("5.4", 1), ("5.5a", 0)], 70, MAY_2025, 500_000 + 750_000),
    ([("5.4", 2), ("5.6s", 0)], 35, MAY_2025, 1_000_000 + 750_000),
    ([("5.4", 2), ("5.6es", 0)], 35, MAY_2025, 1_000_000 + 1_000_000),
    ([("5.4", 1), ("5.8", 0)], 35, MAY_2025, 500_000 + 750_000),
    ([("5.4", 2), ("5.8", 0), ("5.6s", 0)], 35, MAY_2025, 1_000_000 + 750_000),
    # 5.5a: 1.5 from 60, 2.0 from 80
    ([("5.5a", 0)], 59, MAY_2025, 0),
    ([("5.5a", 0)], 60, MAY_2025, 750_000),
    ([("5.5a", 0)], 79, MAY_2025, 750_000),
    ([("5.5a", 0)], 80, MAY_2025, 1_000_000),
    # 5.5b: 1.0 from 75 to 79
    ([("5.5b", 0)], 74, MAY_2025, 0),
    ([("5.5b", 0)], 75, MAY_2025, 500_000),
    ([("5.5b", 0)], 79, MAY_2025, 500_000),
    ([("5.5b", 0)], 80, MAY_2025, 0),
    # 5.5c: 1.0 from 80
    ([("5.5c", 0)], 79, MAY_2025, 0),
    ([("5.5c", 0)], 80, MAY_2025, 500_000),
    ([("5.5c", 0)], 101, MAY_2025, 500_000),
    # 5.5d: 3.0 for the elderly
    ([("5.5d", 0)], 59, MAY_2025, 0),
    ([("5.5d", 0)], 60, MAY_2025, 1_500_000),
    ([("5.5d", 0)], 88, MAY_2025, 1_500_000),
    # 5.6es: 2.5 child or elderly, 2.0 otherwise
    ([("5.6es", 0)], 15, MAY_2025, 1_250_000),
    ([("5.6es", 0)], 16, MAY_2025, 1_000_000),
    ([("5.6es", 0)], 59, MAY_2025, 1_000_000),
    ([("5.6es", 0)], 60, MAY_2025, 1_250_000),
    # 5.6s: 2.0 child or elderly, 1.5 otherwise
    ([("5.6s", 0)], 15, MAY_2025, 1_000_000),
    ([("5.6s", 0)], 16, MAY_2025, 750_000),
    ([("5.6s", 0)], 59, MAY_2025, 750_000),
    ([("5.6s", 0)], 60, MAY_2025, 1_000_000),
    # 5.7: 1.5 below 3
    ([("5.7", 0)], 2, MAY_2025, 750_000),
    ([("5.7", 0)], 3, MAY_2025, 0),
    # 5.8: 1.5 at any age
    ([("5.8", 0)], 0, MAY_2025, 750_000),
    ([("5.8", 0)], 45, MAY_2025, 750_000),
    # several categories: only the highest coefficient
    ([("5.5c", 0), ("5.6s", 0)], 85, MAY_2025, 1_000_000),
    ([("5.5a", 0), ("5.5d", 0)], 70, MAY_2025, 1_500_000),
    ([("5.5a", 0), ("5.5b", 0)], 77, MAY_2025, 750_000),
    ([("5.1", 0), ("5.6es", 0), ("5.7", 0)], 2, MAY_2025, 1_250_000),
    ([("5.1", 0), ("5.6s", 0)], 10, MAY_2025, 1_000_000),
    ([("5.5b", 0), ("5.5c", 0)], 79, MAY_2025, 500_000),  # 5.5b still, 5.5c not yet
    ([("5.5b", 0), ("5.5c", 0)], 80, MAY_2025, 500_000),  # 5.5c now, 5.5b no more
    # the base level before July 2024: 360,000
    ([("5.5a", 0)], 70, JUNE_2024, 540_000),
    ([("5.1", 0)], 3, JUNE_2024, 900_000),
    ([("5.5c", 0)], 85, JUNE_2024, 360_000),
    ([("5.5d", 0)], 70, JUNE_2024, 1_080_000),
    ([("5.4", 2), ("5.6es", 0)], 30, JUNE_2024, 720_000 + 720_000),
    ([("5.6es", 0)], 10, month(2024, 7), 1_250_000),  # 500,000 from July 2024
]


@pytest.mark.parametrize(("categories", "age", "in_month", "amount"), ONE_MONTH)
def test_the_amount_of_one_month(case_for, categories, age, in_month, amount):
    case = case_for(born=aged(age, in_month), categories=categories, start=in_month)

    entitlement = compute([case.pk], in_month)[case.pk]

    assert months_of(entitlement) == [(f"{in_month:%Y-%m}", amount)]
    assert entitlement.amount == amount
    assert entitlement.current.age == age


@pytest.mark.parametrize(
    ("categories", "born", "explanation"),
    [
        ([("5.5a", 0)], date(1952, 12, 1), "05/2025: 750,000 = 500,000 × 1.5 (5.5a, age 72)"),
        ([("5.5a", 0)], date(1945, 5, 31), "05/2025: 1,000,000 = 500,000 × 2.0 (5.5a, age 80)"),
        ([("5.1", 0)], date(2022, 1, 1), "05/2025: 1,250,000 = 500,000 × 2.5 (5.1, age 3)"),
        ([("5.5d", 0)], date(1950, 1, 1), "05/2025: 1,500,000 = 500,000 × 3.0 (5.5d, age 75)"),
        ([("5.4", 2)], date(1990, 1, 1), "05/2025: 1,000,000 = 500,000 × 1.0 × 2 (5.4)"),
        (
            [("5.4", 1), ("5.6s", 0)],
            date(1990, 1, 1),
            "05/2025: 1,250,000 = 500,000 × 1.5 (5.6s, age 35) + 500,000 × 1.0 × 1 (5.4)",
        ),
        ([("5.1", 0)], date(2009, 5, 31), "05/2025: 0 (age 16: no category payable)"),
    ],
)
def test_the_explanation_of_a_month(case_for, categories, born, explanation):
    case = case_for(born=born, categories=categories, start=MAY_2025)

    assert compute([case.pk], MAY_2025)[case.pk].current.explanation == explanation


# --- spans of months (arrears) ---------------------------------------------------------------


def test_arrears_across_july_2024_are_paid_at_each_months_own_base(case_for):
    case = case_for(born=date(1954, 1, 1), categories=[("5.5a", 0)], start=month(2024, 5))

    entitlement = compute([case.pk], month(2024, 8))[case.pk]

    assert months_of(entitlement) == [
        ("2024-05", 540_000),
        ("2024-06", 540_000),
        ("2024-07", 750_000),
        ("2024-08", 750_000),
    ]
    assert entitlement.amount == 2_580_000
    assert entitlement.arrears_months == [month(2024, 5), month(2024, 6), month(2024, 7)]


def test_a_child_turning_4_changes_the_coefficient_in_the_birthday_month(case_for):
    # Born on 28 February 2021: 4 on the last day of February 2025.
    case = case_for(born=date(2021, 2, 28), categories=[("5.1", 0)], start=month(2025, 1))

    entitlement = compute([case.pk], month(2025, 4))[case.pk]

    assert months_of(entitlement) == [
        ("2025-01", 1_250_000),
        ("2025-02", 750_000),
        ("2025-03", 750_000),
        ("2025-04", 750_000),
    ]
    assert [line.age for line in entitlement.months] == [3, 4, 4, 4]


def test_an_elder_born_on_30_september_1945_is_80_in_september_2025(case_for):
    born = date(1945, 9, 30)
    elderly = case_for(born=born, categories=[("5.5a", 0)], start=month(2025, 7))
    over_80 = case_for(born=born, categories=[("5.5c", 0)], start=month(2025, 7))

    result = compute([elderly.pk, over_80.pk], month(2025, 10))

    assert months_of(result[elderly.pk]) == [
        ("2025-07", 750_000),
        ("2025-08", 750_000),
        ("2025-09", 1_000_000),
        ("2025-10", 1_000_000),
    ]
    # 5.5c pays from the month of the 80th birthday; the months before owe nothing.
    assert months_of(result[over_80.pk]) == [("2025-09", 500_000), ("2025-10", 500_000)]
    assert result[over_80.pk].arrears_months == [month(2025, 9)]


def test_the_month_of_death_is_paid_and_not_the_next(case_for):
    case = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2025, 1), died=date(2025, 3, 17))

    entitlement = compute([case.pk], MAY_2025)[case.pk]

    assert months_of(entitlement) == [("2025-01", 500_000), ("2025-02", 500_000), ("2025-03", 500_000)]
    assert entitlement.current is None


def test_a_death_on_the_last_day_of_the_month_pays_that_month(case_for):
    case = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2025, 3), died=date(2025, 4, 30))

    assert months_of(compute([case.pk], MAY_2025)[case.pk]) == [("2025-03", 500_000), ("2025-04", 500_000)]


def test_months_run_from_the_start_through_the_end(case_for):
    ended = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2025, 2), end=month(2025, 4))
    not_started = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2025, 6))

    result = compute([ended.pk, not_started.pk], month(2025, 6 - 1))

    assert months_of(result[ended.pk]) == [("2025-02", 500_000), ("2025-03", 500_000), ("2025-04", 500_000)]
    assert result[ended.pk].current is None
    assert result[not_started.pk].months == []
    assert result[not_started.pk].amount == 0


def test_nothing_at_or_before_paid_through_month(case_for):
    case = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2021, 7), paid_through=month(2025, 3))
    paid_up = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2021, 7), paid_through=MAY_2025)

    result = compute([case.pk, paid_up.pk], MAY_2025)

    assert months_of(result[case.pk]) == [("2025-04", 500_000), ("2025-05", 500_000)]
    assert result[paid_up.pk].months == []


def test_months_already_paid_are_skipped(case_for):
    case = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2025, 1))

    entitlement = compute([case.pk], MAY_2025, paid={case.pk: {month(2025, 1), month(2025, 3)}})[case.pk]

    assert months_of(entitlement) == [("2025-02", 500_000), ("2025-04", 500_000), ("2025-05", 500_000)]


def test_suspended_months_are_paid_only_when_resumed_with_arrears(case_for):
    born, start = date(1940, 1, 1), month(2025, 1)
    without = case_for(born=born, categories=[("5.5c", 0)], start=start)
    with_arrears = case_for(born=born, categories=[("5.5c", 0)], start=start)
    still = case_for(born=born, categories=[("5.5c", 0)], start=start)
    for case, arrears in ((without, False), (with_arrears, True)):
        Suspension.objects.create(
            case=case,
            from_month=month(2025, 2),
            to_month=month(2025, 3),
            reason="không nhận",
            arrears_on_resume=arrears,
        )
    # Still suspended: even a "with arrears" flag pays nothing until the chair resumes.
    Suspension.objects.create(case=still, from_month=month(2025, 4), reason="tạm giam", arrears_on_resume=True)

    result = compute([without.pk, with_arrears.pk, still.pk], MAY_2025)

    assert [m for m, _ in months_of(result[without.pk])] == ["2025-01", "2025-04", "2025-05"]
    assert [m for m, _ in months_of(result[with_arrears.pk])] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    assert [m for m, _ in months_of(result[still.pk])] == ["2025-01", "2025-02", "2025-03"]
    assert result[still.pk].current is None


def test_months_before_a_category_change_keep_their_category(case_for):
    case = case_for(
        born=date(1940, 1, 1),
        categories=[("5.5c", 0, None, month(2025, 2)), ("5.5a", 0, month(2025, 3), None)],
        start=month(2025, 1),
    )

    entitlement = compute([case.pk], month(2025, 4))[case.pk]

    assert [(line.month.month, line.category, line.amount) for line in entitlement.months] == [
        (1, "5.5c", 500_000),
        (2, "5.5c", 500_000),
        (3, "5.5a", 1_000_000),
        (4, "5.5a", 1_000_000),
    ]


def test_a_change_of_children_counts_from_its_month(case_for):
    case = case_for(
        born=date(1990, 1, 1),
        categories=[("5.4", 1, None, month(2025, 3)), ("5.4", 3, month(2025, 4), None)],
        start=month(2025, 3),
    )

    assert months_of(compute([case.pk], MAY_2025)[case.pk]) == [
        ("2025-03", 500_000),
        ("2025-04", 1_500_000),
        ("2025-05", 1_500_000),
    ]


def test_a_province_level_applies_from_its_month_and_elsewhere_the_national_one(case_for, units):
    BaseLevel.objects.create(
        province=units.tay_ninh, effective_from=month(2025, 3), amount=650_000, legal_basis="NQ HĐND"
    )
    tay_ninh = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2025, 2))
    elsewhere = case_for(
        born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2025, 2), commune=units.other_commune
    )

    result = compute([tay_ninh.pk, elsewhere.pk], month(2025, 4))

    assert months_of(result[tay_ninh.pk]) == [("2025-02", 500_000), ("2025-03", 650_000), ("2025-04", 650_000)]
    assert months_of(result[elsewhere.pk]) == [("2025-02", 500_000), ("2025-03", 500_000), ("2025-04", 500_000)]
    assert result[tay_ninh.pk].current.explanation == "04/2025: 650,000 = 650,000 × 1.0 (5.5c, age 85)"


def test_a_province_level_never_pays_less_than_a_later_national_level(case_for, units):
    # Decree 20 Art. 4(3): a province may set a *higher* level. When the national level rises
    # above it, the national one applies.
    BaseLevel.objects.create(
        province=units.tay_ninh, effective_from=month(2025, 3), amount=650_000, legal_basis="NQ HĐND"
    )
    BaseLevel.objects.create(effective_from=month(2026, 7), amount=700_000, legal_basis="NĐ mới")
    case = case_for(born=date(1940, 1, 1), categories=[("5.5c", 0)], start=month(2026, 6))

    assert months_of(compute([case.pk], month(2026, 7))[case.pk]) == [("2026-06", 650_000), ("2026-07", 700_000)]


def test_arrears_months_with_nothing_payable_are_left_out(case_for):
    # 5.7 stops at 3: born 1 March 2022, 3 in March 2025.
    case = case_for(born=date(2022, 3, 1), categories=[("5.7", 0)], start=month(2025, 1))

    entitlement = compute([case.pk], MAY_2025)[case.pk]

    assert months_of(entitlement) == [("2025-01", 750_000), ("2025-02", 750_000), ("2025-05", 0)]
    assert entitlement.amount == 1_500_000


def test_a_case_not_decided_has_no_months(case_for, units, officer):
    person = make_person("Người Chưa Quyết", "M", date(1940, 1, 1))
    case = Case.objects.create(
        person=person, commune=units.tan_dong, applied_on=date(2025, 1, 1), prepared_by=officer, payment_method="cash"
    )
    CaseCategory.objects.create(case=case, category_id="5.5c")

    assert compute(Case.objects.filter(pk=case.pk), MAY_2025)[case.pk].months == []


# --- one person, several cases: each month once ----------------------------------------------


def second_case(case: Case, *, start: date, status=Case.Status.ACTIVE, **fields) -> Case:
    """Another case of the same person (re-opened or transferred in), with the same categories."""
    other = Case.objects.create(
        person=case.person, commune=fields.pop("commune", case.commune), status=status, applied_on=start,
        prepared_by=case.prepared_by, start_month=start, payment_method="cash", **fields,
    )  # fmt: skip
    for row in case.categories.all():
        CaseCategory.objects.create(case=other, category_id=row.category_id, dependent_children=row.dependent_children)
    return other


def test_a_paid_through_month_of_any_case_of_the_person_counts_for_the_others(case_for):
    # Given a case taken over with everything through March 2025 paid before the product, then ended
    first = case_for(born=aged(70), categories=[("5.5a", 0)], start=month(2024, 7), end=month(2025, 3),
                     paid_through=month(2025, 3))  # fmt: skip
    Case.objects.filter(pk=first.pk).update(status=Case.Status.TERMINATED)
    # and a re-opened case of the same person from January 2025, with no paid_through_month of its own
    reopened = second_case(first, start=month(2025, 1))

    result = compute([reopened.pk], MAY_2025, paid={})

    assert months_of(result[reopened.pk]) == [("2025-04", 750_000), ("2025-05", 750_000)]


def test_two_cases_of_one_person_owing_the_same_months_pay_each_once_the_older_first(case_for):
    # Given a terminated case still owed February and March 2025, and the same person's new case from February
    first = case_for(born=aged(70), categories=[("5.5a", 0)], start=month(2025, 2), end=month(2025, 3))
    Case.objects.filter(pk=first.pk).update(status=Case.Status.TERMINATED)
    new = second_case(first, start=month(2025, 2))

    # Whichever order they are asked in
    for asked in ([first.pk, new.pk], [new.pk, first.pk]):
        result = compute(asked, MAY_2025, paid={})

        assert months_of(result[first.pk]) == [("2025-02", 750_000), ("2025-03", 750_000)]
        assert months_of(result[new.pk]) == [("2025-04", 750_000), ("2025-05", 750_000)]


def test_months_paid_to_the_person_are_given_per_case_by_the_payment_runs(case_for):
    # The payment runs answer, for each case, the months paid to its person by any case
    first = case_for(born=aged(70), categories=[("5.5a", 0)], start=month(2025, 1), end=month(2025, 4))
    Case.objects.filter(pk=first.pk).update(status=Case.Status.TERMINATED)
    new = second_case(first, start=month(2025, 1))
    paid = {month(2025, m) for m in (1, 2, 3, 4)}

    result = compute([first.pk, new.pk], MAY_2025, paid={first.pk: paid, new.pk: paid})

    assert months_of(result[first.pk]) == []
    assert months_of(result[new.pk]) == [("2025-05", 750_000)]


# --- properties ------------------------------------------------------------------------------


def expected_base(in_month: date, province_level: tuple[date, int] | None) -> int:
    national = max(amount for start, amount in NATIONAL_BASE if start <= in_month)
    if province_level and province_level[0] <= in_month:
        return max(national, province_level[1])
    return national


def expected_age(born: date, in_month: date) -> int:
    following = date(in_month.year + in_month.month // 12, in_month.month % 12 + 1, 1)
    last_day = following - timedelta(days=1)
    years = last_day.year - born.year
    if (born.month, born.day) > (last_day.month, last_day.day):
        years -= 1
    return years


def expected_coefficient(code: str, age: int) -> Decimal | None:
    for low, high, coefficient in BANDS[code]:
        if (low is None or age >= low) and (high is None or age < high):
            return Decimal(coefficient)
    return None


def month_range(first: date, last: date):
    current = first
    while current <= last:
        yield current
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)


MONTHS = st.builds(month, st.integers(2021, 2026), st.integers(1, 12)).filter(lambda m: m >= date(2021, 7, 1))
OTHER_CODES = [code for code in BANDS if code != "5.4"]


@st.composite
def cases(draw):
    run_month = draw(MONTHS)
    start = draw(MONTHS.filter(lambda m: m <= run_month))
    span = list(month_range(start, run_month))
    born = draw(st.dates(date(1925, 1, 1), min(start, date(2025, 12, 31))))
    codes = draw(st.lists(st.sampled_from(OTHER_CODES), min_size=0, max_size=3, unique=True))
    children = draw(st.integers(0 if codes else 1, 4))  # 5.4 with its dependent children, or not held
    return {
        "run_month": run_month,
        "start": start,
        "born": born,
        "codes": codes,
        "children": children,
        "end": draw(st.none() | st.sampled_from(span)),
        "died": draw(st.none() | st.dates(max(born, start - timedelta(days=60)), run_month + timedelta(days=60))),
        "paid_through": draw(st.none() | st.sampled_from([date(2021, 7, 1), *span])),
        "paid": draw(st.sets(st.sampled_from(span), max_size=4)),
        "suspension": draw(
            st.none() | st.tuples(st.sampled_from(span), st.integers(0, 3), st.booleans(), st.booleans())
        ),
        "province_level": draw(st.none() | st.tuples(st.sampled_from(span), st.sampled_from([520_000, 650_000]))),
    }


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=cases())
def test_properties_of_any_case(case_for, units, drawn):
    with transaction.atomic():
        if drawn["province_level"]:
            BaseLevel.objects.create(
                province=units.tay_ninh, effective_from=drawn["province_level"][0], amount=drawn["province_level"][1],
                legal_basis="NQ HĐND",
            )  # fmt: skip
        categories = [(code, 0) for code in drawn["codes"]]
        if drawn["children"]:
            categories.append(("5.4", drawn["children"]))
        case = case_for(
            born=drawn["born"], categories=categories, start=drawn["start"], end=drawn["end"],
            paid_through=drawn["paid_through"], died=drawn["died"],
        )  # fmt: skip
        suspended = set()
        if drawn["suspension"]:
            first, length, resumed, arrears = drawn["suspension"]
            last = list(month_range(first, date(2030, 1, 1)))[length] if resumed else None
            Suspension.objects.create(case=case, from_month=first, to_month=last, reason="r", arrears_on_resume=arrears)
            if not (resumed and arrears):
                suspended = set(month_range(first, last or date(2030, 1, 1)))

        entitlement = compute([case.pk], drawn["run_month"], paid={case.pk: drawn["paid"]})[case.pk]
        transaction.set_rollback(True)

    lines = entitlement.months
    listed = [line.month for line in lines]
    assert len(listed) == len(set(listed)), "no month twice"
    assert listed == sorted(listed)
    last = min(
        m for m in (drawn["run_month"], drawn["end"], drawn["died"] and drawn["died"].replace(day=1)) if m is not None
    )
    for line in lines:
        assert drawn["start"] <= line.month <= last
        assert drawn["paid_through"] is None or line.month > drawn["paid_through"]
        assert line.month not in drawn["paid"]
        assert line.month not in suspended
        age = expected_age(drawn["born"], line.month)
        base = expected_base(line.month, drawn["province_level"])
        coefficients = [c for c in (expected_coefficient(code, age) for code in drawn["codes"]) if c is not None]
        highest = max(coefficients, default=Decimal(0))
        assert (line.age, line.base, line.coefficient) == (age, base, highest)
        assert line.amount == int(base * highest) + base * drawn["children"]
        assert line.amount > 0 or line.month == drawn["run_month"]
    owed = [
        m
        for m in month_range(drawn["start"], last)
        if (drawn["paid_through"] is None or m > drawn["paid_through"])
        and m not in drawn["paid"]
        and m not in suspended
    ]
    assert {line.month for line in lines if line.amount} == {
        m
        for m in owed
        if drawn["children"]
        or any(expected_coefficient(code, expected_age(drawn["born"], m)) is not None for code in drawn["codes"])
    }
    assert entitlement.amount == sum(line.amount for line in lines)


# --- many cases together: grouped by signature, each case as if computed alone -----------------


def test_cases_computed_together_owe_what_each_owes_alone(case_for, units):
    """The engine groups the cases that owe the same months (one query, one expansion per group):
    grouping must never give a case another's months, whatever differs between them (birthday
    inside the arrears span or not, a 29 February birth, death, end, suspension, dated categories,
    a province's own base level, months already paid, a person with two cases)."""
    BaseLevel.objects.create(province=units.tay_ninh, effective_from=month(2025, 3), amount=650_000, legal_basis="NQ")
    run = month(2025, 5)
    made = []
    for index in range(48):
        born = date(1930 + index % 7, 1 + index % 12, 1 + index % 28)
        if index % 13 == 0:
            born = date(1944, 2, 29)
        categories = [("5.5a", 0)] if index % 3 else [("5.6s", 0), ("5.4", 1 + index % 2)]
        if index % 8 == 0:
            categories = [("5.6s", 0, None, month(2025, 2)), ("5.6es", 0, month(2025, 3), None)]
        made.append(
            case_for(
                born=born, categories=categories, start=month(2024, 1 + index % 12),
                paid_through=month(2025, 1 + index % 4) if index % 4 else None,
                end=month(2025, 4) if index % 11 == 0 else None,
                died=date(2025, 3, 15) if index % 17 == 0 else None,
                commune=units.other_commune if index % 5 == 0 else None,
            )
        )  # fmt: skip
    Suspension.objects.create(case=made[6], from_month=month(2025, 1), to_month=month(2025, 2), reason="r")
    twice = case_for(born=made[9].person.date_of_birth, categories=[("5.5a", 0)], start=month(2024, 6))
    # an ended case of the same person (one open case per person), owing months the other owes too
    Case.objects.filter(pk=twice.pk).update(
        person=made[9].person, status=Case.Status.TERMINATED, end_month=month(2025, 3)
    )
    ids = [case.pk for case in made] + [twice.pk]
    paid = {made[1].pk: {month(2025, 4)}, made[2].pk: {month(2023, 1)}, made[4].pk: {month(2024, 8), month(2025, 2)}}

    together = compute(ids, run, paid=paid)

    def seen(entitlement):
        return [(line.month, line.amount, line.explanation, line.payable) for line in entitlement.months]

    assert sorted(together) == sorted(ids)
    for case_id in ids[:-2]:  # the person's two cases are computed together below
        alone = compute([case_id], run, paid={case_id: paid[case_id]} if case_id in paid else {})
        assert seen(together[case_id]) == seen(alone[case_id]), case_id
    pair = compute([made[9].pk, twice.pk], run, paid={})
    assert seen(together[made[9].pk]) == seen(pair[made[9].pk])
    assert seen(together[twice.pk]) == seen(pair[twice.pk])


def test_the_answer_reads_like_a_dict_and_gives_its_groups(case_for):
    cases = [
        case_for(born=aged(81), categories=[("5.5c", 0)], start=month(2025, 1), paid_through=month(2025, 4)),
        case_for(born=aged(81), categories=[("5.5c", 0)], start=month(2025, 1), paid_through=month(2025, 4)),
        case_for(born=aged(70), categories=[("5.5a", 0)], start=month(2025, 3)),
        case_for(born=aged(70), categories=[("5.5a", 0)], start=month(2025, 3)),
    ]
    Case.objects.filter(pk=cases[3].pk).update(start_month=None)  # not decided yet
    result = compute([case.pk for case in cases], MAY_2025, paid={})

    assert len(result) == 4 and set(result) == {case.pk for case in cases}
    assert cases[0].pk in result and -1 not in result
    assert result[cases[0].pk] is result[cases[0].pk]  # built once, then kept
    assert dict(result.items()) == {case_id: result[case_id] for case_id in result}
    assert result == dict(result.items()) and list(result.values()) == [result[case_id] for case_id in result]
    assert months_of(result[cases[2].pk]) == [("2025-03", 750_000), ("2025-04", 750_000), ("2025-05", 750_000)]
    assert result[cases[3].pk].months == []
    grouped = {case_id: months for case_ids, months in result.groups() for case_id in case_ids}
    assert sorted(grouped) == sorted(result)
    assert all(grouped[case_id] == result[case_id].months for case_id in result)
    # the two 81-year-olds owe the same month: one group, the same MonthAmount objects
    assert result[cases[0].pk].months[0] is result[cases[1].pk].months[0]
    with pytest.raises(KeyError):
        result[-1]


# --- queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_compute_reads_in_a_fixed_number_of_queries(case_for, units, django_assert_num_queries, count):
    BaseLevel.objects.create(province=units.tay_ninh, effective_from=month(2025, 3), amount=650_000, legal_basis="NQ")
    for index in range(count):
        case = case_for(
            born=date(1940 + index % 40, 1 + index % 12, 1),
            categories=[("5.5c", 0), ("5.4", 1)] if index % 2 else [("5.6s", 0)],
            start=month(2024, 1 + index % 12),
            paid_through=month(2025, 1),
        )
        if index % 5 == 0:
            Suspension.objects.create(case=case, from_month=month(2025, 3), to_month=month(2025, 3), reason="r")

    # base levels, bands, months already paid by payment runs, the planner's estimate of the cases
    # asked, the cases grouped by signature (their persons with several cases, categories and
    # suspensions included), and the two statements that turn JIT off and back for it
    with django_assert_num_queries(7):
        result = compute(Case.objects.filter(status="active"), MAY_2025)
        assert len(result) == count
        assert all(entitlement.months for entitlement in result.values())


def test_a_child_born_on_29_february_is_not_yet_3_in_february_of_a_common_year(case_for):
    # Born 29 February 2020: on 28 February 2023 (the last day of that month) still 2.
    case = case_for(born=date(2020, 2, 29), categories=[("5.7", 0)], start=month(2023, 1))

    entitlement = compute([case.pk], month(2023, 3))[case.pk]

    assert months_of(entitlement) == [("2023-01", 540_000), ("2023-02", 540_000), ("2023-03", 0)]
    assert [line.age for line in entitlement.months] == [2, 2, 3]


def test_no_cases_give_no_entitlements(db):
    assert compute([], MAY_2025) == {}
    assert compute(Case.objects.none(), MAY_2025) == {}
