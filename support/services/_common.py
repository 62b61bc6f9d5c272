"""What every support service shares: the event row (the door is
``geography.scoping.require``, the refusal ``core.services.refuse``)."""

from support.models import SupportEvent


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
