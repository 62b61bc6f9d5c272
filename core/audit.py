"""The audit of set-based writes: the history and event rows of many rows at once.

Every change is audited twice: an event row of the app (``HouseholdEvent``, ``CaseEvent``, … on
``core.models.DomainEvent``: who, when, why) and django-simple-history's row of the model. A service
that writes one row gets both from ``save`` and its own event; a bulk service (``<app>/bulk.py``, what
the importers call after checking a file) writes many rows with COPY (``core.bulk``) and their audit
here, the one place that knows how:

- ``write_history``: the rows simple-history's ``bulk_history_create`` would write (every field of
  the row, the history type, user, date and change reason), by COPY;
- ``write_history_of_new_rows``: the same rows for rows just written by COPY, read back by the
  database from the table (one INSERT … SELECT) instead of formatted a second time;
- ``write_events``: event rows, completed as ``save`` would complete them, by COPY.
"""

import json

from django.db import connection

from core.bulk import complete_rows, copy_insert, copy_rows, row_values

# The change reason of the history rows an import writes.
IMPORT_REASON = "import"


def write_history(model, rows: list[dict], *, user, now, history_type: str, reason: str = IMPORT_REASON) -> None:
    """The simple-history rows of ``model`` for ``rows`` (complete rows, {attname: value}, as they
    stand after the change: ``core.bulk.complete_rows`` or ``as_rows``), as ``bulk_history_create``
    would write them: ``history_type`` "+" (created), "~" (changed) or "-" (deleted), by ``user`` at
    ``now`` with the change reason ``reason``."""
    if not rows:
        return
    history, copied, stamped, same = _history_columns(model, user, now, history_type, reason)
    # The row's own fields, then the history's (the same for every row): COPY names its columns.
    values = row_values(copied)
    copy_rows(history._meta.db_table, copied + stamped, (values(row) + same for row in rows))


def _history_columns(model, user, now, history_type: str, reason: str):
    """``model``'s history table, its fields copied from the row, its fields stamped by the change
    (date, reason, type, user) and the stamped fields' values, in the table's order."""
    history = model.history.model
    own = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": history_type,
        "history_user_id": user.pk if user is not None else None,
    }
    fields = [field for field in history._meta.concrete_fields if not field.primary_key]
    copied = [field for field in fields if field.attname not in own]
    stamped = [field for field in fields if field.attname in own]
    return history, copied, stamped, tuple(own[field.attname] for field in stamped)


def write_history_of_new_rows(
    model, pks: list[int], *, user, now, history_type: str = "+", reason: str = IMPORT_REASON
) -> None:
    """``write_history`` for rows this transaction has just written to ``model``'s table (by COPY:
    ``core.bulk.copy_insert``), taken from the table by the database (one INSERT … SELECT, in the
    order of ``pks``) instead of formatted and parsed a second time: the same rows (an encrypted
    value copied as stored, encrypted), for 100,000 persons a second less of Python and parsing."""
    if not pks:
        return
    quote = connection.ops.quote_name
    history, copied, stamped, same = _history_columns(model, user, now, history_type, reason)
    columns = ", ".join(quote(field.column) for field in copied + stamped)
    values = ", ".join(
        [f"written.{quote(model._meta.get_field(field.attname).column)}" for field in copied] + ["%s"] * len(stamped)
    )
    pk = quote(model._meta.pk.column)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({columns}) SELECT {values} "
        f"FROM jsonb_array_elements_text(%s::jsonb) WITH ORDINALITY AS new(id, position) "
        f"JOIN {quote(model._meta.db_table)} AS written ON written.{pk} = new.id::bigint ORDER BY new.position"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*same, json.dumps(pks)])
        if cursor.rowcount != len(pks):
            raise ValueError(f"{len(pks)} rows of {model._meta.label} to audit, {cursor.rowcount} found")


def write_events(event_model, rows: list[dict], *, now) -> None:
    """Insert event rows ({attname: value}: the subject, ``kind``, ``actor_id``, ``data``, …), each
    completed as ``save`` would (``occurred_at`` is ``now`` unless the row gives it)."""
    copy_insert(event_model, complete_rows(event_model, rows, now=now))
