"""The API's Swagger UI and Redoc render in a browser from our own files, under the site's CSP, with
no request leaving the test server.

One exception, blocked by the CSP and so never sent: Redoc's footer always asks for its maker's logo
from cdn.redoc.ly (Redoc 2.5 has no option to leave it out); the page works without it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
def watched(context, live_server):
    """A page, with the CSP violations it reports and the requests it makes elsewhere."""
    page = context.new_page()
    page.violations, page.elsewhere = [], []
    page.on("console", lambda m: page.violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else page.elsewhere.append(r.url))
    return page


def test_swagger_ui_shows_the_schema_with_nothing_refused(watched, live_server):
    watched.goto(f"{live_server.url}/api/v1/docs/")

    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("casework API")
    expect(watched.get_by_role("link", name="/api/v1/households/{household_uuid}/", exact=True)).to_be_visible()
    assert (watched.violations, watched.elsewhere) == ([], [])


def test_redoc_shows_the_schema_and_its_logo_from_a_cdn_is_refused(watched, live_server):
    watched.goto(f"{live_server.url}/api/v1/redoc/")

    expect(watched.get_by_role("heading", name=re.compile("casework API"))).to_be_visible()
    expect(
        watched.get_by_role(
            "heading", name=re.compile("The caller.s households, filtered and searched as on the list page")
        )
    ).to_be_visible()
    assert [url for url in watched.elsewhere if not url.startswith("blob:")] == [REDOC_LOGO]
    assert len(watched.violations) == 1 and REDOC_LOGO in watched.violations[0]
