"""Issue 15, finding 7: login throttling by username and by address, the client address taken from a
trusted proxy only, the Content-Security-Policy and other headers, the entry points' refusal of the
public SECRET_KEY, and the delivery-report webhook's secret in a header only."""

from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from core.client_ip import client_ip

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo12345"
CHAIR_HOME, ATTACKER = "203.0.113.10", "198.51.100.66"
PROXY = "10.0.0.5"


def login(username: str, password: str, *, address: str = "127.0.0.1", forwarded: str | None = None):
    """A login from its own client (a fresh session each time, as an attacker's script would)."""
    client = Client(REMOTE_ADDR=address)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    response = client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)
    return response, client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def attempts() -> set[tuple[str, str, int]]:
    return set(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start"))


# --- a username is locked across addresses --------------------------------------------------------


def test_failures_from_several_addresses_lock_the_username_everywhere(users):
    statuses = [
        login("tandong.chair", "wrong", address=f"198.51.100.{number + 1}")[0].status_code
        for number in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # one failure per address

    response, client = login("tandong.chair", PASSWORD, address=CHAIR_HOME)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Tài khoản tạm khóa" in page
    assert "bị tạm khóa 30 phút" in page
    assert not signed_in(client)
    # another user signs in from an address the attacker used
    response, client = login("tandong.officer", PASSWORD, address="198.51.100.1")
    assert (response.status_code, signed_in(client)) == (302, True)


def test_spaces_or_wide_letters_in_the_username_count_for_the_same_account(users):
    """The login form strips and NFKC-normalises the username before authenticating: a variant
    signs in as the same account, so it must count toward the same lock."""
    for variant in (
        " tandong.chair",
        "tandong.chair ",
        "ｔａｎｄｏｎｇ.ｃｈａｉｒ",
        "tandong.chair",
        " tandong.chair ",
    ):
        login(variant, "wrong", address=ATTACKER)

    response, client = login("tandong.chair", PASSWORD, address=CHAIR_HOME)

    assert (response.status_code, signed_in(client)) == (429, False)
    assert {username for username, _, _ in attempts()} == {"tandong.chair"}


# --- an address is limited across usernames ------------------------------------------------------


@pytest.fixture
def address_limit(settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    return 6


def spray(address: str, count: int, **kwargs) -> list[int]:
    """One wrong password on each of ``count`` usernames (none reaches the per-username limit)."""
    return [login(f"guess.{number}", "Password1", address=address, **kwargs)[0].status_code for number in range(count)]


def test_password_spraying_from_one_address_is_stopped(users, address_limit):
    # the failure that reaches the limit is answered with the lockout page
    assert spray(ATTACKER, address_limit) == [200] * (address_limit - 1) + [429]

    response, client = login("tandong.officer", PASSWORD, address=ATTACKER)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Tạm ngừng đăng nhập" in page
    assert "từ địa chỉ mạng của máy này" in page
    assert not signed_in(client)
    # the same user from another address, and no username locked by the spraying
    response, client = login("tandong.officer", PASSWORD, address=CHAIR_HOME)
    assert (response.status_code, signed_in(client)) == (302, True)


def test_one_failure_below_the_address_limit_does_not_lock(users, address_limit):
    assert spray(ATTACKER, address_limit - 1) == [200] * (address_limit - 1)

    response, client = login("tandong.officer", PASSWORD, address=ATTACKER)

    assert (response.status_code, signed_in(client)) == (302, True)


def test_signing_in_to_ones_own_account_does_not_clear_the_addresss_count(users, address_limit):
    """An insider spraying passwords cannot reset the address's count by signing in between tries."""
    spray(ATTACKER, address_limit - 2)
    login("tandong.officer", "wrong", address=ATTACKER)
    response, _ = login("tandong.officer", PASSWORD, address=ATTACKER)
    assert response.status_code == 302
    # the officer's own failure is forgiven, the sprayed ones are not
    assert not AccessAttempt.objects.filter(username="tandong.officer").exists()
    assert AccessAttempt.objects.filter(ip_address=ATTACKER).count() == address_limit - 2

    login("guess.last", "Password1", address=ATTACKER)
    response, client = login("guess.one-more", "Password1", address=ATTACKER)
    response, client = login("tandong.officer", PASSWORD, address=ATTACKER)

    assert (response.status_code, signed_in(client)) == (429, False)


# --- the client address: a forwarded header only from a trusted proxy ------------------------------


def address_of(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # no trusted proxy in the way: the connection's address, whatever the header says
        (ATTACKER, CHAIR_HOME, ATTACKER),
        (ATTACKER, None, ATTACKER),
        # through the trusted proxy: the address it appended (the rightmost), never what the client wrote
        (PROXY, CHAIR_HOME, CHAIR_HOME),
        (PROXY, f"{CHAIR_HOME}, {ATTACKER}", ATTACKER),
        (PROXY, f"not-an-address, {ATTACKER}", ATTACKER),
        # a chain of trusted proxies (a network listed) is walked through
        (PROXY, f"{CHAIR_HOME}, {ATTACKER}, 10.1.2.3", ATTACKER),
        # the proxy sent no header, or one it would never write: the proxy's own address
        (PROXY, None, PROXY),
        (PROXY, "", PROXY),
        (PROXY, f"{ATTACKER}, garbage", PROXY),
        # an IPv4 client seen through an IPv6 socket
        ("::ffff:198.51.100.66", None, ATTACKER),
    ],
)
def test_client_address(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]
    assert address_of(remote, forwarded) == expected


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    assert address_of("127.0.0.1", CHAIR_HOME) == "127.0.0.1"


def test_production_trusts_the_local_proxy_only():
    production = (ROOT / "casework" / "settings" / "production.py").read_text()
    assert 'TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])' in production
    assert settings.TRUSTED_PROXIES == []  # development and tests: no proxy


def test_a_spoofed_header_behind_the_proxy_cannot_lock_out_the_chairs_address(users, settings, address_limit):
    """The attacker writes the chair's address in X-Forwarded-For; the proxy appends the attacker's."""
    settings.TRUSTED_PROXIES = [PROXY]
    spray(PROXY, address_limit, forwarded=f"{CHAIR_HOME}, {ATTACKER}")

    response, client = login("tandong.chair", PASSWORD, address=PROXY, forwarded=CHAIR_HOME)

    assert (response.status_code, signed_in(client)) == (302, True)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_the_attacker_cannot_hide_behind_the_proxy_or_a_new_spoofed_address_each_time(users, settings, address_limit):
    settings.TRUSTED_PROXIES = [PROXY]
    for number in range(address_limit):
        login(f"guess.{number}", "Password1", address=PROXY, forwarded=f"192.0.2.{number}, {ATTACKER}")

    response, client = login("tandong.officer", PASSWORD, address=PROXY, forwarded=f"192.0.2.99, {ATTACKER}")

    assert (response.status_code, signed_in(client)) == (429, False)
    # everyone else behind the same proxy still signs in
    response, client = login("tandong.officer", PASSWORD, address=PROXY, forwarded=CHAIR_HOME)
    assert (response.status_code, signed_in(client)) == (302, True)


def test_a_forwarded_header_from_an_untrusted_address_is_ignored_by_the_lockout(users, settings, address_limit):
    settings.TRUSTED_PROXIES = [PROXY]
    for number in range(address_limit):
        login(f"guess.{number}", "Password1", address=ATTACKER, forwarded=f"192.0.2.{number}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    response, client = login("tandong.officer", PASSWORD, address=ATTACKER, forwarded=CHAIR_HOME)
    assert (response.status_code, signed_in(client)) == (429, False)
