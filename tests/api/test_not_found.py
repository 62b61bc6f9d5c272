"""A URL the API does not have answers as the API does: a problem-details 404, not the site's page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "Nothing here: no such URL in this API (see its schema).",
}


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_url_under_the_api_is_a_problem_details_404(method, client_for):
    for client in (Client(), client_for("tandong_officer")):
        response = getattr(client, method)("/api/v1/nothing/here/")

        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == NOT_FOUND


def test_an_unknown_household_subresource_is_404_too(family, client_for):
    response = client_for("tandong_officer").get(f"/api/v1/households/{family.uuid}/statuses/")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_a_url_without_its_final_slash_is_redirected_for_a_read_and_named_for_a_write(client_for):
    read = client_for("tandong_officer").get("/api/v1/households?q=an")
    write = client_for("tandong_officer").post("/api/v1/households", {}, content_type="application/json")

    assert (read.status_code, read["Location"]) == (301, "/api/v1/households/?q=an")
    assert (write.status_code, write["Content-Type"]) == (404, "application/problem+json")
    assert write.json()["detail"] == "Nothing here: the URL ends with a slash (/api/v1/households/)."


def test_the_sites_own_404_is_still_its_page(client_for):
    response = client_for("tandong_officer").get("/nothing/here/")

    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
