"""The allowances' SQL fragments (``beneficiaries/sql.py``) are their Python rules: the cases paid for a
month are ``paid_in_month_q``'s, month by month (also twelve months in one pass), the categories held
and their clauses are ``category_in_month_q``'s and ``clause_of``'s, a card valid on a day is
``card_valid_on_q``'s, the expiring cards are the work list's, and coverage is the renewals' own.

On the case list's world (``tests/beneficiaries/test_list_filters.py``: Tân Đông's cases, each paid or
not for November 2026 for one reason, and two in Bình Minh) with a few cards added.
"""

from datetime import date, timedelta

import pytest
from django.db import connection

from beneficiaries import sql
from beneficiaries.models import Case, CaseCategory, Category, HealthInsuranceCard
from beneficiaries.renewals import coverage
from beneficiaries.selectors import (
    CARD_WARNING_DAYS,
    OPEN_STATUSES,
    _expiring_cards,
    card_valid_on_q,
    category_in_month_q,
    clause_of,
    paid_in_month_q,
)
from households.models import Membership, Person
from tests.beneficiaries.test_list_filters import cases  # noqa: F401 (the fixture)
from tests.conftest import BINH_MINH, TAN_DONG
from tests.households.factories import make_household

MONTHS = [date(2026, month, 1) for month in range(1, 13)]
CODES = [TAN_DONG, BINH_MINH]


def _rows(query: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _paid_names(month: date, code: str = TAN_DONG) -> list[str]:
    ids = [row[0] for row in _rows(f"SELECT case_id FROM ({sql.paid_cases()}) p", {"codes": [code], "month": month})]
    return sorted(Case.objects.filter(pk__in=ids).values_list("person__full_name", flat=True))


@pytest.fixture
def cards(cases):  # noqa: F811
    """Cards of three of Tân Đông's people: one valid all year, one ending on 15 November 2026 (the
    person's latest), and one lapsed in the summer and renewed on 1 September."""

    def card(key, start, end, number):
        HealthInsuranceCard.objects.create(person=cases[key].person, number=number, valid_from=start, valid_to=end)

    card("paid", date(2026, 1, 1), date(2026, 12, 31), "GD4000000000001")
    card("last", date(2025, 11, 16), date(2026, 11, 15), "GD4000000000002")
    card("resumed", date(2025, 7, 1), date(2026, 6, 30), "GD4000000000003")
    card("resumed", date(2026, 9, 1), date(2027, 8, 31), "GD4000000000004")
    return cases


def test_the_cases_paid_for_a_month_are_paid_in_month_q_s(cases):  # noqa: F811
    assert _paid_names(date(2026, 11, 1)) == sorted(
        ["Được Trả", "Tháng Cuối", "Tiếp Tục", "Mất Trong Tháng", "Đổi Diện"]
    )
    assert _paid_names(date(2026, 11, 1), BINH_MINH) == ["Bình Minh"]
    for month in MONTHS:
        found = {
            row[0] for row in _rows(f"SELECT case_id FROM ({sql.paid_cases()}) p", {"codes": CODES, "month": month})
        }
        expected = set(
            Case.objects.filter(commune_id__in=CODES).filter(paid_in_month_q(month)).values_list("pk", flat=True)
        )
        assert found == expected, month


def test_twelve_months_in_one_pass_are_each_month_s_paid_cases_and_their_cards(cards):
    months = [f"%(m{i})s" for i in range(12)]
    days = [f"%(d{i})s" for i in range(12)]
    params = {"codes": CODES, "first_day": date(2026, 1, 31), "last_day": date(2026, 12, 31)}
    ends = [date(2026, month, 28) for month in range(1, 13)]  # a day in each month
    params |= {f"m{i}": month for i, month in enumerate(MONTHS)} | {f"d{i}": day for i, day in enumerate(ends)}
    (row,) = _rows(
        f"SELECT * FROM ({sql.paid_and_covered_by_month(months, days, '%(first_day)s', '%(last_day)s')}) t", params
    )

    paid = [Case.objects.filter(commune_id__in=CODES).filter(paid_in_month_q(month)) for month in MONTHS]
    covered = [query.filter(card_valid_on_q(day)) for query, day in zip(paid, ends, strict=True)]
    assert list(row) == [query.count() for query in paid] + [query.count() for query in covered]
    # November: six paid; covered on 28 November: the card to the year's end and the renewed one.
    assert (row[10], row[22]) == (6, 2)
    # July: eight paid (not the one suspended June–September, whose card lapsed then too, nor the
    # one starting in December, nor the one without a category since June); two of them covered.
    assert (row[6], row[18]) == (8, 2)


def test_categories_held_and_their_clauses(cases):  # noqa: F811
    for month in (date(2026, 6, 1), date(2026, 11, 1)):
        found = sorted(_rows(f"SELECT case_id, category_id FROM ({sql.categories_held()}) h", {"month": month}))
        expected = sorted(CaseCategory.objects.filter(category_in_month_q(month)).values_list("case_id", "category_id"))
        assert found == expected
    changed = cases["changed"].pk
    held = f"SELECT category_id FROM ({sql.categories_held()}) h WHERE case_id = %(case)s"
    assert _rows(held, {"month": date(2026, 8, 1), "case": changed}) == [("5.5a",)]
    assert _rows(held, {"month": date(2026, 9, 1), "case": changed}) == [("5.5c",)]
    codes = list(Category.objects.values_list("code", flat=True))
    clauses = _rows(f"SELECT code, {sql.clause_of('code')} FROM unnest(%(codes)s::varchar[]) AS code", {"codes": codes})
    assert dict(clauses) == {code: clause_of(code) for code in codes}
    assert dict(clauses)["5.6es"] == "5.6" and dict(clauses)["5.1"] == "5.1"


def test_a_card_valid_on_a_day_is_card_valid_on_q_s(cards):
    holds = f"SELECT c.id FROM {Case._meta.db_table} c WHERE {sql.holds_card_on('c.person_id', '%(day)s')}"
    holders = f"SELECT person_id FROM ({sql.card_holders_on('%(day)s')}) h"
    for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 9, 1), date(2026, 11, 15), date(2026, 11, 16)):
        expected = set(Case.objects.filter(card_valid_on_q(day)).values_list("pk", flat=True))
        assert {row[0] for row in _rows(holds, {"day": day})} == expected, day
        people = set(
            HealthInsuranceCard.objects.filter(valid_from__lte=day, valid_to__gte=day).values_list(
                "person_id", flat=True
            )
        )
        assert sorted(row[0] for row in _rows(holders, {"day": day})) == sorted(people), day
    assert len(_rows(holders, {"day": date(2026, 11, 15)})) == 3  # both ends of a card count
    assert len(_rows(holders, {"day": date(2026, 11, 16)})) == 2


def test_the_expiring_cards_are_the_work_list_s(cards):
    for today, expected in [(date(2026, 10, 20), []), (date(2026, 12, 5), [(TAN_DONG, 1)])]:
        assert sql.card_warning_until(today) == today + timedelta(days=CARD_WARNING_DAYS)
        params = {"codes": CODES, "today": today, "warn_until": sql.card_warning_until(today)}
        found = _rows(f"SELECT commune_id, people FROM ({sql.cards_expiring_by_commune()}) e", params)
        latest = _expiring_cards(today).values("person_id")
        people = Case.objects.filter(person_id__in=latest, status__in=OPEN_STATUSES).values("person_id").distinct()
        assert found == expected == ([(TAN_DONG, people.count())] if people else [])
    # 20 October: the card ending 15 November is its holder's latest, but the case is terminated (not
    # open); 5 December: the card ending 31 December of an active case.


def test_coverage_on_a_day_is_the_renewals_coverage(cards, units):
    # A household whose head dies on 1 August, and a card holder who leaves on 1 October.
    household = make_household(
        units.tan_dong, units.tan_dong_village, "H-Phủ", (("Chủ Hộ", "M", date(1960, 1, 1), "head"),)
    )
    Person.objects.filter(pk=household.head_id).update(date_of_death=date(2026, 8, 1))
    Membership.objects.filter(person=cards["paid"].person).update(left_on=date(2026, 10, 1))
    day_sql = f"SELECT commune_id, members, covered FROM ({sql.coverage_on('%(day)s')}) c ORDER BY commune_id"
    days = [date(2026, 7, 31), date(2026, 9, 30), date(2026, 10, 31)]
    theirs = coverage(TAN_DONG, [date(2026, 7, 1), date(2026, 9, 1), date(2026, 10, 1)])
    for day, month in zip(days, theirs, strict=True):
        found = {code: (members, covered) for code, members, covered in _rows(day_sql, {"codes": CODES, "day": day})}
        assert found[TAN_DONG] == (month.members, month.covered), day
    # Twelve members on 31 July (eleven with a case, and the head of H-Phủ), two covered (the lapsed
    # card is renewed on 1 September); on 31 October the member who left and the one who died that
    # day are gone, and the card holder who left with them.
    assert [(month.members, month.covered) for month in theirs] == [(12, 2), (11, 3), (9, 2)]

    # The days in one pass are the days one by one.
    many = sql.coverage_on_days(["%(d0)s", "%(d1)s", "%(d2)s"], "%(first_day)s", "%(last_day)s")
    params = {"codes": CODES, "first_day": days[0], "last_day": days[-1]} | {f"d{i}": day for i, day in enumerate(days)}
    rows = {row[0]: row[1:] for row in _rows(f"SELECT * FROM ({many}) c", params)}
    for i, day in enumerate(days):
        for code, members, covered in _rows(day_sql, {"codes": CODES, "day": day}):
            assert (rows[code][i], rows[code][3 + i]) == (members, covered)
