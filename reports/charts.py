"""Server-rendered SVG charts: the same SVG string on the dashboard page and in a PDF.

For part 2 (official tables, PDFs): every chart is a function returning the SVG markup as a ``str``
(safe to insert with ``|safe``: every text in it is escaped here). Build the figures first, then
ask for the charts::

    from reports import charts, figures

    dashboard = figures.dashboard(commune_codes, year=2026, month=11)   # codes from reports.access / scoping
    svgs = charts.dashboard_charts(dashboard)   # {"poverty": svg, "categories": svg, "payments": svg, "coverage": svg}
    # or one chart at a time:
    charts.poverty_rate_svg(dashboard.poverty_years)
    charts.categories_svg(dashboard.categories)
    charts.payments_svg(dashboard.payment_months)
    charts.coverage_svg(dashboard.coverage_trend, reminders_began=dashboard.reminders_began)

A province's figures as its dashboard computes them (``figures.dashboard(codes, ..., trends=False)``,
cached by ``reports.views_dashboards.province_figures``) have no coverage trend: the twelve-month
series is drawn per commune. ``figures.villages(code, status_year)`` gives a commune's list by village.

Texts (legends, labels, numbers) are written in the active language: call them inside
``translation.override("vi")`` for an official document (``core.pdf.render_pdf`` renders its template
under "vi", but the SVG strings are built before, by the caller).

Every SVG has a fixed ``viewBox`` and width/height, ``role="img"`` with a ``<title>`` and ``<desc>``, and
never relies on colour alone: the two series of a bar chart differ by a hatch pattern and carry their
values as labels; the two lines of the coverage chart differ by dash and marker (circle, square) and
carry their values at the points; each chart has a legend drawn with the same patterns and markers.
``templates/reports/_chart.html`` puts a chart beside its data table (for screen readers, and for
anyone who prefers the numbers): ``dashboard_panels(dashboard)`` gives the page both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from beneficiaries import category_labels
from reports import figures

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 56  # plot margins
FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
INK = "#1f2937"
MUTED = "#6b7280"
PRIMARY = "#1d4ed8"  # colour is a help, never the only difference
SECONDARY = "#b45309"


def _number(value, decimals: int = 0) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def percent_text(value: float, decimals: int = 2) -> str:
    """'0.91 %', '100 %' (trailing zeros dropped, as the pages' floatformat:"-2")."""
    text = _number(value, decimals)
    if decimals and float(value) == round(float(value)):
        text = _number(value, 0)
    return f"{text} %"


def million_text(value_vnd: int) -> str:
    """đồng in millions, one decimal, halves up: 294,500,000 → '294.5' ('294,5' in Vietnamese)."""
    millions = (Decimal(value_vnd) / 1_000_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return _number(millions, 1)


def month_label(month: date) -> str:
    return f"{month:%m/%y}"


def _text(x: float, y: float, content: str, *, anchor: str = "middle", size: int = 12, fill: str = INK,
          weight: str = "normal", rotate: int | None = None) -> str:  # fmt: skip
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}"{transform}>{escape(content)}</text>'
    )


def _svg(name: str, title: str, description: str, body: list[str], defs: list[str] | None = None,
         height: int = HEIGHT) -> str:  # fmt: skip
    title_id, desc_id = f"{name}-title", f"{name}-desc"
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" id={quoteattr(name + "-chart")} '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
            f'aria-labelledby="{title_id} {desc_id}" font-family={quoteattr(FONT)}>',
            f'<title id="{title_id}">{escape(title)}</title>',
            f'<desc id="{desc_id}">{escape(description)}</desc>',
            "<defs>" + "".join(defs or []) + "</defs>" if defs else "",
            f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            *body,
            "</svg>",
        ]
    )


def _hatch(pattern_id: str, colour: str) -> str:
    """Diagonal lines on white: the second series of a bar chart, told apart without colour."""
    return (
        f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>'
    )


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 × 10^n at or above ``value`` (an axis top)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def _axis(top_value: float, label: Callable[[float], str], *, ticks: int = 4, bottom_value: float = 0.0) -> list[str]:
    """Horizontal grid lines with their values on the left."""
    plot_height = HEIGHT - TOP - BOTTOM
    parts = []
    for index in range(ticks + 1):
        value = bottom_value + (top_value - bottom_value) * index / ticks
        y = HEIGHT - BOTTOM - plot_height * index / ticks
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(_text(LEFT - 6, y + 4, label(value), anchor="end", size=11, fill=MUTED))
    parts.append(
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="{INK}"/>'
    )
    return parts


def _legend(items: list[tuple[str, str]], *, y: float = 14) -> list[str]:
    """Legend entries (swatch markup drawn at (0, 0) in a 14 × 10 box, label), left to right."""
    parts, x = [], LEFT
    for swatch, label in items:
        parts.append(f'<g transform="translate({x:.1f} {y - 9:.1f})">{swatch}</g>')
        parts.append(_text(x + 20, y, label, anchor="start", size=12))
        x += 32 + 7.2 * len(label)
    return parts


def _stacked_bars(name: str, title: str, description: str, columns: list[tuple[str, float, float, str]],
                  series: tuple[str, str], axis_label) -> str:  # fmt: skip
    """Two stacked series per column: (x label, lower value, upper value, label above the bar)."""
    hatched = f"{name}-hatched"
    defs = [_hatch(hatched, SECONDARY)]  # the first series is a plain fill, the second hatched
    top_value = _nice_ceiling(max((low + high for _l, low, high, _t in columns), default=0) * 1.15)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _axis(top_value, axis_label)
    slot = plot_width / max(len(columns), 1)
    bar = min(48.0, slot * 0.6)
    for index, (label, low, high, above) in enumerate(columns):
        x = LEFT + slot * index + (slot - bar) / 2
        low_height = plot_height * low / top_value
        high_height = plot_height * high / top_value
        base = HEIGHT - BOTTOM
        body.append(
            f'<rect x="{x:.1f}" y="{base - low_height:.1f}" width="{bar:.1f}" height="{low_height:.1f}" '
            f'fill="{PRIMARY}" stroke="{INK}" stroke-width="0.5" data-series="1"/>'
        )
        body.append(
            f'<rect x="{x:.1f}" y="{base - low_height - high_height:.1f}" width="{bar:.1f}" '
            f'height="{high_height:.1f}" fill="url(#{hatched})" stroke="{INK}" stroke-width="0.5" data-series="2"/>'
        )
        body.append(_text(x + bar / 2, base - low_height - high_height - 5, above, size=11, weight="bold"))
        body.append(_text(x + bar / 2, base + 16, label, size=11))
    swatch_solid = f'<rect width="14" height="10" fill="{PRIMARY}" stroke="{INK}" stroke-width="0.5"/>'
    swatch_hatched = f'<rect width="14" height="10" fill="url(#{hatched})" stroke="{INK}" stroke-width="0.5"/>'
    body += _legend([(swatch_solid, series[0]), (swatch_hatched, series[1])])
    return _svg(name, title, description, body, defs)


# --- the four charts ------------------------------------------------------------------------------


def poverty_rate_svg(years: list[figures.YearRate], *, name: str = "poverty") -> str:
    """Poor (solid) and near-poor (hatched) households as a share of the households, by year; the
    count and rate of both above each bar."""
    columns = [
        (str(row.year), row.poor_rate, row.near_poor_rate, f"{row.poor + row.near_poor} · {percent_text(row.rate)}")
        for row in years
    ]
    description = "; ".join(
        _("%(year)s: %(poor)s poor and %(near)s near-poor households, %(rate)s")
        % {"year": row.year, "poor": row.poor, "near": row.near_poor, "rate": percent_text(row.rate)}
        for row in years
    ) or _("No poverty list yet.")
    return _stacked_bars(
        name,
        _("Poor and near-poor households by year, as a share of all households"),
        description,
        columns,
        (_("Poor"), _("Near-poor")),
        lambda value: percent_text(value, 1),
    )


def payments_svg(months: list[figures.MonthPayments], *, name: str = "payments") -> str:
    """Each month's runs: paid by bank (solid) and in cash (hatched), million đồng, total above."""
    columns = [
        (month_label(row.month), row.bank_vnd / 1_000_000, row.cash_vnd / 1_000_000,
         million_text(row.total_vnd) if row.total_vnd else "")
        for row in months
    ]  # fmt: skip
    description = "; ".join(
        _("%(month)s: %(bank)s million by bank, %(cash)s million in cash")
        % {"month": month_label(row.month), "bank": million_text(row.bank_vnd), "cash": million_text(row.cash_vnd)}
        for row in months
    ) or _("No payment run yet.")
    return _stacked_bars(
        name,
        _("Monthly payments by method (million đồng)"),
        description,
        columns,
        (_("Bank account"), _("Cash")),
        lambda value: _number(value, 0),
    )


def categories_svg(categories: list[figures.CategoryCount], *, name: str = "categories") -> str:
    """Beneficiaries by clause of Decree 20 Art. 5, one labelled horizontal bar each."""
    rows = max(len(categories), 1)
    row_height = 30
    height = TOP + rows * row_height + 20
    label_width = 330
    top_value = max((row.people for row in categories), default=0) or 1
    plot_width = WIDTH - LEFT - label_width - RIGHT - 48
    body = []
    for index, row in enumerate(categories):
        y = TOP + index * row_height
        width = plot_width * row.people / top_value
        body.append(_text(LEFT + label_width - 8, y + 17, clause_label(row.code), anchor="end", size=12))
        body.append(
            f'<rect x="{LEFT + label_width:.1f}" y="{y + 5:.1f}" width="{max(width, 1):.1f}" height="18" '
            f'fill="{PRIMARY}" stroke="{INK}" stroke-width="0.5"/>'
        )
        body.append(_text(LEFT + label_width + width + 6, y + 18, _number(row.people), anchor="start", weight="bold"))
    if not categories:
        body.append(_text(WIDTH / 2, TOP + 18, _("No beneficiary this month."), fill=MUTED))
    total = sum(row.people for row in categories)
    body.append(_text(LEFT, 20, _("People receiving a monthly allowance, by category"), anchor="start", weight="bold"))
    description = "; ".join(f"{clause_label(row.code)}: {row.people}" for row in categories)
    return _svg(
        name,
        _("Beneficiaries by category: %(total)s") % {"total": _number(total)},
        description or _("No beneficiary this month."),
        body,
        height=height,
    )


def coverage_svg(trend: list[figures.MonthCoverage], *, reminders_began: date | None = None,
                 name: str = "coverage") -> str:  # fmt: skip
    """Health-insurance coverage on each month's last day: members (solid line, circles) and
    beneficiaries (dashed line, squares), with the month reminders began marked."""
    values = [row.member_coverage for row in trend if row.living_members] + [
        row.beneficiary_coverage for row in trend if row.beneficiaries
    ]
    bottom = min(values, default=0.0)
    bottom_value = max(0.0, (int(bottom) // 10) * 10 - (10 if bottom % 10 < 2 else 0))
    top_value = 100.0
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _axis(top_value, lambda value: percent_text(value, 0), ticks=4, bottom_value=bottom_value)
    slot = plot_width / max(len(trend), 1)

    def point(index: int, value: float) -> tuple[float, float]:
        share = (value - bottom_value) / (top_value - bottom_value) if top_value > bottom_value else 0
        return LEFT + slot * index + slot / 2, HEIGHT - BOTTOM - plot_height * share

    if reminders_began is not None:
        for index, row in enumerate(trend):
            if row.month == reminders_began:
                x = LEFT + slot * index + slot / 2
                body.append(
                    f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" stroke="{INK}" '
                    f'stroke-dasharray="2 3" data-mark="reminders-began"/>'
                )
                body.append(_text(x + 4, TOP + 8, _("Reminders began"), anchor="start", size=11))
    series = [
        ("members", [(i, row.member_coverage) for i, row in enumerate(trend) if row.living_members], PRIMARY, "", True),
        ("beneficiaries", [(i, row.beneficiary_coverage) for i, row in enumerate(trend) if row.beneficiaries],
         SECONDARY, ' stroke-dasharray="6 4"', False),
    ]  # fmt: skip
    for key, points, colour, dash, circle in series:
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in points))
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash} data-series="{key}"/>'
        )
        for number, (index, value) in enumerate(points):
            x, y = point(index, value)
            body.append(_marker(x, y, colour, circle))
            # Members: every point labelled above; beneficiaries: the last one, below.
            if key == "members":
                body.append(_text(x, y - 8, _number(value, 1), size=10))
            elif number == len(points) - 1:
                body.append(_text(x, y + 16, _number(value, 1), size=10, fill=SECONDARY))
    for index, row in enumerate(trend):
        body.append(_text(LEFT + slot * index + slot / 2, HEIGHT - BOTTOM + 16, month_label(row.month), size=11))
    body += _legend(
        [
            (_marker_swatch(PRIMARY, True, ""), _("Living members")),
            (_marker_swatch(SECONDARY, False, ' stroke-dasharray="6 4"'), _("Beneficiaries")),
        ]
    )
    description = "; ".join(
        _("%(month)s: members %(members)s, beneficiaries %(beneficiaries)s")
        % {
            "month": month_label(row.month),
            "members": percent_text(row.member_coverage, 1),
            "beneficiaries": percent_text(row.beneficiary_coverage, 1),
        }
        for row in trend
    ) or _("No figure yet.")
    if reminders_began is not None:
        description += ". " + _("Reminders began in %(month)s.") % {"month": f"{reminders_began:%m/%Y}"}
    return _svg(
        name,
        _("Health-insurance coverage on the last day of each month (today for the month that runs)"),
        description,
        body,
    )


def _marker(x: float, y: float, colour: str, circle: bool) -> str:
    if circle:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
    return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}" stroke="{colour}"/>'


def _marker_swatch(colour: str, circle: bool, dash: str) -> str:
    return f'<line x1="0" y1="5" x2="14" y2="5" stroke="{colour}" stroke-width="2"{dash}/>' + _marker(
        7, 5, colour, circle
    )


# --- labels, the dashboard's charts and their tables ----------------------------------------------


def clause_label(code: str) -> str:
    """A clause of Decree 20 Art. 5 in words, with its citation: "Người cao tuổi (k.5 Đ.5)"."""
    return category_labels.clause_label(code)


def dashboard_charts(dashboard: figures.Dashboard) -> dict[str, str]:
    """The four charts of a dashboard, as SVG strings."""
    return {
        "poverty": poverty_rate_svg(dashboard.poverty_years),
        "categories": categories_svg(dashboard.categories),
        "payments": payments_svg(dashboard.payment_months),
        "coverage": coverage_svg(dashboard.coverage_trend, reminders_began=dashboard.reminders_began),
    }


@dataclass
class ChartPanel:
    """A chart and the table of the same numbers beside it (``templates/reports/_chart.html``)."""

    name: str
    title: str
    svg: str
    headers: list[str]
    rows: list[list[str]]


def dashboard_panels(dashboard: figures.Dashboard) -> list[ChartPanel]:
    svgs = dashboard_charts(dashboard)
    poverty = ChartPanel(
        "poverty",
        _("Poverty rate by year"),
        svgs["poverty"],
        [_("Year"), _("Poor"), _("Near-poor"), _("Households"), _("Rate")],
        [
            [str(row.year), _number(row.poor), _number(row.near_poor), _number(row.households), percent_text(row.rate)]
            for row in dashboard.poverty_years
        ],
    )
    categories = ChartPanel(
        "categories",
        _("Beneficiaries by category"),
        svgs["categories"],
        [_("Category"), _("People")],
        [[clause_label(row.code), _number(row.people)] for row in dashboard.categories],
    )
    payments = ChartPanel(
        "payments",
        _("Monthly payments by method"),
        svgs["payments"],
        [_("Month"), _("Bank account (million đồng)"), _("Cash (million đồng)"), _("Total (million đồng)")],
        [
            [f"{row.month:%m/%Y}", million_text(row.bank_vnd), million_text(row.cash_vnd), million_text(row.total_vnd)]
            for row in dashboard.payment_months
        ],
    )
    coverage = ChartPanel(
        "coverage",
        _("Health-insurance coverage"),
        svgs["coverage"],
        [_("Month"), _("Living members"), _("Covered"), _("Coverage"), _("Beneficiaries covered")],
        [
            [
                f"{row.month:%m/%Y}"
                + (" (" + _("reminders began") + ")" if row.month == dashboard.reminders_began else ""),
                _number(row.living_members),
                _number(row.members_covered),
                percent_text(row.member_coverage),
                percent_text(row.beneficiary_coverage),
            ]
            for row in dashboard.coverage_trend
        ],
    )
    return [poverty, categories, payments, coverage]
