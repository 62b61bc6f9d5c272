import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role, StaffAssignment, User
from accounts.services import user_create_or_update


def test_create_an_officer_assigned_to_one_commune(units):
    user = user_create_or_update(
        username="lan", role=Role.COMMUNE_OFFICER, password="pw-12345678", communes=[units.tan_dong]
    )

    assert user.role == "commune_officer"
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.assignments.values_list("commune_id", "province_id")) == [("25522", None)]


def test_update_moves_assignments_to_exactly_the_given_units(units):
    user_create_or_update(username="lan", role=Role.COMMUNE_OFFICER, password="pw-12345678", communes=[units.tan_dong])

    user = user_create_or_update(
        username="lan", role=Role.COMMUNE_OFFICER, password="pw-12345678", communes=[units.binh_minh]
    )

    assert list(user.assignments.values_list("commune_id", flat=True)) == ["25480"]
    assert User.objects.filter(username="lan").count() == 1


@pytest.mark.parametrize(
    ("role", "kwargs", "field"),
    [
        ("wizard", {}, "role"),
        (Role.COMMUNE_OFFICER, {}, "communes"),
        (Role.PROVINCIAL_VIEWER, {"communes": "tan_dong"}, "communes"),
    ],
)
def test_refusals_create_nothing(units, role, kwargs, field):
    if kwargs.get("communes") == "tan_dong":
        kwargs = {"communes": [units.tan_dong]}

    with pytest.raises(ValidationError) as error:
        user_create_or_update(username="lan", role=role, password="pw-12345678", **kwargs)

    assert field in error.value.error_dict
    assert not User.objects.filter(username="lan").exists()
    assert StaffAssignment.objects.count() == 0


def test_database_refuses_an_assignment_to_two_units_at_once(users, units):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StaffAssignment.objects.create(user=users["tandong_officer"], commune=units.binh_minh, province=units.tay_ninh)


def test_role_capabilities(users):
    assert users["tandong_officer"].can_manage_registry and not users["tandong_officer"].is_read_only
    assert users["tayninh_province"].is_read_only and not users["tayninh_province"].can_manage_registry
    assert users["tandong_chair"].can_sign_decisions and not users["tandong_officer"].can_sign_decisions
    assert users["admin"].has_national_scope and not users["tayninh_province"].has_national_scope


def test_user_changes_are_kept_in_history(users):
    officer = users["tandong_officer"]
    officer.role = Role.COMMITTEE_MEMBER
    officer.save()

    assert list(officer.history.values_list("role", flat=True)) == ["committee_member", "commune_officer"]
