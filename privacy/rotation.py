"""Re-encryption of every encrypted column under the newest key, in batches, set-based: one SELECT
and one UPDATE … FROM unnest(…) per batch of rows, whatever the table. Used by the migrations that
encrypted existing rows and by ``manage.py reencrypt_personal_data`` (key rotation).

A row is rewritten only when a value is not under the newest key (a plaintext left from before
encryption counts as such), so running it twice does nothing the second time; ``rehash``
rewrites every keyed hash too (after a change of ``PERSONAL_DATA_HASH_KEY``).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection as default_connection
from django.db import transaction

from privacy.encryption import PREFIX, blind_index, current_fingerprint, decrypt, encrypt, is_encrypted, reencrypt
from privacy.fields import BlindIndexField, EncryptedCharField, EncryptedKeysJSONField

BATCH = 5_000


@dataclass
class Column:
    """One encrypted column of a table (``keys``: for a JSON column, the keys it encrypts; ``hashes``:
    the (column, purpose) of the blind indexes derived from it)."""

    table: str
    pk: str
    column: str
    keys: tuple[str, ...] = ()
    hashes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.table}.{self.column}"


def encrypted_columns() -> Iterator[Column]:
    """Every encrypted column of the installed models, history tables included."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        concrete = model._meta.concrete_fields
        for model_field in concrete:
            if isinstance(model_field, EncryptedCharField):
                hashes = [
                    (other.column, other.purpose)
                    for other in concrete
                    if isinstance(other, BlindIndexField) and other.source in (model_field.name, model_field.attname)
                ]
                yield Column(model._meta.db_table, model._meta.pk.column, model_field.column, hashes=hashes)
            elif isinstance(model_field, EncryptedKeysJSONField):
                yield Column(
                    model._meta.db_table, model._meta.pk.column, model_field.column, keys=model_field.encrypted_keys
                )


def reencrypt_column(column: Column, *, rehash: bool = False, batch: int = BATCH, connection=None) -> int:
    """Rewrite the values of ``column`` not under the newest key (every non-empty one when
    ``rehash``), with their keyed hashes; returns the number of rows rewritten."""
    connection = connection or default_connection
    quote = connection.ops.quote_name
    table, pk, name = quote(column.table), quote(column.pk), quote(column.column)
    current = f"{PREFIX}{current_fingerprint()}:"
    if column.keys:
        where = f"jsonb_exists_any({name}, %s)"
        params = [list(column.keys)]
    else:
        where = f"{name} <> ''" if rehash else f"{name} <> '' AND {name} NOT LIKE %s"
        params = [] if rehash else [current + "%"]
    done, last = 0, None
    while True:
        # Each batch locks its rows and rewrites them in one transaction: a value the product
        # changes meanwhile waits for the batch, and is never overwritten with its old value.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {name}::text FROM {table} WHERE {where}"
                + (f" AND {pk} > %s" if last is not None else "")
                + f" ORDER BY {pk} LIMIT %s FOR UPDATE",
                [*params, *([last] if last is not None else []), batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            last = rows[-1][0]
            if column.keys:
                done += _rewrite_json(column, rows, current, connection)
            else:
                done += _rewrite_text(column, rows, connection)


def _rewrite_text(column: Column, rows: list, connection) -> int:
    quote = connection.ops.quote_name
    current = f"{PREFIX}{current_fingerprint()}:"
    ids, values, plaintexts = [], [], []
    for pk, value in rows:
        plaintext = decrypt(value) if is_encrypted(value) else value
        ids.append(pk)
        values.append(value if value.startswith(current) else encrypt(plaintext))
        plaintexts.append(plaintext)
    assignments = [f"{quote(column.column)} = new.value"]
    arrays, names = [ids, values], ["id", "value"]
    for position, (hash_column, purpose) in enumerate(column.hashes):
        arrays.append([blind_index(plaintext, purpose=purpose) for plaintext in plaintexts])
        names.append(f"hash{position}")
        assignments.append(f"{quote(hash_column)} = new.hash{position}")
    casts = ["bigint[]", *["text[]"] * (len(arrays) - 1)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(column.table)} AS target SET {', '.join(assignments)} "
            f"FROM unnest({', '.join(f'%s::{cast}' for cast in casts)}) AS new({', '.join(names)}) "
            f"WHERE target.{quote(column.pk)} = new.id",
            arrays,
        )
    return len(rows)


def _rewrite_json(column: Column, rows: list, current: str, connection) -> int:
    quote = connection.ops.quote_name
    ids, documents = [], []
    for pk, text in rows:
        document = json.loads(text)
        if not isinstance(document, dict):
            continue
        changed = False
        for key in column.keys:
            value = document.get(key)
            if isinstance(value, str) and value and not value.startswith(current):
                document[key] = reencrypt(value)
                changed = True
        if changed:
            ids.append(pk)
            documents.append(json.dumps(document, ensure_ascii=False))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(column.table)} AS target SET {quote(column.column)} = new.document::jsonb "
                "FROM unnest(%s::bigint[], %s::text[]) AS new(id, document) "
                f"WHERE target.{quote(column.pk)} = new.id",
                [ids, documents],
            )
    return len(ids)


def encrypt_existing(*columns: Column, connection=None) -> None:
    """For data migrations: encrypt the plaintext of ``columns`` and derive their hashes."""
    for column in columns:
        reencrypt_column(column, rehash=True, connection=connection)


def decrypt_existing(*columns: Column, connection=None) -> None:
    """For reversing those migrations: every value of ``columns`` back to its plaintext."""
    connection = connection or default_connection
    quote = connection.ops.quote_name
    for column in columns:
        table, pk, name = quote(column.table), quote(column.pk), quote(column.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {name}::text FROM {table} WHERE {name}::text LIKE %s", [f"%{PREFIX}%"])
            rows = cursor.fetchall()
        if not rows:
            continue
        if column.keys:
            documents = []
            for _pk, text in rows:
                document = json.loads(text)
                for key in column.keys:
                    if isinstance(document.get(key), str) and is_encrypted(document[key]):
                        document[key] = decrypt(document[key])
                documents.append(json.dumps(document, ensure_ascii=False))
            values, cast = documents, "jsonb"
        else:
            values, cast = [decrypt(value) for _pk, value in rows], "text"
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS target SET {name} = new.value::{cast} "
                "FROM unnest(%s::bigint[], %s::text[]) AS new(id, value) "
                f"WHERE target.{pk} = new.id",
                [[pk_value for pk_value, _value in rows], values],
            )
