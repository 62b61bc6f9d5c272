"""Scope-matrix rows of the API (merged into tests/test_scope_matrix.py).

Reading follows the pages: another commune's household, person or villages answer 404 as a code that
does not exist; the lists hold the caller's own. A call without a session is 401 (an API answers, it
does not redirect to the login page). The schema and its two readers are open to everyone: they
describe the API, not anyone's data.

Writing follows the pages' edit doors: scope first (404), then the registry role (403), as
tests/api/test_registry_writes.py checks role by role with JSON bodies. The matrix posts a form, and
the API reads JSON only: the token authentication reads the body before anything else, so every
caller, signed in or not, is told 415 there.
Any other URL under /api/v1/ is a problem-details 404, for everyone.
"""

from accounts.models import Role
from api import services
from tests.conftest import TAN_DONG
from tests.scope import LOGIN, OUT_OF_SCOPE, Row

SIGNED_OUT = 401
READ = {"anonymous": SIGNED_OUT, **OUT_OF_SCOPE}
UNSUPPORTED_MEDIA_TYPE = 415
# The system clients' pages: the administrator only, every other role refused (as the access log).
ADMINISTRATOR_ONLY = {"anonymous": LOGIN, "admin": 200}


def household(targets):
    return {"household_uuid": targets["household"].uuid}


def case(targets):
    return {"case_uuid": targets["case"].uuid}


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
    "api:household_members": Row(kwargs=household, method="post", default=UNSUPPORTED_MEDIA_TYPE),
    "api:person_detail": Row(kwargs=person, expect=READ),
    "api:person_death": Row(kwargs=person, method="post", default=UNSUPPORTED_MEDIA_TYPE),
    "api:not_found": Row(kwargs={"path": "nothing/here/"}, default=404),
    # The token endpoints take a POST of a client's credentials; a GET is not an OAuth2 request.
    "api:oauth_token": Row(default=405),
    "api:oauth_revoke": Row(default=405),
    "api_clients:list": Row(default=403, expect=ADMINISTRATOR_ONLY),
    "api_clients:create": Row(default=403, expect=ADMINISTRATOR_ONLY),
    # GET shows the confirmation; nothing changes until the POST.
    "api_clients:rotate": Row(kwargs=lambda targets: {"client_id": targets["api_client"].pk}, default=403,
                              expect=ADMINISTRATOR_ONLY),
    "api_clients:revoke": Row(kwargs=lambda targets: {"client_id": targets["api_client"].pk}, default=403,
                              expect=ADMINISTRATOR_ONLY),
    "api:poverty_list": Row(kwargs={"code": TAN_DONG}, expect=READ),
    "api:case_list": Row(expect={"anonymous": SIGNED_OUT}),
    "api:case_detail": Row(kwargs=case, expect=READ),
    "api:household_support": Row(kwargs=household, expect=READ),
}  # fmt: skip


def add_targets(targets: dict, *, units, users) -> None:
    """The API reads the registry's targets (the household and its spouse); its clients' pages act on a
    client of Tân Đông."""
    targets["api_client"], _secret = services.client_create(
        name="Scope matrix client",
        role=Role.COMMUNE_OFFICER,
        scopes=["registry:read"],
        communes=[units.tan_dong],
        acting_user=users["admin"],
    )
