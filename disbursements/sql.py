"""The payment runs' figures as SQL fragments a reader embeds in its own query (a report's aggregation
over many communes in one statement), so that no other app names the runs' tables or rebuilds their
rules: a month's run of each commune with its totals by payment method, the amounts paid by month, and
a stamp of the runs a cached figure read.

Each function returns a relation (a SELECT to use as ``FROM (...) alias``, whose output columns its
docstring states) or an expression, built from this app's models and the enums it uses
(``Run.Status``, ``beneficiaries.models.PaymentMethod``). Arguments are SQL expressions embedded as
given: named placeholders the reader passes in its params (``communes="%(codes)s"``, a list of
commune codes; ``month="%(month)s"``, a month's first day), or columns of the reader's query.
"""

from __future__ import annotations

from beneficiaries.models import PaymentMethod
from core.sql import literals
from disbursements.models import Run, RunLine

RUN = Run._meta.db_table
RUN_LINE = RunLine._meta.db_table

_CANCELLED = literals([Run.Status.CANCELLED])


def runs_of_month(month: str = "%(month)s", communes: str = "%(codes)s") -> str:
    """Relation ``(commune_id, run_id, status, people, total_vnd, bank_vnd, cash_vnd, bank_people)``:
    each commune's run of ``month`` (a cancelled run is no run; a commune has one run a month) with
    the totals the run keeps (people, amounts in đồng in all, by bank, in cash) and the people it pays
    through a bank account."""
    return f"""
    SELECT r.commune_id, r.id AS run_id, r.status, r.line_count AS people, r.total_amount AS total_vnd,
           r.bank_amount AS bank_vnd, r.cash_amount AS cash_vnd,
           (SELECT count(*) FROM {RUN_LINE} l
            WHERE l.run_id = r.id AND l.payment_method = {literals([PaymentMethod.BANK])}) AS bank_people
    FROM {RUN} r
    WHERE r.commune_id = ANY({communes}) AND r.month = {month} AND r.status <> {_CANCELLED}
    """


def payments_by_month(first: str = "%(first)s", last: str = "%(month)s", communes: str = "%(codes)s") -> str:
    """Relation ``(month, bank_vnd, cash_vnd)``: what the runs (not cancelled) of ``communes`` pay for
    each month from ``first`` to ``last``, by bank and in cash (a month without runs has no row)."""
    return f"""
    SELECT r.month, coalesce(sum(r.bank_amount), 0)::bigint AS bank_vnd,
           coalesce(sum(r.cash_amount), 0)::bigint AS cash_vnd
    FROM {RUN} r
    WHERE r.commune_id = ANY({communes}) AND r.status <> {_CANCELLED} AND r.month BETWEEN {first} AND {last}
    GROUP BY r.month
    """


def runs_stamp(first: str = "%(first)s", last: str = "%(month)s", communes: str = "%(codes)s") -> str:
    """Expression (text): a stamp of the runs of ``communes`` for the months ``first`` to ``last``,
    as they stand: how many and their latest ``updated_at`` (any change of status saves the run).
    Two reads with the same stamp saw the same runs. One index read."""
    return f"""(SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM {RUN}
        WHERE commune_id = ANY({communes}) AND month BETWEEN {first} AND {last})"""


def paid_lines(
    communes: str = "%(communes)s", first: str = "%(first)s", last: str = "%(last)s", statuses: str = "%(statuses)s"
) -> str:
    """Relation ``(category, month, case_id, amount, payment_method, bank_bin)``: the lines of the runs
    of ``communes`` (an SQL array of commune codes) for the months ``first`` to ``last`` whose run is
    in ``statuses`` (an SQL array of ``Run.Status`` values), leaving out the transfers the payer
    reported failed (they are paid again as arrears). ``month`` is the run's month, ``category`` the
    one the line pays under, ``amount`` in đồng."""
    return f"""
    SELECT line.category, run.month, line.case_id, line.amount, line.payment_method, line.bank_bin
      FROM {RUN_LINE} line
      JOIN {RUN} run ON run.id = line.run_id
     WHERE run.commune_id = ANY({communes}) AND run.month BETWEEN {first} AND {last}
       AND run.status = ANY({statuses}) AND line.status <> '{RunLine.Status.FAILED.value}'
    """
