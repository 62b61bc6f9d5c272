"""What every app's services share below the apps: the refusal, and the worker's heartbeat.

A service that refuses raises ``PermissionDenied`` (wrong role or commune: ``geography.scoping.require``)
or a ``ValidationError`` naming the fields, built here so that every app's refusals have one shape
(``{field: [ValidationError(message), ...]}``), the shape the forms and the tests read.
"""

from typing import NoReturn

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import WorkerHeartbeat


def refuse(problems: dict[str, list[str]]) -> None:
    """Raise the problems found, by field; nothing when there is none."""
    if problems:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})


def refuse_field(field: str, message: str) -> NoReturn:
    """Refuse with one message on one field."""
    raise ValidationError({field: [ValidationError(message)]})


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen_at": timezone.now()}
    )
    return heartbeat
