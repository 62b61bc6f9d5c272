"""The API against its own OpenAPI schema (schemathesis): for inputs generated from the schema, and
for inputs that break it, no answer is a 500, every status code and content type is one the schema
documents for the operation, and every documented response's body matches its schema.

The calls go through Django's WSGI handler in the test's transaction, as a system client of Tân Đông
(a commune officer's role) holding every scope, with the registry's fixture household, so the reads
find rows, the writes run through the services and the refusals are the real ones. The
schema and its two readers (HTML and YAML for people) are not part of the contract under test.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from oauth2_provider.models import AccessToken

from accounts.models import Role
from api.permissions import SCOPES
from api.services import client_create

pytestmark = pytest.mark.django_db

NOT_UNDER_TEST = r"^/api/v1/(schema|docs|redoc)/$"  # people's views of the schema, not the contract
# Checks that do not fit this API, each for a reason:
NOT_CHECKED = [
    # A call without credentials: the schema offers two schemes (a bearer token or a session), and the
    # check strips one while the other stays; tests/test_scope_matrix.py calls every URL signed out (401).
    schemathesis.checks.ignored_auth,
    # A body the schema allows but a rule refuses (a person not of the caller's communes, a birth date
    # in 6057): the rules live in the services, and their 400 is documented.
    schemathesis.checks.positive_data_acceptance,
]
# The DCI social-registry API answers a request it cannot serve inside a 200 envelope ("rjct" with its
# reason code), as its spec says, not with a 4xx: a schema-violating search request is answered so.
SPDCI = "/api/v1/spdci/"


class InTestTransaction(WSGIHandler):
    """Django's WSGI handler as the test client runs it: the request does not close the test's database
    connection (and with it the transaction the fixtures live in) when it starts or finishes."""

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return super().__call__(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def generated_schema() -> dict:
    """The schema /api/v1/schema/ serves, generated as it is (no database needed). Loaded at collection:
    schemathesis' fixture loader does not run under this pytest."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(generated_schema()).exclude(path_regex=NOT_UNDER_TEST)
schema.app = InTestTransaction()  # every call, the checks' probes included, goes to it


# A token of a known value, created in each test's transaction (the auth provider caches the value).
TOKEN = "schemathesis-token-of-the-tan-dong-client"


@schema.auth()
class ClientsToken:
    """The bearer token of a client of Tân Đông holding every scope, which schemathesis also leaves out
    or spoils to check that a call without valid credentials is refused."""

    def get(self, case, context) -> str:
        return TOKEN

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def clients_token(users, units):
    client, _secret = client_create(
        name="Schemathesis", role=Role.COMMUNE_OFFICER, scopes=list(SCOPES), communes=[units.tan_dong],
        acting_user=users["admin"],
    )  # fmt: skip
    AccessToken.objects.create(
        user=client.account, application=client.application, token=TOKEN, scope=" ".join(SCOPES),
        expires=timezone.now() + timedelta(hours=1),
    )  # fmt: skip


@schema.parametrize()
# Derandomized: CI asks the same questions on every run, so a red run is a change of ours, not luck.
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, family, clients_token):
    excluded = [*NOT_CHECKED]
    if case.path.startswith(SPDCI):
        excluded.append(schemathesis.checks.negative_data_rejection)
    case.call_and_validate(excluded_checks=excluded)
