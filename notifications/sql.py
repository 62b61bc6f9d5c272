"""Messages as SQL fragments a reader embeds in its own query, so that no other app names the
notifications' tables. ``reports`` sits on the same floor and may not import this module: the
fragments are registered in ``core.sql`` by ``NotificationsConfig.ready()`` and read from there by name.
"""

from __future__ import annotations

from core.sql import literals
from notifications.models import Message, MessageStatus, MessageTemplate

FIRST_MESSAGE = "notifications.first_message"  # the name ``first_message`` is registered under


def first_message(template: str = "%(template)s", communes: str = "%(codes)s") -> str:
    """Relation of one row ``(created_at)``: when the first message (not cancelled) of the template
    whose code is ``template`` was asked for in the communes ``communes`` (NULL: never). Each
    commune's oldest is read through the (commune, created_at) index, then the oldest of those."""
    return f"""
    SELECT min(first.created_at) AS created_at
    FROM unnest({communes}::varchar[]) AS code
    CROSS JOIN LATERAL (
        SELECT m.created_at FROM {Message._meta.db_table} m
        WHERE m.commune_id = code AND m.status <> {literals([MessageStatus.CANCELLED])}
          AND m.template_id = (SELECT id FROM {MessageTemplate._meta.db_table} WHERE code = {template})
        ORDER BY m.created_at
        LIMIT 1
    ) first
    """
