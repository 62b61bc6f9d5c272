import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse


def login(client: Client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_with_the_right_password_goes_home(users):
    client = Client()

    response = login(client, "tandong.officer", "demo12345")

    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


def test_wrong_password_shows_the_form_again_in_vietnamese(users):
    response = login(Client(), "tandong.officer", "wrong")

    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
    assert "_auth_user_id" not in Client().session


def test_five_failures_lock_the_account_even_with_the_right_password(users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "tandong.officer", "wrong")

    response = login(client, "tandong.officer", "demo12345")

    assert response.status_code == 429
    assert "Tài khoản tạm khóa" in response.content.decode()
    # the attempt made while locked counts as one more failure
    assert AccessAttempt.objects.get(username="tandong.officer").failures_since_start == settings.AXES_FAILURE_LIMIT + 1
    assert client.get(reverse("core:home")).status_code == 302  # still signed out


def test_a_locked_account_does_not_lock_another_user(users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "tandong.officer", "wrong")

    assert login(client, "tandong.chair", "demo12345").status_code == 302


def test_password_change(users):
    client = Client()
    login(client, "tandong.officer", "demo12345")

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "demo12345", "new_password1": "Mật-khẩu-mới-2026", "new_password2": "Mật-khẩu-mới-2026"},
    )

    assert response.status_code == 302
    users["tandong.officer".replace(".", "_")].refresh_from_db()
    assert users["tandong_officer"].check_password("Mật-khẩu-mới-2026")


def test_password_change_with_the_wrong_old_password_changes_nothing(users):
    client = Client()
    login(client, "tandong.officer", "demo12345")

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": "Mật-khẩu-mới-2026", "new_password2": "Mật-khẩu-mới-2026"},
    )

    assert response.status_code == 200
    users["tandong_officer"].refresh_from_db()
    assert users["tandong_officer"].check_password("demo12345")


def test_logout_ends_the_session(client_for):
    client = client_for("tandong_officer")

    client.post(reverse("accounts:logout"))

    assert client.get(reverse("core:home")).status_code == 302


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


@pytest.mark.django_db
def test_a_session_older_than_its_age_is_signed_out(users, client_for):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = client_for("tandong_officer")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    assert client.get(reverse("core:home")).status_code == 302
