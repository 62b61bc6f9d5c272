"""Who may open which dashboard. Out of scope and missing are the same 404; then the role (403).

- A **commune dashboard** is open to every user whose scope holds the commune (its staff, the
  provincial viewers of its province, administrators): ``geography.access.access_commune_by_code``.
- A **province dashboard** is for provincial viewers and administrators: a province outside the
  user's scope is 404; inside it, any other role is 403. Its figures cover only the communes of the
  province that are in the user's scope (``geography.scoping``), so a total never includes a
  commune the user may not see.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from geography.access import access_commune_by_code
from geography.models import Commune, Province
from geography.scoping import communes_for_user, provinces_for_user


def may_see_provinces(user) -> bool:
    return bool(user.is_authenticated and (user.is_read_only or user.has_national_scope))


def access_commune_dashboard(user, code: str) -> Commune:
    return access_commune_by_code(user, code)


def access_province_dashboard(user, code: str) -> tuple[Province, list[Commune]]:
    """The province and the communes of it that the user may see (by name)."""
    province = provinces_for_user(user).filter(code=code).first()
    if province is None:
        raise Http404("province")
    if not may_see_provinces(user):
        raise PermissionDenied
    communes = list(communes_for_user(user).filter(province=province).only("code", "name").order_by("name", "code"))
    return province, communes
