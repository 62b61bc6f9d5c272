"""What every support service shares: the refusal and the event row (the door is
``geography.scoping.require``)."""

from django.core.exceptions import ValidationError

from support.models import SupportEvent


def _refuse(problems: dict[str, list[str]]) -> None:
    if problems:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})


def _event(kind: str, acting_user, *, commune_id, programme=None, record=None, distribution=None, reason="", **data):
    return SupportEvent.objects.create(
        kind=kind,
        actor=acting_user,
        commune_id=commune_id,
        programme=programme,
        record=record,
        distribution=distribution,
        reason=reason,
        data=data,
    )
