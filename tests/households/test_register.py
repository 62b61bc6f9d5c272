"""Registering a household (issue 16 §11): the suggested code, the refused duplicate code, the
member blocks, the commune's ethnicities first, and a national ID required only from 14, through
every door that creates a member (the page, "add a member", the file import and its command, a
person transfer accepted)."""

import csv
import io
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from demo.accounts import load_demo
from geography.models import Commune
from households import services
from households.importing import COLUMNS, import_households
from households.models import Household, HouseholdEvent, Membership, Person
from households.selectors import common_ethnicities, next_household_code
from tests.clock import VIETNAM
from tests.conftest import on_day
from tests.households.factories import make_household, national_id_for, person_data

TODAY = timezone.localdate()
# The session (read and touched), the user and their commune, the menu's own reads; the code's
# pattern and highest number; the commune's ethnicities; its villages. Whatever the registry holds.
QUERIES_OF_THE_REGISTRATION_PAGE = 10
FIVE = date(TODAY.year - 5, 1, 1)  # five years old on any day of this year
FIFTEEN = date(TODAY.year - 15, 1, 1)


def register_post(village, *, code="TD-0500", members=(), **overrides) -> dict:
    """The page's POST: the head and ``members`` as (name, sex, born, relationship, national ID)."""
    data = {
        "commune": "25522",
        "household-code": code,
        "household-village": village.pk,
        "household-address": "",
        "household-area": "",
        "head-full_name": "Trần Văn Hải",
        "head-national_id": national_id_for("M", date(1980, 2, 2)),
        "head-date_of_birth": "02/02/1980",
        "head-sex": "M",
        "head-ethnicity": "01",
        "head-phone": "",
        "head-disability_level": "none",
        "head-health_insurance_number": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
    }
    for index, (name, sex, born, relationship, national_id) in enumerate(members):
        prefix = f"members-{index}-"
        data |= {prefix + "full_name": name, prefix + "national_id": national_id,
                 prefix + "date_of_birth": f"{born:%d/%m/%Y}", prefix + "sex": sex, prefix + "ethnicity": "01",
                 prefix + "disability_level": "none", prefix + "relationship": relationship}  # fmt: skip
    return data | overrides


def registry_rows() -> tuple[int, int, int, int]:
    return (Household.objects.count(), Person.objects.count(), Membership.objects.count(),
            HouseholdEvent.objects.count())  # fmt: skip


# --- the suggested code -------------------------------------------------------------------------


def test_the_demo_suggests_the_next_code_of_its_pattern_and_kinh_first(db, on_demo_day):
    load_demo()
    officer = Client()
    officer.force_login(User.objects.get(username="tandong.officer"))
    tan_dong = Commune.objects.get(code="25522")
    dong_ha = tan_dong.villages.get(name="Ấp Đông Hà")

    page = officer.get(reverse("households:register")).content.decode()

    # 4,700 demo households TD-000001 … TD-004700, numbered across the commune's villages.
    assert next_household_code(tan_dong) == "TD-004701"
    assert next_household_code(tan_dong, dong_ha) == "TD-004701"
    assert 'name="household-code" value="TD-004701"' in page
    # Kinh, then the commune's other common groups, then the other 49 in the official order.
    assert common_ethnicities(tan_dong) == ["01", "05", "04", "17", "02"]
    head_select = page[page.index('name="head-ethnicity"') :]
    head_select = head_select[: head_select.index("</select>")]
    assert head_select.index('label="Phổ biến ở xã"') < head_select.index('value="01" selected')
    assert (
        head_select.index('value="02"')
        < head_select.index('label="Các dân tộc khác"')
        < head_select.index('value="03"')
    )
    assert head_select.count("<option") == 54


def test_the_suggestion_follows_the_pattern_most_codes_share(units, users):
    tan_dong, village = units.tan_dong, units.tan_dong_village
    other_village = type(village).objects.create(commune=tan_dong, name="Ấp Tân Hòa")
    assert next_household_code(tan_dong) == "TD-000001"  # none yet: the commune's initials, six digits
    for code in ("AB-0098", "AB-0099", "AB-0100", "odd7"):
        make_household(tan_dong, village, code=code, members=())
    for code in ("TH/12", "TH/13"):
        make_household(tan_dong, other_village, code=code, members=())

    assert next_household_code(tan_dong) == "AB-0101"
    assert next_household_code(tan_dong, village) == "AB-0101"
    # A village numbered apart keeps its own pattern.
    assert next_household_code(tan_dong, other_village) == "TH/14"


def test_choosing_a_village_suggests_its_code_unless_the_officer_typed_one(client_for, units):
    tan_dong, village = units.tan_dong, units.tan_dong_village
    tan_hoa = type(village).objects.create(commune=tan_dong, name="Ấp Tân Hòa")
    for code in ("AB-0098", "AB-0099"):
        make_household(tan_dong, village, code=code, members=())
    make_household(tan_dong, tan_hoa, code="TH/12", members=())
    client = client_for("tandong_officer")
    url = reverse("households:register_code")
    page = client.get(reverse("households:register")).content.decode()
    assert f'hx-get="{url}?commune=25522"' in page
    assert 'name="suggested_code" value="AB-0100"' in page

    def code_box(**params):
        response = client.get(url, {"commune": "25522", **params}, headers={"HX-Request": "true"})
        return response.context["form"]["code"].value(), response.context["suggested_code"]

    assert code_box(**{"household-village": tan_hoa.pk, "household-code": "AB-0100", "suggested_code": "AB-0100"}) == (
        "TH/13", "TH/13")  # fmt: skip
    assert code_box(**{"household-village": village.pk, "household-code": "TH/13", "suggested_code": "TH/13"}) == (
        "AB-0100", "AB-0100")  # fmt: skip
    # A code the officer typed is theirs.
    assert code_box(**{"household-village": tan_hoa.pk, "household-code": "MY-1", "suggested_code": "AB-0100"}) == (
        "MY-1", "AB-0100")  # fmt: skip


def test_the_registration_page_reads_a_fixed_number_of_queries(client_for, units, django_assert_num_queries):
    client = client_for("tandong_officer")
    client.get(reverse("households:register"))  # the session and the user are read once warm
    for code in ("TD-000001", "TD-000002"):
        make_household(units.tan_dong, units.tan_dong_village, code=code)

    with django_assert_num_queries(QUERIES_OF_THE_REGISTRATION_PAGE):
        response = client.get(reverse("households:register"))

    assert 'name="household-code" value="TD-000003"' in response.content.decode()


# --- a code already used ---------------------------------------------------------------------------


def test_a_code_already_used_is_refused_with_the_next_free_one_and_nothing_saved(client_for, units):
    make_household(units.tan_dong, units.tan_dong_village, code="TD-000007")
    before = registry_rows()

    response = client_for("tandong_officer").post(
        reverse("households:register"), register_post(units.tan_dong_village, code="TD-000007")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "TD-000007 đã được dùng ở Xã Tân Đông; mã hộ còn trống tiếp theo là TD-000008"
    ]
    assert registry_rows() == before


def test_two_officers_taking_the_same_code_at_once_the_later_gets_the_message(units, users, monkeypatch):
    """The check passes for both; the unique constraint refuses the later insert, which then
    reads as the same message, with nothing of its household saved."""
    make_household(units.tan_dong, units.tan_dong_village, code="TD-000007")
    before = registry_rows()
    answers = iter([False])  # the check ran before the other officer's household was committed
    real = services._code_taken
    monkeypatch.setattr(services, "_code_taken", lambda commune, code: next(answers, None) or real(commune, code))

    with pytest.raises(services.ValidationError) as error:
        services.household_register(
            commune=units.tan_dong, village=units.tan_dong_village, code="TD-000007", head=person_data(),
            acting_user=users["tandong_officer"],
        )  # fmt: skip

    assert error.value.message_dict == {
        "code": ["TD-000007 is already used in Xã Tân Đông; the next free code is TD-000008"]
    }
    assert registry_rows() == before


# --- the member blocks ---------------------------------------------------------------------------


def test_the_page_starts_with_the_head_alone_and_a_template_block_for_members(client_for, units):
    page = client_for("tandong_officer").get(reverse("households:register")).content.decode()

    assert 'name="members-TOTAL_FORMS" value="0"' in page
    assert 'name="members-0-full_name"' not in page
    template = page[page.index("<template data-member-template>") : page.index("</template>")]
    assert 'name="members-__prefix__-full_name"' in template
    # Later members are children unless the officer says otherwise.
    relationship = template[template.index('name="members-__prefix__-relationship"') :]
    assert relationship.index('value="child" selected') < relationship.index("</select>")
    assert "Thêm thành viên" in page
    assert 'src="/static/js/household-register.js"' in page


def test_a_block_left_empty_is_skipped(client_for, units):
    data = register_post(units.tan_dong_village, members=[("", "", FIVE, "child", "")])
    data |= {"members-0-date_of_birth": "", "members-0-sex": ""}

    response = client_for("tandong_officer").post(reverse("households:register"), data)

    assert response.status_code == 302
    assert Household.objects.get(code="TD-0500").member_count == 1


# --- national ID from 14 ---------------------------------------------------------------------------


def test_a_child_of_five_without_a_national_id_is_registered(client_for, units):
    members = [("Đỗ Thị Hương", "F", date(1982, 3, 3), "spouse", national_id_for("F", date(1982, 3, 3))),
               ("Trần Gia Bảo", "M", FIVE, "child", ""), ("Trần Gia Hân", "F", FIVE, "child", "")]  # fmt: skip

    response = client_for("tandong_officer").post(
        reverse("households:register"), register_post(units.tan_dong_village, members=members)
    )

    household = Household.objects.get(code="TD-0500")
    assert response.status_code == 302
    assert household.member_count == 4
    children = Person.objects.filter(memberships__household=household, national_id="").order_by("full_name")
    assert [(p.full_name, p.date_of_birth) for p in children] == [("Trần Gia Bảo", FIVE), ("Trần Gia Hân", FIVE)]
    event = HouseholdEvent.objects.get(household=household)
    assert (event.kind, event.data) == ("registered", {"code": "TD-0500", "members": 4})
    assert children[0].history.get().history_type == "+"


def test_a_fifteen_year_old_without_a_national_id_is_refused_and_nothing_saved(client_for, units):
    before = registry_rows()
    members = [("Trần Văn Nam", "M", FIFTEEN, "child", "")]

    response = client_for("tandong_officer").post(
        reverse("households:register"), register_post(units.tan_dong_village, members=members)
    )

    assert response.status_code == 200
    member_form = response.context["members"].forms[0]
    assert member_form.errors == {"national_id": ["bắt buộc từ đủ 14 tuổi"]}
    assert registry_rows() == before


def test_the_id_is_required_from_the_fourteenth_birthday(units, users):
    with on_day(datetime(2026, 12, 7, 10, 0, tzinfo=VIETNAM)):
        assert services.person_data_problems(person_data(born=date(2012, 12, 8), national_id="")) == {}
        assert services.person_data_problems(person_data(born=date(2012, 12, 7), national_id="")) == {
            "national_id": ["is required from the age of 14"]
        }
        # Given, it is checked as before, at any age.
        assert services.person_data_problems(person_data(born=date(2020, 1, 1), national_id="0720")) == {
            "national_id": ["must be 12 digits"]
        }


def test_add_a_member_door_follows_the_same_rule(client_for, units):
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-0001")
    client = client_for("tandong_officer")
    url = reverse("households:member_add", kwargs={"household_uuid": household.uuid})

    def post(name, born):
        return client.post(url, {"new-full_name": name, "new-national_id": "", "new-date_of_birth": f"{born:%d/%m/%Y}",
                                 "new-sex": "M", "new-ethnicity": "01", "new-disability_level": "none",
                                 "new-relationship": "child", "new-joined_on": ""})  # fmt: skip

    refused = post("Nguyễn Văn Lớn", FIFTEEN)
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"national_id": ["bắt buộc từ đủ 14 tuổi"]}
    assert post("Nguyễn Văn Bé", FIVE).status_code == 302

    household.refresh_from_db()
    assert household.member_count == 2
    assert Person.objects.filter(national_id="").get().full_name == "Nguyễn Văn Bé"


def test_a_child_without_an_id_is_edited_and_moves_by_transfer_as_the_same_person(units, users):
    officer, other_officer = users["tandong_officer"], users["binhminh_officer"]
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-0001")
    child = services.member_add(
        household=household, data=person_data("Nguyễn Văn Bé", born=FIVE, national_id=""), relationship="child",
        acting_user=officer,
    ).person  # fmt: skip
    services.member_edit(person=child, data=services.person_data_from(child, phone=""), acting_user=officer)
    transfer = services.person_transfer(
        membership=child.memberships.get(), to_commune=units.binh_minh, moved_on=TODAY, reason="theo mẹ",
        acting_user=officer,
    )  # fmt: skip
    there = make_household(units.binh_minh, units.binh_minh_village, code="BM-0001")

    services.transfer_accept_person(transfer=transfer, household=there, relationship="grandchild",
                                    acting_user=other_officer)  # fmt: skip

    assert Person.objects.filter(full_name="Nguyễn Văn Bé").count() == 1
    assert child.memberships.get(left_on__isnull=True).household == there


# --- the import door (page and command) ------------------------------------------------------------


def import_line(**values) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row |= {"household_code": "HH-001", "commune_code": "25522", "village": "Ấp Đông Hà", "national_id": "",
            "sex": "M", "ethnicity": "Kinh"}  # fmt: skip
    return row | values


HEAD = {"national_id": national_id_for("M", date(1980, 5, 1)), "full_name": "Nguyễn Văn An",
        "date_of_birth": "1980-05-01", "relationship": "head"}  # fmt: skip


def test_the_import_takes_a_child_without_an_id_once_and_refuses_a_fifteen_year_old(units, users):
    officer = users["tandong_officer"]
    child = import_line(full_name="Nguyễn Văn Bé", date_of_birth=FIVE.isoformat(), relationship="child")
    teen = import_line(full_name="Nguyễn Văn Lớn", date_of_birth=FIFTEEN.isoformat(), relationship="child")

    refused = import_households(rows=[import_line(**HEAD), child, teen], user=officer)
    assert [(e.row, e.column, e.message) for e in refused.errors] == [
        (4, "national_id", "is required from the age of 14")
    ]
    assert Household.objects.count() == 0

    first = import_households(rows=[import_line(**HEAD), child], user=officer)
    again = import_households(rows=[import_line(**HEAD), child | {"phone": "0912345678"}], user=officer)

    assert first.ok and (first.persons_created, first.persons_updated) == (2, 0)
    # Imported again: the child is the household's member without an ID of that name and birth date.
    assert again.ok and (again.persons_created, again.persons_updated, again.memberships_created) == (0, 2, 0)
    bé = Person.objects.get(national_id="")
    assert (bé.full_name, bé.phone) == ("Nguyễn Văn Bé", "+84912345678")
    assert Household.objects.get(code="HH-001").member_count == 2


def test_the_import_refuses_one_child_without_an_id_written_twice(units, users):
    child = import_line(full_name="Nguyễn Văn Bé", date_of_birth=FIVE.isoformat(), relationship="child")

    report = import_households(rows=[import_line(**HEAD), child, child], user=users["tandong_officer"])

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "full_name", f"Nguyễn Văn Bé, born {FIVE:%d/%m/%Y}, is also on line 3")
    ]


def test_the_import_page_refuses_a_fifteen_year_old_without_an_id(client_for, units):
    teen = import_line(full_name="Nguyễn Văn Lớn", date_of_birth=FIFTEEN.isoformat(), relationship="child")
    upload = io.StringIO()
    writer = csv.DictWriter(upload, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows([import_line(**HEAD), teen])
    file = io.BytesIO(upload.getvalue().encode())
    file.name = "ho.csv"

    response = client_for("tandong_officer").post(reverse("households:import"), {"file": file})

    assert "bắt buộc từ đủ 14 tuổi" in response.content.decode()
    assert Household.objects.count() == 0


def test_the_import_command_refuses_a_fifteen_year_old_without_an_id(units, users, tmp_path):
    teen = import_line(full_name="Nguyễn Văn Lớn", date_of_birth=FIFTEEN.isoformat(), relationship="child")
    path = tmp_path / "households.csv"
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows([import_line(**HEAD), teen])
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_households", str(path), "--user", "tandong.officer", stdout=out)

    assert out.getvalue() == "line 3 (Nguyễn Văn Lớn), column national_id: is required from the age of 14\n"
    assert Household.objects.count() == 0


def test_synthetic_households_are_added_beside_a_child_without_an_id(units, users):
    """The generator numbers national IDs after the highest in the database: a person without one
    is not a number to continue from."""
    from demo.synthetic import generate_households

    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-000001")
    services.member_add(household=household, data=person_data("Nguyễn Văn Bé", born=FIVE, national_id=""),
                        relationship="child", acting_user=users["tandong_officer"])  # fmt: skip

    generate_households(communes=[units.tan_dong], households_per_commune=3, seed=1)

    assert Household.objects.count() == 4
    assert Person.objects.filter(national_id="").count() == 1
