"""The dashboard pages: who may open which (scope first, then the role), totals of the user's communes
only, the link behind each number, the month chosen, the province's sortable table of communes and
its late communes, the cache of a province's figures, query counts that do not grow with the
number of communes, and the field story read off the demo's dashboards."""

import re
from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.months import first_of_month
from tests.conftest import VIETNAM, on_day
from tests.factories import CommuneFactory, UserFactory, VillageFactory
from tests.households.factories import make_household
from tests.reports.test_figures import _case, _status, build_world

TAN_DONG, BINH_MINH = "25522", "25480"
NOVEMBER = "2026-11"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test computes its own figures (the cache outlives a test's database)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(units, users):
    return build_world(units, users)


def commune_url(code=TAN_DONG, month=NOVEMBER):
    return reverse("reports:commune", kwargs={"code": code}) + f"?month={month}"


def province_url(code="80", month=NOVEMBER, **query):
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    return reverse("reports:province", kwargs={"code": code}) + f"?month={month}{extra}"


def test_the_commune_dashboard_shows_the_commune_s_figures_with_the_list_behind_each(world, client_for):
    response = client_for("tandong_officer", language="en").get(commune_url())
    assert response.status_code == 200
    html = response.content.decode()
    total = response.context["total"]
    assert (total.code, total.households, total.listed, total.beneficiaries) == (TAN_DONG, 6, 5, 6)
    assert "5 households, 83.33 %" in html
    assert 'href="/households/?commune=25522"' in html
    assert 'href="/households/?commune=25522&amp;year=2025&amp;status=poor"' in html
    assert 'href="/households/?commune=25522&amp;year=2025&amp;status=near_poor"' in html
    assert 'href="/reviews/results/?commune=25522&amp;year=2024"' in html
    # Each number leads to exactly the records it counts (tests/reports/test_links_trace.py follows them).
    assert 'href="/households/?commune=25522&amp;year=2025&amp;status=listed"' in html  # "5 households, 83.33 %"
    assert 'href="/households/?commune=25522&amp;year=2024&amp;status=poor"' in html  # the year before
    for change in ("escaped_poverty", "escaped_near_poverty", "new_listed", "fell_back"):
        assert f'href="/households/?commune=25522&amp;year=2025&amp;change={change}"' in html
    assert 'href="/allowances/?commune=25522&amp;month=2026-11"' in html  # the month's beneficiaries
    assert 'href="/allowances/?commune=25522&amp;month=2026-11&amp;clause=5.1"' in html
    assert 'href="/allowances/?commune=25522&amp;month=2026-11&amp;clause=5.5"' in html
    assert 'href="/allowances/?commune=25522&amp;month=2026-11&amp;category=5.5c"' in html
    assert 'href="/allowances/?commune=25522&amp;status=applied"' in html
    assert 'href="/allowances/?commune=25522&amp;cards=expiring"' in html
    # Health insurance: the complement of those covered, said in the link's text.
    assert 'href="/households/?commune=25522&amp;uninsured_on=2026-11-30"' in html
    assert "5 members without a valid card: their households" in html
    assert 'href="/allowances/?commune=25522&amp;month=2026-11&amp;uninsured_on=2026-11-30"' in html
    assert "3 beneficiaries without a valid card" in html
    run_id = world.cases["c1"].payment_lines.get().run_id
    assert f'href="/payments/{run_id}/?payment_method=bank"' in html
    assert f'href="/reviews/{world.campaigns["2026"].pk}/complaints/"' in html
    assert 'href="/support/records/?commune=25522&amp;status=delivered&amp;kind=house&amp;year=2026"' in html
    assert 'href="/notifications/reminders/25522/"' in html
    # Per village, each count leads to that village's households.
    village = world.units.tan_dong_village
    assert f'href="/households/?commune=25522&amp;year=2025&amp;status=poor&amp;village={village.pk}"' in html
    assert 'href="/households/?commune=25522&amp;village=none"' in html  # waiting for a village
    assert 'href="/households/?commune=25522&amp;year=2025&amp;status=near_poor&amp;village=none"' in html
    assert [v.name for v in response.context["villages"]] == ["Ấp Tân Hòa", "Ấp Đông Hà", None]
    # The four charts, each beside its table.
    for name in ("poverty", "categories", "payments", "coverage"):
        assert f'data-testid="chart-{name}"' in html and f'data-testid="chart-table-{name}"' in html


def test_the_month_is_chosen_by_month_or_year_and_defaults_to_this_month(world, client_for):
    client = client_for("tandong_officer", language="en")
    assert client.get(commune_url(month="2025-12")).context["period"].month == date(2025, 12, 1)
    assert client.get(reverse("reports:commune", kwargs={"code": TAN_DONG}) + "?year=2024").context[
        "period"
    ].month == date(2024, 12, 1)
    this_month = first_of_month(timezone.localdate())
    for query in ("", "?month=nonsense", "?month=1999-01", "?year=abc"):
        response = client.get(reverse("reports:commune", kwargs={"code": TAN_DONG}) + query)
        assert response.context["period"].month == this_month


@pytest.mark.parametrize(
    ("role", "status"),
    [("tandong_officer", 200), ("tandong_chair", 200), ("tayninh_province", 200), ("admin", 200),
     ("binhminh_officer", 404), ("hcm_province", 404)],
)  # fmt: skip
def test_a_commune_dashboard_out_of_scope_is_404_like_a_missing_one(world, client_for, role, status):
    client = client_for(role)
    assert client.get(commune_url()).status_code == status
    assert client.get(commune_url(code="99999")).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("tayninh_province", 200), ("admin", 200), ("tandong_officer", 403), ("binhminh_officer", 403),
     ("tandong_chair", 403), ("hcm_province", 404)],
)  # fmt: skip
def test_the_province_dashboard_is_for_provincial_viewers_of_that_province(world, client_for, role, status):
    client = client_for(role)
    assert client.get(province_url()).status_code == status
    assert client.get(province_url(code="99")).status_code == 404
    if role == "tayninh_province":
        assert client.get(province_url(code="79")).status_code == 404  # never another province


def test_the_province_sums_only_the_communes_in_the_user_s_scope(world, client_for):
    response = client_for("tayninh_province", language="en").get(province_url())
    total = response.context["total"]
    assert [row.code for row in response.context["rows"]] == [BINH_MINH, TAN_DONG]
    assert (total.households, total.beneficiaries, total.run_people, total.run_total_vnd) == (8, 8, 6, 3_750_000)
    assert "Phường Bến Thành" not in response.content.decode()
    # A provincial viewer assigned to Bình Minh only sees Bình Minh, in every row and every total.
    viewer = UserFactory(username="bm.viewer", role=Role.PROVINCIAL_VIEWER, communes=[world.units.binh_minh])
    from django.test import Client

    client = Client()
    client.force_login(viewer)
    response = client.get(province_url())
    assert [row.code for row in response.context["rows"]] == [BINH_MINH]
    total = response.context["total"]
    assert (total.households, total.beneficiaries, total.listed, total.run_total_vnd) == (2, 2, 1, 1_250_000)
    assert "Xã Tân Đông" not in response.content.decode()
    assert client.get(commune_url()).status_code == 404


def test_the_province_s_links_narrow_to_the_province_and_its_commune_dashboards_to_the_commune(world, client_for):
    """An administrator sees every province: a province's numbers lead to that province's records,
    a commune's to that commune's (never the user's whole scope)."""
    client = client_for("admin", language="en")
    html = client.get(province_url()).content.decode()
    assert 'href="/households/?province=80"' in html
    assert 'href="/allowances/?province=80&amp;month=2026-11"' in html
    assert 'href="/allowances/?province=80&amp;month=2026-11&amp;category=5.5c"' in html
    assert 'href="/allowances/?province=80&amp;status=verified"' in html
    assert 'href="/households/?province=80&amp;uninsured_on=2026-11-30"' in html
    # Tân Đông's list is of 2025, Bình Minh's of 2024: no single list holds their sum, so no link.
    assert "status=poor" not in html and "change=" not in html
    html = client.get(commune_url(code=BINH_MINH)).content.decode()
    assert 'href="/households/?commune=25480&amp;year=2024&amp;status=poor"' in html
    assert 'href="/allowances/?commune=25480&amp;month=2026-11"' in html
    assert "province=" not in html.split('data-testid="summary"')[1]


def test_the_communes_table_sorts_on_the_server_and_drills_down(world, client_for):
    client = client_for("tayninh_province", language="en")

    def order(sort):
        response = client.get(province_url(sort=sort))
        return [row.code for row in response.context["rows"]], response

    assert order("households")[0] == [BINH_MINH, TAN_DONG]
    assert order("-households")[0] == [TAN_DONG, BINH_MINH]
    assert order("-rate")[0] == [TAN_DONG, BINH_MINH]  # 83.33 % against 50 %
    assert order("bank")[0] == [BINH_MINH, TAN_DONG]  # 50 % against 75 %
    codes, response = order("nonsense")
    assert codes == [BINH_MINH, TAN_DONG] and response.context["sort"] == "name"
    html = order("-beneficiaries")[1].content.decode()
    assert (
        'aria-sort="descending"' in html
        and 'href="/reports/provinces/80/?month=2026-11&amp;sort=beneficiaries"' in html
    )
    assert 'href="/reports/communes/25522/?month=2026-11"' in html  # drill-down, same month
    drill = client.get("/reports/communes/25522/?month=2026-11")
    assert drill.status_code == 200 and drill.context["province_url"] == "/reports/provinces/80/?month=2026-11"


def test_the_province_lists_its_late_communes(world, client_for, settings):
    settings.DISBURSEMENT_PREPARE_DAY = 15
    response = client_for("tayninh_province", language="en").get(province_url())
    board = response.context["dashboard"]
    # November 2026 is read on its last day when it has ended, or today while it runs.
    if board.period.as_of.day > 15 or board.period.as_of > date(2026, 11, 30):
        assert [row.code for row in board.late_runs] == [TAN_DONG]  # computed, not approved
    assert [row.code for row in board.late_reviews] == [BINH_MINH]  # not opened by 30 September
    html = response.content.decode()
    late_reviews = html[html.index('data-testid="late-reviews"') :].split("</p>")[0]
    assert "Phường Bình Minh" in late_reviews and "Xã Tân Đông" not in late_reviews


def test_the_province_s_figures_are_cached_for_the_same_communes_and_computed_again_on_request(
    world, client_for, settings, django_assert_max_num_queries
):
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 300
    client = client_for("tayninh_province", language="en")
    first = client.get(province_url())
    assert first.context["total"].beneficiaries == 8
    _case(world.persons["baby"], world.units.tan_dong, world.officer, "active", date(2026, 8, 1), [("5.1", {})])
    # 8, and the stamp of the runs and reviews that says the cached statuses are still those of now
    with django_assert_max_num_queries(9):
        cached = client.get(province_url())
    assert cached.context["total"].beneficiaries == 8
    assert cached.context["dashboard"].computed_at == first.context["dashboard"].computed_at
    fresh = client.get(province_url(refresh=1))
    assert fresh.context["total"].beneficiaries == 9
    # Another scope (a viewer of Bình Minh only) never reads the province's cached figures.
    viewer = UserFactory(username="bm.viewer", role=Role.PROVINCIAL_VIEWER, communes=[world.units.binh_minh])
    from django.test import Client

    other = Client()
    other.force_login(viewer)
    assert other.get(province_url()).context["total"].beneficiaries == 2


def test_beat_keeps_the_province_s_figures_warm_so_the_page_reads_them_from_the_cache(
    world, client_for, settings, django_assert_max_num_queries
):
    from reports.snapshots import refresh_province_dashboards

    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 300
    # The task warms the current month: the world is built for November 2026, so it is November.
    with on_day(datetime(2026, 11, 20, 10, 0, tzinfo=VIETNAM)):
        assert timezone.localdate().strftime("%Y-%m") == NOVEMBER
        # The provinces with households: Tây Ninh (Tân Đông, Bình Minh) and Hồ Chí Minh City's commune.
        assert refresh_province_dashboards() == 2
        _case(world.persons["baby"], world.units.tan_dong, world.officer, "active", date(2026, 8, 1), [("5.1", {})])
        client = client_for("tayninh_province", language="en")
        with django_assert_max_num_queries(9):  # 8 and the stamp of the runs and reviews
            page = client.get(province_url())
        assert page.context["total"].beneficiaries == 8  # computed by the task, before the new case
        assert refresh_province_dashboards() == 2
        assert client_for("tayninh_province", language="en").get(province_url()).context["total"].beneficiaries == 9


def _more_communes(units, officer, count: int) -> list:
    communes = []
    for number in range(count):
        commune = CommuneFactory(province=units.tay_ninh)
        village = VillageFactory(commune=commune)
        household = make_household(commune, village, f"M-{number}")
        _status(household, y2025="poor")
        _case(household.head, commune, officer, "active", date(2025, 1, 1), [("5.6s", {})])
        communes.append(commune)
    return communes


def test_query_counts_do_not_grow_with_the_number_of_communes(world, units, users, client_for, settings,
                                                            django_assert_num_queries):  # fmt: skip
    # On the world's day (20 November 2026): November runs, so the province counts its members'
    # coverage live (one query) whatever the wall clock says.
    with on_day(datetime(2026, 11, 20, 10, 0, tzinfo=VIETNAM)):
        settings.REPORTS_DASHBOARD_CACHE_SECONDS = 0
        viewer = client_for("tayninh_province", language="en")
        officer = client_for("tandong_officer", language="en")
        viewer.get(province_url())  # the session, once
        officer.get(commune_url())
        # 23, plus the savepoint, the planner's settings and its release around the province's figures
        # (reports.figures.planned). The commune's: the same three around its figures, and its coverage in
        # three queries where there were two: the eleven closed months read from the store
        # (reports.closed_months, written by the first visit above), November counted (members,
        # beneficiaries).
        with django_assert_num_queries(26):
            viewer.get(province_url())
        with django_assert_num_queries(29):
            officer.get(commune_url())
        extra = _more_communes(units, world.officer, 4)
        from accounts.models import StaffAssignment

        for commune in extra:  # the officer keeps five communes now (the picker lists them in one query)
            StaffAssignment.objects.create(user=users["tandong_officer"], commune=commune)
        for number in range(3):
            make_household(units.tan_dong, units.tan_dong_village, f"TD-X{number}")
        with django_assert_num_queries(26):
            response = viewer.get(province_url())
        assert len(response.context["rows"]) == 6
        with django_assert_num_queries(29):
            response = officer.get(commune_url())
        assert len(response.context["other_communes"]) == 4


def test_the_reports_home_sends_each_user_to_their_dashboard(world, client_for):
    assert client_for("tandong_officer").get("/reports/?month=2026-10").url == "/reports/communes/25522/?month=2026-10"
    assert client_for("binhminh_officer").get("/reports/").url == "/reports/communes/25480/"
    assert client_for("tayninh_province").get("/reports/").url == "/reports/provinces/80/"
    chooser = client_for("admin", language="en").get("/reports/")
    assert chooser.status_code == 200
    assert [province.code for province in chooser.context["provinces"]] == ["79", "80"]
    assert client_for("anonymous").get("/reports/").status_code == 302


# --- the field story, read off the demo's dashboards ----------------------------------------------


def _amount(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.mark.django_db
def test_the_field_story_figures_read_off_the_demo_dashboards(client, on_demo_day):
    from accounts.models import User
    from demo.accounts import load_demo
    from demo.notifications import load_notifications_demo
    from demo.support import load_support_demo
    from notifications.reminders import coverage

    load_demo()
    load_support_demo()  # idempotent: nothing happens once demo.accounts loads them itself
    load_notifications_demo()
    client.force_login(User.objects.get(username="tandong.officer"))
    client.cookies["django_language"] = "en"
    response = client.get("/reports/communes/25522/")
    html = response.content.decode()
    total, board = response.context["total"], response.context["dashboard"]

    # "43 multidimensionally poor or near-poor households = 0.91 %" (the list of 2026 in force: the demo's
    # years move with the day of loading, and on DEMO_DAY last year's review, of 2025, made it).
    assert (total.status_year, total.listed, total.listed_rate) == (2026, 43, 0.91)
    assert "43 households, 0.91 %" in html
    assert 'href="/households/?commune=25522&amp;year=2026&amp;status=poor"' in html
    assert total.plan_percent == 125.0  # 5 poor households fewer against a target of 4
    # This year's review is at public posting on 20 November, on time.
    assert (total.review_status, total.late_review) == ("public_posting", False)

    # "369 people receiving a monthly social allowance: 2 orphans, 132 elderly, 235 disabled".
    assert total.beneficiaries == 369
    assert [(clause.code, clause.people) for clause in board.categories] == [("5.1", 2), ("5.5", 132), ("5.6", 235)]
    assert re.search(r'data-testid="allowance-total">369<', html)
    # "100 % paid through bank accounts" (this month's run).
    assert (total.run_people, total.run_bank_people, total.bank_share) == (369, 369, 100.0)

    # "9 solidarity houses, over 810 million; loans over 76 billion; over 3,000 gifts; check-ups".
    kinds = {row["kind"]: row for row in board.support.by_kind}
    assert kinds["house"]["all_records"] == 9 and kinds["house"]["all_value_vnd"] > 810_000_000
    assert kinds["loan"]["all_value_vnd"] > 76_000_000_000
    assert kinds["gift"]["all_records"] > 3_000
    assert board.support.all_checkups["attendees"] > 1_200

    # "Coverage from 83 % to over 87 % in 8 months" after the reminders began.
    before, after = board.reminder_effect
    assert round(before.member_coverage) == 83 and after.member_coverage > 87
    assert (after.month.year * 12 + after.month.month) - (before.month.year * 12 + before.month.month) == 8
    months = [row.month for row in board.coverage_trend]
    assert [(row.living_members, row.members_covered) for row in board.coverage_trend] == [
        (row.members, row.covered) for row in coverage("25522", months)
    ]
    assert 'data-mark="reminders-began"' in html

    # Ninh Sơn / Bình Minh: 922 beneficiaries, over 96 % by bank; and the province sums the two.
    client.force_login(User.objects.get(username="tayninh.province"))
    province = client.get("/reports/provinces/80/")
    rows = {row.code: row for row in province.context["rows"]}
    assert rows[BINH_MINH].beneficiaries == 922 and rows[BINH_MINH].bank_share > 96
    # "Down to 1 poor household": Bình Minh's list of 2026 in force too, its 2026 review at posting.
    assert (rows[BINH_MINH].status_year, rows[BINH_MINH].poor, rows[BINH_MINH].near_poor) == (2026, 1, 5)
    assert (rows[BINH_MINH].review_status, rows[BINH_MINH].late_review) == ("public_posting", False)
    assert province.context["total"].beneficiaries == 369 + 922
    # Health insurance in Bình Minh: its members hold cards too (issue 16: 8.33 % was its beneficiaries'
    # cards only, and dragged the province to 53 %); counted today, 20 November, never on a day to come.
    bm, total = rows[BINH_MINH], province.context["total"]
    assert (bm.living_members, bm.members_covered, bm.member_coverage) == (10_535, 9_281, 88.1)
    assert (total.living_members, total.members_covered, total.member_coverage) == (27_159, 23_850, 87.82)
    assert _amount(re.search(r'data-testid="summary-beneficiaries">([^<]+)<', province.content.decode())[1]) == 1291
