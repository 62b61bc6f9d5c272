"""Who may call the API at all, and with which scope. The actor of a call (``api.scoping.actor``) is
the signed-in user or a system client's bound account; what the actor may read is the scoping's
business (``api.scoping``), never a permission class's.

Every view names its scope area (``scope_area = "registry"``); a safe method needs ``<area>:read`` and
an unsafe one ``<area>:write``, unless the view names its write scope (``write_scope = "payments:report"``).
A signed-in user's session carries no scopes: the user's role and communes decide, as on the pages.
A system client's token must hold the scope (``token_scopes``): without it the call is a 403 problem.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

# The scopes a system client can be granted, and what each allows (shown on the client's admin page).
SCOPES = {
    "registry:read": "Read admin units, households, persons and poverty statuses",
    "registry:write": "Register households, add members, record deaths",
    "allowances:read": "Read allowance cases and their amounts",
    "allowances:write": "File allowance cases",
    "payments:read": "Read payment runs and their lines",
    "payments:report": "Post a payer's report for a run",
    "support:read": "Read support records",
    "reports:read": "Read the report figures of a commune or province",
}


def required_scope(request, view) -> str | None:
    """The scope the call needs: the view's write scope or ``<area>:write`` for an unsafe method,
    ``<area>:read`` for a safe one; None for a view that names no area (the schema and its readers)."""
    return scope_for(request.method, view)


def scope_for(method: str, view) -> str | None:
    """``required_scope`` by the method alone: what the schema documents for each operation."""
    area = getattr(view, "scope_area", None)
    if method not in SAFE_METHODS and getattr(view, "write_scope", None):
        return view.write_scope
    if area is None:
        return None
    return f"{area}:read" if method in SAFE_METHODS else f"{area}:write"


def token_scopes(request) -> set[str] | None:
    """The scopes of the call's token (a django-oauth-toolkit ``AccessToken``, whose ``scope`` is the
    space-separated list), or None for a call without one (a session)."""
    scope = getattr(request.auth, "scope", None)
    return None if scope is None else set(scope.split())


class IsActor(BasePermission):
    """An authenticated, active actor whose token (if the call has one) holds the view's scope."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        scopes = token_scopes(request)
        needed = required_scope(request, view)
        return scopes is None or needed is None or needed in scopes
