"""Cursor pagination by keyset: the cursor is the sort key of the last row sent, and the next page asks
for the rows after it (``WHERE (a, b) > (…)`` as ORs), never an OFFSET, so page 2,000 of a province
costs what page 1 does and a household added meanwhile neither repeats nor skips a row.

The order is the queryset's own (the selectors decide it, e.g. the household list's search rank, then
commune and code); it must be total (end on a unique field) and name non-null fields or annotations
only. A date or time in the key travels as its ISO text (the case list's newest application first).
The cursor is opaque to clients (base64url of JSON); a forged one can only move within the caller's
scope, which the queryset already holds.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.utils.urls import replace_query_param

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class Page:
    rows: list
    next_url: str | None
    first: bool  # no cursor was given

    def body(self, results: list) -> dict:
        return {"next": self.next_url, "results": results}


def _encode(values: list) -> str:
    values = [value.isoformat() if isinstance(value, date) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        values = None
    if not isinstance(values, list) or len(values) != size or not all(isinstance(v, str | int) for v in values):
        raise ValidationError({"cursor": ["This cursor is not one this list gave."]})
    return values


def _limit(request) -> int:
    raw = request.query_params.get("limit", "")
    if raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationError({"limit": [f"A whole number from 1 to {MAX_LIMIT}."]})
    return int(raw)


def _after(order: list[str], values: list) -> Q:
    """Rows after ``values`` in ``order`` (lexicographic): a > x, or a = x and b > y, or …"""
    after = Q()
    equal = Q()
    for name, value in zip(order, values, strict=True):
        field = name.lstrip("-")
        step = Q(**{f"{field}__lt" if name.startswith("-") else f"{field}__gt": value})
        after |= equal & step
        equal &= Q(**{field: value})
    return after


def paginate(queryset: QuerySet, request) -> Page:
    """One page of ``queryset`` after the request's ``cursor``, ``limit`` rows (``?limit=``, at most 200)."""
    order = [str(name) for name in queryset.query.order_by]
    if not order or not all(isinstance(name, str) for name in queryset.query.order_by):
        raise ValueError("keyset pagination needs an order by field names")
    limit = _limit(request)
    cursor = request.query_params.get("cursor", "")
    if cursor:
        try:
            queryset = queryset.filter(_after(order, _decode(cursor, len(order))))
        except (DjangoValidationError, TypeError, ValueError):  # a forged value of a date or number field
            raise ValidationError({"cursor": ["This cursor is not one this list gave."]}) from None
    rows = list(queryset[: limit + 1])
    next_url = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = [getattr(rows[-1], name.lstrip("-")) for name in order]
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", _encode(last))
    return Page(rows=rows, next_url=next_url, first=not cursor)
