"""A small declarative workflow: which action moves an object from which statuses to which, and who
may take it.

Each app with status transitions keeps its table in ``<app>/workflow.py``: a ``Workflow`` of
``Transition`` rows. Its services call ``WORKFLOW.check(user, obj, action)`` before they write
(the role and the scope through the door the app passes in, ``geography.scoping.require``, which
core sits below; then the status), and its views ask ``WORKFLOW.available(user, obj)`` for the
actions to offer, in the table's order, instead of rebuilding the services' rules.

An action may have several rows when who may take it depends on the status (a run before its
approval is cancelled by the officer, after it by the chair): the status is then checked first.
Otherwise the role and the scope come first, as the services always did.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError


@dataclass(frozen=True)
class Transition:
    """``action`` takes an object whose status is one of ``sources`` to ``target`` (None: the status
    does not change, or the service decides), for a user with ``capability`` (a ``User`` role
    property) in the object's commune, when ``guard(obj)`` holds (None: always). ``refusals``: a
    message for a status where the action is refused in words of its own rather than the
    workflow's."""

    action: str
    sources: tuple[str, ...]
    target: str | None
    capability: str
    guard: Callable[[object], bool] | None = None
    refusals: dict[str, object] = field(default_factory=dict)

    def opens(self, obj, status: str) -> bool:
        return status in self.sources and (self.guard is None or self.guard(obj))


class Workflow:
    """The transitions of one kind of object.

    ``door(user, capability, commune_id)`` raises ``PermissionDenied`` (``geography.scoping.require``);
    ``refusal(obj)`` is the message when the object's status does not allow the action, raised as
    a ValidationError on ``status``; ``commune(obj)`` and ``status(obj)`` read the object."""

    def __init__(
        self,
        transitions: Iterable[Transition],
        *,
        door: Callable[[object, str, object], None],
        refusal: Callable[[object], str],
        commune: Callable[[object], object] = lambda obj: obj.commune_id,
        status: Callable[[object], str] = lambda obj: obj.status,
    ):
        self.transitions = tuple(transitions)
        self.door, self.refusal, self.commune, self.status = door, refusal, commune, status
        self.actions = tuple(dict.fromkeys(transition.action for transition in self.transitions))

    def _rows(self, action: str) -> list[Transition]:
        rows = [transition for transition in self.transitions if transition.action == action]
        if not rows:
            raise KeyError(action)
        return rows

    def check(self, user, obj, action: str) -> Transition:
        """The row that allows ``user`` to take ``action`` on ``obj`` now; raises PermissionDenied
        (role or commune) or ValidationError on ``status`` (the status), as the services did."""
        rows = self._rows(action)
        capabilities = {row.capability for row in rows}
        if len(capabilities) == 1:
            self.door(user, rows[0].capability, self.commune(obj))
        status = self.status(obj)
        row = next((row for row in rows if row.opens(obj, status)), None)
        if row is None:
            message = next((row.refusals[status] for row in rows if status in row.refusals), None)
            raise ValidationError({"status": [ValidationError(str(message or self.refusal(obj)))]})
        if len(capabilities) > 1:
            self.door(user, row.capability, self.commune(obj))
        return row

    def allows(self, user, obj, action: str) -> bool:
        try:
            self.check(user, obj, action)
        except (PermissionDenied, ValidationError):
            return False
        return True

    def available(self, user, obj) -> list[str]:
        """The actions ``user`` may take on ``obj`` now, in the table's order."""
        return [action for action in self.actions if self.allows(user, obj, action)]
