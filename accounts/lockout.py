"""Login throttling on top of django-axes: a limit per username and another per address.

Axes (``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]``) counts the failed logins of the
last AXES_COOLOFF_HOURS per username (from any address: guessing one account's password from many
addresses) and per client address (on any usernames: password spraying), but compares both with the
one AXES_FAILURE_LIMIT. An address is often a whole commune office behind one router, so it gets a
limit of its own, LOGIN_ADDRESS_FAILURE_LIMIT: this handler reports the failures so that axes' one
comparison locks exactly when either count reaches its own limit, and notes which one did for the
lockout page.

A successful login forgets that user's own failures (from every address), but not the failures other
usernames made from the same address: otherwise an insider spraying passwords could clear the
address's count by signing in to their own account every few tries.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def parameter_limit(parameter: str | list[str], default: int) -> int:
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT if parameter == "ip_address" else default


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures as axes compares them with AXES_FAILURE_LIMIT: at least that limit when a
        parameter has reached its own limit, below it otherwise, whatever the raw counts."""
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        reported = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if failures >= parameter_limit(parameter, limit):
                if reported < limit:
                    request.login_locked_by = parameter  # the first limit reached, for the lockout page
                reported = max(reported, failures, limit)
            else:
                reported = max(reported, min(failures, limit - 1))
        return reported

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a successful login: that username's failures only (see the module's docstring)."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
