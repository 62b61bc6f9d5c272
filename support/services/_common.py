"""What every support service shares: the event row (the door is
``geography.scoping.require``, the refusal ``core.services.refuse``)."""

from support.models import Distribution, Programme, Record, SupportEvent


def _event(
    subject: Programme | Distribution | Record, kind: str, acting_user, *, reason: str = "", **data
) -> SupportEvent:
    """The event row of an act on ``subject`` (a programme, a distribution or a record): its
    commune and programme come with it."""
    return SupportEvent.objects.create(
        kind=kind,
        actor=acting_user,
        commune_id=subject.commune_id,
        programme=subject if isinstance(subject, Programme) else subject.programme,
        record=subject if isinstance(subject, Record) else None,
        distribution=subject if isinstance(subject, Distribution) else None,
        reason=reason,
        data=data,
    )
