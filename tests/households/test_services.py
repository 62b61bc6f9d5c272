"""Every registry action, and every refusal with nothing changed."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from households.models import DuplicateFlag, Household, HouseholdEvent, Membership, Person
from households.services import (
    household_change_head,
    household_edit,
    household_register,
    household_split,
    household_transfer,
    member_add,
    member_edit,
    member_move,
    person_data_from,
    person_record_death,
    person_transfer,
    transfer_accept_household,
)
from tests.households.factories import make_household, national_id_for, person_data

FAMILY = (
    ("Nguyễn Văn An", "M", date(1970, 1, 1), "head"),
    ("Trần Thị Bình", "F", date(1972, 3, 4), "spouse"),
    ("Nguyễn Văn Cường", "M", date(2001, 6, 7), "child"),
)


def counts():
    return (
        Person.objects.count(),
        Household.objects.count(),
        Membership.objects.count(),
        HouseholdEvent.objects.count(),
    )


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


@pytest.fixture
def family(units):
    return make_household(units.tan_dong, units.tan_dong_village, members=FAMILY)


def members_of(household):
    return sorted(household.memberships.filter(left_on__isnull=True).values_list("person__full_name", "relationship"))


def test_register_a_household_with_head_and_members(units, officer):
    household = household_register(
        commune=units.tan_dong,
        village=units.tan_dong_village,
        code="TD-0001",
        address="Tổ 3",
        head=person_data("Lê Văn Hùng", "M", date(1965, 2, 1), phone="0912 345 678"),
        members=[(person_data("Phạm Thị Lan", "F", date(1968, 8, 9), disability_level="severe"), "spouse")],
        acting_user=officer,
    )

    assert (household.code, household.area, household.member_count, household.has_disability) == (
        "TD-0001",
        "rural",
        2,
        True,
    )
    assert household.head.full_name == "Lê Văn Hùng"
    assert household.head.phone == "+84912345678"
    assert household.head.search_name == "le van hung"
    assert members_of(household) == [("Lê Văn Hùng", "head"), ("Phạm Thị Lan", "spouse")]
    event = HouseholdEvent.objects.get(household=household)
    assert (event.kind, event.actor, event.commune_id, event.data) == (
        "registered",
        officer,
        "25522",
        {"code": "TD-0001", "members": 2},
    )


def test_register_refuses_every_problem_at_once_and_saves_nothing(units, officer, family):
    before = counts()
    bad_head = person_data("", "X", date(2030, 1, 1))
    bad_member = person_data("Phạm Thị Lan", "F", date(1968, 8, 9))
    bad_member.national_id = "072068"  # too short

    with pytest.raises(ValidationError) as error:
        household_register(
            commune=units.tan_dong,
            village=units.binh_minh_village,
            code=family.code,
            head=bad_head,
            members=[(bad_member, "spouse"), (person_data(), "head")],
            acting_user=officer,
        )

    assert sorted(error.value.message_dict) == [
        "code", "date_of_birth", "full_name", "members", "members[1].national_id", "sex", "village",
    ]  # fmt: skip
    assert error.value.message_dict["members[1].national_id"] == ["must be 12 digits"]
    assert counts() == before


def test_register_refuses_a_person_who_lives_in_another_household(units, officer, family):
    head = family.head
    before = counts()

    with pytest.raises(ValidationError) as error:
        household_register(
            commune=units.tan_dong, village=units.tan_dong_village, code="TD-0002",
            head=person_data_from(head), acting_user=officer,
        )  # fmt: skip

    assert error.value.message_dict["national_id"] == [
        f"{head.national_id} already belongs to household HH-001 of Xã Tân Đông"
    ]
    assert counts() == before


def test_database_allows_one_current_household_per_person(family, units):
    person = family.head
    other = Household.objects.create(commune=units.tan_dong, village=units.tan_dong_village, code="X", area="rural")

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=person, household=other, relationship="other", joined_on=date(2024, 1, 1))


@pytest.mark.parametrize(
    ("national_id", "message"),
    [
        ("07208000123", "must be 12 digits"),
        ("003080001234", "unknown province prefix 003"),
        ("072180001234", "its sex digit does not match the person's sex"),
        ("072281001234", "its century digit does not match the year of birth"),
        ("072081001234", "its year digits 81 do not match the year of birth"),
    ],
)
def test_member_add_refuses_a_bad_national_id(family, officer, national_id, message):
    data = person_data("Nguyễn Văn Dũng", "M", date(1980, 5, 1))
    data.national_id = national_id
    before = counts()

    with pytest.raises(ValidationError) as error:
        member_add(household=family, data=data, relationship="child", acting_user=officer)

    assert message in error.value.message_dict["national_id"]
    assert counts() == before


def test_member_add_and_flag_a_possible_duplicate(family, officer, units):
    twin = person_data("Nguyễn Văn Cường", "M", date(2001, 6, 7))

    membership = member_add(household=family, data=twin, relationship="grandchild", acting_user=officer)

    family.refresh_from_db()
    assert family.member_count == 4
    flag = DuplicateFlag.objects.get()
    assert (flag.person, flag.existing.full_name, flag.status) == (membership.person, "Nguyễn Văn Cường", "open")
    assert HouseholdEvent.objects.filter(household=family, kind="member_added", person=membership.person).count() == 1


def test_member_edit_records_old_and_new_values(family, officer):
    person = family.head

    member_edit(person=person, data=person_data_from(person, full_name="Nguyễn Văn Ân", disability_level="mild"),
                reason="sửa theo CCCD", acting_user=officer)  # fmt: skip

    person.refresh_from_db()
    family.refresh_from_db()
    assert (person.full_name, person.search_name, family.has_disability) == ("Nguyễn Văn Ân", "nguyen van an", True)
    event = HouseholdEvent.objects.get(kind="member_edited")
    assert event.data["changes"] == {
        "full_name": ["Nguyễn Văn An", "Nguyễn Văn Ân"],
        "disability_level": ["none", "mild"],
    }
    assert event.reason == "sửa theo CCCD"
    assert person.history.count() == 2


def test_member_edit_refuses_someone_elses_national_id(family, officer):
    spouse = family.memberships.get(relationship="spouse").person

    with pytest.raises(ValidationError) as error:
        member_edit(
            person=spouse, data=person_data_from(spouse, national_id=family.head.national_id), acting_user=officer
        )

    assert f"{family.head.national_id} belongs to someone else" in error.value.message_dict["national_id"]
    spouse.refresh_from_db()
    assert spouse.national_id != family.head.national_id


def test_move_a_member_within_the_commune(units, family, officer):
    other = make_household(units.tan_dong, units.tan_dong_village, code="HH-002",
                           members=(("Lê Thị Hoa", "F", date(1950, 1, 1), "head"),))  # fmt: skip
    child = family.memberships.get(relationship="child")

    member_move(membership=child, to_household=other, relationship="grandchild", moved_on=date(2025, 3, 1),
                reason="về ở với bà", acting_user=officer)  # fmt: skip

    family.refresh_from_db()
    other.refresh_from_db()
    assert (family.member_count, other.member_count) == (2, 2)
    assert members_of(other) == [("Lê Thị Hoa", "head"), ("Nguyễn Văn Cường", "grandchild")]
    child.refresh_from_db()
    assert (child.left_on, child.left_reason) == (date(2025, 3, 1), "về ở với bà")
    assert list(HouseholdEvent.objects.order_by("id").values_list("household__code", "kind")) == [
        ("HH-001", "member_left"),
        ("HH-002", "member_joined"),
    ]


def test_the_head_cannot_move_away_before_the_head_changes(units, family, officer):
    other = make_household(units.tan_dong, units.tan_dong_village, code="HH-002")
    before = counts()

    with pytest.raises(ValidationError) as error:
        member_move(membership=family.memberships.get(relationship="head"), to_household=other, relationship="other",
                    moved_on=date(2025, 3, 1), reason="x", acting_user=officer)  # fmt: skip

    assert "change the head first" in error.value.message_dict["person"][0]
    assert counts() == before


def test_change_head(family, officer):
    spouse = family.memberships.get(relationship="spouse")

    household_change_head(household=family, new_head=spouse, former_head_relationship="spouse", reason="chồng đi làm xa",
                          acting_user=officer)  # fmt: skip

    family.refresh_from_db()
    assert family.head.full_name == "Trần Thị Bình"
    assert members_of(family) == [("Nguyễn Văn An", "spouse"), ("Nguyễn Văn Cường", "child"), ("Trần Thị Bình", "head")]


def test_record_the_death_of_a_member(family, officer):
    child = family.memberships.get(relationship="child")

    person_record_death(person=child.person, date_of_death=date(2025, 1, 15), acting_user=officer)

    family.refresh_from_db()
    child.refresh_from_db()
    assert family.member_count == 2
    assert (child.person.date_of_death, child.left_on, child.left_reason) == (
        date(2025, 1, 15),
        date(2025, 1, 15),
        "died",
    )
    event = HouseholdEvent.objects.get(kind="death")
    assert event.data == {"name": "Nguyễn Văn Cường", "date_of_death": "2025-01-15"}


def test_the_death_of_the_head_needs_a_new_head(family, officer):
    head = family.head
    before = counts()

    with pytest.raises(ValidationError) as error:
        person_record_death(person=head, date_of_death=date(2025, 1, 15), acting_user=officer)

    assert list(error.value.message_dict) == ["new_head"]
    assert counts() == before
    head.refresh_from_db()
    assert head.date_of_death is None

    spouse = family.memberships.get(relationship="spouse")
    person_record_death(person=head, date_of_death=date(2025, 1, 15), new_head=spouse, acting_user=officer)
    family.refresh_from_db()
    assert family.head == spouse.person
    assert members_of(family) == [("Nguyễn Văn Cường", "child"), ("Trần Thị Bình", "head")]


def test_a_death_in_the_future_or_twice_is_refused(family, officer):
    child = family.memberships.get(relationship="child").person
    with pytest.raises(ValidationError):
        person_record_death(person=child, date_of_death=date(2999, 1, 1), acting_user=officer)
    person_record_death(person=child, date_of_death=date(2025, 1, 1), acting_user=officer)

    with pytest.raises(ValidationError) as error:
        person_record_death(person=child, date_of_death=date(2025, 2, 1), acting_user=officer)

    assert "already recorded" in error.value.message_dict["date_of_death"][0]
    assert HouseholdEvent.objects.filter(kind="death").count() == 1


def test_split_a_household(units, family, officer):
    child = family.memberships.get(relationship="child")

    new = household_split(household=family, memberships=[child], new_head=child, new_code="HH-003",
                          village=units.tan_dong_village, address="Tổ 5", split_on=date(2025, 6, 1),
                          reason="con lập gia đình", acting_user=officer)  # fmt: skip

    family.refresh_from_db()
    assert (new.code, new.head.full_name, new.member_count, family.member_count) == ("HH-003", "Nguyễn Văn Cường", 1, 2)
    assert members_of(new) == [("Nguyễn Văn Cường", "head")]
    assert HouseholdEvent.objects.filter(kind="split").count() == 2


def test_split_refuses_a_taken_code_and_changes_nothing(units, family, officer):
    child = family.memberships.get(relationship="child")
    before = counts()

    with pytest.raises(ValidationError) as error:
        household_split(household=family, memberships=[child], new_head=child, new_code="HH-001",
                        village=units.binh_minh_village, address="", split_on=date(2025, 6, 1), reason="",
                        acting_user=officer)  # fmt: skip

    assert sorted(error.value.message_dict) == ["new_code", "reason", "village"]
    assert counts() == before


def test_a_household_transfer_is_a_request_and_the_household_moves_when_accepted(units, family, officer, users):
    transfer = household_transfer(household=family, to_commune=units.binh_minh, transferred_on=date(2025, 7, 1),
                                  reason="chuyển nơi ở", acting_user=officer)  # fmt: skip

    family.refresh_from_db()
    assert (family.commune_id, family.village, family.code) == ("25522", units.tan_dong_village, "HH-001")
    assert (transfer.kind, transfer.status, transfer.from_commune_id, transfer.to_commune_id) == (
        "household", "pending", "25522", "25480"
    )  # fmt: skip

    transfer_accept_household(transfer=transfer, village=units.binh_minh_village, acting_user=users["binhminh_officer"])

    family.refresh_from_db()
    assert (family.commune_id, family.village, family.code, family.area) == (
        "25480", units.binh_minh_village, "HH-001", "urban"
    )  # fmt: skip
    events = list(HouseholdEvent.objects.order_by("id").values_list("kind", "commune_id"))
    assert events == [("transfer_requested", "25522"), ("transferred_out", "25522"), ("transferred_in", "25480")]
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.placed_in) == ("accepted", users["binhminh_officer"], family)
    assert [member["full_name"] for member in transfer.members] == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Nguyễn Văn Cường",
    ]


def test_transfer_a_person_to_another_commune_and_their_arrival(units, family, officer, users):
    child = family.memberships.get(relationship="child")

    transfer = person_transfer(membership=child, to_commune=units.binh_minh, moved_on=date(2025, 8, 1),
                               reason="đi học", acting_user=officer)  # fmt: skip

    assert (transfer.from_commune_id, transfer.to_commune_id, transfer.status) == ("25522", "25480", "pending")
    child.refresh_from_db()
    assert child.is_current  # still a member until Bình Minh takes them in
    receiving = make_household(units.binh_minh, units.binh_minh_village, code="BM-1",
                               members=(("Võ Văn Tư", "M", date(1960, 1, 1), "head"),))  # fmt: skip
    member_add(household=receiving, data=person_data_from(child.person), relationship="other",
               acting_user=users["binhminh_officer"])  # fmt: skip
    transfer.refresh_from_db()
    assert (transfer.status, transfer.placed_in) == ("accepted", receiving)
    assert members_of(receiving) == [("Nguyễn Văn Cường", "other"), ("Võ Văn Tư", "head")]
    child.refresh_from_db()
    assert (child.left_on, child.left_reason) == (date(2025, 8, 1), "đi học")
    assert receiving.memberships.get(person=child.person).joined_on == date(2025, 8, 1)
    family.refresh_from_db()
    assert family.member_count == 2


def test_household_edit(units, family, officer):
    from geography.models import Village

    new_village = Village.objects.create(commune=units.tan_dong, name="Ấp Tân Hòa", kind="ap")

    household_edit(household=family, village=new_village, address="Tổ 9", area="urban", acting_user=officer)

    family.refresh_from_db()
    assert (family.village, family.address, family.area) == (new_village, "Tổ 9", "urban")
    assert HouseholdEvent.objects.get(kind="household_edited").data["changes"] == {
        "village": ["Ấp Đông Hà", "Ấp Tân Hòa"],
        "address": ["", "Tổ 9"],
        "area": ["rural", "urban"],
    }


def test_household_edit_records_the_housing_area_and_keeps_it_when_left_out(units, family, officer):
    from decimal import Decimal

    household_edit(household=family, village=family.village, address="", area="rural",
                   housing_area_m2=Decimal("36.5"), acting_user=officer)  # fmt: skip
    household_edit(household=family, village=family.village, address="Tổ 2", area="rural", acting_user=officer)

    family.refresh_from_db()
    assert family.housing_area_m2 == Decimal("36.5")
    changes = [event.data["changes"] for event in HouseholdEvent.objects.filter(kind="household_edited")]
    assert changes == [{"address": ["", "Tổ 2"]}, {"housing_area_m2": ["", "36.5"]}]


def test_national_id_helper_is_valid_for_the_factories():
    from households.identity import national_id_problems

    assert national_id_problems(national_id_for("F", date(2003, 1, 1)), sex="F", date_of_birth=date(2003, 1, 1)) == []


def test_merge_a_person_entered_twice(units, family, officer):
    from households.services import duplicate_resolve

    child = family.memberships.get(relationship="child")
    # Left the household before transfers were requests (no current household, last in Tân Đông).
    Membership.objects.filter(pk=child.pk).update(left_on=date(2025, 1, 1), left_reason="đi làm")
    other = make_household(units.tan_dong, units.tan_dong_village, code="HH-009",
                           members=(("Lê Thị Hoa", "F", date(1950, 1, 1), "head"),))  # fmt: skip
    again = member_add(household=other, data=person_data("Nguyễn Văn Cường", "M", date(2001, 6, 7)),
                       relationship="grandchild", acting_user=officer)  # fmt: skip
    flag = DuplicateFlag.objects.get(person=again.person)

    duplicate_resolve(flag=flag, same_person=True, acting_user=officer)

    assert not Person.objects.filter(pk=again.person_id).exists()
    assert members_of(other) == [("Lê Thị Hoa", "head"), ("Nguyễn Văn Cường", "grandchild")]
    assert other.memberships.get(relationship="grandchild").person == child.person
    assert HouseholdEvent.objects.get(kind="persons_merged").data["kept"] == child.person.national_id
    assert DuplicateFlag.objects.count() == 0


def test_merge_is_refused_when_both_records_live_in_households(family, officer):
    from households.services import duplicate_resolve

    twin = member_add(household=family, data=person_data("Nguyễn Văn Cường", "M", date(2001, 6, 7)),
                      relationship="other", acting_user=officer)  # fmt: skip
    flag = DuplicateFlag.objects.get(person=twin.person)

    with pytest.raises(ValidationError):
        duplicate_resolve(flag=flag, same_person=True, acting_user=officer)

    assert Person.objects.filter(pk=twin.person_id).exists()
    duplicate_resolve(flag=flag, same_person=False, acting_user=officer)
    flag.refresh_from_db()
    assert flag.status == "different"
