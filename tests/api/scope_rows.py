"""Scope-matrix rows of the API (merged into tests/test_scope_matrix.py).

Reading follows the pages: another commune's household, person or villages answer 404 as a code that
does not exist; the lists hold the caller's own. A call without a session is 401 (an API answers, it
does not redirect to the login page). The schema and its two readers are open to everyone: they
describe the API, not anyone's data. The SPDCI endpoints take a JSON envelope: the matrix's form post is
not JSON, so every signed-in role reaches them and is told so (415, never 403: a search needs registry:read
only, which a session does not check); what each may find is tests/api/test_spdci.py's.

Writing follows the pages' edit doors: signed out 401, then scope (404), then the registry role (403),
as tests/api/test_registry_writes.py checks role by role with JSON bodies; the matrix posts a form, and
the API reads JSON only, so a caller the doors let through is told 415.
Any other URL under /api/v1/ is a problem-details 404, for everyone.
"""

from accounts.models import Role
from api import services
from tests.conftest import TAN_DONG
from tests.scope import LOGIN, OUT_OF_SCOPE, READ_ONLY_FORBIDDEN, Row

SIGNED_OUT = 401
NOT_JSON = 415
READ = {"anonymous": SIGNED_OUT, **OUT_OF_SCOPE}
# The system clients' pages: the administrator only, every other role refused (as the access log).
ADMINISTRATOR_ONLY = {"anonymous": LOGIN, "admin": 200}


def household(targets):
    return {"household_uuid": targets["household"].uuid}


def case(targets):
    return {"case_uuid": targets["case"].uuid}


def person(targets):
    return {"person_uuid": targets["membership"].person.uuid}


def run(targets):
    return {"run_id": targets["run"].pk}


# Writes (the registry's, the payer's report) are the commune's officer's, as the pages' edit doors (scope
# first: 404, then the role: 403); payment runs read as the run pages. The matrix posts a form, not JSON: whoever may post gets 415, before the run's
# status (computed, not sent: 409) is even asked.
REPORT = {"anonymous": SIGNED_OUT, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
# A province's figures are for provincial viewers and administrators, as its dashboard: out of scope
# 404, in scope for another role 403.
PROVINCE_REPORT = {
    "anonymous": SIGNED_OUT, "tandong_officer": 403, "tandong_committee": 403, "tandong_chair": 403,
    "binhminh_officer": 403, "hcm_province": 404,
}  # fmt: skip


ROWS: dict[str, Row] = {
    "api:schema": Row(),
    "api:docs": Row(),
    "api:redoc": Row(),
    "api:commune_list": Row(expect={"anonymous": SIGNED_OUT}),
    "api:village_list": Row(kwargs={"code": TAN_DONG}, expect=READ),
    "api:household_list": Row(expect={"anonymous": SIGNED_OUT}),
    "api:household_detail": Row(kwargs=household, expect=READ),
    "api:household_members": Row(kwargs=household, method="post", default=NOT_JSON, expect=REPORT),
    "api:person_detail": Row(kwargs=person, expect=READ),
    "api:person_death": Row(kwargs=person, method="post", default=NOT_JSON, expect=REPORT),
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
    "api:run_list": Row(expect={"anonymous": SIGNED_OUT}),
    "api:run_detail": Row(kwargs=run, expect=READ),
    "api:run_lines": Row(kwargs=run, expect=READ),
    "api:run_report": Row(kwargs=run, method="post", default=415, expect=REPORT),
    "api:commune_report": Row(kwargs={"code": TAN_DONG, "year": 2026, "month": 5}, expect=READ),
    "api:province_report": Row(kwargs={"code": "80", "year": 2026, "month": 5}, expect=PROVINCE_REPORT),
    "api:spdci_sync_search": Row(method="post", expect={"anonymous": SIGNED_OUT}, default=NOT_JSON),
    "api:spdci_sync_txn_status": Row(method="post", expect={"anonymous": SIGNED_OUT}, default=NOT_JSON),
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
