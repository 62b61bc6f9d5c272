"""What every support service shares: the refusal, the door (role and scope) and the event row."""

from django.core.exceptions import PermissionDenied, ValidationError

from geography.scoping import commune_codes_for_user
from support.models import SupportEvent


def _refuse(problems: dict[str, list[str]]) -> None:
    if problems:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in problems.items()})


def _require(user, commune_id: str) -> None:
    if not user.can_manage_registry:
        raise PermissionDenied
    if not user.has_national_scope and commune_id not in commune_codes_for_user(user):
        raise PermissionDenied


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
