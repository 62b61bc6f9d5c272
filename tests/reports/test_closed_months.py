"""The coverage of closed months, stored once (``reports.closed_months``), on the small world of
test_figures.py (November 2026, read on 20 November 2026): the stored figures are exactly those
counted from the records, month by month and commune by commune; a closed month stays as it was
when it closed until it is recomputed; the month that runs is always counted."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from beneficiaries.models import HealthInsuranceCard
from core.months import add_months, first_of_month
from reports import closed_months, figures
from reports.models import ClosedMonthCoverage
from tests.reports.test_figures import BEN_THANH, BINH_MINH, NOVEMBER, TAN_DONG, TODAY, build_world

CODES = [TAN_DONG, BINH_MINH]


@pytest.fixture
def world(units, users):
    return build_world(units, users)


def _trend(board: figures.Dashboard) -> list[tuple]:
    return [
        (row.month, row.day, row.living_members, row.members_covered, row.beneficiaries, row.beneficiaries_covered)
        for row in board.coverage_trend
    ]


@pytest.mark.parametrize(
    ("codes", "month", "today"),
    [(CODES, NOVEMBER, TODAY), ([TAN_DONG], date(2026, 10, 1), TODAY), ([BINH_MINH], NOVEMBER, date(2026, 12, 2)),
     (CODES, NOVEMBER, date(2026, 12, 1))],
)  # fmt: skip
def test_stored_and_counted_are_the_same_figures(world, codes, month, today):
    period = figures.period_for(month.year, month.month, today=today)
    counted = figures.counted_coverage_trend(codes, period)
    assert not ClosedMonthCoverage.objects.exists()

    first = figures.dashboard(codes, year=month.year, month=month.month, today=today)  # counts and stores
    stored = ClosedMonthCoverage.objects.filter(commune_id__in=codes)
    closed = [row.month for row in counted if closed_months.month_end(row.month) < today]
    assert sorted({row.month for row in stored}) == closed and stored.count() == len(closed) * len(codes)
    second = figures.dashboard(codes, year=month.year, month=month.month, today=today)  # reads them

    assert (
        _trend(first)
        == _trend(second)
        == [
            (row.month, row.day, row.living_members, row.members_covered, row.beneficiaries, row.beneficiaries_covered)
            for row in counted
        ]
    )
    assert (second.total.living_members, second.total.members_covered) == (
        counted[-1].living_members, counted[-1].members_covered,
    )  # fmt: skip
    # Commune by commune too: the stored rows are each commune's own count.
    for code in codes:
        alone = figures.counted_coverage_trend([code], period)
        rows = {row.month: row for row in stored.filter(commune_id=code)}
        for row in alone:
            if row.month in rows:
                kept = rows[row.month]
                assert (kept.day, kept.living_members, kept.members_covered, kept.beneficiaries,
                        kept.beneficiaries_covered) == (row.day, row.living_members, row.members_covered,
                                                        row.beneficiaries, row.beneficiaries_covered)  # fmt: skip
    # The province's one-month count (no trend) reads the same.
    flat = figures.dashboard(codes, year=month.year, month=month.month, today=today, trends=False)
    assert (flat.total.living_members, flat.total.members_covered) == (
        counted[-1].living_members, counted[-1].members_covered,
    )  # fmt: skip


def test_a_closed_month_is_what_the_records_said_when_it_closed_until_recomputed(world):
    before = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY)
    october = date(2026, 10, 1)
    # A card keyed in late, valid from January, for a member without one: it changes the past months'
    # count from the records…
    person = _an_uncovered_member(TAN_DONG, date(2026, 10, 31))
    HealthInsuranceCard.objects.create(person_id=person, number="GD4797912345678", valid_from=date(2026, 1, 1),
                                       valid_to=date(2027, 12, 31))  # fmt: skip
    recounted = {row.month: row for row in figures.counted_coverage_trend([TAN_DONG], before.period)}

    after = figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY)
    rows = {row.month: row for row in after.coverage_trend}
    # … but not the closed months' report: October is as it closed; November, which runs, counts it.
    old = {row.month: row for row in before.coverage_trend}
    assert rows[october].members_covered == old[october].members_covered == recounted[october].members_covered - 1
    assert rows[NOVEMBER].members_covered == recounted[NOVEMBER].members_covered == old[NOVEMBER].members_covered + 1

    # Recomputed on request: October counts the card now, the months not asked for stay.
    call_command("close_coverage_months", "--recompute", "--month", "2026-10", "--commune", TAN_DONG, verbosity=0)
    again = {row.month: row for row in figures.dashboard([TAN_DONG], year=2026, month=11, today=TODAY).coverage_trend}
    assert again[october].members_covered == recounted[october].members_covered
    september = date(2026, 9, 1)
    assert again[september].members_covered == old[september].members_covered


def _an_uncovered_member(code: str, day: date) -> int:
    from tests.reports.test_figures import covered, living_on

    return next(person for person in living_on(code, day) if not covered(person, day))


def test_beat_closes_the_month_that_has_just_ended_once(world):
    # On 30 November the month that has just closed is October; on 1 December, November.
    assert closed_months.close_last_month(today=date(2026, 11, 30)) == len(closed_months.communes_with_records())
    assert set(ClosedMonthCoverage.objects.values_list("month", flat=True)) == {date(2026, 10, 1)}
    written = closed_months.close_last_month(today=date(2026, 12, 1))
    assert written == len(closed_months.communes_with_records()) >= 2
    assert ClosedMonthCoverage.objects.filter(month=NOVEMBER).count() == written
    assert closed_months.close_last_month(today=date(2026, 12, 2)) == 0  # a second run writes nothing
    period = figures.period_for(2026, 11, today=date(2026, 12, 1))
    counted = figures.counted_coverage_trend(CODES, period)[-1]
    stored = ClosedMonthCoverage.objects.filter(commune_id__in=CODES, month=NOVEMBER)
    assert (sum(row.living_members for row in stored), sum(row.members_covered for row in stored),
            sum(row.beneficiaries for row in stored), sum(row.beneficiaries_covered for row in stored)) == (
        counted.living_members, counted.members_covered, counted.beneficiaries, counted.beneficiaries_covered,
    )  # fmt: skip


def test_the_command_writes_the_missing_months_of_a_province(world):
    from geography.models import Commune

    call_command("close_coverage_months", "--province", "80", "--months", "3", verbosity=0)
    current = first_of_month(timezone.localdate())
    stored = set(ClosedMonthCoverage.objects.values_list("commune_id", "month"))
    communes = set(Commune.objects.filter(province_id="80").values_list("code", flat=True))
    assert stored == {(code, add_months(current, -count)) for code in communes for count in (1, 2, 3)}
    assert BEN_THANH not in {code for code, _month in stored}  # Hồ Chí Minh's
    kept = ClosedMonthCoverage.objects.get(commune_id=TAN_DONG, month=add_months(current, -1))
    call_command("close_coverage_months", "--province", "80", "--months", "3", verbosity=0)  # nothing missing
    assert ClosedMonthCoverage.objects.get(pk=kept.pk).computed_at == kept.computed_at
