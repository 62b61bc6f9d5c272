from geography.models import Village
from geography.scoping import communes_for_user, provinces_for_user, scope_to_user


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_commune_staff_see_their_commune_only(users, units):
    assert codes(communes_for_user(users["tandong_officer"])) == ["25522"]
    assert codes(communes_for_user(users["binhminh_officer"])) == ["25480"]
    assert codes(provinces_for_user(users["tandong_chair"])) == ["80"]


def test_provincial_viewer_sees_every_commune_of_the_province(users, units):
    assert codes(communes_for_user(users["tayninh_province"])) == ["25480", "25522"]
    assert codes(communes_for_user(users["hcm_province"])) == ["26734"]


def test_administrator_sees_everything(users, units):
    assert codes(communes_for_user(users["admin"])) == ["25480", "25522", "26734"]


def test_scope_to_user_filters_any_queryset_by_its_commune(users, units):
    villages = Village.objects.all()

    assert list(scope_to_user(villages, users["tandong_officer"]).values_list("name", flat=True)) == ["Ấp Đông Hà"]
    assert sorted(scope_to_user(villages, users["tayninh_province"]).values_list("name", flat=True)) == [
        "Khu phố Ninh Phú",
        "Ấp Đông Hà",
    ]
    assert scope_to_user(villages, users["hcm_province"]).count() == 0


def test_a_user_with_no_assignment_sees_nothing(units):
    from tests.factories import UserFactory

    assert communes_for_user(UserFactory(username="nobody")).count() == 0


def test_anonymous_sees_nothing(units):
    from django.contrib.auth.models import AnonymousUser

    assert communes_for_user(AnonymousUser()).count() == 0
    assert scope_to_user(Village.objects.all(), AnonymousUser()).count() == 0
