"""Scope-matrix rows of the API (merged into tests/test_scope_matrix.py).

Reading follows the pages: another commune's household, person or villages answer 404 as a code that
does not exist; the lists hold the caller's own. A call without a session is 401 (an API answers, it
does not redirect to the login page). The schema and its two readers are open to everyone: they
describe the API, not anyone's data. The SPDCI endpoints take a JSON envelope: the matrix's form post is
not JSON, so every signed-in role reaches them and is told so (415, never 403: a search needs registry:read
only, which a session does not check); what each may find is tests/api/test_spdci.py's.
"""

from tests.conftest import TAN_DONG
from tests.scope import OUT_OF_SCOPE, Row

SIGNED_OUT = 401
NOT_JSON = 415
READ = {"anonymous": SIGNED_OUT, **OUT_OF_SCOPE}


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
    "api:person_detail": Row(kwargs=person, expect=READ),
    "api:spdci_sync_search": Row(method="post", expect={"anonymous": SIGNED_OUT}, default=NOT_JSON),
    "api:spdci_sync_txn_status": Row(method="post", expect={"anonymous": SIGNED_OUT}, default=NOT_JSON),
}


def add_targets(targets: dict, *, units, users) -> None:
    """Nothing of its own: the API reads the registry's targets (the household and its spouse)."""
