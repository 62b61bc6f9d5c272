"""Issue 15, finding 7: login throttling by username and by address, the client address taken from a
trusted proxy only, the Content-Security-Policy and other headers, the entry points' refusal of the
public SECRET_KEY, and the delivery-report webhook's secret in a header only."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from casework.secret_key import DEVELOPMENT_SECRET_KEY
from core.client_ip import client_ip
from reports import charts
from reports.figures import YearRate

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


# --- Content-Security-Policy and the other headers -------------------------------------------------

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_of(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("anonymous", "/accounts/login/"),
        ("tandong_officer", "/"),
        ("tandong_officer", "/households/"),
        ("tayninh_province", "/reports/"),
        ("anonymous", "/healthz"),
    ],
)
def test_every_page_carries_the_policy_and_the_security_headers(client_for, role, url):
    response = client_for(role).get(url)

    assert response.status_code in (200, 302, 503)
    assert policy_of(response) == POLICY
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["Permissions-Policy"] == (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"
    )
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_htmx_fragment_and_the_lockout_page_carry_it_too(users, client_for, address_limit):
    fragment = client_for("tandong_officer").get("/households/", headers={"HX-Request": "true"})
    assert policy_of(fragment) == POLICY
    spray(ATTACKER, address_limit)
    locked, _ = login("tandong.officer", PASSWORD, address=ATTACKER)
    assert (locked.status_code, policy_of(locked)) == (429, POLICY)


INLINE = re.compile(r"""<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|<style\b|\son[a-z]+\s*=|\bhx-on|javascript:""", re.I)


def test_no_template_has_inline_script_style_or_event_handlers():
    """What the policy would block, found before a browser does (PDF templates excepted: WeasyPrint
    renders them on the server and no browser applies the policy to them)."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "pdf" in path.relative_to(ROOT / "templates").parts:
            continue
        found += [f"{path.relative_to(ROOT)}: {match.group(0)}" for match in INLINE.finditer(path.read_text())]
    assert found == []


def test_the_base_page_loads_only_our_scripts_and_keeps_htmx_from_injecting_style(client):
    page = client.get("/accounts/login/").content.decode()

    assert re.findall(r'<script src="([^"]+)"', page) == [
        "/static/django_htmx/htmx-2.min.js",
        "/static/vendor/bootstrap/bootstrap.bundle.min.js",
        "/static/js/casework.js",
    ]
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false}'>""" in page


def test_the_svg_charts_have_no_inline_style():
    svg = charts.poverty_rate_svg([YearRate(year=2025, households=4_700, poor=13, near_poor=30)])
    assert 'class="report-chart"' in svg
    assert INLINE.search(svg) is None


# --- the entry points refuse the public development key ---------------------------------------------

GOOD_KEY = "k7#Qm9!vLr2@Tz8$Wp4^Kd6&Hn1*Bs5(Gf3)Yc0-Ju7+Ea2=Ni9?Ro4%Ul8"
PRODUCTION = {"ALLOWED_HOSTS": "casework.example.gov.vn", "DATABASE_URL": "postgresql://casework@db.invalid/casework",
              "CELERY_BROKER_URL": "memory://", "PERSONAL_DATA_KEYS": "q0gA9Vf4oH3XbN2k1CwE8yLrT5uZ7mPsD6jKiQxRvYc",
              "PERSONAL_DATA_HASH_KEY": "Hn4tW8cYq2LzP0aVx7Rk5Ue3Gm1Bs9Df6JoQiNwTyEg"}  # fmt: skip


def run_python(code: str, *, settings_module: str | None, debug: bool, key: str, timeout: int = 60, **extra):
    """``code`` in a fresh interpreter, as a server would start it: no test settings, this environment."""
    env = {name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    env |= {"DJANGO_DEBUG": "true" if debug else "false", "SECRET_KEY": key, "CELERY_BROKER_URL": "memory://", **extra}
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize("entry_point", ["casework.wsgi", "casework.asgi"])
def test_the_web_entry_points_refuse_the_public_key_with_debug_off(entry_point):
    started = f"import {entry_point}; print('started', {entry_point}.application.__class__.__name__)"

    refused = run_python(started, settings_module="casework.settings.base", debug=False, key=DEVELOPMENT_SECRET_KEY)
    assert refused.returncode == 1
    assert "refuses to start: SECRET_KEY is the public development key" in refused.stderr
    assert "started" not in refused.stdout
    # the same in production settings (someone copied the key), and the .env.example placeholder
    for key in (DEVELOPMENT_SECRET_KEY, "change-me-to-50-random-characters-or-more"):
        refused = run_python(
            started, settings_module="casework.settings.production", debug=False, key=key, **PRODUCTION
        )
        assert (refused.returncode, "refuses to start" in refused.stderr) == (1, True)
    # a developer with DEBUG on, and any real key, start
    for debug, key in ((True, DEVELOPMENT_SECRET_KEY), (False, GOOD_KEY)):
        allowed = run_python(started, settings_module="casework.settings.base", debug=debug, key=key)
        assert (allowed.returncode, allowed.stdout.split()[0], "Error" in allowed.stderr) == (0, "started", False)


def test_the_entry_points_default_to_production_settings():
    code = "import casework.wsgi; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"

    started = run_python(code, settings_module=None, debug=True, key=GOOD_KEY, **PRODUCTION)
    assert (started.returncode, started.stdout.strip()) == (0, "casework.settings.production False")
    refused = run_python(code, settings_module=None, debug=True, key=DEVELOPMENT_SECRET_KEY, **PRODUCTION)
    assert (refused.returncode, "refuses to start" in refused.stderr) == (1, True)


@pytest.mark.parametrize("command", ["worker --pool solo", "beat --scheduler celery.beat:PersistentScheduler"])
def test_a_celery_worker_or_beat_refuses_the_public_key_with_debug_off(command, tmp_path):
    argv = ["-m", "celery", "-A", "casework", *command.split(), "--loglevel", "WARNING"]
    if command.startswith("beat"):
        argv += ["--schedule", str(tmp_path / "schedule")]
    code = f"import sys; from celery.__main__ import main; sys.argv = ['celery', *{argv[2:]!r}]; main()"

    refused = run_python(code, settings_module="casework.settings.base", debug=False, key=DEVELOPMENT_SECRET_KEY)

    assert refused.returncode == 1
    process = "worker" if command.startswith("worker") else "beat"
    assert f"casework Celery {process} refuses to start: SECRET_KEY is the public development key" in refused.stderr
    assert "ready." not in refused.stderr + refused.stdout


def test_development_keeps_working_through_make_run(tmp_path):
    """devstack writes a random key of the checkout where base settings find it; manage.py keeps
    the base settings and never checks, so commands run on a bare checkout too."""
    devstack = (ROOT / "scripts" / "devstack.py").read_text()
    assert 'env.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")' in devstack
    assert "ensure_local_secret_key()" in devstack
    assert (
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")' in (ROOT / "manage.py").read_text()
    )
    checked = run_python(
        "import sys; from django.core.management import execute_from_command_line as run; run(['manage.py', 'check'])",
        settings_module="casework.settings.base", debug=False, key=DEVELOPMENT_SECRET_KEY,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
