"""The allowances' rules as SQL fragments a reader embeds in its own query (a report's aggregation over
many communes in one statement), so that no other app names the allowances' tables or rebuilds their
rules: who is paid for a month, which categories a case holds, who holds a health-insurance card on a
day, health-insurance coverage, open cases and expiring cards.

Each function returns a fragment built from this app's models and enums (``PAYABLE_STATUSES``,
``Case.Status``, ``CARD_WARNING_DAYS``) and, for the registry's persons and memberships, from
``households.sql``:

- a **relation**: a SELECT to use as ``FROM (...) alias`` or ``JOIN (...) alias`` (or a CTE body),
  whose output columns its docstring states;
- or a **condition** or an **expression** over SQL expressions the reader names (its own columns).

Arguments are SQL expressions embedded as given: named placeholders the reader passes in its params
(``communes="%(codes)s"``, a list of commune codes; ``month="%(month)s"``, a month's first day), or
columns of the reader's query. Each Python rule and its fragment are held equal by
``tests/beneficiaries/test_sql.py`` (``paid_cases`` and ``selectors.paid_in_month_q``,
``holds_card_on`` and ``selectors.card_valid_on_q``, ``cards_expiring_by_commune`` and the work
list's expiring cards).
"""

from __future__ import annotations

from datetime import date, timedelta

from beneficiaries.entitlement import PAYABLE_STATUSES
from beneficiaries.models import Case, CaseCategory, HealthInsuranceCard, Suspension
from beneficiaries.selectors import CARD_WARNING_DAYS, OPEN_STATUSES
from core.sql import literals
from households import sql as registry

CASE = Case._meta.db_table
CASE_CATEGORY = CaseCategory._meta.db_table
SUSPENSION = Suspension._meta.db_table
CARD = HealthInsuranceCard._meta.db_table

# The cases an officer still has to act on (the allowances' work list), by status.
WAITING_STATUSES = (Case.Status.APPLIED, Case.Status.VERIFIED, Case.Status.SUSPENDED)


def category_held(category: str, month: str) -> str:
    """Condition over a case-category row ``category`` (its alias): held in ``month`` (open ends: from
    the case's start, until changed), as ``selectors.category_in_month_q``."""
    return (
        f"({category}.from_month IS NULL OR {category}.from_month <= {month})"
        f" AND ({category}.to_month IS NULL OR {category}.to_month >= {month})"
    )


def _paid_in_month(case: str, month: str) -> str:
    """Condition over a case row ``case``: paid for ``month`` (``paid_cases``), its commune aside."""
    return f"""{case}.status IN ({literals(PAYABLE_STATUSES)})
      AND {case}.start_month <= {month} AND ({case}.end_month IS NULL OR {case}.end_month >= {month})
      AND NOT EXISTS (SELECT 1 FROM {SUSPENSION} u WHERE u.case_id = {case}.id
                      AND u.from_month <= {month} AND (u.to_month IS NULL OR u.to_month >= {month}))
      AND NOT {registry.died_before(f"{case}.person_id", month)}
      AND EXISTS (SELECT 1 FROM {CASE_CATEGORY} held WHERE held.case_id = {case}.id
                  AND {category_held("held", month)})"""


def paid_cases(month: str = "%(month)s", communes: str = "%(codes)s") -> str:
    """Relation ``(case_id, commune_id, person_id)``: the cases of ``communes`` paid for ``month`` (a
    month's first day), as ``selectors.paid_in_month_q`` defines them and the entitlement engine pays
    them: a payable status (``entitlement.PAYABLE_STATUSES``), ``month`` from the start to the end
    month, no suspension over it, not after the month of death, and a category held that month."""
    return f"""
    SELECT c.id AS case_id, c.commune_id, c.person_id
    FROM {CASE} c
    WHERE c.commune_id = ANY({communes}) AND {_paid_in_month("c", month)}
    """


def categories_held(month: str = "%(month)s") -> str:
    """Relation ``(case_id, category_id)``: the categories each case holds in ``month`` (join it on
    ``case_id``, e.g. to ``paid_cases``)."""
    return f"SELECT cc.case_id, cc.category_id FROM {CASE_CATEGORY} cc WHERE {category_held('cc', month)}"


def clause_of(category: str) -> str:
    """Expression: the clause of Decree 20 Art. 5 of the category code ``category`` ('5.5a' → '5.5',
    '5.6es' → '5.6'), as ``selectors.clause_of``."""
    return f"substring({category} from '^[0-9]+[.][0-9]+')"


# --- health-insurance cards ----------------------------------------------------------------------------


def card_valid_on(card: str, day: str) -> str:
    """Condition over a card row ``card`` (its alias): valid on ``day``, both ends included."""
    return f"({card}.valid_from <= {day} AND {card}.valid_to >= {day})"


def holds_card_on(person: str, day: str) -> str:
    """Condition: the person (``person``, an SQL expression of a person id: qualify a column,
    ``paid.person_id``) holds a health-insurance card valid on ``day``, as ``selectors.card_valid_on_q``
    (one index lookup per person)."""
    return f"EXISTS (SELECT 1 FROM {CARD} card WHERE card.person_id = {person} AND {card_valid_on('card', day)})"


def card_holders_on(day: str) -> str:
    """Relation ``(person_id)``: each person holding a card valid on ``day``, once (to hash-join a
    large set of people, where ``holds_card_on`` would look each up)."""
    return f"SELECT DISTINCT card.person_id FROM {CARD} card WHERE {card_valid_on('card', day)}"


def _card_flags(person: str, days: list[str], first_day: str, last_day: str, prefix: str) -> str:
    """Lateral relation ``({prefix}0, {prefix}1, ...)``: whether ``person`` holds a card valid on each
    of ``days`` (all between ``first_day`` and ``last_day``), read from their cards once."""
    flags = ", ".join(
        f"coalesce(bool_or({card_valid_on('card', day)}), false) AS {prefix}{i}" for i, day in enumerate(days)
    )
    return f"""SELECT {flags}
        FROM {CARD} card
        WHERE card.person_id = {person} AND card.valid_to >= {first_day} AND card.valid_from <= {last_day}"""


def coverage_on(day: str = "%(day)s", communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, members, covered)``: health-insurance coverage of each commune of
    ``communes`` on ``day``: the living members of its households that day (one per membership,
    ``households.sql.members_on``), and those of them holding a card valid that day. A commune
    without members has no row. (``renewals.coverage`` counts the same of one commune.)"""
    return f"""
    SELECT m.commune_id, count(*) AS members, count(cv.person_id) AS covered
    FROM ({registry.members_on(day, communes)}) m
    LEFT JOIN ({card_holders_on(day)}) cv ON cv.person_id = m.person_id
    GROUP BY m.commune_id
    """


def coverage_on_days(days: list[str], first_day: str, last_day: str, communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, members_0, ..., members_{n-1}, covered_0, ..., covered_{n-1})``: the
    coverage of ``coverage_on`` for each of ``days`` (SQL expressions, all from ``first_day`` to
    ``last_day``), read in one pass: each membership is read once with its person's cards that
    overlap the period, and counted in a column per day. No row is repeated per day."""
    members = ", ".join(
        f"count(*) FILTER (WHERE {registry.living_member_on('m', day)}) AS members_{i}" for i, day in enumerate(days)
    )
    covered = ", ".join(
        f"count(*) FILTER (WHERE {registry.living_member_on('m', day)} AND cd.c{i}) AS covered_{i}"
        for i, day in enumerate(days)
    )
    return f"""
    SELECT m.commune_id, {members}, {covered}
    FROM ({registry.members_between(first_day, last_day, communes)}) m
    CROSS JOIN LATERAL ({_card_flags("m.person_id", days, first_day, last_day, "c")}) cd
    GROUP BY m.commune_id
    """


def paid_and_covered_by_month(
    months: list[str],
    days: list[str],
    first_day: str,
    last_day: str,
    communes: str = "%(codes)s",
    *,
    by_commune: bool = False,
) -> str:
    """Relation of one row ``(beneficiaries_0, ..., beneficiaries_{n-1}, covered_0, ..., covered_{n-1})``:
    for each of ``months`` (ascending first days), the cases of ``communes`` paid for it (as
    ``paid_cases``), and of them those whose person holds a card valid on ``days[i]`` (between
    ``first_day`` and ``last_day``). One pass: each case is read once with its categories, suspensions
    and cards, and counted in a column per month. ``by_commune``: one row per commune with a case
    read, ``commune_id`` first."""
    first, last = months[0], months[-1]
    paid = ", ".join(
        f"(c.start_month <= {month} AND (c.end_month IS NULL OR c.end_month >= {month})"
        f" AND (p.date_of_death IS NULL OR p.date_of_death >= {month}) AND g.k{i} AND NOT u.s{i}) AS p{i}"
        for i, month in enumerate(months)
    )
    held = ", ".join(
        f"coalesce(bool_or({category_held('cc', month)}), false) AS k{i}" for i, month in enumerate(months)
    )
    suspended = ", ".join(
        f"coalesce(bool_or(u.from_month <= {month} AND (u.to_month IS NULL OR u.to_month >= {month})), false) AS s{i}"
        for i, month in enumerate(months)
    )
    return f"""
    WITH paid AS (
        SELECT c.commune_id, {paid}, {", ".join(f"cd.c{i}" for i in range(len(months)))}
        FROM {CASE} c
        JOIN ({registry.persons()}) p ON p.person_id = c.person_id
        CROSS JOIN LATERAL (SELECT {held} FROM {CASE_CATEGORY} cc WHERE cc.case_id = c.id) g
        CROSS JOIN LATERAL (SELECT {suspended} FROM {SUSPENSION} u WHERE u.case_id = c.id) u
        CROSS JOIN LATERAL ({_card_flags("c.person_id", days, first_day, last_day, "c")}) cd
        WHERE c.commune_id = ANY({communes}) AND c.status IN ({literals(PAYABLE_STATUSES)})
          AND c.start_month <= {last} AND (c.end_month IS NULL OR c.end_month >= {first})
    )
    SELECT {"commune_id, " if by_commune else ""}
           {", ".join(f"count(*) FILTER (WHERE p{i}) AS beneficiaries_{i}" for i in range(len(months)))},
           {", ".join(f"count(*) FILTER (WHERE p{i} AND c{i}) AS covered_{i}" for i in range(len(months)))}
    FROM paid
    {"GROUP BY commune_id" if by_commune else ""}
    """


def card_warning_until(today: date) -> date:
    """The last day of the expiring cards' window that starts ``today`` (``CARD_WARNING_DAYS``)."""
    return today + timedelta(days=CARD_WARNING_DAYS)


def cards_expiring_by_commune(
    today: str = "%(today)s", until: str = "%(warn_until)s", communes: str = "%(codes)s"
) -> str:
    """Relation ``(commune_id, people)``: the people with an open case (``selectors.OPEN_STATUSES``)
    in each commune of ``communes`` whose latest health-insurance card ends from ``today`` to
    ``until`` (``card_warning_until(today)``), as the allowances' work list counts them."""
    return f"""
    SELECT c.commune_id, count(DISTINCT card.person_id) AS people
    FROM {CARD} card
    JOIN {CASE} c ON c.person_id = card.person_id
    WHERE c.commune_id = ANY({communes}) AND c.status IN ({literals(OPEN_STATUSES)})
      AND card.valid_to BETWEEN {today} AND {until}
      AND NOT EXISTS (SELECT 1 FROM {CARD} later WHERE later.person_id = card.person_id AND later.valid_to > card.valid_to)
    GROUP BY c.commune_id
    """


def waiting_cases_by_commune(communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, status, cases)``: the cases of ``communes`` waiting for an officer, by
    status: applied (to verify), verified (to decide), suspended."""
    return f"""
    SELECT commune_id, status, count(*) AS cases
    FROM {CASE}
    WHERE commune_id = ANY({communes}) AND status IN ({literals(WAITING_STATUSES)})
    GROUP BY commune_id, status
    """


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
