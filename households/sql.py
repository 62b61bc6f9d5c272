"""The registry's rules as SQL fragments a reader embeds in its own query (a payment run's INSERT, a
report's aggregation, the renewal reminders), so that no other app names the registry's tables or
rebuilds its rules.

Each function returns a fragment built from the registry's models and enums:

- a **relation**: a SELECT to use as ``FROM (...) alias`` or ``JOIN (...) alias``, whose output columns
  its docstring states (the reader needs nothing else of the registry's tables). A relation without
  aggregate or LIMIT is inlined by PostgreSQL's planner: it plans as the tables joined by hand;
- or a **condition** over such a relation's columns, or over an SQL expression the reader names.

Arguments are SQL expressions embedded as given: placeholders the reader passes in its params (in its
own style, ``%s`` or ``%(name)s``), or columns of its own query. The functions are small and
self-contained: read one, and you know the rule.
"""

from __future__ import annotations

from households.models import Household, HouseholdYearStatus, Membership, Person

HOUSEHOLD = Household._meta.db_table
PERSON = Person._meta.db_table
MEMBERSHIP = Membership._meta.db_table
YEAR_STATUS = HouseholdYearStatus._meta.db_table


# --- persons and where they live ---------------------------------------------------------------------


def person_identities() -> str:
    """Relation ``(person_id, national_id, full_name)``: every person of the registry with the identity
    a payment line copies (join it on ``person_id``; the planner reads only the persons joined)."""
    return f"SELECT id AS person_id, national_id, full_name FROM {PERSON}"
