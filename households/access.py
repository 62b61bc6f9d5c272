"""The only doors to households and persons: out of scope and missing are the same 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from geography.scoping import in_scope, scope_to_user
from households.models import Household, Membership, Person, Transfer
from households.selectors import transfers_for_user
from privacy.visibility import sees_identifiers


def access_household_by_uuid(user, household_uuid, *, for_edit: bool = False) -> Household:
    household = (
        scope_to_user(Household.objects.all(), user)
        .select_related("commune__province", "village", "head")
        .filter(uuid=household_uuid)
        .first()
    )
    if household is None:
        raise Http404("household")
    if for_edit and not user.can_manage_registry:
        raise PermissionDenied
    return household


def access_membership(user, household: Household, membership_id: int, *, for_edit: bool = False) -> Membership:
    """A current or past membership of a household the user already has access to.

    ``for_edit``: only a current one. Writes follow where a person lives now, so a past
    membership is a door to history only: on an edit URL it answers 404, as a membership that does
    not exist (and the services refuse the write with PermissionDenied whatever the door)."""
    membership = household.memberships.select_related("person").filter(pk=membership_id).first()
    if membership is None or (for_edit and not membership.is_current):
        raise Http404("membership")
    return membership


def access_person_by_uuid(user, person_uuid, *, for_edit: bool = False) -> Person:
    """A person is visible through a household of theirs (current or past) in the user's scope.
    ``for_edit``: the registry role too, else 403 (the services then check where the person lives now)."""
    households = scope_to_user(Household.objects.all(), user).values("pk")
    person = Person.objects.filter(uuid=person_uuid, memberships__household__in=households).distinct().first()
    if person is None:
        raise Http404("person")
    if for_edit and not user.can_manage_registry:
        raise PermissionDenied
    return person


def access_transfer_by_uuid(user, transfer_uuid, *, act_as: str | None = None) -> Transfer:
    """A transfer from or to one of the user's communes: both sides read it (404 otherwise).

    ``act_as`` "receiver" (accept, reject) or "sender" (cancel): the registry role in that side's
    commune, else 403 (the request is visible, the user may not act on it)."""
    transfer = transfers_for_user(user).filter(uuid=transfer_uuid).first()
    if transfer is None:
        raise Http404("transfer")
    if act_as is not None:
        commune_id = transfer.to_commune_id if act_as == "receiver" else transfer.from_commune_id
        if not user.can_manage_registry or not in_scope(user, commune_id):
            raise PermissionDenied
    return transfer


def can_see_full_identifiers(user, commune_id: str | None = None) -> bool:
    """National IDs, phones and accounts unmasked: ``privacy.visibility`` decides (the officer and the
    chair in their communes, the administrator; committee members and provincial viewers see them masked)."""
    return sees_identifiers(user, commune_id)
