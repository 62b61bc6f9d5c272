"""Issue 16, items 4 and 5, on the small world of test_figures.py (November 2026):

- health-insurance coverage is counted on a day that has come (the month's last day once passed,
  today while the month runs), so the month that runs never drops on the chart;
- the province dashboard says the month's runs in one statement, the same in the summary and under
  Payments; a run approved after the figures were cached shows approved at once; a review whose
  status changed makes the figures computed again;
- the communes without any record are one collapsible line after the table, not rows of zeros.

Bình Minh in the world: four living members on those days: Hồ Văn Tám (card to 30/09/2027), his
wife (card to 05/12/2026), the head of BM-2 (no card) and the mover (card to 31/12/2026).
"""

import re
from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from disbursements.models import Run
from disbursements.services import run_approve
from notifications.reminders import coverage as reminders_coverage
from reports import figures
from tests.conftest import VIETNAM, on_day
from tests.factories import CommuneFactory
from tests.reports.test_figures import build_world

TAN_DONG, BINH_MINH = "25522", "25480"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(units, users):
    return build_world(units, users)


def province_url(month="2026-11", **query):
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    return reverse("reports:province", kwargs={"code": "80"}) + f"?month={month}{extra}"


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start) + len(start) :].split(end)[0]


# --- item 4: the coverage day ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "day"),
    [(date(2026, 12, 1), date(2026, 12, 1)), (date(2026, 12, 30), date(2026, 12, 30)),
     (date(2026, 12, 31), date(2026, 12, 31)), (date(2027, 1, 1), date(2026, 12, 31)),
     (date(2026, 11, 15), date(2026, 11, 15))],
)  # fmt: skip
def test_the_coverage_day_is_never_after_today(today, day):
    period = figures.period_for(2026, 12 if today >= date(2026, 12, 1) else 11, today=today)
    assert period.coverage_day == day <= today


def test_the_month_that_runs_is_counted_today_so_cards_ending_later_this_month_still_cover(world, client_for):
    with on_day(datetime(2026, 12, 3, 10, 0, tzinfo=VIETNAM)):
        board = figures.dashboard([BINH_MINH], year=2026, month=12)
        page = client_for("binhminh_officer").get(reverse("reports:commune", kwargs={"code": BINH_MINH}))
        reminders = reminders_coverage(BINH_MINH, [date(2026, 11, 1), date(2026, 12, 1)])

    assert board.period.coverage_day == date(2026, 12, 3)
    # The wife's card ends on 5 December: she is covered today (on 31 December she would not be).
    assert (board.total.living_members, board.total.members_covered, board.total.member_coverage) == (4, 3, 75.0)
    # The chart's current month does not drop: November's last day and today, both 3 of 4.
    assert [(row.month, row.day, row.members_covered, row.member_coverage) for row in board.coverage_trend[-2:]] == [
        (date(2026, 11, 1), date(2026, 11, 30), 3, 75.0),
        (date(2026, 12, 1), date(2026, 12, 3), 3, 75.0),
    ]
    assert [(row.members, row.covered) for row in reminders] == [(4, 3), (4, 3)]  # the reminders' page agrees
    html = page.content.decode()
    assert "Tỷ lệ bao phủ BHYT ngày 03/12/2026" in html and "31/12/2026" not in html
    assert 'href="/households/?commune=25480&amp;uninsured_on=2026-12-03"' in html  # the 1 member behind it


def test_a_month_that_has_ended_is_counted_on_its_last_day(world):
    with on_day(datetime(2027, 1, 2, 10, 0, tzinfo=VIETNAM)):
        board = figures.dashboard([BINH_MINH], year=2026, month=12)

    assert board.period.coverage_day == date(2026, 12, 31)
    assert (board.total.members_covered, board.total.member_coverage) == (2, 50.0)  # the wife's card ended


# --- item 5: one statement about the month's runs --------------------------------------------------


def _statements(html: str) -> tuple[str, str, str]:
    total = _between(html, 'data-testid="summary-run-total">', "</a>")
    summary = _between(html, 'data-testid="summary-run-status">', "</div>")
    payments = _between(_between(html, 'data-testid="payment-run-statement">', "</dd>"), '">', "</a>")
    return total.strip(), summary.strip(), " ".join(payments.split())


def test_the_province_says_the_month_s_runs_once_and_the_same_everywhere(world, client_for):
    client = client_for("tayninh_province", language="en")

    november = client.get(province_url()).content.decode()
    september = client.get(province_url(month="2026-09")).content.decode()

    # Tân Đông's run is computed (2,500,000 đ, 4 people), Bình Minh's approved (1,250,000 đ, 2 people).
    statement = "the runs of 2 communes: 1 computed, awaiting approval; 1 approved"
    assert _statements(november) == ("3,750,000 đ", statement, f"3,750,000 đ · 6 people · {statement}")
    assert "no run yet" not in _between(november, 'data-testid="summary"', 'id="poverty-heading"')
    assert _statements(september) == ("no run yet", "no run yet", "no run yet")


def test_the_province_in_vietnamese_says_it_once_too(world, client_for):
    html = client_for("tayninh_province").get(province_url()).content.decode()

    statement = "đợt chi trả của 2 xã, phường: 1 đã tính, chờ phê duyệt; 1 đã phê duyệt"
    assert _statements(html) == ("3.750.000 đ", statement, f"3.750.000 đ · 6 người · {statement}")
    assert "chưa có đợt chi trả" not in _between(html, 'data-testid="summary"', 'id="poverty-heading"')


def test_a_run_approved_after_the_figures_were_cached_shows_approved_at_once(
    world, users, client_for, settings, django_assert_max_num_queries
):
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 300
    client = client_for("tayninh_province", language="en")
    first = client.get(province_url())
    rows = {row.code: row for row in first.context["rows"]}
    assert (rows[TAN_DONG].run_status, rows[TAN_DONG].late_run) == ("computed", True)

    run_approve(run=Run.objects.get(commune_id=TAN_DONG, month=date(2026, 11, 1)), acting_user=users["tandong_chair"])
    # The 9 queries of a cached page and the month's runs read again (the runs, the payments by month).
    with django_assert_max_num_queries(11):
        after = client.get(province_url())
    with django_assert_max_num_queries(9):  # nothing changed since: the cached page again
        client.get(province_url())

    dashboard = after.context["dashboard"]
    rows = {row.code: row for row in after.context["rows"]}
    assert dashboard.computed_at == first.context["dashboard"].computed_at  # the same cached figures …
    assert (rows[TAN_DONG].run_status, rows[TAN_DONG].late_run) == ("approved", False)  # … with the run as it is
    assert dashboard.late_runs == [] and dashboard.total.run_total_vnd == 3_750_000
    assert _statements(after.content.decode())[1] == "the runs of 2 communes: 2 approved"


def test_a_review_whose_status_changed_has_the_figures_computed_again(world, client_for, settings):
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 300
    client = client_for("tayninh_province", language="en")
    first = client.get(province_url())
    review = world.campaigns["2026"]
    review.status = "village_meetings"
    review.save()

    after = client.get(province_url())

    assert after.context["dashboard"].computed_at > first.context["dashboard"].computed_at
    assert {row.code: row.review_status for row in after.context["rows"]}[TAN_DONG] == "village_meetings"


# --- item 5: communes without data ----------------------------------------------------------------


def test_communes_without_any_record_are_one_line_after_those_with_data(world, units, client_for):
    for code, name in (("90001", "Xã An Bình"), ("90002", "Xã Bàu Đồn"), ("90003", "Phường An Tịnh")):
        CommuneFactory(code=code, name=name, province=units.tay_ninh)

    english = client_for("tayninh_province", language="en").get(province_url(sort="-households"))
    vietnamese = client_for("tayninh_province").get(province_url()).content.decode()

    assert [row.code for row in english.context["rows"]] == [TAN_DONG, BINH_MINH]  # sorted, data only
    assert [row.name for row in english.context["empty_communes"]] == ["Phường An Tịnh", "Xã An Bình", "Xã Bàu Đồn"]
    html = english.content.decode()
    assert "Tây Ninh: 5 communes, 11/2026" in html
    details = _between(html, 'data-testid="communes-without-data">', "</details>")
    assert "<summary>3 communes have no data yet</summary>" in details
    assert re.findall(r'href="/reports/communes/(\d+)/', details) == ["90003", "90001", "90002"]
    assert html.index('data-testid="commune-table"') < html.index('data-testid="communes-without-data"')
    table = _between(html, 'data-testid="commune-table"', "</table>")
    assert "Xã An Bình" not in table
    assert "<summary>3 xã, phường chưa có dữ liệu</summary>" in vietnamese


# --- item 4: Bình Minh's demo coverage, whatever the day the demo is loaded ------------------------


@pytest.mark.django_db
def test_bình_minh_s_demo_members_are_covered_like_tân_đông_s_on_another_day():
    """On DEMO_DAY the field-story test reads 88.10 % (9,281 of 10,535; the province 87.82 %); its
    members' cards are one-year cards back to back, each starting between the 3rd and the 28th, so
    the share does not move with the day the demo is loaded."""
    from demo.accounts import load_demo

    with on_day(datetime(2027, 3, 9, 10, 0, tzinfo=VIETNAM)):
        load_demo()
        board = figures.dashboard([BINH_MINH, TAN_DONG], trends=False)

    rows = {row.code: row for row in board.communes}
    bm = rows[BINH_MINH]
    assert (bm.living_members, bm.members_covered, bm.member_coverage) == (10_535, 9_281, 88.1)  # as on DEMO_DAY
    # Tân Đông's own story moves a little with the day (its reminders and renewals): the province 87.72 %.
    assert board.total.member_coverage == 87.72
