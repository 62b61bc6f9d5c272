"""The only door to support programmes, records and distributions: out of scope and missing are
the same 404; then the role (403) for the officer's acts. The services check both again."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from geography.scoping import communes_for_user, scope_to_user
from support.models import Distribution, Donor, Programme, Record


def _one(queryset, user, *, for_edit: bool, scoped: bool = True, **lookup):
    found = (scope_to_user(queryset, user) if scoped else queryset).filter(**lookup).first()
    if found is None:
        raise Http404
    if for_edit and not user.can_manage_registry:
        raise PermissionDenied
    return found


def access_programme(user, programme_id: int, *, for_edit: bool = False) -> Programme:
    return _one(Programme.objects.select_related("commune__province", "created_by"), user, for_edit=for_edit,
                pk=programme_id)  # fmt: skip


def access_record_by_uuid(user, record_uuid, *, for_edit: bool = False) -> Record:
    queryset = Record.objects.select_related(
        "programme", "commune", "household__village", "person", "distribution", "created_by"
    )
    return _one(queryset, user, for_edit=for_edit, uuid=record_uuid)


def access_distribution(user, distribution_id: int, *, for_edit: bool = False) -> Distribution:
    queryset = Distribution.objects.select_related("programme", "commune__province", "created_by")
    return _one(queryset, user, for_edit=for_edit, pk=distribution_id)


def donors_for_user(user):
    """Donors of the provinces of the user's communes (donors are registered per province)."""
    return Donor.objects.filter(province_id__in=communes_for_user(user).values("province_id")).order_by("name")


def access_donor(user, donor_id: int, *, for_edit: bool = False) -> Donor:
    """A donor of a province the user works in (404 otherwise); editing is the officer's (403)."""
    return _one(donors_for_user(user).select_related("province"), user, for_edit=for_edit, pk=donor_id,
                scoped=False)  # fmt: skip
