"""The registry's writes through the API: register a household, add a member, record a death, through
the pages' services (their refusals by field, their events), answered with what the page shows next."""

from datetime import date, datetime

import pytest
from django.urls import reverse

from households.models import Household, HouseholdEvent, Membership, Person
from privacy.models import AccessRecord
from tests.clock import VIETNAM
from tests.conftest import TAN_DONG, on_day

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)
REGISTER = "/api/v1/households/"


@pytest.fixture(autouse=True)
def today():
    with on_day(datetime(2026, 12, 1, 10, 0, tzinfo=VIETNAM)):
        yield


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def register_body(units, **changes) -> dict:
    return {
        "commune": TAN_DONG,
        "village": units.tan_dong_village.pk,
        "code": "TD-900",
        "address": "Tổ 5, ấp Đông Hà",
        "housing_area_m2": 42.5,
        "head": {"full_name": "Lê  Văn Dũng", "national_id": "072080000901", "date_of_birth": "1980-05-01",
                 "sex": "M", "phone": "0912345678"},
        "members": [{"full_name": "Lê Thị Em", "date_of_birth": "2015-02-03", "sex": "F", "relationship": "child"}],
        **changes,
    }  # fmt: skip


def counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        HouseholdEvent.objects.count(),
    )


def person_json(person, **changes) -> dict:
    return {
        "uuid": str(person.uuid), "full_name": person.full_name, "date_of_birth": person.date_of_birth.isoformat(),
        "sex": person.sex, "ethnicity": "01", "national_id": person.national_id, "phone": person.phone,
        "disability_level": "none", "health_insurance_number": "", "date_of_death": None, **changes,
    }  # fmt: skip


# --- register a household -----------------------------------------------------------------------


def test_the_officer_registers_a_household_with_its_head_and_a_child_as_the_page(client_for, units, users):
    response = post(client_for("tandong_officer", language="en"), REGISTER, register_body(units))

    assert response.status_code == 201, response.content
    household = Household.objects.get(code="TD-900")
    head, child = (m.person for m in household.memberships.order_by("id"))
    assert response["Location"] == f"http://testserver/api/v1/households/{household.uuid}/"
    assert response.json() == {
        "uuid": str(household.uuid),
        "code": "TD-900",
        "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"},
        "village": {"id": units.tan_dong_village.pk, "name": "Ấp Đông Hà"},
        "address": "Tổ 5, ấp Đông Hà",
        "area": units.tan_dong.area,
        "head": {"uuid": str(head.uuid), "full_name": "Lê Văn Dũng"},
        "member_count": 2,
        "has_disability": False,
        "dissolved_on": None,
        "statuses": [],
        "members": [
            {"person": person_json(head, national_id="072080000901", phone="+84912345678"), "relationship": "head",
             "joined_on": "2026-12-01", "left_on": None, "left_reason": ""},
            {"person": person_json(child, national_id=""), "relationship": "child",
             "joined_on": "2026-12-01", "left_on": None, "left_reason": ""},
        ],
        "former_members": [],
    }  # fmt: skip
    assert str(household.housing_area_m2) == "42.5"
    # audited as the page's registration: one event, by the officer
    event = HouseholdEvent.objects.get()
    assert (event.household, event.kind, event.actor, event.data) == (
        household, "registered", users["tandong_officer"], {"code": "TD-900", "members": 2},
    )  # fmt: skip
    # and the answer, personal data, is a read of the access log
    record = AccessRecord.objects.get()
    assert (record.purpose, record.what, sorted(record.person_ids), record.commune_ids) == (
        "api", "api:household_list", sorted([head.pk, child.pk]), [TAN_DONG],
    )  # fmt: skip


def test_a_service_refusal_names_the_bodys_field_and_saves_nothing(family, client_for, units):
    before = counts()
    body = register_body(units, code="TD-API")
    body["members"][0] |= {"national_id": "072172000102", "date_of_birth": "1972-03-04", "relationship": "spouse"}

    response = post(client_for("tandong_officer", language="en"), REGISTER, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank", "title": "Bad Request", "status": 400,
        "detail": "The request has fields that are not valid.",
        "errors": [{"field": "code", "detail": "TD-API is already used in Xã Tân Đông; the next free code is TD-000001"}],
    }  # fmt: skip
    assert counts() == before


def test_a_members_refusal_is_named_members_0_and_nothing_is_half_saved(family, client_for, units):
    """The wife already lives in TD-API: the service has created the household and the head when it
    finds out; the whole registration is taken back."""
    before = counts()
    body = register_body(units)
    body["members"][0] |= {"full_name": "Trần Thị Bình", "national_id": "072172000102", "date_of_birth": "1972-03-04",
                           "relationship": "spouse"}  # fmt: skip

    response = post(client_for("tandong_officer", language="en"), REGISTER, body)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "members.0.national_id", "detail": "072172000102 already belongs to household TD-API of Xã Tân Đông"}
    ]
    assert counts() == before


def test_the_heads_problems_are_named_head_dot_field(client_for, units):
    body = register_body(units)
    body["head"] |= {"national_id": "", "date_of_birth": "1980-05-01"}

    response = post(client_for("tandong_officer", language="en"), REGISTER, body)

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "head.national_id", "detail": "is required from the age of 14"}]
    assert counts() == (0, 0, 0, 0)


def test_input_of_the_wrong_shape_is_400_naming_each_field_before_any_service(client_for, units):
    body = register_body(units, village="Ấp Đông Hà")
    del body["head"]["full_name"]
    body["members"][0]["sex"] = "X"
    body["members"][0]["relationship"] = "head"

    response = post(client_for("tandong_officer", language="en"), REGISTER, body)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "village", "detail": "A valid integer is required."},
        {"field": "head.full_name", "detail": "This field is required."},
        {"field": "members.0.sex", "detail": '"X" is not a valid choice.'},
        {"field": "members.0.relationship", "detail": '"head" is not a valid choice.'},
    ]
    assert counts() == (0, 0, 0, 0)


def test_a_village_of_another_commune_is_not_one_of_this_communes(client_for, units):
    response = post(
        client_for("tandong_officer", language="en"), REGISTER, register_body(units, village=units.binh_minh_village.pk)
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "village", "detail": "is not in this commune"}]
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("tandong_committee", 403), ("tandong_chair", 403), ("tayninh_province", 403),
     ("binhminh_officer", 404), ("hcm_province", 404)],
)  # fmt: skip
def test_who_may_not_register_here_is_refused_and_nothing_changes(role, status, client_for, units):
    response = post(client_for(role, language="en"), REGISTER, register_body(units))

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert counts() == (0, 0, 0, 0)
    assert not AccessRecord.objects.exists()


# --- add a member -------------------------------------------------------------------------------


def members_url(household) -> str:
    return reverse("api:household_members", kwargs={"household_uuid": household.uuid})


def test_the_officer_adds_a_grandchild_as_the_household_page(family, client_for, users):
    body = {"full_name": "Nguyễn Minh Khang", "date_of_birth": "2020-08-09", "sex": "M", "relationship": "grandchild",
            "joined_on": "2026-11-15", "disability_level": "mild"}  # fmt: skip

    response = post(client_for("tandong_officer", language="en"), members_url(family), body)

    assert response.status_code == 201, response.content
    membership = family.memberships.get(person__full_name="Nguyễn Minh Khang")
    person = membership.person
    assert response["Location"] == f"http://testserver/api/v1/persons/{person.uuid}/"
    assert response.json() == {
        "person": person_json(person, disability_level="mild"),
        "relationship": "grandchild", "joined_on": "2026-11-15", "left_on": None, "left_reason": "",
    }  # fmt: skip
    family.refresh_from_db()
    assert (family.member_count, family.has_disability) == (3, True)
    event = HouseholdEvent.objects.get()
    assert (event.kind, event.person, event.actor, event.data) == (
        "member_added", person, users["tandong_officer"],
        {"name": "Nguyễn Minh Khang", "relationship": "grandchild", "new_person": True},
    )  # fmt: skip


def test_a_member_who_lives_elsewhere_is_refused_by_the_service_on_national_id(family, client_for, units):
    from tests.households.factories import make_household

    other = make_household(units.tan_dong, units.tan_dong_village, code="TD-OTHER")
    before = counts()
    body = {"full_name": other.head.full_name, "national_id": other.head.national_id,
            "date_of_birth": other.head.date_of_birth.isoformat(), "sex": "M", "relationship": "other"}  # fmt: skip

    response = post(client_for("tandong_officer", language="en"), members_url(family), body)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "national_id",
            "detail": f"{other.head.national_id} already belongs to household TD-OTHER of Xã Tân Đông",
        }
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("tandong_committee", 403), ("tayninh_province", 403), ("binhminh_officer", 404), ("hcm_province", 404)],
)
def test_who_may_not_add_a_member_is_refused_before_the_body_is_read(role, status, family, client_for):
    before = counts()

    response = post(client_for(role, language="en"), members_url(family), {"full_name": ""})

    assert response.status_code == status
    assert counts() == before


# --- record a death -----------------------------------------------------------------------------


def death_url(person) -> str:
    return reverse("api:person_death", kwargs={"person_uuid": person.uuid})


def test_the_officer_records_the_death_of_a_member_as_the_page(family, client_for, users):
    wife = family.memberships.get(relationship="spouse").person

    response = post(
        client_for("tandong_officer", language="en"),
        death_url(wife),
        {"date_of_death": "2026-11-20", "reason": "Giấy báo tử số 12"},
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        **person_json(wife, national_id="072172000102", disability_level="severe",
                      health_insurance_number="HN4797212345678", date_of_death="2026-11-20"),
        "households": [{"uuid": str(family.uuid), "code": "TD-API", "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"},
                        "relationship": "spouse", "joined_on": None, "left_on": "2026-11-20"}],
    }  # fmt: skip
    membership = family.memberships.get(person=wife)
    assert (membership.left_on, membership.left_reason) == (date(2026, 11, 20), "died")
    family.refresh_from_db()
    assert (family.member_count, family.has_disability) == (1, False)
    event = HouseholdEvent.objects.get()
    assert (event.kind, event.person, event.actor, event.reason, event.data) == (
        "death", wife, users["tandong_officer"], "Giấy báo tử số 12",
        {"name": "Trần Thị Bình", "date_of_death": "2026-11-20"},
    )  # fmt: skip


def test_the_death_of_the_head_needs_a_new_head_among_the_members(family, client_for):
    head = family.head
    wife = family.memberships.get(relationship="spouse").person
    son = family.memberships.get(relationship="child").person  # left in 2024
    client = client_for("tandong_officer", language="en")

    refused = post(client, death_url(head), {"date_of_death": "2026-11-20"})
    not_a_member = post(client, death_url(head), {"date_of_death": "2026-11-20", "new_head": str(son.uuid)})

    assert (refused.status_code, refused.json()["errors"]) == (
        400, [{"field": "new_head", "detail": "Nguyễn Văn An was the head: choose the new head"}]
    )  # fmt: skip
    assert (not_a_member.status_code, not_a_member.json()["errors"]) == (
        400, [{"field": "new_head", "detail": "is not a current member of this household"}]
    )  # fmt: skip
    assert not HouseholdEvent.objects.exists()
    head.refresh_from_db()
    assert head.date_of_death is None

    done = post(client, death_url(head), {"date_of_death": "2026-11-20", "new_head": str(wife.uuid)})

    assert done.status_code == 200
    family.refresh_from_db()
    assert family.head == wife
    assert list(HouseholdEvent.objects.order_by("id").values_list("kind", flat=True)) == ["head_changed", "death"]


def test_a_death_in_the_future_is_refused_on_its_field(family, client_for):
    wife = family.memberships.get(relationship="spouse").person

    response = post(client_for("tandong_officer", language="en"), death_url(wife), {"date_of_death": "2026-12-02"})

    assert (response.status_code, response.json()["errors"]) == (
        400, [{"field": "date_of_death", "detail": "is in the future"}]
    )  # fmt: skip
    wife.refresh_from_db()
    assert wife.date_of_death is None and not HouseholdEvent.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("tandong_committee", 403), ("tayninh_province", 403), ("binhminh_officer", 404), ("hcm_province", 404)],
)
def test_who_may_not_record_a_death_is_refused_and_nothing_changes(role, status, family, client_for):
    wife = family.memberships.get(relationship="spouse").person

    response = post(client_for(role, language="en"), death_url(wife), {"date_of_death": "2026-11-20"})

    assert response.status_code == status
    wife.refresh_from_db()
    assert wife.date_of_death is None and not HouseholdEvent.objects.exists()
