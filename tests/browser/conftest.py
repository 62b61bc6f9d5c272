"""Playwright drives Debian's Chromium (/usr/bin/chromium); it never downloads a browser.

A missing Chromium is a failure, not a skip: `make test` and `.ci/run` install it.
"""

import os
from pathlib import Path

import pytest

from demo.accounts import load_demo

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test` (it installs Debian's chromium).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def page(page):
    """pytest-playwright's page, failing the test if the browser reports a Content-Security-Policy
    violation (a blocked inline script or style, an eval, a request elsewhere): issue 15's policy
    (casework/settings/base.py) must hold on every page and fragment a flow goes through."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def demo(transactional_db):
    """The demo's admin units, villages and six users (without its 7,700 synthetic households,
    which cost seconds per test and which these flows do not need)."""
    load_demo(with_households=False)


@pytest.fixture
def login(page, live_server):
    def sign_in(username: str, password: str = "demo12345"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        return page

    return sign_in
