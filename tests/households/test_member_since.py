"""Data from before the product (issue 16 item 16): a member's "member since" date may be unknown
(no lower bound) and a death before the hand-over is recorded, through every door: the household
import (page and command line), the services and the household page. A known "member since" date
is still a lower bound everywhere."""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from households.importing import FILE_COLUMNS, RowError, import_households, read_rows
from households.models import Household, HouseholdEvent, Membership, Person
from households.selectors import living_members_q
from households.services import member_move, person_record_death, person_transfer
from tests.households.factories import make_household

HEAD = "072080001234"  # a man born 1980-05-01
MOTHER = "072150000002"  # a woman born 1950-04-10
CHILD = "072301000003"  # a woman born 2001-02-03


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def line(**values) -> dict[str, str]:
    row = dict.fromkeys(FILE_COLUMNS, "")
    row.update(
        household_code="HH-001", commune_code="25522", village="Ấp Đông Hà", national_id=HEAD,
        full_name="Nguyễn Văn An", date_of_birth="1980-05-01", sex="M", relationship="head", ethnicity="Kinh",
    )  # fmt: skip
    row.update(values)
    return row


def mother(**values) -> dict[str, str]:
    return line(**{"national_id": MOTHER, "full_name": "Lê Thị Mẹ", "date_of_birth": "1950-04-10", "sex": "F",
                   "relationship": "parent", **values})  # fmt: skip


def child(**values) -> dict[str, str]:
    return line(**{"national_id": CHILD, "full_name": "Nguyễn Thị Con", "date_of_birth": "2001-02-03", "sex": "F",
                   "relationship": "child", **values})  # fmt: skip


def everything() -> tuple:
    return (
        sorted(Person.objects.values_list("national_id", "date_of_death")),
        sorted(Household.objects.values_list("code", "member_count", "dissolved_on")),
        sorted(Membership.objects.values_list("person__national_id", "joined_on", "left_on")),
        HouseholdEvent.objects.count(),
        Person.history.count(),
    )


# --- the household import -----------------------------------------------------------------------


def test_the_import_records_a_death_before_the_hand_over_as_a_death_event(units, users):
    officer = users["tandong_officer"]

    report = import_households(
        rows=[line(member_since="không rõ"), mother(date_of_death="2019-03-02"), child(member_since="2001-02-03")],
        user=officer,
    )

    assert report.errors == []
    assert (report.persons_created, report.memberships_created, report.deaths_recorded) == (3, 3, 1)
    assert sorted(Membership.objects.values_list("person__national_id", "joined_on", "left_on", "left_reason")) == [
        (HEAD, None, None, ""),
        (MOTHER, None, date(2019, 3, 2), "died"),
        (CHILD, date(2001, 2, 3), None, ""),
    ]
    assert Person.objects.get(national_id=MOTHER).date_of_death == date(2019, 3, 2)
    household = Household.objects.get(code="HH-001")
    assert (household.member_count, household.dissolved_on, household.head.national_id) == (2, None, HEAD)
    death = HouseholdEvent.objects.get(kind="death")
    assert (death.household, death.actor, death.reason, death.person.national_id, death.data) == (
        household,
        officer,
        "recorded by the household import",
        MOTHER,
        {"name": "Lê Thị Mẹ", "date_of_death": "2019-03-02"},
    )
    assert sorted(HouseholdEvent.objects.values_list("kind", flat=True)) == ["death", "registered"]


def test_a_death_before_a_known_member_since_date_is_refused_with_nothing_changed(units, users):
    before = everything()

    report = import_households(
        rows=[line(), mother(member_since="2020-01-01", date_of_death="2019-03-02")], user=users["tandong_officer"]
    )

    assert report.errors == [RowError(3, "date_of_death", "is before the person joined the household (01/01/2020)")]
    assert everything() == before


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"member_since": "2999-01-01"}, "member_since", "is in the future"),
        ({"member_since": "1949-12-31"}, "member_since", "is before the date of birth"),
        ({"member_since": "sớm"}, "member_since", "sớm is not a date (dd/mm/yyyy or YYYY-MM-DD)"),
        ({"date_of_death": "2999-01-01"}, "date_of_death", "is in the future"),
        ({"date_of_death": "1950-04-09"}, "date_of_death", "is before the date of birth"),
        ({"date_of_death": "31/02/2019"}, "date_of_death", "31/02/2019 is not a date (dd/mm/yyyy or YYYY-MM-DD)"),
    ],
)
def test_each_wrong_date_is_refused_on_its_line_and_column(units, users, values, column, message):
    before = everything()

    report = import_households(rows=[line(), mother(**values)], user=users["tandong_officer"])

    assert report.errors == [RowError(3, column, message)]
    assert everything() == before


def test_the_head_of_the_file_cannot_be_recorded_as_deceased(units, users):
    before = everything()

    report = import_households(rows=[line(date_of_death="2019-03-02"), mother()], user=users["tandong_officer"])

    assert report.errors == [
        RowError(
            2,
            "date_of_death",
            "the head is a living member: list the deceased person with their relationship to the living head",
        )
    ]
    assert everything() == before


def test_a_registered_household_keeps_its_member_since_dates(units, users):
    officer = users["tandong_officer"]
    import_households(rows=[line(member_since="2010-05-01"), mother()], user=officer)
    before = everything()

    report = import_households(rows=[line(member_since="2011-01-01"), mother()], user=officer)

    assert report.errors == [
        RowError(
            2, "member_since", "the registry has 01/05/2010: an import does not change a recorded member-since date"
        )
    ]
    assert everything() == before
    # Repeated or left empty, the date stays; a death on the file is then recorded (after it).
    report = import_households(rows=[line(member_since="2010-05-01"), mother(date_of_death="2024-06-01")], user=officer)
    assert (report.errors, report.deaths_recorded) == ([], 1)
    assert sorted(Membership.objects.values_list("person__national_id", "joined_on", "left_on")) == [
        (HEAD, date(2010, 5, 1), None),
        (MOTHER, None, date(2024, 6, 1)),
    ]
    assert HouseholdEvent.objects.filter(kind="death").count() == 1


def test_a_hand_over_file_imported_again_leaves_its_deaths_as_recorded(units, users):
    officer = users["tandong_officer"]
    rows = [line(), mother(date_of_death="2019-03-02"), child()]
    import_households(rows=rows, user=officer)
    registry = sorted(Membership.objects.values_list("person__national_id", "joined_on", "left_on", "left_reason"))

    report = import_households(rows=rows, user=officer)

    assert (report.errors, report.persons_updated, report.memberships_created, report.deaths_recorded) == ([], 2, 0, 0)
    assert sorted(Membership.objects.values_list("person__national_id", "joined_on", "left_on", "left_reason")) == (
        registry
    )
    assert HouseholdEvent.objects.filter(kind="death").count() == 1
    before = everything()

    report = import_households(
        rows=[line(), mother(date_of_death="2019-03-02", full_name="Lê Thị Mẹ Sửa"), child()], user=officer
    )

    assert report.errors == [
        RowError(
            3,
            "national_id",
            f"{MOTHER} is recorded as deceased: the file may repeat the line as registered, not change it",
        )
    ]
    assert everything() == before


def test_vietnamese_headers_of_the_optional_columns_are_read(units, users):
    header = ["Mã hộ", "Mã xã", "Thôn/tổ dân phố", "Địa chỉ", "Khu vực", "Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính",
              "Quan hệ với chủ hộ", "Dân tộc", "Số điện thoại", "Mức độ khuyết tật", "Ngày nhập hộ", "Ngày qua đời"]  # fmt: skip
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerow(["HH-001", "25522", "Ấp Đông Hà", "", "", HEAD, "Nguyễn Văn An", "01/05/1980", "Nam", "chủ hộ",
                     "Kinh", "", "", "15/08/2005", ""])  # fmt: skip
    writer.writerow(["HH-001", "25522", "Ấp Đông Hà", "", "", MOTHER, "Lê Thị Mẹ", "10/04/1950", "Nữ", "mẹ",
                     "Kinh", "", "", "", "02/03/2019"])  # fmt: skip

    rows = read_rows(io.BytesIO(text.getvalue().encode()), "ho.csv")
    report = import_households(rows=rows, user=users["tandong_officer"])

    assert (report.errors, report.deaths_recorded) == ([], 1)
    assert sorted(Membership.objects.values_list("person__national_id", "joined_on", "left_on")) == [
        (HEAD, date(2005, 8, 15), None),
        (MOTHER, None, date(2019, 3, 2)),
    ]


def test_the_command_line_records_the_death_and_says_so(units, users, tmp_path):
    path = tmp_path / "ho.csv"
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(FILE_COLUMNS)
    for row in (line(), mother(date_of_death="2019-03-02")):
        writer.writerow([row[name] for name in FILE_COLUMNS])
    path.write_text(text.getvalue(), encoding="utf-8")
    out = io.StringIO()

    call_command("import_households", str(path), "--user", "tandong.officer", stdout=out)

    assert out.getvalue() == (
        "Imported. Households created: 1, updated: 0. Persons created: 2, updated: 0. Memberships created: 2. "
        "Deaths recorded: 1.\n"
    )
    death = HouseholdEvent.objects.get(kind="death")
    assert (death.actor, death.data["date_of_death"]) == (users["tandong_officer"], "2019-03-02")


# --- the services and the page ------------------------------------------------------------------

FAMILY = (
    ("Nguyễn Văn An", "M", date(1970, 1, 1), "head"),
    ("Trần Thị Bình", "F", date(1940, 3, 4), "parent"),
    ("Nguyễn Văn Cường", "M", date(2001, 6, 7), "child"),
)


@pytest.fixture
def family(units):
    """Members since 2020-01-01 (``make_household``)."""
    return make_household(units.tan_dong, units.tan_dong_village, members=FAMILY)


def test_the_service_refuses_a_death_before_a_known_member_since_date_and_changes_nothing(family, users):
    parent = family.memberships.get(relationship="parent")
    before = everything()

    with pytest.raises(ValidationError) as error:
        person_record_death(
            person=parent.person, date_of_death=date(2019, 12, 31), acting_user=users["tandong_officer"]
        )

    assert error.value.message_dict == {"date_of_death": ["is before the person joined the household (01/01/2020)"]}
    assert everything() == before


def test_an_unknown_member_since_date_lets_the_service_record_an_old_death(family, users):
    parent = family.memberships.get(relationship="parent")
    Membership.objects.filter(pk=parent.pk).update(joined_on=None)

    person_record_death(person=parent.person, date_of_death=date(1999, 7, 1), acting_user=users["tandong_officer"])

    parent.refresh_from_db()
    assert (parent.person.date_of_death, parent.joined_on, parent.left_on) == (date(1999, 7, 1), None, date(1999, 7, 1))
    assert HouseholdEvent.objects.get(kind="death").data == {"name": "Trần Thị Bình", "date_of_death": "1999-07-01"}


def test_a_move_or_a_transfer_before_a_known_member_since_date_is_refused(units, family, users):
    officer = users["tandong_officer"]
    child_membership = family.memberships.get(relationship="child")
    other = make_household(units.tan_dong, units.tan_dong_village, code="HH-002")
    before = everything()

    with pytest.raises(ValidationError) as moved:
        member_move(membership=child_membership, to_household=other, relationship="child", moved_on=date(2019, 6, 1),
                    reason="lập gia đình", acting_user=officer)  # fmt: skip
    with pytest.raises(ValidationError) as transferred:
        person_transfer(membership=child_membership, to_commune=units.binh_minh, moved_on=date(2019, 6, 1),
                        reason="đi làm", acting_user=officer)  # fmt: skip

    assert moved.value.message_dict == {"moved_on": ["is before the person joined the household (01/01/2020)"]}
    assert transferred.value.message_dict == {"moved_on": ["is before the person joined the household (01/01/2020)"]}
    assert everything() == before

    # Unknown: no lower bound.
    Membership.objects.filter(pk=child_membership.pk).update(joined_on=None)
    child_membership.refresh_from_db()
    new = member_move(membership=child_membership, to_household=other, relationship="child", moved_on=date(2019, 6, 1),
                      reason="lập gia đình", acting_user=officer)  # fmt: skip
    assert (new.joined_on, Membership.objects.get(pk=child_membership.pk).left_on) == (
        date(2019, 6, 1),
        date(2019, 6, 1),
    )


def test_the_page_refuses_a_death_before_a_known_member_since_date(client_for, family):
    parent = family.memberships.get(relationship="parent")
    url = reverse("households:record_death", kwargs={"household_uuid": family.uuid, "membership_id": parent.pk})
    before = everything()

    response = client_for("tandong_officer").post(url, {"date_of_death": "31/12/2019", "reason": ""})

    assert response.status_code == 200
    assert "sớm hơn ngày nhập hộ (01/01/2020)" in response.content.decode()
    assert everything() == before


def test_the_page_records_an_old_death_when_member_since_is_unknown(client_for, family):
    parent = family.memberships.get(relationship="parent")
    Membership.objects.filter(pk=parent.pk).update(joined_on=None)
    url = reverse("households:record_death", kwargs={"household_uuid": family.uuid, "membership_id": parent.pk})

    response = client_for("tandong_officer").post(url, {"date_of_death": "01/07/1999", "reason": ""})

    assert response.status_code == 302
    assert Person.objects.get(pk=parent.person_id).date_of_death == date(1999, 7, 1)


def test_the_household_page_says_when_member_since_is_not_known(client_for, family):
    head = family.memberships.get(relationship="head")
    Membership.objects.filter(pk=head.pk).update(joined_on=None)

    page = client_for("tandong_officer").get(reverse("households:detail", kwargs={"household_uuid": family.uuid}))

    text = page.content.decode()
    assert text.count('data-testid="member-since"') == 3
    assert '<div class="small text-muted" data-testid="member-since">Thành viên từ: không rõ</div>' in text
    assert text.count("Thành viên từ: 01/01/2020") == 2


def test_living_members_on_a_past_day_count_an_unknown_member_since(family):
    Membership.objects.filter(household=family, relationship="head").update(joined_on=None)

    living = Membership.objects.filter(living_members_q(date(2015, 1, 1)))

    # The head (since a day not known) lived there in 2015; the others joined on 2020-01-01.
    assert list(living.values_list("person__full_name", flat=True)) == ["Nguyễn Văn An"]


def test_the_person_s_own_record_says_when_member_since_is_not_known(family):
    from households.privacy import person_registry_records

    head = family.memberships.get(relationship="head")
    Membership.objects.filter(pk=head.pk).update(joined_on=None)

    sections = person_registry_records(head.person_id)

    assert sections[1].rows == [("HH-001 · Xã Tân Đông", "Head, from a date not known")]
