"""The one function every door calls when it shows a person's identifiers (CCCD, phone), bank
account, disability or a health-related allowance category: ``record_access`` (``record_view`` for a
view, which names the door from the request).

One INSERT per call, whatever the number of persons: a list page passes the ids of the persons on the
page, an export the ids it wrote (or none, with the count and the filter). Never a query per person.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import QuerySet

from privacy.models import AccessRecord

Purpose = AccessRecord.Purpose

# A page or fragment that showed nobody leaves no row (an empty list page costs no query); a search,
# an export or a print is recorded even when it names nobody by id: trying a national ID is itself
# worth knowing, and a file is known by its count, filter and communes.
_RECORDED_WHEN_EMPTY = {Purpose.SEARCH, Purpose.EXPORT, Purpose.PRINT, Purpose.API, Purpose.CLI}


def record_access(
    *,
    user,
    purpose: str,
    what: str,
    person_ids: Iterable[int] = (),
    commune_ids: Iterable[str] = (),
    count: int | None = None,
    filters: Mapping[str, Any] | None = None,
) -> AccessRecord | None:
    """Record that ``user`` saw the data of ``person_ids`` through ``what`` (a URL name or a command)
    for ``purpose``; ``count`` and ``filters`` for an export or a search. Returns the row, or None when
    a page showed nobody. ``person_ids`` may be a one-column ``values()`` queryset (e.g. the persons
    of a page of cases): it is then read inside the same INSERT, still one query; pass one only for
    a page that shows somebody."""
    if isinstance(person_ids, QuerySet):
        # The ids inside the INSERT itself (INSERT … VALUES (…, ARRAY(SELECT …), …)): one statement
        # where the page knows other ids (cases, run lines) and not its persons'.
        persons = ArraySubquery(person_ids.order_by().distinct())
    else:
        persons = sorted({int(person_id) for person_id in person_ids if person_id is not None})
        if not persons and purpose not in _RECORDED_WHEN_EMPTY:
            return None
    return AccessRecord.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        purpose=purpose,
        what=what[:200],
        person_ids=persons,
        commune_ids=sorted({str(code) for code in commune_ids if code}),
        count=count,
        filters=_clean(filters) if filters else None,
    )


def record_view(
    request,
    *,
    purpose: str,
    person_ids: Iterable[int] = (),
    commune_ids: Iterable[str] = (),
    count: int | None = None,
    filters: Mapping[str, Any] | None = None,
) -> AccessRecord | None:
    """``record_access`` for a view: the user is the request's, the door its URL name (else its path)."""
    match = getattr(request, "resolver_match", None)
    return record_access(
        user=request.user,
        purpose=purpose,
        what=match.view_name if match and match.view_name else request.path,
        person_ids=person_ids,
        commune_ids=commune_ids,
        count=count,
        filters=filters,
    )


def record_list_view(request, *, person_ids: Iterable[int], count: int) -> AccessRecord | None:
    """A list page's one row: the persons of the page shown; a search (``q`` given) also keeps its
    query and how many it found, and is recorded even when it found nobody."""
    searched = bool(request.GET.get("q", "").strip())
    return record_view(
        request,
        purpose=Purpose.SEARCH if searched else Purpose.PAGE,
        person_ids=person_ids,
        count=count if searched else None,
        filters=query_filters(request.GET) if searched else None,
    )


def query_filters(querydict, *, ignore: Iterable[str] = ("page", "csrfmiddlewaretoken")) -> dict[str, Any]:
    """The filter of a list, search or export as its query string gave it (empty values and the page
    number left out): what the log keeps as ``filters``."""
    ignored = set(ignore)
    kept: dict[str, Any] = {}
    for key in querydict:
        if key in ignored:
            continue
        values = [value for value in querydict.getlist(key) if value != ""]
        if values:
            kept[key] = values[0] if len(values) == 1 else values
    return kept


def _clean(filters: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe: dates, model instances and other values become their text."""
    cleaned: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, "", [], ()):
            continue
        if isinstance(value, bool | int | float | str):
            cleaned[str(key)] = value
        elif isinstance(value, list | tuple | set):
            cleaned[str(key)] = [v if isinstance(v, bool | int | float | str) else str(v) for v in value]
        else:
            cleaned[str(key)] = str(getattr(value, "pk", value))
    return cleaned


def communes_of(user, commune_code: str = "") -> list[str]:
    """The communes an export or a list covers: the one its filter chose, else the user's (read once
    per request, as scoping does); empty for a user of national scope, which means every commune."""
    from geography.scoping import commune_codes_for_user, has_national_scope

    if commune_code:
        return [commune_code]
    return [] if has_national_scope(user) else list(commune_codes_for_user(user))
