"""Registry pages: list, search, household page, forms, htmx member rows, masking, query counts."""

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.text import fold_vietnamese
from households.models import Household, HouseholdEvent, HouseholdYearStatus, Person
from tests.households.factories import make_household, national_id_for

FAMILY = (
    ("Nguyễn Thị Hiếu Trang", "F", date(1975, 4, 30), "head"),
    ("Lê Văn Tám", "M", date(1973, 9, 2), "spouse"),
    ("Lê Thị Mai", "F", date(2005, 1, 1), "child"),
)


@pytest.fixture
def family(units):
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-0100", members=FAMILY)
    Person.objects.filter(full_name="Lê Văn Tám").update(phone="+84912345678", disability_level="severe")
    household.has_disability = True
    household.save()
    return household


@pytest.fixture
def neighbour(units):
    return make_household(units.binh_minh, units.binh_minh_village, code="BM-0001",
                          members=(("Nguyễn Thị Hiếu Trang", "F", date(1980, 1, 1), "head"),))  # fmt: skip


def list_page(client, **params):
    response = client.get(reverse("households:list"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "nguyen thi hieu trang",
        "Nguyễn Thị Hiếu Trang",
        "HIEU TRANG",
        "le van tam",
        "TD-0100",
        "0912 345 678",
        "+84912345678",
    ],
)
def test_one_search_box_finds_the_household(client_for, family, neighbour, query):
    page = list_page(client_for("tandong_officer"), q=query)

    assert "TD-0100" in page
    assert "BM-0001" not in page  # the namesake in Bình Minh is out of scope


def test_search_by_national_id(client_for, family):
    head_id = family.head.national_id

    assert "TD-0100" in list_page(client_for("tandong_officer"), q=head_id)
    assert "TD-0100" not in list_page(client_for("tandong_officer"), q=national_id_for("M", date(1990, 1, 1)))


def test_bình_minh_officer_never_sees_tan_dong(client_for, family, neighbour):
    client = client_for("binhminh_officer")

    assert "TD-0100" not in list_page(client)
    assert "TD-0100" not in list_page(client, q="nguyen thi hieu trang")
    assert "BM-0001" in list_page(client, q="nguyen thi hieu trang")
    assert client.get(reverse("households:detail", kwargs={"household_uuid": family.uuid})).status_code == 404


def test_filters_village_disability_and_status(client_for, units, family):
    from geography.models import Village

    other_village = Village.objects.create(commune=units.tan_dong, name="Ấp Tân Hòa", kind="ap")
    make_household(
        units.tan_dong, other_village, code="TD-0200", members=(("Phạm Văn Út", "M", date(1990, 1, 1), "head"),)
    )
    HouseholdYearStatus.objects.create(household=family, year=2024, status="poor")
    client = client_for("tandong_officer")

    by_village = list_page(client, village=other_village.pk)
    disabled = list_page(client, disability="yes")
    poor = list_page(client, status="poor", year=2024)

    assert "TD-0200" in by_village and "TD-0100" not in by_village
    assert "TD-0100" in disabled and "TD-0200" not in disabled
    assert "TD-0100" in poor and "TD-0200" not in poor


def test_household_list_query_count_is_fixed(client_for, units, django_assert_num_queries):
    for number in range(12):
        make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{number:04d}",
                       members=(("Nguyễn Văn An", "M", date(1970, 1, 1), "head"),))  # fmt: skip
    client = client_for("tandong_officer")
    # session, user, the user's commune codes (scope, read once), communes and villages (filter form),
    # households page, statuses of the page, the access-log row naming the page's heads (1), then
    # the sliding session save (3) = 10, whatever the number of households.
    with django_assert_num_queries(10):
        client.get(reverse("households:list"))


def test_household_page_shows_members_masked_for_the_provincial_viewer(client_for, family):
    url = reverse("households:detail", kwargs={"household_uuid": family.uuid})
    head_id = family.head.national_id

    officer_page = client_for("tandong_officer").get(url).content.decode()
    viewer_page = client_for("tayninh_province").get(url).content.decode()

    assert head_id in officer_page and "0912 345 678" in officer_page
    assert head_id not in viewer_page and "•••••••••" + head_id[-3:] in viewer_page
    assert "0912345678" not in viewer_page and "0912 345 678" not in viewer_page
    assert "Record death" not in viewer_page


def test_household_page_query_count_does_not_grow_with_members(client_for, family, django_assert_num_queries):
    client = client_for("tandong_officer")
    url = reverse("households:detail", kwargs={"household_uuid": family.uuid})
    client.get(url)
    # session, user, the user's commune codes (scope), household (+commune, province, village, head),
    # memberships+persons, pending transfers, statuses, timeline events (registry, poverty review,
    # allowance cases and payment lines of the members, support records, messages: one query each),
    # the support-by-year panel (1), the access-log row naming the members (1), then the sliding
    # session save (3) = 18.
    with django_assert_num_queries(18):
        client.get(url)


def register_post(**overrides):
    data = {
        "commune": "25522",
        "household-code": "TD-0500",
        "household-address": "Tổ 1",
        "household-area": "",
        "head-full_name": "Trần Văn Hải",
        "head-national_id": national_id_for("M", date(1960, 2, 2)),
        "head-date_of_birth": "1960-02-02",
        "head-sex": "M",
        "head-ethnicity": "01",
        "head-phone": "",
        "head-disability_level": "none",
        "head-health_insurance_number": "",
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
    }
    for index, (name, sex, born, relationship) in enumerate(
        [("Đỗ Thị Hương", "F", date(1962, 3, 3), "spouse"), ("Trần Văn Nam", "M", date(1990, 4, 4), "child")]
    ):
        prefix = f"members-{index}-"
        data |= {prefix + "full_name": name, prefix + "national_id": national_id_for(sex, born),
                 prefix + "date_of_birth": born.isoformat(), prefix + "sex": sex, prefix + "ethnicity": "01",
                 prefix + "disability_level": "none", prefix + "relationship": relationship}  # fmt: skip
    return data | overrides


def test_officer_registers_a_household_with_two_more_members(client_for, units):
    client = client_for("tandong_officer")
    data = register_post()
    data["household-village"] = units.tan_dong_village.pk

    response = client.post(reverse("households:register"), data)

    household = Household.objects.get(code="TD-0500")
    assert response.status_code == 302
    assert response.url == reverse("households:detail", kwargs={"household_uuid": household.uuid})
    assert household.member_count == 3
    assert household.head.full_name == "Trần Văn Hải"


def test_register_names_the_bad_member_row_and_saves_nothing(client_for, units):
    client = client_for("tandong_officer")
    data = register_post(**{"members-1-national_id": "072099000001"})  # says 1999; born 1990
    data["household-village"] = units.tan_dong_village.pk

    response = client.post(reverse("households:register"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "hai chữ số năm sinh 99 không khớp với năm sinh" in page
    assert not Household.objects.filter(code="TD-0500").exists()
    assert not Person.objects.filter(full_name="Trần Văn Hải").exists()


def test_member_row_is_edited_in_place_with_htmx(client_for, family):
    client = client_for("tandong_officer")
    membership = family.memberships.get(relationship="child")
    url = reverse("households:member_row", kwargs={"household_uuid": family.uuid, "membership_id": membership.pk})
    person = membership.person

    edit_row = client.get(url, {"edit": "1"}, HTTP_HX_REQUEST="true").content.decode()
    data = {f"m{membership.pk}-{name}": value for name, value in {
        "full_name": "Lê Thị Mai Anh", "national_id": person.national_id, "date_of_birth": "2005-01-01", "sex": "F",
        "ethnicity": "01", "phone": "", "disability_level": "none", "health_insurance_number": "", "reason": "khai sinh",
    }.items()}  # fmt: skip
    saved_row = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()

    assert 'data-testid="member-edit-form"' in edit_row and edit_row.lstrip().startswith("<tr")
    assert "Lê Thị Mai Anh" in saved_row and "member-edit-form" not in saved_row
    person.refresh_from_db()
    assert person.full_name == "Lê Thị Mai Anh"
    assert HouseholdEvent.objects.get(kind="member_edited").reason == "khai sinh"


def test_a_bad_htmx_edit_returns_the_row_with_the_error_and_changes_nothing(client_for, family):
    client = client_for("tandong_officer")
    membership = family.memberships.get(relationship="child")
    url = reverse("households:member_row", kwargs={"household_uuid": family.uuid, "membership_id": membership.pk})
    prefix = f"m{membership.pk}-"
    data = {prefix + "full_name": "Lê Thị Mai", prefix + "national_id": "12345", prefix + "date_of_birth": "2005-01-01",
            prefix + "sex": "F", prefix + "ethnicity": "01", prefix + "disability_level": "none"}  # fmt: skip

    row = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()

    assert "member-edit-form" in row
    assert "Giá trị này phải có ít nhất 12 kí tự (hiện có 5)" in row
    assert not HouseholdEvent.objects.filter(kind="member_edited").exists()


def test_record_a_death_from_the_page_and_see_it_on_the_timeline(client_for, family):
    client = client_for("tandong_officer")
    membership = family.memberships.get(relationship="spouse")
    url = reverse("households:record_death", kwargs={"household_uuid": family.uuid, "membership_id": membership.pk})

    response = client.post(url, {"date_of_death": "2025-02-03", "reason": "bệnh"})

    assert response.status_code == 302
    page = client.get(reverse("households:detail", kwargs={"household_uuid": family.uuid})).content.decode()
    assert "Ghi nhận qua đời" in page
    assert "Lê Văn Tám (03/02/2025)" in page  # days as the interface writes them (issue 16 §7)


def test_provincial_viewer_cannot_add_a_member_and_nothing_changes(client_for, family):
    before = (Person.objects.count(), HouseholdEvent.objects.count())

    response = client_for("tayninh_province").post(
        reverse("households:member_add", kwargs={"household_uuid": family.uuid}),
        {"new-full_name": "Lê Văn Mới", "new-national_id": national_id_for("M", date(2010, 1, 1)),
         "new-date_of_birth": "2010-01-01", "new-sex": "M", "new-ethnicity": "01", "new-disability_level": "none",
         "new-relationship": "child"},
    )  # fmt: skip

    assert response.status_code == 403
    assert (Person.objects.count(), HouseholdEvent.objects.count()) == before


SYLLABLES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
             "Thị", "Văn", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Hiếu", "Trang", "Tường", "Vy", "Khải", "Quỳnh",
             "Ánh", "Ẩn", "Ước", "Ỷ", "Đạt", "Nguyệt", "Thuỷ", "Thủy", "Oanh"]  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=5))
def test_folded_search_finds_any_vietnamese_name(client_for, units, words):
    name = " ".join(words)
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-HYP",
                               members=((name, "F", date(1990, 1, 1), "head"),))  # fmt: skip
    try:
        page = list_page(client_for("tandong_officer"), q=fold_vietnamese(name))
        assert "TD-HYP" in page
    finally:
        HouseholdEvent.objects.filter(household=household).delete()
        memberships = list(household.memberships.all())
        person_ids = [m.person_id for m in memberships]
        Household.objects.filter(pk=household.pk).update(head=None)
        for membership in memberships:
            membership.delete()
        household.delete()
        Person.objects.filter(pk__in=person_ids).delete()


def test_the_add_member_form_is_loaded_only_when_asked_for(client_for, family):
    client = client_for("tandong_officer")
    url = reverse("households:member_add", kwargs={"household_uuid": family.uuid})

    page = client.get(reverse("households:detail", kwargs={"household_uuid": family.uuid})).content.decode()
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert 'data-testid="member-add-form"' not in page and f'hx-get="{url}"' in page
    assert fragment.lstrip().startswith("<form") and 'name="new-national_id"' in fragment
    assert "<html" not in fragment


def section(page: str, testid: str) -> str:
    """The list of a page marked ``data-testid="<testid>"``."""
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</ul>", start)]


def test_work_list_shows_arrivals_and_duplicates_and_closes_a_check(client_for, units, family, users):
    from households.models import DuplicateFlag
    from households.services import person_data_from, person_transfer

    spouse = family.memberships.get(relationship="spouse")
    person_transfer(membership=family.memberships.get(relationship="child"), to_commune=units.binh_minh,
                    moved_on=date(2025, 5, 1), reason="đi làm", acting_user=users["tandong_officer"])  # fmt: skip
    flag = DuplicateFlag.objects.create(person=spouse.person, existing=family.head, commune=units.tan_dong)
    url = reverse("households:arrivals")

    tan_dong = client_for("tandong_officer").get(url).content.decode()
    binh_minh = client_for("binhminh_officer").get(url).content.decode()
    response = client_for("tandong_officer").post(reverse("households:duplicate_resolve", kwargs={"flag_id": flag.pk}),
                                                  {"decision": "different"})  # fmt: skip

    assert "<title>Việc cần làm về hộ gia đình · casework</title>" in tan_dong
    assert "Lê Văn Tám" in section(tan_dong, "duplicates") and "Lê Văn Tám" not in binh_minh
    # The request: a departure on the sending side, an arrival to answer on the receiving side.
    assert "Lê Thị Mai" in section(tan_dong, "departing-transfers")
    assert "Lê Thị Mai" not in section(tan_dong, "arriving-transfers")
    assert "Lê Thị Mai" in section(binh_minh, "arriving-transfers")
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "different"
    assert person_data_from(spouse.person).full_name == "Lê Văn Tám"


def test_the_edit_page_records_the_housing_area_shown_on_the_household_page(client_for, family):
    from decimal import Decimal

    client = client_for("tandong_officer")
    edit = reverse("households:edit", kwargs={"household_uuid": family.uuid})
    detail = reverse("households:detail", kwargs={"household_uuid": family.uuid})

    response = client.post(
        edit, {"village": family.village_id, "address": "Tổ 3", "area": "rural", "housing_area_m2": "42.5"}
    )

    assert response.status_code == 302
    family.refresh_from_db()
    assert family.housing_area_m2 == Decimal("42.5")
    # Vietnamese decimal comma: the interface speaks Vietnamese by default.
    assert '<span data-testid="housing-area">42,5</span>' in client.get(detail).content.decode()
    refused = client.post(edit, {"village": family.village_id, "area": "rural", "housing_area_m2": "-3"})
    assert refused.status_code == 200
    family.refresh_from_db()
    assert family.housing_area_m2 == Decimal("42.5")
