"""The one scoping mechanism: which admin units a user may see.

Every query over case data in every app narrows itself with ``scope_to_user`` (through that app's
selectors and ``access_*`` functions), so an officer of one commune never reads another commune's
rows, counts, exports or search results. An administrator sees everything; everyone else sees the
communes they are assigned to, directly or through an assigned province.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from geography.models import Commune, Province


def has_national_scope(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "has_national_scope", False))


def communes_for_user(user) -> QuerySet[Commune]:
    if not user.is_authenticated:
        return Commune.objects.none()
    if has_national_scope(user):
        return Commune.objects.all()
    # Two indexed IN-subqueries on the user's assignments: no join, no DISTINCT.
    assignments = user.assignments.all()
    return Commune.objects.filter(
        Q(code__in=assignments.filter(commune__isnull=False).values("commune_id"))
        | Q(province_id__in=assignments.filter(province__isnull=False).values("province_id"))
    )


def provinces_for_user(user) -> QuerySet[Province]:
    if not user.is_authenticated:
        return Province.objects.none()
    if has_national_scope(user):
        return Province.objects.all()
    return Province.objects.filter(code__in=communes_for_user(user).values("province_id")).distinct()


def commune_codes_for_user(user) -> list[str]:
    """The codes of the user's communes, read once per request (cached on the user object).

    Filtering by a list of constants rather than a subquery lets PostgreSQL plan for the actual
    communes: an officer's search scans one commune, not the whole province.
    """
    if not hasattr(user, "_scope_commune_codes"):
        user._scope_commune_codes = list(communes_for_user(user).values_list("code", flat=True))
    return user._scope_commune_codes


def scope_to_user(queryset: QuerySet, user, *, commune_field: str = "commune") -> QuerySet:
    """Narrow ``queryset`` to rows whose ``commune_field`` is a commune the user may see."""
    if has_national_scope(user):
        return queryset
    return queryset.filter(**{f"{commune_field}__in": commune_codes_for_user(user)})


def in_scope(user, commune_id: str | None) -> bool:
    """Whether ``commune_id`` is one of the user's communes (an administrator: every commune)."""
    if has_national_scope(user):
        return True
    return commune_id is not None and commune_id in commune_codes_for_user(user)


def require(user, capability: str | None, commune) -> None:
    """The one write-side door of every service: raise ``PermissionDenied`` unless the user has
    ``capability`` (a ``User`` role property such as ``can_manage_registry``; None: any role) and
    ``commune`` (a ``Commune`` or its code) is one of their communes.

    Views check the same through ``access_*`` (answering 404/403); a service checks again so that
    every other door (an import, a command, a task, the API) holds as well. ``commune`` None (an
    object that belongs to no commune) is open to national scope only.
    """
    if capability is not None and not getattr(user, capability, False):
        raise PermissionDenied
    commune_id = getattr(commune, "pk", commune)
    if not in_scope(user, commune_id):
        raise PermissionDenied
