"""Person change guards: what another app says about a change of a person's registry details.

Some of a person's details matter to apps the registry does not know: the allowance a person is
paid depends on their age in each month, so a new date of birth changes how much money goes. The
registry cannot import those apps (dependencies point the other way), so they tell it here. Each
app registers a guard in its ``AppConfig.ready()``::

    from households.guards import register_person_change_guard
    register_person_change_guard(birth_date_guard)

A guard receives the changes about to be written, in bulk: a list of (person id, the names of
the ``Person`` fields that change), and answers the problems: {person id: {field: message}} (empty
when it has none). It reads what it needs in a fixed number of queries for the whole list (an
import asks once for every person of the file), and writes nothing.

Every registry writer that changes a person's details directly asks ``person_change_problems``
before it writes: ``services.member_edit`` (refused, on the field) and the household import (each
problem is a row error naming the line and the column; nothing is written). A writer made for a
change that someone else approved (``services.person_birth_date_correct``, called on the chair's
approval of a request) does not ask: the approval is what the guard sends the user to.
"""

from collections.abc import Callable, Collection, Iterable

PersonChanges = list[tuple[int, frozenset[str]]]
Guard = Callable[[PersonChanges], dict[int, dict[str, str]]]
_guards: list[Guard] = []


def register_person_change_guard(guard: Guard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def person_change_problems(changes: Iterable[tuple[int, Collection[str]]]) -> dict[int, dict[str, list[str]]]:
    """Every registered guard's problems with these changes, merged: {person id: {field:
    [messages]}}. Changes of no field are not passed on; no change, no query."""
    asked = [(person_id, frozenset(fields)) for person_id, fields in changes if fields]
    problems: dict[int, dict[str, list[str]]] = {}
    if not asked:
        return problems
    for guard in _guards:
        for person_id, fields in guard(asked).items():
            for field_name, message in fields.items():
                problems.setdefault(person_id, {}).setdefault(field_name, []).append(message)
    return problems
