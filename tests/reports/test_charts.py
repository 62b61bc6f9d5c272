"""The SVG charts: well-formed XML with a title and description, the values written in them, two
series told apart without colour (hatch pattern, dash and marker), the month reminders began
marked, texts escaped, numbers in the reader's language; and the same SVG on the page."""

from datetime import date
from xml.etree import ElementTree

import pytest
from django.utils import translation

from reports import charts, figures
from tests.reports.test_figures import TODAY, build_world

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def texts(root) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


YEARS = [
    figures.YearRate(year=2024, households=4_700, poor=18, near_poor=25),
    figures.YearRate(year=2025, households=4_700, poor=13, near_poor=30),
]


def test_poverty_rate_chart_stacks_poor_and_near_poor_with_their_count_and_rate():
    with translation.override("en"):
        root = parse(charts.poverty_rate_svg(YEARS))
    labels = texts(root)
    assert "43 · 0.91 %" in labels and labels.count("43 · 0.91 %") == 2
    assert {"2024", "2025", "Poor", "Near-poor"} <= set(labels)
    # The second series is hatched (a pattern of lines), the first a plain fill; the legend draws both.
    patterns = {pattern.get("id"): pattern for pattern in root.iter(f"{SVG}pattern")}
    assert set(patterns) == {"poverty-hatched"}
    assert patterns["poverty-hatched"].find(f"{SVG}line") is not None
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert fills.count("url(#poverty-hatched)") == 3 and fills.count(charts.PRIMARY) == 3  # 2 bars + legend
    assert [rect.get("data-series") for rect in root.iter(f"{SVG}rect") if rect.get("data-series")] == ["1", "2"] * 2
    assert "2024: 18 poor and 25 near-poor households, 0.91 %" in root.find(f"{SVG}desc").text


def test_numbers_are_written_in_the_reader_s_language():
    with translation.override("vi"):
        root = parse(charts.poverty_rate_svg(YEARS))
    assert "43 · 0,91 %" in texts(root)
    assert "Hộ nghèo" in texts(root) or "Poor" in texts(root)  # translated once the lead adds the strings


def test_categories_chart_labels_each_clause_with_its_people():
    categories = [
        figures.CategoryCount("5.1", 2, [("5.1", 2)]),
        figures.CategoryCount("5.5", 132, [("5.5a", 8), ("5.5c", 124)]),
        figures.CategoryCount("5.6", 235, [("5.6es", 80), ("5.6s", 155)]),
    ]
    with translation.override("en"):
        root = parse(charts.categories_svg(categories))
    labels = texts(root)
    assert {"2", "132", "235"} <= set(labels)
    assert "Elderly people (cl. 5 Art. 5)" in labels and "People with disabilities (cl. 6 Art. 5)" in labels
    assert root.find(f"{SVG}title").text == "Beneficiaries by category: 369"
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect") if rect.get("height") == "18"]
    assert widths[2] > widths[1] > widths[0]  # proportional to the people


def test_payments_chart_shows_bank_and_cash_in_millions():
    months = [
        figures.MonthPayments(date(2026, 10, 1), 667_250_000, 24_000_000),  # 691.25 million: halves up
        figures.MonthPayments(date(2026, 11, 1), 294_500_000, 0),
    ]
    with translation.override("en"):
        root = parse(charts.payments_svg(months))
    labels = texts(root)
    assert {"691.3", "294.5", "10/26", "11/26", "Bank account", "Cash"} <= set(labels)
    assert "10/26: 667.3 million by bank, 24.0 million in cash" in root.find(f"{SVG}desc").text


def test_coverage_chart_draws_two_lines_apart_without_colour_and_marks_the_reminders():
    trend = [
        figures.MonthCoverage(date(2026, 1, 1) if n == 0 else date(2026, n + 1, 1), 16_624, covered, 369, 369)
        for n, covered in enumerate([13_800, 13_801, 14_100, 14_500])
    ]
    with translation.override("en"):
        root = parse(charts.coverage_svg(trend, reminders_began=date(2026, 2, 1)))
    lines = {line.get("data-series"): line for line in root.iter(f"{SVG}polyline")}
    assert set(lines) == {"members", "beneficiaries"}
    assert lines["beneficiaries"].get("stroke-dasharray") and not lines["members"].get("stroke-dasharray")
    assert len(list(root.iter(f"{SVG}circle"))) == 4 + 1  # members' points and the legend's
    assert {"83.0", "84.8", "87.2", "Reminders began", "Living members", "Beneficiaries"} <= set(texts(root))
    marks = [line for line in root.iter(f"{SVG}line") if line.get("data-mark") == "reminders-began"]
    assert len(marks) == 1
    # The mark stands on February, the second month.
    february = next(t for t in root.iter(f"{SVG}text") if t.text == "02/26")
    assert float(marks[0].get("x1")) == pytest.approx(float(february.get("x")))
    assert "Reminders began in 02/2026." in root.find(f"{SVG}desc").text


def test_text_from_the_records_is_escaped():
    svg = charts._svg("x", 'A <b>"title"</b> & more', "desc <script>", [charts._text(1, 1, "<&>")])
    root = parse(svg)
    assert root.find(f"{SVG}title").text == 'A <b>"title"</b> & more'
    assert texts(root) == ["<&>"]
    assert "<script>" not in svg and "<b>" not in svg


def test_empty_figures_still_make_a_chart():
    for svg in (
        charts.poverty_rate_svg([]),
        charts.categories_svg([]),
        charts.payments_svg([]),
        charts.coverage_svg([]),
    ):
        parse(svg)


def test_the_dashboard_s_charts_hold_its_figures_and_the_page_shows_the_same_svg(units, users, client_for):
    build_world(units, users)
    board = figures.dashboard(["25522"], year=2026, month=11, today=TODAY)
    with translation.override("en"):
        svgs = charts.dashboard_charts(board)
        panels = {panel.name: panel for panel in charts.dashboard_panels(board)}
    assert set(svgs) == {"poverty", "categories", "payments", "coverage"}
    for name, svg in svgs.items():
        parse(svg)
        assert panels[name].svg == svg
        assert panels[name].rows  # the table beside it
    assert "5 · 83.33 %" in texts(parse(svgs["poverty"]))  # the list of 2025: 1 poor + 4 near-poor of 6
    assert ["2024", "2", "1", "6", "50 %"] in panels["poverty"].rows  # TD-2, TD-5 poor; TD-3 near-poor
    assert any(line.get("data-mark") == "reminders-began" for line in parse(svgs["coverage"]).iter(f"{SVG}line"))
    page = client_for("tandong_officer", language="en").get("/reports/communes/25522/?month=2026-11")
    html = page.content.decode()
    assert svgs["categories"] in html and svgs["payments"] in html and svgs["poverty"] in html
