import pytest
from django.core.exceptions import ValidationError

from geography.models import Commune, Province, Village, VillageEvent
from geography.services import admin_units_load, village_create


@pytest.mark.django_db
def test_load_admin_units_twice_gives_34_provinces_and_3321_communes():
    assert admin_units_load() == (34, 3321)
    first = set(Commune.objects.values_list("code", "name", "division_type", "province_id", "area"))

    assert admin_units_load() == (34, 3321)

    assert Province.objects.count() == 34
    assert Commune.objects.count() == 3321
    assert set(Commune.objects.values_list("code", "name", "division_type", "province_id", "area")) == first
    assert Commune.objects.filter(division_type="xa").count() == 2621
    assert Commune.objects.filter(division_type="phuong").count() == 687
    assert Commune.objects.filter(division_type="dac_khu").count() == 13
    tan_dong = Commune.objects.select_related("province").get(code="25522")
    assert (tan_dong.name, tan_dong.province.name, tan_dong.area) == ("Xã Tân Đông", "Tây Ninh", "rural")
    assert Commune.objects.get(code="25480").area == "urban"
    assert Province.objects.get(code="01").division_type == "thanh_pho_trung_uong"


@pytest.mark.django_db
def test_reload_keeps_an_administrators_area_correction():
    admin_units_load()
    special_zone = Commune.objects.filter(division_type="dac_khu").first()
    Commune.objects.filter(code=special_zone.code).update(area="urban")

    admin_units_load()

    assert Commune.objects.get(code=special_zone.code).area == "urban"


def test_village_create_records_an_event(units, users):
    village = village_create(commune=units.tan_dong, name="Ấp Tân Hòa", kind="ap", acting_user=users["tandong_officer"])

    assert (village.commune_id, village.name, village.kind) == ("25522", "Ấp Tân Hòa", "ap")
    assert list(VillageEvent.objects.values_list("village_id", "kind", "actor__username")) == [
        (village.id, "created", "tandong.officer")
    ]


@pytest.mark.parametrize("name", ["Ấp Đông Hà", "ap dong ha", "  ẤP   ĐÔNG HÀ "])
def test_village_create_refuses_the_same_folded_name_and_changes_nothing(units, users, name):
    with pytest.raises(ValidationError) as error:
        village_create(commune=units.tan_dong, name=name, kind="ap", acting_user=users["tandong_officer"])

    assert "name" in error.value.error_dict
    assert Village.objects.filter(commune=units.tan_dong).count() == 1
    assert VillageEvent.objects.count() == 0


def test_the_same_village_name_is_allowed_in_another_commune(units, users):
    village = village_create(commune=units.binh_minh, name="Ấp Đông Hà", kind="ap", acting_user=users["admin"])

    assert village.commune_id == "25480"


def test_village_create_refuses_an_unknown_kind(units, users):
    with pytest.raises(ValidationError):
        village_create(commune=units.tan_dong, name="Ấp Mới", kind="castle", acting_user=users["admin"])

    assert not Village.objects.filter(name="Ấp Mới").exists()
