"""Helpers for the SQL fragments each app exports in its ``sql.py`` (``households.sql``,
``beneficiaries.sql``, ...): the owner of a table writes the SQL that reads it, and a reader (a
report's aggregation) composes the owners' fragments instead of naming their tables.

A reader may import the fragments of the apps below its floor. For an app on its own floor (reports
and notifications are siblings), the owner registers its fragment here in its ``AppConfig.ready()``
and the reader asks for it by name::

    from core.sql import register_fragment
    register_fragment("notifications.first_message", first_message)   # notifications/apps.py

    fragment("notifications.first_message")(communes="%(codes)s")     # reports/figures.py
"""

from __future__ import annotations

from collections.abc import Callable

_fragments: dict[str, Callable[..., str]] = {}


def literals(values) -> str:
    """Enum values as SQL literals (``'poor', 'near_poor'``). They are the code's own constants (a
    value that is not a plain word fails here), and a literal rather than a parameter lets the
    planner use a partial index written with it."""
    values = [str(value) for value in values]
    for value in values:
        if not value.replace("_", "").isalnum():
            raise ValueError(f"not an enum value: {value!r}")
    return ", ".join(f"'{value}'" for value in values)


def register_fragment(name: str, provider: Callable[..., str]) -> None:
    """Offer ``provider`` (a function returning an SQL fragment) to readers as ``name``."""
    _fragments[name] = provider


def fragment(name: str) -> Callable[..., str]:
    """The fragment function registered as ``name`` (a KeyError names an app that did not register)."""
    return _fragments[name]


def count_each(**querysets) -> dict[str, int]:
    """``{name: queryset.count()}`` in one query: each count a scalar subquery of one SELECT, so a
    page that shows several counts (the home page's work lists) pays one round trip for them, not
    one per count. The querysets' own SQL is used as it is (scoping included)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    parts, params, counts = [], [], {}
    for name, queryset in querysets.items():
        try:
            sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # queryset.none(): nothing to ask
            counts[name] = 0
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(sql_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        asked = [name for name in querysets if name not in counts]
        counts.update(zip(asked, row, strict=True))
    return {name: counts[name] for name in querysets}
