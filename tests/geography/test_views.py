import pytest
from django.urls import reverse

from geography.models import Village, VillageEvent


def test_officer_sees_own_commune_and_404_for_the_neighbour(client_for, units):
    client = client_for("tandong_officer")

    own = client.get(reverse("geography:commune_detail", kwargs={"code": "25522"}))
    neighbour = client.get(reverse("geography:commune_detail", kwargs={"code": "25480"}))

    assert own.status_code == 200
    assert "Xã Tân Đông" in own.content.decode()
    assert "Ấp Đông Hà" in own.content.decode()
    assert neighbour.status_code == 404
    assert "Phường Bình Minh" not in neighbour.content.decode()


def test_commune_list_shows_only_the_units_in_scope(client_for, units):
    officer_page = client_for("tandong_officer").get(reverse("geography:commune_list")).content.decode()
    province_page = client_for("tayninh_province").get(reverse("geography:commune_list")).content.decode()

    assert "Xã Tân Đông" in officer_page
    assert "Phường Bình Minh" not in officer_page
    assert "Xã Tân Đông" in province_page and "Phường Bình Minh" in province_page
    assert "Phường Bến Thành" not in province_page


def test_commune_search_ignores_diacritics(client_for, units):
    page = client_for("tayninh_province").get(reverse("geography:commune_list"), {"q": "tan dong"}).content.decode()

    assert "Xã Tân Đông" in page
    assert "Phường Bình Minh" not in page


def test_officer_adds_a_village(client_for, units, users):
    response = client_for("tandong_officer").post(
        reverse("geography:village_create", kwargs={"code": "25522"}), {"name": "  Ấp  Con Trăn ", "kind": "ap"}
    )

    assert response.status_code == 302
    village = Village.objects.get(commune=units.tan_dong, name="Ấp Con Trăn")
    event = VillageEvent.objects.get(village=village)
    assert (event.kind, event.actor, event.data) == (
        "created",
        users["tandong_officer"],
        {"name": "Ấp Con Trăn", "kind": "ap"},
    )
    assert village.history.count() == 1


def test_duplicate_village_name_is_refused_on_the_form_and_nothing_is_saved(client_for, units):
    before = Village.objects.count()

    response = client_for("tandong_officer").post(
        reverse("geography:village_create", kwargs={"code": "25522"}), {"name": "ấp đông hà", "kind": "ap"}
    )

    assert response.status_code == 200
    assert "Xã Tân Đông đã có thôn/tổ dân phố tên “ấp đông hà”." in response.content.decode()
    assert Village.objects.count() == before
    assert VillageEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"), [("binhminh_officer", 404), ("tayninh_province", 403), ("tandong_chair", 403)]
)
def test_village_add_refused_changes_nothing(client_for, units, role, status):
    response = client_for(role).post(
        reverse("geography:village_create", kwargs={"code": "25522"}), {"name": "Ấp Mới", "kind": "ap"}
    )

    assert response.status_code == status
    assert not Village.objects.filter(name="Ấp Mới").exists()
    assert VillageEvent.objects.count() == 0


def test_commune_list_query_count_does_not_grow_with_communes(client_for, units, django_assert_num_queries):
    from tests.factories import CommuneFactory, VillageFactory

    for commune in CommuneFactory.create_batch(10, province=units.tay_ninh):
        VillageFactory.create_batch(2, commune=commune)
    client = client_for("tayninh_province")
    # session, user, communes with village counts, and the sliding session save (3 with its
    # savepoints) = 6 queries, whatever the number of communes.
    with django_assert_num_queries(6):
        client.get(reverse("geography:commune_list"))
