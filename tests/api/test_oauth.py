"""System clients of the API (OAuth2 client credentials): a client acts as its service account, with a
role and communes like a person's, through the same scoping, masking and access log; its token carries
only the scopes it was granted, expires, and stops working when the client is revoked or its secret
rotated."""

import base64
import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken
from oauth2_provider.views import TokenView

from accounts.models import Role, User
from api import services
from api.models import ApiClient
from api.tasks import clear_expired_tokens_task
from privacy.models import AccessRecord
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def token_response(client: ApiClient, secret: str, **data):
    return Client().post(
        reverse("api:oauth_token"), {"grant_type": "client_credentials", **data},
        headers=basic(client.application.client_id, secret),
    )  # fmt: skip


def token_for(client: ApiClient, secret: str, **data) -> str:
    response = token_response(client, secret, **data)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def tan_dong_client(users, units):
    """What the administrator creates: a client bound to Tân Đông that may read the registry."""
    return services.client_create(
        name="Hệ thống BHYT Tây Ninh", role=Role.COMMUNE_OFFICER, scopes=["registry:read"], communes=[units.tan_dong],
        acting_user=users["admin"],
    )  # fmt: skip


@pytest.fixture
def households(family, units):
    """The family of Tân Đông (tests/api/conftest.py), one more there, and one of Bình Minh."""
    other = make_household(units.tan_dong, units.tan_dong_village, code="TD-OAUTH")
    binh_minh = make_household(units.binh_minh, units.binh_minh_village, code="BM-OAUTH")
    return {"family": family, "other": other, "binh_minh": binh_minh}


def test_a_client_reads_its_communes_households_and_not_anothers(tan_dong_client, households):
    client, secret = tan_dong_client
    token = token_response(client, secret)

    assert token.status_code == 200
    body = token.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "registry:read")
    assert "refresh_token" not in body
    api = bearer(body["access_token"])
    listing = api.get(reverse("api:household_list"))
    assert listing.status_code == 200
    assert sorted(row["code"] for row in listing.json()["results"]) == ["TD-API", "TD-OAUTH"]
    binh_minh = api.get(reverse("api:household_detail", kwargs={"household_uuid": households["binh_minh"].uuid}))
    assert (binh_minh.status_code, binh_minh["Content-Type"]) == (404, "application/problem+json")


def test_the_token_acts_as_the_service_account_and_the_log_names_the_client(tan_dong_client, households):
    client, secret = tan_dong_client
    api = bearer(token_for(client, secret))

    api.get(reverse("api:household_detail", kwargs={"household_uuid": households["family"].uuid}))

    record = AccessRecord.objects.get()
    assert (record.user, record.purpose, record.what) == (client.account, "api", "api:household_detail")
    assert (record.user.username, record.user.get_full_name(), record.user.display_name) == (
        "api-he-thong-bhyt-tay-ninh", "Hệ thống BHYT Tây Ninh", "Hệ thống BHYT Tây Ninh",
    )  # fmt: skip
    assert AccessToken.objects.get().user == client.account


def test_the_client_reads_identifiers_as_its_role_does(tan_dong_client, households, users, units):
    """A committee-member client reads masked identifiers, as a committee member's page does."""
    masked, secret = services.client_create(
        name="Cổng thông tin xã", role=Role.COMMITTEE_MEMBER, scopes=["registry:read"], communes=[units.tan_dong],
        acting_user=users["admin"],
    )  # fmt: skip
    url = reverse("api:household_detail", kwargs={"household_uuid": households["family"].uuid})

    full = bearer(token_for(*tan_dong_client)).get(url).json()["members"][0]["person"]["national_id"]
    hidden = bearer(token_for(masked, secret)).get(url).json()["members"][0]["person"]["national_id"]

    assert (full, hidden) == ("072172000102", "•••••••••102")


def test_a_call_needing_a_scope_the_token_lacks_is_a_403_problem(tan_dong_client, households, users, units):
    reports_only, secret = services.client_create(
        name="Báo cáo tỉnh", role=Role.PROVINCIAL_VIEWER, scopes=["reports:read"], provinces=[units.tay_ninh],
        acting_user=users["admin"],
    )  # fmt: skip
    read = bearer(token_for(reports_only, secret)).get(reverse("api:household_list"))
    write = bearer(token_for(*tan_dong_client)).post(reverse("api:household_list"), {}, content_type="application/json")

    for response in (read, write):
        assert (response.status_code, response["Content-Type"]) == (403, "application/problem+json")
        assert response.json()["title"] == "Forbidden"
    assert not AccessRecord.objects.exists()


def test_a_session_call_needs_no_scope(households, client_for):
    """The signed-in user's session carries no token: the role and communes decide, as before."""
    response = client_for("tandong_officer").get(reverse("api:household_list"))

    assert response.status_code == 200 and len(response.json()["results"]) == 2


def test_an_expired_token_is_a_401(tan_dong_client, households):
    token = token_for(*tan_dong_client)

    with time_machine.travel(timezone.now() + timedelta(seconds=3601), tick=False):
        response = bearer(token).get(reverse("api:household_list"))

    assert (response.status_code, response["Content-Type"]) == (401, "application/problem+json")
    assert response["WWW-Authenticate"].startswith('Bearer realm="casework",error="invalid_token"')
    assert bearer(token).get(reverse("api:household_list")).status_code == 200  # and before then it worked


def test_a_call_without_credentials_is_a_401_with_a_bearer_challenge():
    response = Client().get(reverse("api:household_list"))

    assert (response.status_code, response["WWW-Authenticate"]) == (401, 'Bearer realm="casework"')
    assert bearer("not-a-token").get(reverse("api:household_list")).status_code == 401


def test_a_scope_not_granted_is_refused_and_nothing_issued(tan_dong_client):
    client, secret = tan_dong_client

    response = token_response(client, secret, scope="registry:read registry:write")

    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
    assert not AccessToken.objects.exists()
    assert token_response(client, secret, scope="registry:read").json()["scope"] == "registry:read"


def test_only_client_credentials_and_only_with_the_right_secret(tan_dong_client, users):
    client, secret = tan_dong_client

    wrong = token_response(client, secret + "x")
    password = token_response(client, secret, grant_type="password", username="admin", password="x")

    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert (password.status_code, password.json()["error"]) == (400, "unsupported_grant_type")
    assert not AccessToken.objects.exists()


def test_after_revoke_the_token_fails_and_no_new_one_is_issued(tan_dong_client, households, users):
    client, secret = tan_dong_client
    token = token_for(client, secret)

    services.client_revoke(client, acting_user=users["admin"])

    assert bearer(token).get(reverse("api:household_list")).status_code == 401
    refused = token_response(client, secret)
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    client.refresh_from_db()
    assert client.revoked_at is not None and client.revoked_by == users["admin"]
    assert not client.account.is_active and not AccessToken.objects.exists()
    assert [row.history_type for row in client.history.order_by("history_date")] == ["+", "~"]
    assert client.history.first().history_user == users["admin"]


def test_after_rotate_the_old_secret_fails_and_the_new_one_works(tan_dong_client, households, users):
    client, old = tan_dong_client
    old_token = token_for(client, old)

    new = services.client_rotate(client, acting_user=users["admin"])

    assert new != old
    assert token_response(client, old).status_code == 401
    assert bearer(old_token).get(reverse("api:household_list")).status_code == 401
    assert bearer(token_for(client, new)).get(reverse("api:household_list")).status_code == 200
    client.refresh_from_db()
    assert client.rotated_by == users["admin"] and client.rotated_at is not None


def test_the_secret_is_stored_hashed(tan_dong_client):
    client, secret = tan_dong_client

    assert secret not in client.application.client_secret and client.application.client_secret.startswith("md5$")


def test_a_token_can_be_revoked_by_its_client(tan_dong_client, households):
    client, secret = tan_dong_client
    token = token_for(client, secret)

    response = Client().post(
        reverse("api:oauth_revoke"), {"token": token}, headers=basic(client.application.client_id, secret)
    )

    assert response.status_code == 200
    assert bearer(token).get(reverse("api:household_list")).status_code == 401


def test_the_token_lasts_as_the_setting_says(tan_dong_client, settings, monkeypatch):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 600, "ALWAYS_RELOAD_OAUTHLIB_CORE": True,
    }  # fmt: skip
    # The token view keeps its server once built: this test's goes when the test ends.
    monkeypatch.setattr(TokenView, "_oauthlib_core", None, raising=False)

    assert token_response(*tan_dong_client).json()["expires_in"] == 600


# --- the services' refusals ----------------------------------------------------------------------


def test_only_an_administrator_creates_rotates_or_revokes(tan_dong_client, users, units):
    client, _secret = tan_dong_client
    before = (ApiClient.objects.count(), User.objects.count())

    with pytest.raises(PermissionDenied):
        services.client_create(
            name="X", role=Role.COMMUNE_OFFICER, scopes=["registry:read"], communes=[units.tan_dong],
            acting_user=users["tandong_officer"],
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.client_rotate(client, acting_user=users["tayninh_province"])
    with pytest.raises(PermissionDenied):
        services.client_revoke(client, acting_user=users["tandong_chair"])

    assert (ApiClient.objects.count(), User.objects.count()) == before
    client.refresh_from_db()
    assert client.revoked_at is None and client.rotated_at is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "hệ thống bhyt tây ninh"}, "name"),  # the fixture's, in other case
        ({"scopes": []}, "scopes"),
        ({"scopes": ["registry:read", "everything"]}, "scopes"),
        ({"role": Role.ADMINISTRATOR}, "role"),
        ({"role": Role.COMMUNE_CHAIR}, "role"),
        ({"communes": []}, "communes"),
        ({"role": Role.PROVINCIAL_VIEWER}, "provinces"),
    ],
)
def test_a_client_that_does_not_validate_is_refused_with_nothing_created(tan_dong_client, users, units, changes, field):
    before = (ApiClient.objects.count(), User.objects.count())
    data = {"name": "Cổng dịch vụ công", "role": Role.COMMUNE_OFFICER, "scopes": ["registry:read"],
            "communes": [units.tan_dong], **changes}  # fmt: skip

    with pytest.raises(ValidationError) as refusal:
        services.client_create(**data, acting_user=users["admin"])

    assert field in refusal.value.error_dict
    assert (ApiClient.objects.count(), User.objects.count()) == before


def test_a_revoked_client_is_not_rotated_nor_revoked_again(tan_dong_client, users):
    client, _secret = tan_dong_client
    services.client_revoke(client, acting_user=users["admin"])

    for act in (services.client_rotate, services.client_revoke):
        with pytest.raises(ValidationError):
            act(client, acting_user=users["admin"])


# --- the service account never signs in -----------------------------------------------------------


def test_the_service_account_cannot_sign_in(tan_dong_client):
    client, secret = tan_dong_client
    account = client.account
    assert account.is_service_account and not account.has_usable_password()
    assert (account.is_staff, account.is_superuser) == (False, False)
    login = reverse("accounts:login")

    with_secret = Client().post(login, {"username": account.username, "password": secret})
    account.set_password("a-password-someone-set-9")
    account.save()
    with_password = Client().post(login, {"username": account.username, "password": "a-password-someone-set-9"})

    for response in (with_secret, with_password):
        assert response.status_code == 200 and "_auth_user_id" not in response.client.session
        assert response.context["form"].non_field_errors()


# --- the command line ------------------------------------------------------------------------------


def test_the_command_line_creates_lists_rotates_and_revokes(users, units):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("apiclient", "create", "--name", "Cổng dịch vụ công", "--role", "commune_officer",
                 "--commune", units.tan_dong.pk, "--scope", "registry:read", "--as", "admin", stdout=out)  # fmt: skip
    created = dict(line.split("=", 1) for line in out.getvalue().split())
    client = ApiClient.objects.get(application__client_id=created["client_id"])
    assert token_response(client, created["client_secret"]).status_code == 200

    with pytest.raises(CommandError, match="is not an administrator"):
        call_command("apiclient", "revoke", created["client_id"], "--as", "tandong.officer")
    out = StringIO()
    call_command("apiclient", "rotate", created["client_id"], "--as", "admin", stdout=out)
    new = dict(line.split("=", 1) for line in out.getvalue().split())["client_secret"]
    call_command("apiclient", "revoke", created["client_id"], "--as", "admin", stdout=StringIO())
    listing = StringIO()
    call_command("apiclient", "list", stdout=listing)

    assert new != created["client_secret"]
    assert listing.getvalue().startswith(
        f"{created['client_id']}\tCổng dịch vụ công\tapi-cong-dich-vu-cong\tregistry:read\trevoked"
    )
    client.refresh_from_db()
    assert (client.rotated_by, client.revoked_by) == (users["admin"], users["admin"])


def test_a_token_call_costs_one_query_for_its_credentials(tan_dong_client, households, django_assert_num_queries):
    """The token with its account in one query (the toolkit's select_related), then the list as a
    session call reads it: the account's communes, the page, its statuses, the access log's row."""
    api = bearer(token_for(*tan_dong_client))

    with django_assert_num_queries(5):
        response = api.get(reverse("api:household_list"))

    assert response.status_code == 200


def test_the_access_log_page_shows_the_client(tan_dong_client, households, client_for):
    client, secret = tan_dong_client
    bearer(token_for(client, secret)).get(reverse("api:household_list"))

    page = client_for("admin").get(reverse("privacy:access_log"), {"username": client.account.username})

    assert [record.user for record in page.context["rows"]] == [client.account]
    assert "api-he-thong-bhyt-tay-ninh <span" in page.content.decode()
    assert "(Hệ thống BHYT Tây Ninh)" in page.content.decode()


def test_beat_clears_the_expired_tokens_daily_and_keeps_the_live_ones(tan_dong_client, settings):
    client, secret = tan_dong_client
    expired, live = (checksum(token_for(client, secret)) for _ in range(2))
    AccessToken.objects.filter(token_checksum=expired).update(expires=timezone.now() - timedelta(seconds=1))

    clear_expired_tokens_task()

    assert list(AccessToken.objects.values_list("token_checksum", flat=True)) == [live]
    entry = settings.CELERY_BEAT_SCHEDULE["api.clear_expired_tokens"]
    assert entry["task"] == "api.clear_expired_tokens"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {50})


def checksum(token: str) -> str:
    """How the toolkit finds a token: it keeps its SHA-256 only (RFC 9700 token storage)."""
    return hashlib.sha256(token.encode()).hexdigest()


def test_a_token_is_kept_as_its_checksum_only(tan_dong_client):
    client, secret = tan_dong_client
    token = token_for(client, secret)

    kept = AccessToken.objects.get()
    assert (kept.token, kept.token_checksum) == ("", checksum(token))
