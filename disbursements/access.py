"""The only door to payment runs: out of scope and missing are the same 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from disbursements.models import Run
from geography.scoping import scope_to_user


def access_run(user, run_id: int, *, for_edit: bool = False, for_decision: bool = False) -> Run:
    """A run of one of the user's communes (404 otherwise). ``for_edit``: the officer's acts
    (prepare again, cancel before approval); ``for_decision``: the chair's (approve). Scope is
    checked first (404), then the role (403); the service that writes checks both again."""
    run = (
        scope_to_user(Run.objects.all(), user)
        .select_related("commune__province", "prepared_by", "approved_by")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise Http404("run")
    if for_edit and not user.can_manage_registry:
        raise PermissionDenied
    if for_decision and not user.can_sign_decisions:
        raise PermissionDenied
    return run


def can_act_on_runs(user) -> bool:
    """Officers prepare and cancel, chairs approve (and cancel an approved run)."""
    return user.can_manage_registry or user.can_sign_decisions
