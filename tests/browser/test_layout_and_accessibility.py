"""Every page of the menu fits the screen and passes axe-core's WCAG 2.1 AA rules (issue 16, items 2, 14
and 18), for each of the four roles of a commune office, on a laptop (1366×800, also checked at 1280
and 1200 wide, where the menu ran off the screen) and on a phone (390×844).

The demo is loaded with its households on DEMO_DAY, so that tables hold real rows. axe-core is vendored
in tests/browser/vendor/ (4.14.1, MPL-2.0). The Content-Security-Policy forbids inline scripts, so it is
not added as a <script> tag: it is evaluated through the DevTools protocol, which the policy does not
govern (a blocked script would also fail the test through the CSP check of tests/browser/conftest.py)."""

from pathlib import Path

import pytest
from django.db.models import Count

from beneficiaries.rule_data import load_rules
from demo.accounts import load_demo
from households.models import Household
from notifications.templates_data import load_templates
from povertyreview.standard_data import load_standards

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LAPTOP, PHONE = {"width": 1366, "height": 800}, {"width": 390, "height": 844}
NARROWER_LAPTOPS = (1280, 1200)

# In the order of the page: the bar's entries, then the "More" dropdown's.
MENU = [
    "/",
    "/households/",
    "/reviews/",
    "/allowances/",
    "/payments/",
    "/support/",
    "/reports/",
    "/notifications/reminders/",
    "/communes/",
    "/help/guide/",
]
# The officer, the chair, a committee member and the provincial viewer: the same entries (the viewer's
# "Communes" reads "Communes of the province").
ROLES = ("tandong.officer", "tandong.chair", "tandong.committee", "tayninh.province")


@pytest.fixture
def full_demo(transactional_db, on_demo_day):
    """The whole demo (7,700 households) on DEMO_DAY: tables as long and wide as an office's, loaded once
    for the four roles. The reference data of the migrations (review standards, allowance rules, message
    templates) first, which an earlier transactional test's flush removed; each loader is idempotent."""
    load_standards()
    load_rules()
    load_templates()
    load_demo()


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{violation['id']}: {node['target']} {node.get('failureSummary', '').splitlines()[-1:]}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def check(page, url: str, problems: list[str], *, who: str, narrower: tuple[int, ...] = ()) -> None:
    page.goto(url)
    width = page.viewport_size["width"]
    url = f"{who} {url}"
    if (extra := overflow(page)) > 0:
        problems.append(f"{url} at {width}px: {extra}px too wide")
    problems.extend(f"{url} at {width}px: {violation}" for violation in axe_violations(page))
    for narrower_width in narrower:
        page.set_viewport_size({"width": narrower_width, "height": LAPTOP["height"]})
        if (extra := overflow(page)) > 0:
            problems.append(f"{url} at {narrower_width}px: {extra}px too wide")
    if narrower:
        page.set_viewport_size(LAPTOP)


def menu_paths(page) -> list[str]:
    """The menu's entries (its "More" dropdown included, the user menu not), as the page lists them."""
    return page.locator("#main-nav [data-menu-entry]").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_every_menu_page_fits_a_laptop_and_a_phone_and_passes_axe(full_demo, page, login, live_server):
    # Item 14: the household page, member actions included: the demo's largest household of Tân Đông.
    household = (
        Household.objects.filter(commune_id="25522").annotate(members=Count("memberships")).order_by("-members", "code")
    ).first()
    problems: list[str] = []
    for username in ROLES:
        page.context.clear_cookies()
        page.set_viewport_size(LAPTOP)
        login(username)
        assert menu_paths(page) == MENU, username
        pages = [*MENU, "/accounts/password/"]
        if username == "tandong.officer":
            pages.append(f"/households/{household.uuid}/")
        for path in pages:
            check(page, live_server.url + path, problems, who=username, narrower=NARROWER_LAPTOPS)
        page.set_viewport_size(PHONE)
        for path in pages:
            check(page, live_server.url + path, problems, who=username)
    assert problems == []
