"""Who may call the API at all. The actor of a call (``api.scoping.actor``) is the signed-in user
today; what the actor may read is the scoping's business (``api.scoping``), never a permission class's.

A system client of the next slice (OAuth2 client credentials, bound to admin units like a user) will
pass here when it has a token, and its scopes (``registry:read``…) are checked by ``requires_scope``
beside this class.
"""

from rest_framework.permissions import BasePermission


class IsActor(BasePermission):
    """An authenticated, active actor (a user with a session)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)
