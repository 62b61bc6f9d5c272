"""The administrator's pages of the API's system clients: list, create (the secret shown once), rotate,
revoke. Every other role is refused, with nothing created or changed."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from accounts.models import Role, User
from api import services
from api.models import ApiClient

pytestmark = pytest.mark.django_db


def create_form(units, **changes) -> dict:
    return {
        "name": "Hệ thống BHYT Tây Ninh", "role": Role.COMMUNE_OFFICER, "communes": [units.tan_dong.pk],
        "scopes": ["registry:read"], **changes,
    }  # fmt: skip


def test_the_administrator_creates_a_client_and_sees_its_secret_once(client_for, units, users):
    admin = client_for("admin")

    response = admin.post(reverse("api_clients:create"), create_form(units))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    client = ApiClient.objects.get()
    secret = re.search(r'data-testid="client-secret">([^<]+)<', response.content.decode()).group(1)
    assert client.application.client_id in response.content.decode()
    # the secret is the one that authenticates, stored only as its hash
    assert secret != client.application.client_secret
    assert check_password(secret, client.application.client_secret)
    assert (client.name, client.scopes, client.created_by) == (
        "Hệ thống BHYT Tây Ninh",
        ["registry:read"],
        users["admin"],
    )
    account = client.account
    assert (account.username, account.role, account.is_service_account) == (
        "api-he-thong-bhyt-tay-ninh", Role.COMMUNE_OFFICER, True,
    )  # fmt: skip
    assert [a.commune_id for a in account.assignments.all()] == [units.tan_dong.pk]
    assert client.history.get().history_user == users["admin"]
    # never again: the list shows the client, not its secret
    listing = admin.get(reverse("api_clients:list")).content.decode()
    assert "Hệ thống BHYT Tây Ninh" in listing and client.application.client_id in listing and secret not in listing


def test_a_form_that_does_not_validate_shows_its_errors_and_creates_nothing(client_for, units):
    response = client_for("admin").post(
        reverse("api_clients:create"), create_form(units, role=Role.PROVINCIAL_VIEWER, scopes=[])
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"scopes"}
    response = client_for("admin").post(reverse("api_clients:create"), create_form(units, role=Role.PROVINCIAL_VIEWER))
    assert set(response.context["form"].errors) == {"provinces"}
    assert not ApiClient.objects.exists() and not User.objects.filter(is_service_account=True).exists()


@pytest.mark.parametrize("role", ["tandong_officer", "tandong_chair", "tayninh_province", "binhminh_officer"])
def test_no_other_role_creates_a_client(client_for, units, role):
    response = client_for(role).post(reverse("api_clients:create"), create_form(units))

    assert response.status_code == 403
    assert not ApiClient.objects.exists() and not User.objects.filter(is_service_account=True).exists()


def test_the_administrator_rotates_and_revokes_through_the_pages(client_for, units, users):
    client, old = services.client_create(
        name="Cổng dịch vụ công", role=Role.COMMUNE_OFFICER, scopes=["registry:read"], communes=[units.tan_dong],
        acting_user=users["admin"],
    )  # fmt: skip
    admin = client_for("admin")

    confirm = admin.get(reverse("api_clients:rotate", args=[client.pk]))
    rotated = admin.post(reverse("api_clients:rotate", args=[client.pk]))

    assert confirm.status_code == 200 and rotated.status_code == 200
    new = re.search(r'data-testid="client-secret">([^<]+)<', rotated.content.decode()).group(1)
    assert new != old
    revoked = admin.post(reverse("api_clients:revoke", args=[client.pk]))
    assert revoked.status_code == 302 and revoked["Location"] == reverse("api_clients:list")
    client.refresh_from_db()
    assert (client.rotated_by, client.revoked_by) == (users["admin"], users["admin"])
    again = admin.post(reverse("api_clients:revoke", args=[client.pk]))
    assert again.status_code == 200 and again.context["form"].non_field_errors()


def test_no_other_role_rotates_or_revokes(client_for, units, users):
    client, _secret = services.client_create(
        name="Cổng dịch vụ công", role=Role.COMMUNE_OFFICER, scopes=["registry:read"], communes=[units.tan_dong],
        acting_user=users["admin"],
    )  # fmt: skip

    for name in ("api_clients:rotate", "api_clients:revoke"):
        assert client_for("tandong_officer").post(reverse(name, args=[client.pk])).status_code == 403

    client.refresh_from_db()
    assert client.rotated_at is None and client.revoked_at is None and client.account.is_active


def test_the_administrators_menu_links_the_page(client_for):
    admin = client_for("admin").get(reverse("core:home")).content.decode()
    officer = client_for("tandong_officer").get(reverse("core:home")).content.decode()

    url = reverse("api_clients:list")
    assert f'href="{url}"' in admin and f'href="{url}"' not in officer


def test_the_page_speaks_vietnamese(client_for):
    page = client_for("admin").get(reverse("api_clients:list")).content.decode()

    assert "Ứng dụng kết nối API" in page


def test_djangos_admin_shows_the_clients_read_only(client_for, units, users):
    services.client_create(
        name="Cổng dịch vụ công", role=Role.COMMUNE_OFFICER, scopes=["registry:read"], communes=[units.tan_dong],
        acting_user=users["admin"],
    )  # fmt: skip

    response = client_for("admin").get(reverse("admin:api_apiclient_changelist"))

    assert response.status_code == 200 and "Cổng dịch vụ công" in response.content.decode()
    assert client_for("admin").get(reverse("admin:api_apiclient_add")).status_code == 403


def test_the_scopes_are_described_in_the_users_language(client_for):
    vietnamese = client_for("admin").get(reverse("api_clients:create")).content.decode()
    english = client_for("admin", language="en").get(reverse("api_clients:create")).content.decode()

    assert "registry:read: Đọc đơn vị hành chính, hộ gia đình" in vietnamese
    assert "registry:read: Read admin units, households" in english
