"""Admin units as SQL fragments a reader embeds in its own query, so that no other app names
geography's tables: each function returns a relation (a SELECT to use as ``JOIN (...) alias``) whose
output columns its docstring states."""

from __future__ import annotations

from geography.models import Commune, Village


def villages() -> str:
    """Relation ``(village_id, name)``: every village (join it on ``village_id``)."""
    return f"SELECT id AS village_id, name FROM {Village._meta.db_table}"


def communes() -> str:
    """Relation ``(commune_id, name, province_id)``: every commune by its code (join it on ``commune_id``),
    with its province's code."""
    return f"SELECT code AS commune_id, name, province_id FROM {Commune._meta.db_table}"
