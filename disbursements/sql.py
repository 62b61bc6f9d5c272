"""The payment runs' rules as SQL fragments a reader embeds in its own query (a report's aggregation over
many communes in one statement), so that no other app names the runs' tables or rebuilds their rules.

Each function returns a relation (a SELECT to use as ``FROM (...) alias``, whose output columns its
docstring states), built from this app's models and enums. A relation without aggregate or LIMIT is
inlined by PostgreSQL's planner: it plans as the tables joined by hand. Arguments are SQL expressions
embedded as given: placeholders the reader passes in its params, or columns of the reader's query.
"""

from __future__ import annotations

from disbursements.models import Run, RunLine

RUN = Run._meta.db_table
RUN_LINE = RunLine._meta.db_table


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
