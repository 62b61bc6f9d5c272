"""Admin units through the API: the caller's communes and their villages, as the pages scope them."""

import pytest
from django.urls import reverse

from geography.models import Village
from tests.conftest import BINH_MINH, OTHER_PROVINCE_COMMUNE, TAN_DONG

pytestmark = pytest.mark.django_db


def commune_codes(client) -> list[str]:
    return [row["code"] for row in client.get(reverse("api:commune_list")).json()["results"]]


def test_each_role_lists_its_own_communes(client_for):
    assert commune_codes(client_for("tandong_officer")) == [TAN_DONG]
    assert commune_codes(client_for("tayninh_province")) == [BINH_MINH, TAN_DONG]  # by name: Phường Bình Minh first
    assert commune_codes(client_for("admin")) == [OTHER_PROVINCE_COMMUNE, BINH_MINH, TAN_DONG]  # province 79, then 80


def test_a_commune_reads_exactly(client_for, units):
    response = client_for("tandong_officer").get(reverse("api:commune_list"))

    assert response.json() == {
        "next": None,
        "results": [{
            "code": TAN_DONG, "name": "Xã Tân Đông", "division_type": units.tan_dong.division_type,
            "area": units.tan_dong.area, "province": {"code": "80", "name": "Tây Ninh"}, "village_count": 1,
        }],
    }  # fmt: skip
    assert response["ETag"]


def test_a_communes_villages_by_name_and_another_communes_are_404(client_for, units):
    second = Village.objects.create(commune=units.tan_dong, name="Ấp Bàu Sen", kind=Village.Kind.AP)
    client = client_for("tandong_officer")

    response = client.get(reverse("api:village_list", kwargs={"code": TAN_DONG}))
    elsewhere = client.get(reverse("api:village_list", kwargs={"code": BINH_MINH}))

    assert response.json()["results"] == [
        {"id": second.pk, "name": "Ấp Bàu Sen", "kind": "ap"},
        {"id": units.tan_dong_village.pk, "name": "Ấp Đông Hà", "kind": units.tan_dong_village.kind},
    ]
    assert (elsewhere.status_code, elsewhere["Content-Type"]) == (404, "application/problem+json")


def test_the_commune_pages_follow_the_cursor(client_for):
    client = client_for("admin")

    first = client.get(reverse("api:commune_list"), {"limit": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["code"] for row in first["results"] + second["results"]] == [
        OTHER_PROVINCE_COMMUNE,
        BINH_MINH,
        TAN_DONG,
    ]
    assert second["next"] is None
