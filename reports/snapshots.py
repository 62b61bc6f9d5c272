"""The province dashboard's figures, kept in the shared cache (Redis in production, files under
``.data/cache`` in development) and refreshed by beat.

Summing a province of a million households takes seconds (members' health-insurance coverage alone
is a join of millions of memberships and cards), and provincial staff read the same page many times
an hour. So the figures of each province are computed by the beat task
``reports.refresh_province_dashboards`` every ``REPORTS_DASHBOARD_REFRESH_SECONDS`` (default 240)
and kept for ``REPORTS_DASHBOARD_CACHE_SECONDS`` (default 600; 0 turns the cache off), keyed by the
exact set of communes, the month and the day, so two scopes never share figures. The page says when
its figures were computed and offers to compute them again; a miss computes them on the spot.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from geography.models import Commune, Province
from reports import figures

CACHE_SECONDS_DEFAULT = 600


def cache_seconds() -> int:
    return int(getattr(settings, "REPORTS_DASHBOARD_CACHE_SECONDS", CACHE_SECONDS_DEFAULT))


def _compute(codes: list[str], *, year: int, month: int, names: dict, today) -> figures.Dashboard:
    # Each figure is one aggregate over millions of rows, planned once: PostgreSQL's JIT compiles
    # every such query again and costs about half a second a page, for nothing.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        return figures.dashboard(codes, year=year, month=month, names=names, today=today, trends=False)


def province_figures(communes, *, year: int, month: int, refresh: bool = False) -> figures.Dashboard:
    """The figures of ``communes``, from the cache when they were computed for exactly these
    communes, this month and today, less than ``REPORTS_DASHBOARD_CACHE_SECONDS`` ago."""
    names = {commune.code: commune.name for commune in communes}
    today = timezone.localdate()
    seconds = cache_seconds()
    if seconds <= 0:
        return _compute(list(names), year=year, month=month, names=names, today=today)
    digest = hashlib.sha256(",".join(sorted(names)).encode()).hexdigest()[:32]
    key = f"reports:dashboard:{digest}:{year}-{month:02d}:{today.isoformat()}"
    dashboard = None if refresh else cache.get(key)
    if dashboard is None:
        dashboard = _compute(list(names), year=year, month=month, names=names, today=today)
        cache.set(key, dashboard, seconds)
    return dashboard


def refresh_province_dashboards() -> int:
    """Compute this month's figures of every province that has households, as its provincial
    viewers see them (all its communes); returns the number of provinces refreshed."""
    today = timezone.localdate()
    provinces = Province.objects.filter(communes__households__isnull=False).distinct().order_by("code")
    refreshed = 0
    for province in provinces:
        communes = list(Commune.objects.filter(province=province).order_by("code"))
        province_figures(communes, year=today.year, month=today.month, refresh=True)
        refreshed += 1
    return refreshed
