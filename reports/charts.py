"""Server-rendered SVG charts: the same SVG string on the dashboard page and in a PDF.

For part 2 (official tables, PDFs): every chart is a function returning the SVG markup as a ``str``
(safe to insert with ``|safe``: every text in it is escaped here). Build the figures first, then
ask for the charts::

    from reports import charts, figures

    dashboard = figures.dashboard(commune_codes, year=2026, month=11)   # codes from geography.scoping
    svgs = charts.dashboard_charts(dashboard)   # {"poverty": svg, "categories": svg, "payments": svg, "coverage": svg}
    # or one chart at a time:
    charts.poverty_rate_svg(dashboard.poverty_years)
    charts.categories_svg(dashboard.beneficiaries.groups)
    charts.payments_svg(dashboard.payment_months)
    charts.coverage_svg(dashboard.coverage_trend, reminders_began=dashboard.reminders_began)

The SVG has a fixed ``viewBox`` and width/height in px, a ``<title>`` and ``<desc>``, ``role="img"``,
and never relies on colour alone: bars carry hatch patterns and their value as a label, lines carry
different markers and dash styles and a label at each point. ``templates/reports/_chart.html``
puts a chart beside its data table (for screen readers, and for anyone who prefers numbers).
"""
