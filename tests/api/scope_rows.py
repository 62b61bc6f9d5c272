"""Scope-matrix rows of the API (merged into tests/test_scope_matrix.py).

Reading follows the pages: another commune's household, person or villages answer 404 as a code that
does not exist; the lists hold the caller's own. A call without a session is 401 (an API answers, it
does not redirect to the login page). The schema and its two readers are open to everyone: they
describe the API, not anyone's data.

Writing follows the pages' edit doors: scope first (404), then the registry role (403). The matrix
posts a form, and the API reads JSON only: a caller the door lets in is told 415. (The POST of the
household list, whose row is its GET, is refused role by role in tests/api/test_registry_writes.py.)
Any other URL under /api/v1/ is a problem-details 404, for everyone.
"""

from tests.conftest import TAN_DONG
from tests.scope import OUT_OF_SCOPE, READ_ONLY_FORBIDDEN, Row

SIGNED_OUT = 401
READ = {"anonymous": SIGNED_OUT, **OUT_OF_SCOPE}
WRITE = {"anonymous": SIGNED_OUT, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
UNSUPPORTED_MEDIA_TYPE = 415


def household(targets):
    return {"household_uuid": targets["household"].uuid}


def person(targets):
    return {"person_uuid": targets["membership"].person.uuid}


ROWS: dict[str, Row] = {
    "api:schema": Row(),
    "api:docs": Row(),
    "api:redoc": Row(),
    "api:commune_list": Row(expect={"anonymous": SIGNED_OUT}),
    "api:village_list": Row(kwargs={"code": TAN_DONG}, expect=READ),
    "api:household_list": Row(expect={"anonymous": SIGNED_OUT}),
    "api:household_detail": Row(kwargs=household, expect=READ),
    "api:household_members": Row(kwargs=household, method="post", default=UNSUPPORTED_MEDIA_TYPE, expect=WRITE),
    "api:person_detail": Row(kwargs=person, expect=READ),
    "api:person_death": Row(kwargs=person, method="post", default=UNSUPPORTED_MEDIA_TYPE, expect=WRITE),
    "api:not_found": Row(kwargs={"path": "nothing/here/"}, default=404),
}


def add_targets(targets: dict, *, units, users) -> None:
    """Nothing of its own: the API reads the registry's targets (the household and its spouse)."""
