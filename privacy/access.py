"""Who may read the access log: the administrator only. The log names which staff looked at whom;
commune staff and provincial viewers answer to it, they do not read it."""

from django.core.exceptions import PermissionDenied


def require_access_log_reader(user) -> None:
    if not (user.is_authenticated and user.has_national_scope):
        raise PermissionDenied
