"""Searches by national ID or phone for the roles that see identifiers masked (issue 15 §3).

A search box that accepts part of a number is a way to rebuild the number: the messages page
answered a substring of a phone, and a masked "•••••••••592" with the person's birth year and sex
leaves about a thousand national IDs to try against an exact search. So, for a user whose
identifiers are masked (``households.access.can_see_full_identifiers`` is False):

- a search made of digits only (spaces, dots, dashes, "+" and brackets ignored) must be a whole
  national ID (12 digits) or a whole Vietnamese phone number; part of one is refused with a
  message, and nothing is searched;
- whole-number searches are counted per user in Django's cache and refused with a message past
  ``settings.IDENTIFIER_SEARCH_LIMITS``: (count, seconds) pairs, every one of which must hold (30
  in 10 minutes and 100 in a day by default: a thousand guesses take ten days, each one recorded
  by the access log).

The staff who see full identifiers are not limited: their searches answer only inside their own
communes, whose identifiers they already read in full on every list and export.

List pages call ``refuse_identifier_search(form, user)`` on their bound filter form before using
it; an export that takes the same filters does too.
"""

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from households.access import can_see_full_identifiers
from households.identity import normalise_phone

_IGNORED = re.compile(r"[\s.\-+()]")
NATIONAL_ID_LENGTH = 12


def identifier_digits(text: str) -> str | None:
    """The digits of ``text`` when it is a number (separators ignored), else None (a name, a code)."""
    digits = _IGNORED.sub("", text or "")
    return digits if digits.isdigit() else None


def whole_phone(digits: str) -> str | None:
    """The E.164 phone that ``digits`` is in full ("0987654321", "84987654321"), else None."""
    if len(digits) >= NATIONAL_ID_LENGTH:
        return None
    try:
        return normalise_phone(digits) or None
    except ValueError:
        return None


def is_whole_identifier(digits: str) -> bool:
    return len(digits) == NATIONAL_ID_LENGTH or whole_phone(digits) is not None


def _now() -> float:
    return time.time()


def _keys(user) -> list[tuple[str, int, int]]:
    """(cache key, limit, seconds) of each window the user's searches are counted in now."""
    now = _now()
    return [
        (f"identifier-search:{user.pk}:{seconds}:{int(now // seconds)}", limit, seconds)
        for limit, seconds in settings.IDENTIFIER_SEARCH_LIMITS
    ]


def _charge(user) -> tuple[int, int] | None:
    """Count one search; or, when a window is full, count nothing and return its (limit, seconds)."""
    keys = _keys(user)
    counts = cache.get_many([key for key, _limit, _seconds in keys])
    for key, limit, seconds in keys:
        if counts.get(key, 0) >= limit:
            return limit, seconds
    for key, _limit, seconds in keys:
        cache.add(key, 0, timeout=seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds)
    return None


def identifier_search_refusal(user, text: str) -> str | None:
    """Why ``user`` may not search ``text`` now, or None (and the search is counted when it is
    one by national ID or phone of a masked role)."""
    if can_see_full_identifiers(user):
        return None
    digits = identifier_digits((text or "").strip())
    if digits is None:
        return None
    if not is_whole_identifier(digits):
        return _(
            "Search by national ID or phone with the whole number: the 12 digits of a national ID or the 10 digits "
            "of a phone. Part of a number is not searched."
        )
    full = _charge(user)
    if full is not None:
        limit, seconds = full
        if seconds >= 24 * 60 * 60:
            return _(
                "You have made %(count)s searches by national ID or phone in %(hours)s hours, the most allowed: "
                "try again later."
            ) % {"count": limit, "hours": seconds // 3600}
        return _(
            "You have made %(count)s searches by national ID or phone in %(minutes)s minutes, the most allowed: "
            "try again later."
        ) % {"count": limit, "minutes": max(seconds // 60, 1)}
    return None


def refuse_identifier_search(form, user, field: str = "q") -> bool:
    """For a bound filter form whose ``field`` is a search box: when the search is refused
    (``identifier_search_refusal``), add the reason as the field's error and return True (the
    page then lists nothing). A form that does not validate searches nothing and is not counted."""
    if not form.is_bound or not form.is_valid():
        return False
    refusal = identifier_search_refusal(user, form.cleaned_data.get(field) or "")
    if refusal is None:
        return False
    form.add_error(field, refusal)
    return True
