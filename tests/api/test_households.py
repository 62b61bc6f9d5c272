"""The registry through the API: the same households, persons, masking, 404s and access-log rows as the
pages, as JSON; conditional reads; problem details."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from households.models import Membership
from privacy.models import AccessRecord
from tests.conftest import BINH_MINH, TAN_DONG
from tests.households.factories import make_household, make_person

pytestmark = pytest.mark.django_db


def detail_url(household) -> str:
    return reverse("api:household_detail", kwargs={"household_uuid": household.uuid})


def person_json(person, **changes) -> dict:
    return {
        "uuid": str(person.uuid),
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "sex": person.sex,
        "ethnicity": "01",
        "national_id": person.national_id,
        "phone": person.phone,
        "disability_level": person.disability_level,
        "health_insurance_number": person.health_insurance_number,
        "date_of_death": None,
        **changes,
    }


def test_the_officer_reads_the_household_of_the_fixtures_exactly(family, client_for, units):
    head, wife, son = (m.person for m in family.memberships.order_by("person__date_of_birth"))

    response = client_for("tandong_officer").get(detail_url(family))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "uuid": str(family.uuid),
        "code": "TD-API",
        "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"},
        "village": {"id": units.tan_dong_village.pk, "name": "Ấp Đông Hà"},
        "address": "Tổ 3, ấp Đông Hà",
        "area": units.tan_dong.area,
        "head": {"uuid": str(head.uuid), "full_name": "Nguyễn Văn An"},
        "member_count": 2,
        "has_disability": True,
        "dissolved_on": None,
        "statuses": [{"year": 2025, "status": "near_poor"}, {"year": 2024, "status": "poor"}],
        "members": [
            # the page's order: current members by "member since", unknown first
            {"person": person_json(wife, national_id="072172000102", disability_level="severe",
                                   health_insurance_number="HN4797212345678"),
             "relationship": "spouse", "joined_on": None, "left_on": None, "left_reason": ""},
            {"person": person_json(head, national_id="072070000101", phone="+84987654321"),
             "relationship": "head", "joined_on": "2020-01-01", "left_on": None, "left_reason": ""},
        ],
        "former_members": [
            {"person": person_json(son, national_id="072095000103"), "relationship": "child",
             "joined_on": "2020-01-01", "left_on": "2024-05-01", "left_reason": "lập gia đình"},
        ],
    }  # fmt: skip


def test_a_committee_member_reads_identifiers_and_disability_masked_as_on_the_page(family, client_for):
    members = client_for("tandong_committee").get(detail_url(family)).json()["members"]

    wife, head = members[0]["person"], members[1]["person"]
    assert (wife["national_id"], wife["disability_level"], wife["health_insurance_number"]) == (
        "•••••••••102", "with_disability", "••••••••••••678",
    )  # fmt: skip
    assert (head["national_id"], head["phone"], head["disability_level"]) == ("•••••••••101", "•••••••••321", "none")
    # and the page shows the same
    page = client_for("tandong_committee").get(reverse("households:detail", args=[family.uuid])).content.decode()
    assert "•••••••••102" in page and "072172000102" not in page


def test_the_provincial_viewer_reads_them_masked_and_the_administrator_in_full(family, client_for):
    def wife(role):
        return client_for(role).get(detail_url(family)).json()["members"][0]["person"]["national_id"]

    assert (wife("tayninh_province"), wife("admin"), wife("tandong_chair")) == (
        "•••••••••102", "072172000102", "072172000102",
    )  # fmt: skip


def test_another_communes_household_and_person_are_404_problems_like_missing_ones(family, client_for):
    client = client_for("binhminh_officer")
    person_url = reverse("api:person_detail", kwargs={"person_uuid": family.head.uuid})
    missing_url = reverse("api:household_detail", kwargs={"household_uuid": "00000000-0000-0000-0000-000000000000"})

    answers = [client.get(url) for url in (detail_url(family), person_url, missing_url)]

    assert {response.status_code for response in answers} == {404}
    assert {response["Content-Type"] for response in answers} == {"application/problem+json"}
    assert answers[0].json() == answers[2].json() == {
        "type": "about:blank", "title": "Not Found", "status": 404, "detail": "Nothing here, or nothing you may read.",
    }  # fmt: skip
    assert not AccessRecord.objects.exists()


def test_the_household_read_is_logged_as_the_page_logs_it(family, client_for, users):
    client_for("tandong_officer").get(detail_url(family))
    client_for("tandong_officer").get(reverse("households:detail", args=[family.uuid]))

    api, page = AccessRecord.objects.order_by("id")
    assert (api.user, api.purpose, api.what) == (users["tandong_officer"], "api", "api:household_detail")
    assert (api.person_ids, api.commune_ids) == (page.person_ids, page.commune_ids)
    assert sorted(api.person_ids) == sorted(family.memberships.values_list("person_id", flat=True))


def test_a_person_reads_with_their_households_of_the_callers_communes(family, client_for):
    son = family.memberships.get(relationship="child").person

    response = client_for("tandong_committee").get(reverse("api:person_detail", kwargs={"person_uuid": son.uuid}))

    assert response.json() == {
        **person_json(son, national_id="•••••••••103"),
        "households": [{"uuid": str(family.uuid), "code": "TD-API", "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"},
                        "relationship": "child", "joined_on": "2020-01-01", "left_on": "2024-05-01"}],
    }  # fmt: skip
    record = AccessRecord.objects.get()
    assert (record.purpose, record.what, record.person_ids, record.commune_ids) == (
        "api", "api:person_detail", [son.pk], [TAN_DONG],
    )  # fmt: skip


# --- the list ----------------------------------------------------------------------------------


def list_codes(client, **query) -> list[str]:
    response = client.get(reverse("api:household_list"), query)
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_the_list_finds_by_name_without_diacritics_national_id_and_code_as_the_page(family, client_for, units):
    make_household(units.tan_dong, units.tan_dong_village, code="TD-OTHER", members=(
        ("Lê Thị Hoa", "F", date(1980, 1, 1), "head"),))  # fmt: skip
    make_household(units.binh_minh, units.binh_minh_village, code="BM-API")
    client = client_for("tandong_officer")

    assert list_codes(client) == ["TD-API", "TD-OTHER"]  # Bình Minh's is not the officer's
    assert list_codes(client, q="nguyen van an") == ["TD-API"]
    assert list_codes(client, q="binh") == ["TD-API"]  # the wife's name, diacritics left out
    assert list_codes(client, q="072 172 000 102") == ["TD-API"]
    assert list_codes(client, q="td-other") == ["TD-OTHER"]
    assert list_codes(client, status="poor", year=2024) == ["TD-API"]
    assert list_codes(client, status="poor", year=2025) == []
    assert list_codes(client, disability="yes") == ["TD-API"]


def test_a_list_row_is_what_the_page_row_shows(family, client_for, units):
    response = client_for("tandong_officer").get(reverse("api:household_list"), {"q": "binh", "year": 2025})

    assert response.json() == {
        "next": None,
        "results": [{
            "uuid": str(family.uuid), "code": "TD-API", "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"},
            "village": {"id": units.tan_dong_village.pk, "name": "Ấp Đông Hà"}, "head_name": "Nguyễn Văn An",
            "member_count": 2, "has_disability": True, "year_status": {"year": 2025, "status": "near_poor"},
            "matched_member": {"full_name": "Trần Thị Bình", "relationship": "spouse", "birth_year": 1972},
        }],
    }  # fmt: skip


def test_a_search_is_logged_with_its_query_and_count_and_a_page_with_its_persons(family, client_for):
    client = client_for("tandong_officer")
    client.get(reverse("api:household_list"), {"q": "binh"})
    client.get(reverse("api:household_list"))

    search, listing = AccessRecord.objects.order_by("id")
    wife = family.memberships.get(relationship="spouse").person_id
    assert (search.purpose, search.what, search.count, search.filters) == (
        "api",
        "api:household_list",
        1,
        {"q": "binh"},
    )
    assert sorted(search.person_ids) == sorted([family.head_id, wife])
    assert (listing.person_ids, listing.count, listing.filters) == ([family.head_id], None, None)


def test_the_other_commune_filter_is_a_400_naming_the_field(family, client_for):
    response = client_for("tandong_officer").get(reverse("api:household_list"), {"commune": BINH_MINH})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {key: body[key] for key in ("type", "title", "status", "detail")} == {
        "type": "about:blank", "title": "Bad Request", "status": 400,
        "detail": "The request has fields that are not valid.",
    }  # fmt: skip
    assert [error["field"] for error in body["errors"]] == ["commune"]


def test_a_masked_role_searching_part_of_a_national_id_is_refused_naming_q(family, client_for):
    response = client_for("tandong_committee", language="en").get(reverse("api:household_list"), {"q": "0721720"})

    assert response.status_code == 400
    assert response.json()["errors"] == [{
        "field": "q",
        "detail": "Search by national ID or phone with the whole number: the 12 digits of a national ID or the 10 "
                  "digits of a phone. Part of a number is not searched.",
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "field"), [({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"cursor": "not-a-cursor"}, "cursor")]
)
def test_a_bad_page_parameter_is_a_400_naming_it(query, field, family, client_for):
    response = client_for("tandong_officer").get(reverse("api:household_list"), query)

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_pages_follow_the_cursor_without_repeating_or_skipping(units, client_for):
    for number in range(7):
        make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{number:03d}")
    client = client_for("tandong_officer")

    codes, url, pages = [], reverse("api:household_list") + "?limit=3", 0
    while url:
        body = client.get(url).json()
        codes += [row["code"] for row in body["results"]]
        url, pages = body["next"], pages + 1

    assert pages == 3
    assert codes == [f"TD-{number:03d}" for number in range(7)]


def test_the_list_costs_the_same_queries_for_2_households_as_for_40(units, client_for, django_assert_num_queries):
    client = client_for("tandong_officer")
    for number in range(2):
        make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{number:03d}")
    # session, user, the user's communes, the page, its statuses, the access log's row, the session saved
    # (an UPDATE between a savepoint and its release)
    with django_assert_num_queries(9):
        assert len(client.get(reverse("api:household_list")).json()["results"]) == 2
    for number in range(2, 40):
        make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{number:03d}")
    with django_assert_num_queries(9):
        assert len(client.get(reverse("api:household_list")).json()["results"]) == 40


# --- conditional reads, sessions --------------------------------------------------------------------


def test_a_read_carries_an_etag_and_the_same_tag_answers_304(family, client_for):
    client = client_for("tandong_officer")
    first = client.get(detail_url(family))

    again = client.get(detail_url(family), headers={"If-None-Match": first["ETag"]})

    assert first["ETag"].startswith('"') and first["Cache-Control"] in ("private, no-cache", "no-cache, private")
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])
    family.address = "Tổ 4"
    family.save(update_fields=["address"])
    changed = client.get(detail_url(family), headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_a_masked_role_never_gets_the_tag_of_the_full_answer(family, client_for):
    full = client_for("tandong_officer").get(detail_url(family))

    masked = client_for("tandong_committee").get(detail_url(family), headers={"If-None-Match": full["ETag"]})

    assert masked.status_code == 200 and masked["ETag"] != full["ETag"]


def test_without_a_session_the_call_is_a_401_problem():
    response = Client().get(reverse("api:household_list"))

    assert (response.status_code, response["Content-Type"]) == (401, "application/problem+json")
    assert response["WWW-Authenticate"] == 'Bearer realm="casework"'
    assert response.json()["title"] == "Unauthorized"


def test_an_unsafe_method_without_the_csrf_token_is_refused(family, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["tandong_officer"])

    response = client.post(reverse("api:household_list"), {}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_household_costs_the_same_queries_for_3_members_as_for_8(family, client_for, django_assert_num_queries):
    client = client_for("tandong_officer")
    # session, user, the user's communes, the household, its memberships with persons, its pending
    # transfers, its statuses, the access log's row, the session saved (savepoint, UPDATE, release)
    with django_assert_num_queries(11):
        assert len(client.get(detail_url(family)).json()["members"]) == 2
    for number in range(5):
        Membership.objects.create(
            person=make_person(f"Nguyễn Văn Con {number}", "M", date(2010, 1, number + 1)), household=family,
            relationship="child", joined_on=date(2020, 1, 1),
        )  # fmt: skip
    with django_assert_num_queries(11):
        assert len(client.get(detail_url(family)).json()["members"]) == 7
