"""The only doors to households and persons: out of scope and missing are the same 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from geography.scoping import scope_to_user
from households.models import Household, Membership, Person


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


def access_membership(user, household: Household, membership_id: int) -> Membership:
    """A current or past membership of a household the user already has access to."""
    membership = household.memberships.select_related("person").filter(pk=membership_id).first()
    if membership is None:
        raise Http404("membership")
    return membership


def access_person_by_uuid(user, person_uuid) -> Person:
    """A person is visible through a household of theirs (current or past) in the user's scope."""
    households = scope_to_user(Household.objects.all(), user).values("pk")
    person = Person.objects.filter(uuid=person_uuid, memberships__household__in=households).distinct().first()
    if person is None:
        raise Http404("person")
    return person


def can_see_full_identifiers(user) -> bool:
    """National IDs and phones unmasked: the commune's own staff; provincial viewers see them masked."""
    return user.can_manage_registry or user.role in ("committee_member", "commune_chair")
