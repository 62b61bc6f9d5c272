"""The allowances' rules as SQL fragments a reader embeds in its own query (a payment run's INSERT, a
report's aggregation), so that no other app names the allowances' tables or rebuilds their rules.

Each function returns a fragment built from this app's models and enums and, for the registry's
persons, from ``households.sql``:

- a **relation**: a SELECT to use as ``FROM (...) alias`` or ``JOIN (...) alias`` (or a CTE body),
  whose output columns its docstring states. A relation without aggregate or LIMIT is inlined by
  PostgreSQL's planner: it plans as the tables joined by hand;
- or a **condition** or an **expression** over SQL expressions the reader names (its own columns).

Arguments are SQL expressions embedded as given: placeholders the reader passes in its params, or
columns of the reader's query.
"""

from __future__ import annotations

from beneficiaries.models import Case
from households import sql as registry

CASE = Case._meta.db_table


# --- cases and whom they pay ---------------------------------------------------------------------------


def cases() -> str:
    """Relation ``(case_id, case_uuid, person_id, commune_id, status)``: every allowance case (join it
    on ``case_id``; the planner reads only the cases joined). ``status`` is a ``Case.Status`` value."""
    return f"SELECT id AS case_id, uuid AS case_uuid, person_id, commune_id, status FROM {CASE}"


def case_payees() -> str:
    """Relation ``(case_id, person_id, national_id, full_name, payment_method, bank_bin, account_number,
    account_hash, account_name)``: every case with whom it pays and how, as a payment line copies
    them: the person's ID and name (``households.sql.person_identities``) and the account as the case
    stores it (the account number's ciphertext and keyed hash, ``privacy.fields``)."""
    return f"""
    SELECT c.id AS case_id, c.person_id, person.national_id, person.full_name, c.payment_method, c.bank_bin,
           c.account_number, c.account_hash, c.account_name
    FROM {CASE} c
    JOIN ({registry.person_identities()}) person ON person.person_id = c.person_id
    """


def cases_of_the_same_person() -> str:
    """Relation ``(case_id, other_case_id)``: each case with every case of the same person (itself
    included), in any commune: a person's month is paid once whichever of their cases pays it."""
    return f"""
    SELECT c.id AS case_id, other.id AS other_case_id
    FROM {CASE} c
    JOIN {CASE} other ON other.person_id = c.person_id
    """
