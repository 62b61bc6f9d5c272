"""The schema and its readers work offline: every file the pages load is one of our static files (the
sidecar's Swagger UI and Redoc), nothing comes from another site, and nothing is inline (the CSP)."""

import re

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from api.permissions import SCOPES

pytestmark = pytest.mark.django_db


def static_files(html: str) -> list[str]:
    """The static files a page loads, as the finders name them."""
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    return [
        path.removeprefix(prefix) for path in re.findall(r'(?:src|href)="(' + re.escape(prefix) + r'[^"?]+)"', html)
    ]


def test_the_schema_is_openapi_3_with_every_endpoint():
    response = Client().get(reverse("api:schema"))

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == [
        "/api/v1/cases/", "/api/v1/cases/{case_uuid}/", "/api/v1/communes/", "/api/v1/communes/{code}/poverty-list/",
        "/api/v1/communes/{code}/villages/", "/api/v1/households/", "/api/v1/households/{household_uuid}/",
        "/api/v1/households/{household_uuid}/members/", "/api/v1/households/{household_uuid}/support/",
        "/api/v1/persons/{person_uuid}/", "/api/v1/persons/{person_uuid}/death/",
        "/api/v1/reports/communes/{code}/{year}/{month}/", "/api/v1/reports/provinces/{code}/{year}/{month}/",
        "/api/v1/runs/", "/api/v1/runs/{run_id}/", "/api/v1/runs/{run_id}/lines/", "/api/v1/runs/{run_id}/report/",
        "/api/v1/spdci/registry/sync/search", "/api/v1/spdci/registry/sync/txn/status",
    ]  # fmt: skip
    assert schema["components"]["securitySchemes"] == {
        "session": {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME},
        "oauth2": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "/api/v1/oauth/token/", "scopes": SCOPES,
        }}},
    }  # fmt: skip
    # each operation asks for the one scope its view needs, or the session
    assert schema["paths"]["/api/v1/households/"]["get"]["security"] == [{"oauth2": ["registry:read"]}, {"session": []}]
    listing = schema["paths"]["/api/v1/households/"]["get"]
    assert {"q", "commune", "village", "status", "year", "cursor", "limit"} <= {
        p["name"] for p in listing["parameters"]
    }
    assert "application/problem+json" in listing["responses"]["400"]["content"]


def test_the_schema_in_json_for_the_clients_that_ask_for_it():
    response = Client().get(reverse("api:schema"), headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200 and response.json()["info"]["title"] == "casework API"


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("api:docs", ["swagger-ui-dist/swagger-ui.css", "swagger-ui-dist/swagger-ui-bundle.js",
                      "swagger-ui-dist/swagger-ui-standalone-preset.js"]),
        ("api:redoc", ["redoc/bundles/redoc.standalone.js"]),
    ],
)  # fmt: skip
def test_the_docs_pages_load_only_our_own_static_files(url_name, expected):
    response = Client().get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    files = static_files(html)
    assert {f"drf_spectacular_sidecar/{name}" for name in expected} <= set(files)
    assert all(finders.find(path) for path in files), files  # the sidecar's files are installed
    assert "https://" not in html and "http://" not in html
    assert "<style" not in html and not re.search(r"<script>", html)  # no inline code for the CSP to refuse


def test_swagger_uis_start_script_is_a_file_of_its_own_pointing_at_the_schema():
    response = Client().get(reverse("api:docs"), {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert f'url: "{reverse("api:schema")}"' in response.content.decode()
