"""Set-based writing with COPY: what the bulk services (``<app>/bulk.py``) and the demo write with.

Rows are dicts ({attname: value}), not model instances: building 100,000 instances costs more than
writing them. New rows go in with COPY (``copy_insert``, after ``complete_rows`` filled what
``model(**row)`` and ``save()`` would add); changed saved objects go through COPY into a temporary
table and one UPDATE … FROM (``copy_update``). The ORM's bulk_create and bulk_update spent most of a
100,000-line import building SQL in Python, and bulk_update's CASE grows with the batch.

Their audit (history rows, event rows) is written by ``core.audit``, on the same helpers.

Fields of higher apps take part through two attributes (core cannot import them):

- ``prepare_for_copy = True``: the value is written as ``save`` writes it (``get_db_prep_save``), so
  that an encrypted field (``privacy.fields``) never reaches the table as plaintext;
- ``derived_from`` (the name of another field of the model) and ``derive(value)``: the value is
  computed from that field, as ``save`` computes it (``privacy.fields.BlindIndexField``).
"""

import gc
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from operator import attrgetter, itemgetter

from django.db import connection
from django.db.models import JSONField
from psycopg.types.json import Jsonb


def derived_fields(model) -> list:
    """The fields of ``model`` computed from another of its fields (a blind index)."""
    return [field for field in model._meta.concrete_fields if getattr(field, "derived_from", None)]


def derive_row(model, row: dict, fields: list | None = None) -> dict:
    """Set the derived fields of a row ({attname: value}) from their sources. Returns ``row``."""
    for field in derived_fields(model) if fields is None else fields:
        source = model._meta.get_field(field.derived_from).attname
        if source in row:
            row[field.attname] = field.derive(row[source])
    return row


def db_value(field, value):
    """``value`` as COPY writes it into ``field``'s column."""
    if getattr(field, "prepare_for_copy", False):
        return field.get_db_prep_save(value, connection)
    if isinstance(field, JSONField) and value is not None:
        return Jsonb(value)
    return value


def _converted(field) -> bool:
    """Whether ``db_value`` changes a value of ``field`` (most fields: it does not)."""
    return getattr(field, "prepare_for_copy", False) or isinstance(field, JSONField)


def row_values(fields: list) -> Callable[[dict], tuple]:
    """A function giving a row's ({attname: value}) values as COPY writes them, in the order of
    ``fields``: ``db_value`` of each, called only for the fields it changes (100,000 rows of
    fifteen fields are 1.5 million calls otherwise)."""
    attnames = [field.attname for field in fields]
    get = itemgetter(*attnames) if len(attnames) > 1 else (lambda row: (row[attnames[0]],))
    converted = [(index, field) for index, field in enumerate(fields) if _converted(field)]
    if not converted:
        return get

    def values(row: dict) -> tuple:
        cells = list(get(row))
        for index, field in converted:
            cells[index] = db_value(field, cells[index])
        return tuple(cells)

    return values


def copy_rows(table: str, fields: list, rows: Iterable[list]) -> None:
    """COPY ``rows`` (lists of database values, in the order of ``fields``) into ``table``."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # The raw psycopg cursor: wrap its errors as Django's (a unique violation is an IntegrityError).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def complete_rows(model, rows: list[dict], *, now) -> list[dict]:
    """Fill each new row ({attname: value}) with what ``model(**row)`` and ``save()`` would add:
    field defaults (a fresh one per row when the default is callable), ``now`` for
    auto_now/auto_now_add timestamps, derived fields. Returns ``rows``."""
    constants, factories = {}, {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            constants[model_field.attname] = now
        elif model_field.has_default() and callable(model_field.default):
            factories[model_field.attname] = model_field.default
        else:
            constants[model_field.attname] = model_field.get_default()
    derived = derived_fields(model)
    for row in rows:
        row.update(constants | row)  # the row's own values win
        for attname, factory in factories.items():
            if attname not in row:
                row[attname] = factory()
        if derived:
            derive_row(model, row, derived)
    return rows


def as_rows(model, objects: Iterable) -> list[dict]:
    """Saved objects as rows ({attname: value} of every concrete field, derived fields derived)."""
    derived = derived_fields(model)
    rows = [{field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields} for obj in objects]
    return [derive_row(model, row, derived) for row in rows] if derived else rows


def in_index_order(rows: list[dict], *names: str) -> list[dict]:
    """New rows sorted by ``names`` (the columns of an index of the table), their random UUIDs
    ("uuid", one of ``uuid.uuid4`` each) handed out again in ascending order, for COPY: rows in
    random order insert into random leaves of an index much larger than the database's memory
    (the registry's persons: 3.5 million), reading and writing a page for nearly every row; in
    key order they fill the leaves one after the other, in that index and in the UUID's (a third
    of the work of the persons' COPY). Each UUID is still a random version-4 UUID."""
    ordered = sorted(rows, key=itemgetter(*names))
    if ordered and "uuid" in ordered[0]:
        uuids = sorted((row["uuid"] for row in ordered), key=attrgetter("int"))  # as PostgreSQL orders them
        for row, value in zip(ordered, uuids, strict=True):
            row["uuid"] = value
    return ordered


@contextmanager
def cyclic_gc_paused():
    """Python's cyclic garbage collector paused (as it was on exit) while an import creates
    hundreds of thousands of small objects without reference cycles (lines, rows, their checks):
    it would walk all of them again and again while they are created (a fifth of the Python time
    of a 100,000-line household import). ``beneficiaries.entitlement.compute`` does the same."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def allocate_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken from the table's own sequence in one query, so
    that rows written by COPY can be referred to at once (a household's head, a membership)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def copy_insert(model, rows: list[dict], *, with_pk: bool = False) -> None:
    """INSERT complete rows ({attname: value}, see ``complete_rows``) with COPY."""
    if not rows:
        return
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    copy_rows(model._meta.db_table, fields, map(row_values(fields), rows))


def copy_update(model, objects: list, field_names: list[str]) -> None:
    """UPDATE ``field_names`` of saved ``objects``: COPY the new values into a temporary table,
    then one UPDATE … FROM. (bulk_update's CASE WHEN pk = … per row is linear in the batch size
    for every row updated, which turns 100,000 updates into minutes.)"""
    if not objects:
        return
    pk = model._meta.pk
    fields = [pk, *(model._meta.get_field(name) for name in field_names)]
    # A derived field follows its source, as save(update_fields=…) would have it (privacy.fields).
    for derived in derived_fields(model):
        if derived.derived_from in field_names:
            for obj in objects:
                setattr(obj, derived.attname, derived.derive(getattr(obj, derived.derived_from)))
            if derived not in fields:
                fields.append(derived)
    copy_update_rows(model, fields, ([db_value(f, getattr(obj, f.attname)) for f in fields] for obj in objects))


def copy_update_rows(model, fields: list, rows: Iterable[list]) -> None:
    """UPDATE ``model``'s table from plain rows (database values in the order of ``fields``, the
    primary key first): COPY into a temporary table, then one UPDATE … FROM."""
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk
    columns = ", ".join(quote(field.column) for field in fields)
    temporary = f"import_{table}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(temporary)} ON COMMIT DROP AS SELECT {columns} FROM {quote(table)} WITH NO DATA"
        )
    copy_rows(temporary, fields, rows)
    assignments = ", ".join(f"{quote(field.column)} = new.{quote(field.column)}" for field in fields[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} AS target SET {assignments} FROM {quote(temporary)} AS new "
            f"WHERE target.{quote(pk.column)} = new.{quote(pk.column)}"
        )
        cursor.execute(f"DROP TABLE {quote(temporary)}")
