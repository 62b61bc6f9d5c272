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

from geography import sql as geography
from households.models import Household, HouseholdYearStatus, Membership, Person, PovertyStatus, Relationship

HOUSEHOLD = Household._meta.db_table
PERSON = Person._meta.db_table
MEMBERSHIP = Membership._meta.db_table
YEAR_STATUS = HouseholdYearStatus._meta.db_table


# --- persons and where they live ---------------------------------------------------------------------


def person_identities() -> str:
    """Relation ``(person_id, national_id, full_name)``: every person of the registry with the identity
    a payment line copies (join it on ``person_id``; the planner reads only the persons joined)."""
    return f"SELECT id AS person_id, national_id, full_name FROM {PERSON}"


def residents() -> str:
    """Relation ``(person_id, person_uuid, full_name, date_of_birth, phone, household_id, household_uuid,
    household_code, commune_id, commune_name, village_name)``: every living person who is a current
    member of a household (not left), with that household, its commune and its village
    (``village_name`` '' for a household waiting for a village). One row per person (a person has one
    current household)."""
    return f"""
    SELECT person.id AS person_id, person.uuid AS person_uuid, person.full_name, person.date_of_birth,
           person.phone, household.id AS household_id, household.uuid AS household_uuid,
           household.code AS household_code, household.commune_id, commune.name AS commune_name,
           COALESCE(village.name, '') AS village_name
    FROM {PERSON} person
    JOIN {MEMBERSHIP} membership ON membership.person_id = person.id AND membership.left_on IS NULL
    JOIN {HOUSEHOLD} household ON household.id = membership.household_id
    JOIN ({geography.communes()}) commune ON commune.commune_id = household.commune_id
    LEFT JOIN ({geography.villages()}) village ON village.village_id = household.village_id
    WHERE person.date_of_death IS NULL
    """


def household_contact(household: str, adult_born_by: str) -> str:
    """Relation ``(phone, full_name)`` to join ``LATERAL``: the contact of the household ``household``
    (an SQL expression of a household id), at most one row: the first living adult (born by
    ``adult_born_by``) current member with a phone, the head first, then the oldest."""
    return f"""
    SELECT member.phone, member.full_name
    FROM {MEMBERSHIP} m
    JOIN {PERSON} member ON member.id = m.person_id
    WHERE m.household_id = {household} AND m.left_on IS NULL AND member.date_of_death IS NULL
      AND member.phone <> '' AND member.date_of_birth <= {adult_born_by}
    ORDER BY (m.relationship <> '{Relationship.HEAD.value}'), member.date_of_birth, member.id
    LIMIT 1
    """


def living_members_in(commune: str, day: str) -> str:
    """Relation ``(person_id)``: the living members of the households (dissolved or not) of the commune
    ``commune`` on ``day`` (an SQL expression, a column of the reader's query too): joined by then
    (an unknown joining day counts as always), not yet left, born by then and not yet dead. One row
    per membership."""
    return f"""
    SELECT person.id AS person_id
    FROM {MEMBERSHIP} membership
    JOIN {HOUSEHOLD} household ON household.id = membership.household_id AND household.commune_id = {commune}
    JOIN {PERSON} person
      ON person.id = membership.person_id AND person.date_of_birth <= {day}
     AND (person.date_of_death IS NULL OR person.date_of_death > {day})
    WHERE coalesce(membership.joined_on, '-infinity') <= {day}
      AND (membership.left_on IS NULL OR membership.left_on > {day})
    """


# --- the poverty list --------------------------------------------------------------------------------


def poverty_summary(
    by: str, communes: str = "%(communes)s", year: str = "%(year)s", next_year: str = "%(next)s"
) -> str:
    """Relation ``(key, households, poor, near_poor, escaped_poverty, escaped_near_poverty, new_listed,
    fell_back)``: a review's result over the households not dissolved of ``communes`` (an SQL array of
    commune codes), by village (``by="village"``: ``key`` is the village id, NULL for households
    waiting for one) or by commune (``by="commune"``: the commune code). ``households`` counts all of
    them; the other figures compare the list of ``next_year`` (the review's result) with the list of
    ``year``:

    - poor, near-poor: on the list of ``next_year``;
    - escaped poverty: poor in ``year``, not poor in ``next_year``;
    - escaped near-poverty: near-poor in ``year``, middle-income or unclassified in ``next_year``;
    - newly listed: listed in ``next_year``, not in ``year`` and never before;
    - fell back: listed in ``next_year``, not in ``year``, but in some earlier year.
    """
    key = {"commune": "h.commune_id", "village": "h.village_id"}[by]
    poor, near_poor = f"'{PovertyStatus.POOR.value}'", f"'{PovertyStatus.NEAR_POOR.value}'"
    listed = f"{poor}, {near_poor}"
    not_listed = f"'{PovertyStatus.MIDDLE_INCOME.value}', '{PovertyStatus.NONE.value}'"
    # Speed (bench/reports.py, a province of 1,000,000 households): every figure but the number of
    # households concerns a household on the list of Y or of Y + 1, so statuses are read for those only
    # (about 1.5 %, found through the (year, status) index) instead of joining two years of statuses to
    # every household: 1.6–2.1 s → 0.5 s for the province, the same figures.
    return f"""
    WITH counted AS (
        SELECT {key} AS key, count(*) AS households
          FROM {HOUSEHOLD} h
         WHERE h.commune_id = ANY({communes}) AND h.dissolved_on IS NULL
         GROUP BY 1
    ),
    listed AS (
        SELECT {key} AS key, now.status AS now, before.status AS before,
               EXISTS (SELECT 1 FROM {YEAR_STATUS} e
                        WHERE e.household_id = h.id AND e.year < {year} AND e.status IN ({listed}))
                   AS listed_earlier
          FROM {HOUSEHOLD} h
          LEFT JOIN {YEAR_STATUS} now ON now.household_id = h.id AND now.year = {next_year}
          LEFT JOIN {YEAR_STATUS} before ON before.household_id = h.id AND before.year = {year}
         WHERE h.commune_id = ANY({communes}) AND h.dissolved_on IS NULL
           AND h.id IN (SELECT s.household_id FROM {YEAR_STATUS} s
                         WHERE s.year IN ({year}, {next_year}) AND s.status IN ({listed}))
    ),
    changes AS (
        SELECT key,
               count(*) FILTER (WHERE now = {poor}) AS poor,
               count(*) FILTER (WHERE now = {near_poor}) AS near_poor,
               count(*) FILTER (WHERE before = {poor} AND now <> {poor}) AS escaped_poverty,
               count(*) FILTER (WHERE before = {near_poor} AND now IN ({not_listed})) AS escaped_near_poverty,
               count(*) FILTER (WHERE now IN ({listed}) AND NOT listed_earlier
                                  AND (before IS NULL OR before NOT IN ({listed}))) AS new_listed,
               count(*) FILTER (WHERE now IN ({listed}) AND listed_earlier
                                  AND (before IS NULL OR before NOT IN ({listed}))) AS fell_back
          FROM listed
         GROUP BY key
    )
    SELECT counted.key, counted.households, coalesce(changes.poor, 0) AS poor,
           coalesce(changes.near_poor, 0) AS near_poor, coalesce(changes.escaped_poverty, 0) AS escaped_poverty,
           coalesce(changes.escaped_near_poverty, 0) AS escaped_near_poverty,
           coalesce(changes.new_listed, 0) AS new_listed, coalesce(changes.fell_back, 0) AS fell_back
      FROM counted
      LEFT JOIN changes ON changes.key IS NOT DISTINCT FROM counted.key
    """
