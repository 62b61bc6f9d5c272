"""``Idempotency-Key`` on every write of the API (api/idempotency.py): a retry is answered, not done
again; a key names one request; a key in flight is 409; the answer is kept with the write or not at all."""

from datetime import datetime, timedelta

import pytest
import yaml
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from api import idempotency
from api.models import IdempotentRequest
from api.tasks import purge_idempotent_requests_task
from api.views.base import ApiView
from households.models import Household, HouseholdEvent
from tests.clock import VIETNAM
from tests.conftest import TAN_DONG, on_day

pytestmark = pytest.mark.django_db
REGISTER = "/api/v1/households/"
KEY = "6f1c2a3e-9b4d-4c8e-a1f0-0d2e3c4b5a69"


@pytest.fixture(autouse=True)
def today():
    with on_day(datetime(2026, 12, 1, 10, 0, tzinfo=VIETNAM)):
        yield


@pytest.fixture
def officer(client_for):
    return client_for("tandong_officer", language="en")


def body(units, code="TD-900", name="Lê Văn Dũng") -> dict:
    return {
        "commune": TAN_DONG, "village": units.tan_dong_village.pk, "code": code,
        "head": {"full_name": name, "national_id": "072080000901", "date_of_birth": "1980-05-01", "sex": "M"},
    }  # fmt: skip


def post(client, data, key=KEY, url=REGISTER):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(url, data, content_type="application/json", headers=headers)


def problem(status, title, detail) -> dict:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


def test_a_retried_post_registers_one_household_and_answers_the_same(officer, units):
    first = post(officer, body(units))
    retry = post(officer, body(units))

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry["Location"] == first["Location"]
    assert retry["Content-Type"] == "application/json"
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Household.objects.count() == 1
    assert list(HouseholdEvent.objects.values_list("kind", flat=True)) == ["registered"]
    kept = IdempotentRequest.objects.get()
    assert (kept.key, kept.method, kept.path, kept.status) == (KEY, "POST", REGISTER, 201)


def test_the_kept_answer_is_encrypted_at_rest(officer, units):
    post(officer, body(units))

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM api_idempotentrequest")
        (stored,) = cursor.fetchone()
    assert stored.startswith("pd1:") and "Lê Văn Dũng" not in stored
    assert "Lê Văn Dũng" in IdempotentRequest.objects.get().body


def test_a_quoted_key_is_the_same_key(officer, units):
    """The draft's header is a Structured Field string ("…"); a bare key is read the same."""
    post(officer, body(units), key=f'"{KEY}"')

    retry = post(officer, body(units))

    assert (retry.status_code, retry["Idempotent-Replayed"], Household.objects.count()) == (201, "true", 1)


def test_the_same_key_with_another_body_or_path_is_422_and_changes_nothing(officer, units, family):
    post(officer, body(units))
    before = (Household.objects.count(), HouseholdEvent.objects.count(), IdempotentRequest.objects.count())

    other_body = post(officer, body(units, code="TD-901"))
    other_path = post(officer, {"full_name": "X"}, url=f"/api/v1/households/{family.uuid}/members/")

    for response in (other_body, other_path):
        assert response.status_code == 422
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == problem(
            422, "Unprocessable Entity",
            "This Idempotency-Key was used for another request (another method, path or body): "
            "use a new key for a new request.",
        )  # fmt: skip
    assert (Household.objects.count(), HouseholdEvent.objects.count(), IdempotentRequest.objects.count()) == before


def test_a_key_is_the_callers_own(officer, client_for, units):
    """Another caller's request under the same key is a request of theirs, run as such."""
    post(officer, body(units))

    admins = post(client_for("admin"), body(units, code="TD-902", name="Phạm Văn Giang") | {"head": {
        "full_name": "Phạm Văn Giang", "national_id": "072081000902", "date_of_birth": "1981-05-01", "sex": "M"}})  # fmt: skip

    assert admins.status_code == 201 and "Idempotent-Replayed" not in admins
    assert sorted(Household.objects.values_list("code", flat=True)) == ["TD-900", "TD-902"]
    assert IdempotentRequest.objects.count() == 2


def test_a_key_in_flight_is_409_and_the_request_does_nothing(officer, units, users):
    """The first request holds its key's lock until it commits: a duplicate meanwhile is told so."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [idempotency.lock_id(users["tandong_officer"].pk, KEY)])

        response = post(officer, body(units))

        assert response.status_code == 409
        assert response.json() == problem(
            409, "Conflict",
            "A request with this Idempotency-Key is still being processed: retry once it is answered.",
        )  # fmt: skip
        assert Household.objects.count() == 0 and IdempotentRequest.objects.count() == 0
    finally:
        other.close()


def test_a_refusal_is_not_kept_so_the_request_may_be_sent_again(officer, units, family):
    """A 400 wrote nothing: the same request runs again (not replayed), and once its cause is gone
    the same key goes through."""
    taken = post(officer, body(units, code="TD-API"))
    again = post(officer, body(units, code="TD-API"))

    assert (taken.status_code, again.status_code) == (400, 400)
    assert "Idempotent-Replayed" not in again
    assert not IdempotentRequest.objects.exists()

    Household.objects.filter(pk=family.pk).update(code="TD-OLD")
    done = post(officer, body(units, code="TD-API"))

    assert done.status_code == 201
    assert IdempotentRequest.objects.get().status == 201


def test_a_crash_after_the_write_leaves_neither_the_write_nor_the_answer(officer, units, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr("api.views.households._household_answer", crash)

    with pytest.raises(RuntimeError):
        post(officer, body(units))

    assert (Household.objects.count(), HouseholdEvent.objects.count(), IdempotentRequest.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize("key", ["", "a key", "é", "x" * 256])
def test_a_malformed_key_is_400_naming_the_header(key, officer, units):
    response = post(officer, body(units), key=key)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "Idempotency-Key", "detail": "must be 1 to 255 visible ASCII characters (a UUID is a good key)"}
    ]
    assert Household.objects.count() == 0


def test_a_post_without_a_key_works_and_keeps_nothing(officer, units):
    response = post(officer, body(units), key=None)

    assert response.status_code == 201
    assert Household.objects.count() == 1 and not IdempotentRequest.objects.exists()


def test_a_refused_caller_claims_no_key(client_for, units):
    response = post(client_for("tandong_committee"), body(units))

    assert response.status_code == 403 and not IdempotentRequest.objects.exists()


# --- expiry -------------------------------------------------------------------------------------


def other_body(units) -> dict:
    return body(units, code="TD-901") | {"head": {
        "full_name": "Lê Văn Hải", "national_id": "072080000903", "date_of_birth": "1980-05-01", "sex": "M"}}  # fmt: skip


def test_a_key_older_than_its_lifetime_is_a_new_key(officer, units):
    """Before beat has purged it: another request under the key is not 422 but a request of its own."""
    post(officer, body(units))
    IdempotentRequest.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, minutes=1)
    )

    response = post(officer, other_body(units))

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert sorted(Household.objects.values_list("code", flat=True)) == ["TD-900", "TD-901"]
    assert IdempotentRequest.objects.get().path == REGISTER and IdempotentRequest.objects.get().status == 201


def test_beat_purges_the_kept_answers_past_their_lifetime_daily(officer, units, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    post(officer, body(units))
    post(officer, other_body(units), key="second")
    IdempotentRequest.objects.filter(key=KEY).update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    assert purge_idempotent_requests_task() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["second"]
    entry = settings.CELERY_BEAT_SCHEDULE["api.purge_idempotent_requests"]
    assert entry["task"] == "api.purge_idempotent_requests"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {45})


# --- every write gets it ------------------------------------------------------------------------


def api_views() -> list[type]:
    resolver = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api")
    return [
        pattern.callback.cls
        for pattern in resolver.url_patterns
        if isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls")
    ]


def test_every_view_of_the_api_that_writes_is_an_api_view():
    """The mechanism is the base class's: a view built on DRF's APIView directly would not honour
    the key its schema documents."""
    writers = [view for view in api_views() if {"post", "put", "patch"} & set(dir(view))]

    assert writers
    assert [view.__name__ for view in writers if not issubclass(view, ApiView)] == []


def test_the_schema_documents_the_key_and_its_answers_on_every_write():
    schema = yaml.safe_load(Client().get(reverse("api:schema")).content)
    writes = [(path, method, operation) for path, item in schema["paths"].items()
              for method, operation in item.items() if method in ("post", "patch")]  # fmt: skip

    assert len(writes) >= 3
    for path, method, operation in writes:
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["Idempotency-Key"]["schema"] == {
            "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$",
        }, (path, method)  # fmt: skip
        assert not headers["Idempotency-Key"].get("required", False)
        assert {"400", "409", "422"} <= set(operation["responses"]), (path, method)
        assert "application/problem+json" in operation["responses"]["422"]["content"]


def test_a_keyed_write_on_a_session_with_its_csrf_token_is_hashed_and_runs(users, units):
    """The session's CSRF check runs before the key is claimed (and may read the request's form): the
    key is hashed all the same, and a call without the token is refused before anything runs."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["tandong_officer"])
    client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32
    headers = {"Idempotency-Key": KEY, "X-CSRFToken": "k" * 32}

    first = client.post(REGISTER, body(units), content_type="application/json", headers=headers)
    retry = client.post(REGISTER, body(units), content_type="application/json", headers=headers)
    without_token = client.post(
        REGISTER, body(units), content_type="application/json", headers={"Idempotency-Key": "x"}
    )

    assert (first.status_code, retry.status_code, retry["Idempotent-Replayed"]) == (201, 201, "true")
    assert without_token.status_code == 403 and Household.objects.count() == 1


def test_a_method_the_view_lacks_is_405_whatever_its_key(officer, family):
    response = officer.patch(
        f"/api/v1/households/{family.uuid}/members/", {}, content_type="application/json",
        headers={"Idempotency-Key": "not a valid key"},
    )  # fmt: skip

    assert response.status_code == 405 and not IdempotentRequest.objects.exists()
