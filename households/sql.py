"""The registry's rules as SQL fragments a reader embeds in its own query (a payment run's INSERT, a
report's aggregation over many communes in one statement, the renewal reminders), so that no other app
names the registry's tables or rebuilds its rules.

Each function returns a fragment built from the registry's models and enums:

- a **relation**: a SELECT to use as ``FROM (...) alias`` or ``JOIN (...) alias``, whose output columns
  its docstring states (the reader needs nothing else of the registry's tables). A relation without
  aggregate or LIMIT is inlined by PostgreSQL's planner: it plans as the tables joined by hand;
- or a **condition** over such a relation's columns, or over an SQL expression the reader names.

Arguments are SQL expressions embedded as given: placeholders the reader passes in its params (in its
own style, ``%s`` or ``%(name)s``; ``communes="%(codes)s"`` is a list of commune codes), or columns of
its own query. The functions are small and self-contained: read one, and you know the rule.
"""

from __future__ import annotations

from core.sql import literals
from geography import sql as geography
from households.models import Household, HouseholdYearStatus, Membership, Person, PovertyStatus, Relationship

HOUSEHOLD = Household._meta.db_table
PERSON = Person._meta.db_table
MEMBERSHIP = Membership._meta.db_table
YEAR_STATUS = HouseholdYearStatus._meta.db_table

# The statuses that make a year's list (an imported year gives every other household a 'none' row).
LIST_STATUSES = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR, PovertyStatus.MIDDLE_INCOME)
# The statuses of the poverty list proper (poor and near-poor households).
LISTED_STATUSES = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)


_POOR, _NEAR_POOR = literals([PovertyStatus.POOR]), literals([PovertyStatus.NEAR_POOR])


def households_by_commune(communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, households, members)``: the registry now, by commune of ``communes``
    (an SQL array of commune codes): households not dissolved, and their living current members
    (``Household.member_count``, kept by the registry's services). A commune without households has
    no row."""
    return f"""
    SELECT commune_id, count(*) AS households, coalesce(sum(member_count), 0)::bigint AS members
    FROM {HOUSEHOLD}
    WHERE commune_id = ANY({communes}) AND dissolved_on IS NULL
    GROUP BY commune_id
    """


def households_by_village(commune: str = "%(code)s", year: str = "%(year)s") -> str:
    """Relation ``(village_id, households, members, poor, near_poor)``: one commune's households not
    dissolved by village (``village_id`` NULL: households waiting for a village), their living current
    members, and how many are poor and near-poor in the statuses of exactly ``year`` (as
    ``povertyreview.selectors.review_results(...).by_village`` counts them)."""
    return f"""
    SELECT h.village_id, count(h.id) AS households, coalesce(sum(h.member_count), 0)::bigint AS members,
           count(*) FILTER (WHERE s.status = {_POOR}) AS poor,
           count(*) FILTER (WHERE s.status = {_NEAR_POOR}) AS near_poor
    FROM {HOUSEHOLD} h
    LEFT JOIN {YEAR_STATUS} s ON s.household_id = h.id AND s.year = {year}
    WHERE h.commune_id = {commune} AND h.dissolved_on IS NULL
    GROUP BY h.village_id
    """


def list_counts(communes: str = "%(codes)s", up_to: str = "%(year)s") -> str:
    """Relation ``(commune_id, year, status, households)``: the lists of ``communes`` of every year up
    to ``up_to``: how many households not dissolved have each status that makes a list (poor,
    near-poor, middle-income; the 'none' rows of an imported year are never read). The list in force
    in a year Y is the one of the latest year ≤ Y with a row here (or written by an approved review):
    until a new review is approved, the last one stays in force (``selectors.status_in_force``)."""
    return f"""
    SELECT h.commune_id, s.year, s.status, count(*) AS households
    FROM {YEAR_STATUS} s
    JOIN {HOUSEHOLD} h ON h.id = s.household_id
    WHERE h.commune_id = ANY({communes}) AND h.dissolved_on IS NULL
      AND s.status IN ({literals(LIST_STATUSES)}) AND s.year <= {up_to}
    GROUP BY h.commune_id, s.year, s.status
    """


def list_changes(communes: str = "%(codes)s", years: str = "%(years)s") -> str:
    """Relation ``(commune_id, escaped_poverty, escaped_near_poverty, new_listed, fell_back)``: each
    commune's list of a year against the year before, as ``povertyreview.selectors.review_results``
    counts them (a report test holds them together). ``communes`` and ``years`` are two SQL arrays of
    the same length (commune i's list year is years[i]). Read from the households (not dissolved)
    listed poor or near-poor in either year only:

    - escaped poverty: poor the year before, not poor now;
    - escaped near-poverty: near-poor the year before, middle-income or unclassified now;
    - new: listed now, not the year before, and never listed earlier;
    - fell back: listed now, not the year before, but listed in some earlier year."""
    listed = literals(LISTED_STATUSES)
    return f"""
    WITH target AS (
        SELECT * FROM unnest({communes}::varchar[], {years}::int[]) AS t(commune_id, status_year)
    ), candidates AS (
        SELECT DISTINCT s.household_id, t.commune_id, t.status_year
        FROM target t
        JOIN {YEAR_STATUS} s ON s.year IN (t.status_year, t.status_year - 1) AND s.status IN ({listed})
        JOIN {HOUSEHOLD} h ON h.id = s.household_id AND h.commune_id = t.commune_id AND h.dissolved_on IS NULL
    )
    SELECT k.commune_id,
        count(*) FILTER (WHERE b.status = {_POOR} AND s.status <> {_POOR}) AS escaped_poverty,
        count(*) FILTER (WHERE b.status = {_NEAR_POOR}
                           AND s.status IN ({literals([PovertyStatus.MIDDLE_INCOME, PovertyStatus.NONE])})
        ) AS escaped_near_poverty,
        count(*) FILTER (WHERE s.status IN ({listed})
                           AND (b.status IS NULL OR b.status NOT IN ({listed})) AND NOT e.listed_earlier
        ) AS new_listed,
        count(*) FILTER (WHERE s.status IN ({listed})
                           AND (b.status IS NULL OR b.status NOT IN ({listed})) AND e.listed_earlier) AS fell_back
    FROM candidates k
    JOIN {YEAR_STATUS} s ON s.household_id = k.household_id AND s.year = k.status_year
    LEFT JOIN {YEAR_STATUS} b ON b.household_id = k.household_id AND b.year = k.status_year - 1
    CROSS JOIN LATERAL (
        SELECT EXISTS (SELECT 1 FROM {YEAR_STATUS} x
                       WHERE x.household_id = k.household_id AND x.year < k.status_year - 1
                         AND x.status IN ({listed})) AS listed_earlier
    ) e
    GROUP BY k.commune_id
    """


# --- persons and memberships -------------------------------------------------------------------------


def died_before(person: str, day: str) -> str:
    """Condition: the person (``person``, an SQL expression of a person id: qualify a column,
    ``c.person_id``) died before ``day``."""
    return f"EXISTS (SELECT 1 FROM {PERSON} dead WHERE dead.id = {person} AND dead.date_of_death < {day})"


def persons() -> str:
    """Relation ``(person_id, date_of_birth, date_of_death)``: every person of the registry (join it
    on ``person_id``; the planner reads only the persons joined)."""
    return f"SELECT id AS person_id, date_of_birth, date_of_death FROM {PERSON}"


def members_between(first: str, last: str, communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, person_id, joined_on, left_on, date_of_birth, date_of_death)``: one row
    per membership in a household of ``communes`` (dissolved or not) that may make its person a
    living member on some day from ``first`` to ``last`` (``living_member_on`` says which days)."""
    return f"""
    SELECT h.commune_id, m.person_id, m.joined_on, m.left_on, p.date_of_birth, p.date_of_death
    FROM {HOUSEHOLD} h
    JOIN {MEMBERSHIP} m ON m.household_id = h.id
    JOIN {PERSON} p ON p.id = m.person_id
    WHERE h.commune_id = ANY({communes})
      AND coalesce(m.joined_on, '-infinity') <= {last} AND (m.left_on IS NULL OR m.left_on > {first})
      AND p.date_of_birth <= {last} AND (p.date_of_death IS NULL OR p.date_of_death > {first})
    """


def living_member_on(member: str, day: str) -> str:
    """Condition over a row ``member`` of ``members_between`` (its alias): on ``day`` the person is a
    member (joined by then, not yet left), born and alive."""
    return (
        f"(coalesce({member}.joined_on, '-infinity') <= {day} AND ({member}.left_on IS NULL OR {member}.left_on > {day})"
        f" AND {member}.date_of_birth <= {day} AND ({member}.date_of_death IS NULL OR {member}.date_of_death > {day}))"
    )


def members_on(day: str, communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, person_id)``: the living members of the households of ``communes`` on
    ``day``, one row per membership (``members_between`` of that one day)."""
    return f"SELECT m.commune_id, m.person_id FROM ({members_between(day, day, communes)}) m"


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


def memberships_with_home() -> str:
    """Relation ``(membership_id, person_id, joined_on, left_on, is_head, household_code, commune_id,
    village_name, member_count)``: every membership, current or past, with its household (its code, commune,
    village name, '' for a household waiting for a village, and living current members) and whether the
    person is (or was) its head. Join or filter it on ``person_id``: the planner reads only those."""
    return f"""
    SELECT membership.id AS membership_id, membership.person_id, membership.joined_on, membership.left_on,
           membership.relationship = {literals([Relationship.HEAD])} AS is_head, household.code AS household_code,
           household.commune_id, COALESCE(village.name, '') AS village_name, household.member_count
    FROM {MEMBERSHIP} membership
    JOIN {HOUSEHOLD} household ON household.id = membership.household_id
    LEFT JOIN ({geography.villages()}) village ON village.village_id = household.village_id
    """


def households_with_status(year: str) -> str:
    """Relation ``(household_id, code, commune_id, village_id, area, dissolved, status)``: every household,
    dissolved or not, with its poverty status of exactly ``year`` (NULL when it has none). Filter it on
    ``commune_id`` and ``code``: the planner reads only those."""
    return f"""
    SELECT household.id AS household_id, household.code, household.commune_id, household.village_id,
           household.area, household.dissolved_on IS NOT NULL AS dissolved, status.status
    FROM {HOUSEHOLD} household
    LEFT JOIN {YEAR_STATUS} status ON status.household_id = household.id AND status.year = {year}
    """
