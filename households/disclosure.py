"""What an answer about a national ID may tell the user (issue 15 §3: no side channels).

An import, a form or a work list that looks a person up by national ID must not become a lookup
service for the rest of the province: what it says about a person outside the user's scope is
the one neutral sentence of ``cannot_use_here``, the same whoever the person is and wherever they
live. It names no one, no household, no commune; the officer asks the other commune through a
transfer request. A person, household or commune inside the user's scope may still be named.

"In scope" here is ``geography.scoping.in_scope`` of the commune concerned: the commune of the
household a message would name, or the commune whose registry writes the person
(``residence_communes``: their current household's, else the one they left last).
"""

from django.db.models import F
from django.utils.translation import gettext as _

from geography.scoping import in_scope
from households.models import Membership


def cannot_use_here() -> str:
    """The neutral refusal of a national ID the user may not learn anything about."""
    return _(
        "this national ID cannot be used here: if the person is registered in another commune, ask that "
        "commune to transfer them to yours (a transfer request)"
    )


def named_if_in_scope(user, commune_id: str | None, message: str) -> str:
    """``message`` (which may name the person, their household or commune) when ``commune_id`` is
    one of the user's communes; the neutral ``cannot_use_here`` otherwise."""
    return message if in_scope(user, commune_id) else cannot_use_here()


def residence_communes(person_ids) -> dict[int, str]:
    """Person id -> the commune whose registry writes them (``selectors.residence_commune_id`` for
    many persons in one query): their current household's commune, else the commune of the
    household they left last. Persons who never belonged to a household are absent."""
    person_ids = list(person_ids)
    if not person_ids:
        return {}
    return dict(
        Membership.objects.filter(person_id__in=person_ids)
        .order_by("person_id", F("left_on").desc(nulls_first=True), "-id")
        .distinct("person_id")
        .values_list("person_id", "household__commune_id")
    )
