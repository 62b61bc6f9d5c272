"""Every number of the dashboards leads to exactly the records it counts.

On the small world of ``test_figures`` (every kind of change, a death, a dissolved household, a
household waiting for a village, a suspension, a terminated case still paid, a category change,
cards that start, end and lapse), each dashboard number that links to the households or the
allowances is followed, as the same user, and the list is counted twice: by the count it states
and by its rows (the world fits on one page). Commune and province dashboards, an officer, a
provincial viewer and an administrator (whose scope is the whole country), this month and a past one.
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from households.selectors import COUNT_LIMIT, PAGE_SIZE
from tests.reports.test_figures import build_world

LISTS = ("/households/", "/allowances/")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(units, users):
    return build_world(units, users)


class _Page(HTMLParser):
    """The anchors of a page (href, text), and the rows and cells of its list table."""

    def __init__(self, table_id: str = ""):
        super().__init__()
        self.table_id = table_id
        self.anchors: list[tuple[str, str]] = []
        self.rows = 0
        self.counts: dict[str, str] = {}
        self.uninsured_cells: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._in_table = self._in_body = self._in_uninsured = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self._href, self._text = attrs["href"], []
        if attrs.get("data-testid") in ("household-count", "case-count"):
            self.counts = {key: value for key, value in attrs.items() if key.startswith("data-")}
        if tag == "table" and attrs.get("data-testid") == self.table_id:
            self._in_table = True
        if self._in_table and tag == "tbody":
            self._in_body = True
        if self._in_body and tag == "tr":
            self.rows += 1
        if attrs.get("data-testid") == "uninsured-members":
            self._in_uninsured, self._text_cell = True, []

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        if tag == "tbody":
            self._in_body = False
        if tag == "table":
            self._in_table = False
        if tag == "td" and self._in_uninsured:
            self.uninsured_cells.append("".join(self._text_cell).strip())
            self._in_uninsured = False

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)
        if self._in_uninsured:
            self._text_cell.append(data)


def _number(text: str) -> int | None:
    found = re.match(r"(\d[\d,.]*)", text)
    return int(re.sub(r"\D", "", found[1])) if found else None


def listed_count(client, url: str) -> int:
    """How many records the list behind ``url`` holds, by the count it states, checked against its
    rows when they fit on its first page. For the households of members without a card: the
    members (the rows name them)."""
    path = urlsplit(url).path
    assert path in LISTS, url
    households = path == "/households/"
    response = client.get(url)
    assert response.status_code == 200, url
    page = _Page("household-table" if households else "case-table")
    page.feed(response.content.decode())
    assert page.counts, url
    count = int(page.counts["data-count"])
    assert count <= COUNT_LIMIT, url
    if count <= PAGE_SIZE:
        assert page.rows == count, url
    if households and "uninsured_on" in parse_qs(urlsplit(url).query):
        members = int(page.counts["data-members"])
        if count <= PAGE_SIZE:
            assert len([name for cell in page.uninsured_cells for name in cell.split(", ") if name]) == members, url
        return members
    return count


def figure_links(context) -> list[tuple[str, int, str]]:
    """(what, the number shown, its link) for every number of the dashboard linked to a list."""
    total, urls, uncovered = context["total"], context["urls"], context["uncovered"]
    pairs = [
        (key, getattr(total, key), urls[key])
        for key in ("households", "listed", "poor", "near_poor", "middle_income", "previous_listed", "previous_poor",
                    "previous_near_poor", "escaped_poverty", "escaped_near_poverty", "new_listed", "fell_back",
                    "beneficiaries", "cases_applied", "cases_verified", "cases_suspended", "cards_expiring")
    ]  # fmt: skip
    pairs += [
        ("members without a card", uncovered["members"], urls["members_uncovered"]),
        ("beneficiaries without a card", uncovered["beneficiaries"], urls["beneficiaries_uncovered"]),
    ]
    pairs += [(f"category {row['code']}", row["people"], row["url"]) for row in context["category_rows"]]
    for village in context.get("villages") or []:
        name = village.name or "waiting"
        pairs += [
            (f"{name}: households", village.households, village.households_url),
            (f"{name}: poor", village.poor, getattr(village, "poor_url", "")),
            (f"{name}: near-poor", village.near_poor, getattr(village, "near_poor_url", "")),
        ]
    return [(what, number, url) for what, number, url in pairs if url]


def assert_every_number_traces(client, dashboard_url: str) -> list[tuple[str, int, str]]:
    response = client.get(dashboard_url)
    assert response.status_code == 200
    checked = []
    for what, number, url in figure_links(response.context):
        assert listed_count(client, url) == number, (what, url)
        checked.append((what, number, url))
    # Every number written as a link to a list on the page, whatever its place, says what the list holds.
    page = _Page()
    page.feed(response.content.decode())
    for href, text in page.anchors:
        if urlsplit(href).path in LISTS and _number(text) is not None:
            assert listed_count(client, href) == _number(text), (text, href)
    return checked


COMMUNE = "/reports/communes/{code}/?month={month}"
PROVINCE = "/reports/provinces/80/?month={month}"


@pytest.mark.parametrize("month", ["2026-11", "2026-04"])
@pytest.mark.parametrize("role", ["tandong_officer", "tayninh_province", "admin"])
def test_every_number_of_tan_dong_s_dashboard_leads_to_exactly_its_records(world, client_for, role, month):
    client = client_for(role, language="en")
    checked = assert_every_number_traces(client, COMMUNE.format(code="25522", month=month))
    numbers = {what: number for what, number, _url in checked}
    # Not a test that passes on empty lists: the world's numbers are there, and every kind of link.
    assert len(checked) >= 30 and sum(numbers.values()) >= 40
    assert numbers["listed"] == 5 and numbers["fell_back"] == 1 and numbers["waiting: households"] == 1
    assert {"category 5.5", "category 5.5a", "category 5.5c", "members without a card"} <= set(numbers)


def test_the_numbers_of_the_world_in_november_as_written_down(world, client_for):
    """The counts the lists give, written down: if a list and the dashboard drifted apart together,
    these would not."""
    client = client_for("tandong_officer", language="en")
    numbers = {what: n for what, n, _url in assert_every_number_traces(client, COMMUNE.format(code="25522",
                                                                                            month="2026-11"))}  # fmt: skip
    assert (numbers["households"], numbers["listed"], numbers["poor"], numbers["near_poor"]) == (6, 5, 1, 4)
    assert (numbers["escaped_poverty"], numbers["escaped_near_poverty"], numbers["new_listed"],
            numbers["fell_back"]) == (2, 1, 2, 1)  # fmt: skip
    # c1, c2, c3, c5 (terminated, its last month), c6, c10: not c4 (suspended), not c9 (died in September).
    assert numbers["beneficiaries"] == 6
    assert (numbers["category 5.5"], numbers["category 5.5a"], numbers["category 5.5c"]) == (3, 1, 2)
    assert (numbers["members without a card"], numbers["beneficiaries without a card"]) == (5, 3)


@pytest.mark.parametrize("month", ["2026-11", "2026-04"])
def test_bình_minh_s_dashboard_traces_for_the_provincial_viewer(world, client_for, month):
    checked = assert_every_number_traces(client_for("tayninh_province"), COMMUNE.format(code="25480", month=month))
    assert {what: n for what, n, _url in checked}["poor"] == 1  # Bình Minh's list of 2024


@pytest.mark.parametrize("month", ["2026-11", "2026-04"])
@pytest.mark.parametrize("role", ["tayninh_province", "admin"])
def test_every_number_of_the_province_s_dashboard_leads_to_exactly_its_records(world, client_for, role, month):
    """The administrator sees Hồ Chí Minh City's commune too: the province's lists leave it out."""
    client = client_for(role, language="en")
    checked = assert_every_number_traces(client, PROVINCE.format(month=month))
    numbers = {what: number for what, number, _url in checked}
    assert numbers["households"] == 8 and numbers["beneficiaries"] == (8 if month == "2026-11" else 9)
    # The communes' lists are of different years (2025, 2024): no single list, no link.
    assert "poor" not in numbers and "fell_back" not in numbers


def test_a_commune_s_lists_never_show_another_commune_s_records(world, client_for):
    """The lists keep the user's scope: an officer following Bình Minh's links sees nothing."""
    viewer, officer = client_for("tayninh_province"), client_for("tandong_officer")
    for _what, number, url in figure_links(viewer.get(COMMUNE.format(code="25480", month="2026-11")).context):
        assert listed_count(officer, url) == 0, url
        assert listed_count(viewer, url) == number, url


@pytest.mark.django_db
def test_the_field_story_s_numbers_lead_to_their_records_on_the_demo(client, on_demo_day):
    """The demo's dashboards (the figures people quote: 43 poor or near-poor households, 369
    beneficiaries, 132 elderly, 235 with disabilities, the coverage): every linked number is what its
    list states, past the first page too."""
    from accounts.models import User
    from demo.accounts import load_demo

    load_demo()
    client.force_login(User.objects.get(username="tandong.officer"))
    checked = {what: number for what, number, _url in assert_every_number_traces(client, "/reports/communes/25522/")}
    assert (checked["listed"], checked["beneficiaries"], checked["category 5.5"], checked["category 5.6"]) == (
        43, 369, 132, 235,
    )  # fmt: skip
    assert checked["members without a card"] > PAGE_SIZE  # counted by the list past its first page
    client.force_login(User.objects.get(username="tayninh.province"))
    checked = {what: number for what, number, _url in assert_every_number_traces(client, "/reports/provinces/80/")}
    assert checked["beneficiaries"] == 369 + 922


def test_the_health_categories_are_counted_but_not_linked_for_a_reader_who_may_not_see_them(world, client_for):
    """A provincial viewer reads how many people a health-related category holds (an aggregate) but
    gets no link to the list, which would name them and which they may not filter (issue 15 §2);
    the commune's officer follows the same number to its list."""
    url = COMMUNE.format(code="25522", month="2026-11")
    viewer_rows = client_for("tayninh_province").get(url).context["category_rows"]
    officer_rows = client_for("tandong_officer").get(url).context["category_rows"]

    health = {row["code"] for row in officer_rows if row["code"] in ("5.3", "5.6", "5.8", "5.6es", "5.6s")}
    assert health  # the world has people in a health-related category
    assert {row["code"]: row["url"] for row in viewer_rows if row["code"] in health} == dict.fromkeys(health, "")
    assert all(row["url"] for row in officer_rows if row["code"] in health)
    assert [row["people"] for row in viewer_rows] == [row["people"] for row in officer_rows]
    assert all(row["url"] for row in viewer_rows if row["code"] not in health)
