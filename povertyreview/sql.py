"""The poverty review's figures as SQL fragments a reader embeds in its own query (a report's
aggregation over many communes in one statement), so that no other app names the review's tables or
rebuilds its rules: the periodic reviews and poverty-reduction targets of each commune and year, the
open complaints, and a stamp of the reviews a cached figure read.

Each function returns a relation (a SELECT to use as ``FROM (...) alias``, whose output columns its
docstring states) or an expression, built from this app's models and enums (``Campaign.Kind``,
``Complaint.Status``). Arguments are SQL expressions embedded as given: named placeholders the reader
passes in its params (``communes="%(codes)s"``, a list of commune codes; ``up_to="%(year)s"``), or
columns of the reader's query.
"""

from __future__ import annotations

from core.sql import literals
from povertyreview.models import Campaign, Complaint, ReductionTarget

CAMPAIGN = Campaign._meta.db_table
COMPLAINT = Complaint._meta.db_table
TARGET = ReductionTarget._meta.db_table


def reviews_and_targets(up_to: str = "%(year)s", communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, year, campaign_id, status, planned_reduction)``: for each commune of
    ``communes`` and review year up to ``up_to``, its periodic review (``campaign_id`` and ``status``,
    NULL when none) and its poverty-reduction target (NULL when none); a row has one or both. An
    approved review of year R writes the list of R + 1."""
    return f"""
    SELECT coalesce(c.commune_id, t.commune_id) AS commune_id, coalesce(c.year, t.year) AS year,
           c.id AS campaign_id, c.status, t.planned_reduction
    FROM (SELECT id, commune_id, year, status FROM {CAMPAIGN}
          WHERE kind = {literals([Campaign.Kind.PERIODIC])} AND commune_id = ANY({communes}) AND year <= {up_to}) c
    FULL JOIN (SELECT commune_id, year, planned_reduction FROM {TARGET}
               WHERE commune_id = ANY({communes}) AND year <= {up_to}) t
      ON t.commune_id = c.commune_id AND t.year = c.year
    """


def open_complaints_by_commune(today: str = "%(today)s", communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, overdue, complaints, campaign_id)``: the open complaints of the reviews
    of ``communes``, by commune and whether their answer is overdue on ``today`` (deadline passed),
    with the latest review (``campaign_id``, the highest) that has one."""
    return f"""
    SELECT c.commune_id, k.deadline < {today} AS overdue, count(*) AS complaints, max(c.id) AS campaign_id
    FROM {COMPLAINT} k
    JOIN {CAMPAIGN} c ON c.id = k.campaign_id
    WHERE c.commune_id = ANY({communes}) AND k.status = {literals([Complaint.Status.OPEN])}
    GROUP BY 1, 2
    """


def reviews_stamp(up_to: str = "%(year)s", communes: str = "%(codes)s") -> str:
    """Expression (text): a stamp of the reviews (periodic and regular) of ``communes`` of the years up
    to ``up_to``, as they stand: how many and their latest ``updated_at`` (any change of status saves
    the review). Two reads with the same stamp saw the same reviews. One index read."""
    return f"""(SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM {CAMPAIGN}
        WHERE commune_id = ANY({communes}) AND year <= {up_to})"""
