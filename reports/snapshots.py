"""The province dashboard's figures, kept in the shared cache (Redis in production, files under
``.data/cache`` in development) and refreshed by beat.

Summing a province of a million households takes seconds (members' health-insurance coverage alone
is a join of millions of memberships and cards), and provincial staff read the same page many times
an hour. So the figures of each province are computed by the beat task
``reports.refresh_province_dashboards`` every ``REPORTS_DASHBOARD_REFRESH_SECONDS`` (default 240)
and kept for ``REPORTS_DASHBOARD_CACHE_SECONDS`` (default 600; 0 turns the cache off), keyed by the
exact set of communes, the month and the day, so two scopes never share figures. The page says when
its figures were computed and offers to compute them again; a miss computes them on the spot.

Statuses are never stale: each read from the cache first asks for a stamp of the runs and reviews
the figures read (``figures.workflow_stamp``: count and latest change, one query). A run saved since
(approved, recomputed, cancelled, sent) has the month's runs read again into the cached figures
(``figures.refresh_runs``); a review saved since has them computed again.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from geography.models import Commune, Province
from reports import figures

CACHE_SECONDS_DEFAULT = 600


def cache_seconds() -> int:
    return int(getattr(settings, "REPORTS_DASHBOARD_CACHE_SECONDS", CACHE_SECONDS_DEFAULT))


def _compute(codes: list[str], *, year: int, month: int, names: dict, today, stamp: bool = True) -> figures.Dashboard:
    with figures.planned():  # the planner's settings for these aggregates (no JIT, in-memory costs)
        dashboard = figures.dashboard(codes, year=year, month=month, names=names, today=today, trends=False)
        if stamp:  # kept in the cache: read with the figures, a change after it shows in the next stamp
            dashboard.workflow_stamp = figures.workflow_stamp(codes, dashboard.period)
        return dashboard


def _still_current(dashboard: figures.Dashboard, codes: list[str]) -> tuple[figures.Dashboard | None, bool]:
    """The cached figures, brought up to date with the runs and reviews as they stand now (one
    query when nothing changed), and whether they changed: a run the chair approved since is read
    again at once (two more queries); a review whose status changed makes the figures computed
    again (None)."""
    stamp = figures.workflow_stamp(codes, dashboard.period)
    cached = dashboard.workflow_stamp
    if cached is None or stamp[1] != cached[1]:
        return None, True
    if stamp[0] != cached[0]:
        dashboard = figures.refresh_runs(dashboard)
        dashboard.workflow_stamp = stamp
        return dashboard, True
    return dashboard, False


def province_figures(communes, *, year: int, month: int, refresh: bool = False) -> figures.Dashboard:
    """The figures of ``communes``, from the cache when they were computed for exactly these
    communes, this month and today, less than ``REPORTS_DASHBOARD_CACHE_SECONDS`` ago."""
    names = {commune.code: commune.name for commune in communes}
    today = timezone.localdate()
    seconds = cache_seconds()
    if seconds <= 0:
        return _compute(list(names), year=year, month=month, names=names, today=today, stamp=False)
    digest = hashlib.sha256(",".join(sorted(names)).encode()).hexdigest()[:32]
    key = f"reports:dashboard:{digest}:{year}-{month:02d}:{today.isoformat()}"
    dashboard = None if refresh else cache.get(key)
    if dashboard is not None:
        # Statuses are read live: a run approved (or a review recognised) after the figures were
        # computed is never shown as still waiting.
        dashboard, changed = _still_current(dashboard, list(names))
        if changed and dashboard is not None:
            cache.set(key, dashboard, seconds)
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
