"""The only doors to admin units: missing and out-of-scope both answer 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from geography.models import Commune
from geography.scoping import communes_for_user


def access_commune_by_code(user, code: str) -> Commune:
    commune = communes_for_user(user).select_related("province").filter(code=code).first()
    if commune is None:
        raise Http404("commune")
    return commune


def access_commune_for_village_edit(user, code: str) -> Commune:
    """Villages are kept by the commune's officers (and administrators); others may only read."""
    commune = access_commune_by_code(user, code)
    if not getattr(user, "can_manage_registry", False):
        raise PermissionDenied
    return commune
