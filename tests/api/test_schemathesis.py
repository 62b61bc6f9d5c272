"""The API against its own OpenAPI schema (schemathesis): for inputs generated from the schema, and
for inputs that break it, no answer is a 500, every status code and content type is one the schema
documents for the operation, and every documented response's body matches its schema.

The calls go through Django's WSGI handler in the test's transaction, as an officer of Tân Đông with
the registry's fixture household, so the reads find rows and the refusals are the real ones. The
schema and its two readers (HTML and YAML for people) are not part of the contract under test.
"""

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth import SESSION_KEY as SESSION_KEY_FIELD
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.django_db

NOT_UNDER_TEST = r"^/api/v1/(schema|docs|redoc)/$"  # people's views of the schema, not the contract


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


# A session of a known key, created in each test's transaction (the auth provider caches the key).
SESSION_KEY = "schemathesis0session0of0the0officer"


@schema.auth()
class OfficersSession:
    """The officer's session cookie, which schemathesis also leaves out or spoils to check that a call
    without valid credentials is refused."""

    def get(self, case, context) -> str:
        return SESSION_KEY

    def set(self, case, data: str, context) -> None:
        case.cookies = {**(case.cookies or {}), "sessionid": data}


@pytest.fixture
def officers_session(users):
    officer = users["tandong_officer"]
    session = SessionStore(session_key=SESSION_KEY)
    session.update(
        {
            SESSION_KEY_FIELD: str(officer.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: officer.get_session_auth_hash(),
        }
    )
    session.save(must_create=True)


@schema.parametrize()
# Derandomized: CI asks the same questions on every run, so a red run is a change of ours, not luck.
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, family, officers_session):
    case.call_and_validate(app=InTestTransaction())
