"""Household registry import (rules.md §4.0): reading files, every error kind, atomicity, dry run,
updates of registered households, and the management command."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from households.ethnicity import ETHNIC_GROUPS
from households.importing import COLUMNS, RowError, import_households, read_rows
from households.models import DuplicateFlag, Household, HouseholdEvent, Membership, Person, Transfer
from households.selectors import household_list_for_user
from households.services import PersonData, household_register, person_record_death, person_transfer

MAN_1980 = "072080001234"  # a man born 1980-05-01
WOMAN_2001 = "072301000001"  # a woman born 2001-02-03
# What a refusal says of a person outside the user's communes (households.disclosure, issue 15 §3).
NEUTRAL = (
    "this national ID cannot be used here: if the person is registered in another commune, ask that commune "
    "to transfer them to yours (a transfer request)"
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def cccd(sex: str, born: str, serial: int) -> str:
    year = int(born[:4])
    digit = (0 if year < 2000 else 2) + (1 if sex == "F" else 0)
    return f"072{digit}{year % 100:02d}{serial:06d}"


def line(**values) -> dict[str, str]:
    """One valid line: the head of HH-001 in Ấp Đông Hà, Xã Tân Đông; override any column."""
    row = {
        "household_code": "HH-001",
        "commune_code": "25522",
        "village": "Ấp Đông Hà",
        "address": "12 đường Số 1",
        "area": "",
        "national_id": MAN_1980,
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "1980-05-01",
        "sex": "M",
        "relationship": "head",
        "ethnicity": "Kinh",
        "phone": "",
        "disability_level": "",
    }
    row.update(values)
    return row


def member(serial: int, *, sex="F", born="2001-02-03", relationship="child", **values) -> dict[str, str]:
    return line(
        national_id=values.pop("national_id", cccd(sex, born, serial)),
        full_name=values.pop("full_name", f"Nguyễn Thị Con {serial}"),
        date_of_birth=born,
        sex=sex,
        relationship=relationship,
        **values,
    )


def csv_bytes(rows: list[dict[str, str]], *, bom: bool = False, header=COLUMNS) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return (("\ufeff" if bom else "") + text.getvalue()).encode()


def xlsx_bytes(table: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in table:
        sheet.append(values)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        Membership.objects.count(),
        HouseholdEvent.objects.count(),
    )


def pairs(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


def register(units, user, *, code="HH-100", head_id=MAN_1980, members=()) -> Household:
    head = PersonData(national_id=head_id, full_name="Trần Văn Bình", date_of_birth=date(1980, 5, 1), sex="M")
    return household_register(
        commune=units.tan_dong,
        village=units.tan_dong_village,
        code=code,
        address="1 ấp Đông Hà",
        head=head,
        members=list(members),
        registered_on=date(2024, 1, 1),
        acting_user=user,
    )


# --- a clean file ------------------------------------------------------------------------------


def test_a_clean_file_registers_households_members_and_one_event_each(units, users):
    officer = users["tandong_officer"]
    rows = [
        line(phone="0912 345 678"),
        member(1, relationship="spouse", full_name="Lê Thị Hoa", born="2001-02-03", ethnicity="khmer"),
        member(2, sex="M", born="2015-06-01", disability_level="severe"),
        line(
            household_code="HH-002",
            village="ap dong ha",
            address="",
            area="urban",
            national_id=cccd("F", "1990-01-01", 3),
            full_name="Phạm Thị Lan",
            date_of_birth="1990-01-01",
            sex="F",
        ),  # fmt: skip
    ]

    report = import_households(rows=rows, user=officer)

    assert report.ok
    assert (report.households_created, report.households_updated) == (2, 0)
    assert (report.persons_created, report.persons_updated, report.memberships_created) == (4, 0, 4)
    first = Household.objects.get(commune=units.tan_dong, code="HH-001")
    second = Household.objects.get(commune=units.tan_dong, code="HH-002")
    assert (first.village, first.address, first.area, first.head.national_id) == (
        units.tan_dong_village, "12 đường Số 1", "rural", MAN_1980
    )  # fmt: skip
    assert (first.member_count, first.has_disability) == (3, True)
    assert (second.village, second.address, second.area, second.member_count, second.has_disability) == (
        units.tan_dong_village, "", "urban", 1, False
    )  # fmt: skip
    head = Person.objects.get(national_id=MAN_1980)
    assert (head.full_name, head.search_name, head.date_of_birth, head.sex, head.ethnicity, head.phone) == (
        "Nguyễn Văn An", "nguyen van an", date(1980, 5, 1), "M", "01", "+84912345678"
    )  # fmt: skip
    assert Person.objects.get(full_name="Lê Thị Hoa").ethnicity == "05"
    assert Person.objects.get(national_id=cccd("M", "2015-06-01", 2)).disability_level == "severe"
    assert sorted(first.memberships.values_list("relationship", "left_on")) == [
        ("child", None), ("head", None), ("spouse", None)
    ]  # fmt: skip
    events = {event.household.code: event for event in HouseholdEvent.objects.select_related("household")}
    assert {code: (e.kind, e.data, e.actor, e.commune_id) for code, e in events.items()} == {
        "HH-001": ("registered", {"code": "HH-001", "members": 3}, officer, "25522"),
        "HH-002": ("registered", {"code": "HH-002", "members": 1}, officer, "25522"),
    }
    assert head.history.get().history_user == officer
    assert first.history.get().history_type == "+"
    found = household_list_for_user(officer, search="le thi hoa")
    assert [household.code for household in found] == ["HH-001"]


def test_an_empty_line_in_the_middle_is_skipped_and_line_numbers_stay(units, users):
    rows = [line(), dict.fromkeys(COLUMNS, ""), member(1, sex="X")]

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert report.errors == [RowError(4, "sex", "“X” is not accepted; accepted: Nam, Nữ, M, F")]


# --- every error kind, one at a time -----------------------------------------------------------

SINGLE_LINE_ERRORS = {
    "not 12 digits": ({"national_id": "07208000123"}, "national_id", "must be 12 digits"),
    "letters": ({"national_id": "07208000123A"}, "national_id", "must be 12 digits"),
    "province prefix": ({"national_id": "999080001234"}, "national_id", "unknown province prefix 999"),
    "sex digit": ({"national_id": "072180001234"}, "national_id", "its sex digit does not match the person's sex"),
    "century digit": (
        {"national_id": "072280001234"},
        "national_id",
        "its century digit does not match the year of birth",
    ),
    "year digits": (
        {"national_id": "072081001234"},
        "national_id",
        "its year digits 81 do not match the year of birth",
    ),
    "sex/century digit": ({"national_id": "072780001234"}, "national_id", "sex/century digit 7 is not 0–5"),
    "unknown commune": ({"commune_code": "99999"}, "commune_code", "unknown commune"),
    "commune outside the user's units": ({"commune_code": "25480"}, "commune_code", "unknown commune"),
    "unknown village": ({"village": "Ấp Không Có"}, "village", "unknown village “Ấp Không Có” in Xã Tân Đông"),
    "unparseable date": (
        {"date_of_birth": "May 1980"},
        "date_of_birth",
        "May 1980 is not a date (dd/mm/yyyy or YYYY-MM-DD)",
    ),
    "impossible date": (
        {"date_of_birth": "1980-02-30"},
        "date_of_birth",
        "1980-02-30 is not a date (dd/mm/yyyy or YYYY-MM-DD)",
    ),
    "future date": ({"date_of_birth": "2980-05-01"}, "date_of_birth", "2980-05-01 is not a possible date of birth"),
    "before 1900": ({"date_of_birth": "1899-12-31"}, "date_of_birth", "1899-12-31 is not a possible date of birth"),
    "unknown ethnicity, none close": (
        {"ethnicity": "Klingon"},
        "ethnicity",
        "“Klingon” is not an ethnic group; accepted: " + ", ".join(name for _code, name in ETHNIC_GROUPS),
    ),
    "unknown ethnicity, the closest listed": (
        {"ethnicity": "Khome"},
        "ethnicity",
        "“Khome” is not an ethnic group; the closest accepted: Khmer, Khơ Mú",
    ),
    "bad sex": ({"sex": "X"}, "sex", "“X” is not accepted; accepted: Nam, Nữ, M, F"),
    "bad relationship": (
        {"relationship": "boss"},
        "relationship",
        "“boss” is not a relationship; accepted: chủ hộ, vợ, chồng, con, cha, mẹ, cháu, anh, chị, em, ông, bà, "
        "khác, head, spouse, child, parent, grandchild, sibling, other",
    ),
    "bad disability level": (
        {"disability_level": "very"},
        "disability_level",
        "“very” is not accepted; accepted: không, nhẹ, nặng, đặc biệt nặng, none, mild, severe, extremely_severe",
    ),
    "bad phone": ({"phone": "12345"}, "phone", "not a valid phone number"),
    "not a phone": ({"phone": "abc"}, "phone", "not a phone number"),
    "bad area": ({"area": "suburban"}, "area", "must be rural, urban or empty"),
    "empty household code": ({"household_code": ""}, "household_code", "is required"),
    "empty commune code": ({"commune_code": ""}, "commune_code", "is required"),
    "empty village": ({"village": ""}, "village", "is required"),
    # An adult (born 1980): a child under 14 may have none (tests/households/test_register.py).
    "empty national ID": ({"national_id": ""}, "national_id", "is required from the age of 14"),
    "empty name": ({"full_name": "  "}, "full_name", "is required"),
    "empty date of birth": ({"date_of_birth": ""}, "date_of_birth", "is required"),
    "empty sex": ({"sex": ""}, "sex", "is required"),
    "empty relationship": ({"relationship": ""}, "relationship", "is required"),
    "empty ethnicity": ({"ethnicity": ""}, "ethnicity", "is required"),
    "long household code": ({"household_code": "H" * 31}, "household_code", "is longer than 30 characters"),
}


@pytest.mark.parametrize("case", sorted(SINGLE_LINE_ERRORS))
def test_each_error_kind_is_reported_on_its_line_and_column(case, units, users):
    overrides, column, message = SINGLE_LINE_ERRORS[case]
    before = counts()

    report = import_households(rows=[line(**overrides)], user=users["tandong_officer"])

    assert report.errors == [RowError(2, column, message)]
    assert (report.households_created, report.persons_created) == (0, 0)
    assert counts() == before


def test_a_national_id_with_several_faults_lists_each_reason(units, users):
    report = import_households(rows=[line(national_id="999181001234")], user=users["tandong_officer"])

    assert report.errors == [
        RowError(2, "national_id", "unknown province prefix 999"),
        RowError(2, "national_id", "its sex digit does not match the person's sex"),
        RowError(2, "national_id", "its year digits 81 do not match the year of birth"),
    ]


def test_two_heads_for_one_household(units, users):
    report = import_households(rows=[line(), member(1, relationship="head")], user=users["tandong_officer"])

    assert report.errors == [RowError(3, "relationship", "household HH-001 already has a head on line 2")]


def test_a_new_household_without_a_head(units, users):
    rows = [line(relationship="spouse"), member(1)]

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert report.errors == [
        RowError(2, "relationship", "household HH-001 has no head: one line must have the relationship “head”")
    ]


def test_lines_of_one_household_that_disagree_on_village_address_or_area(units, users):
    units.tan_dong.villages.create(name="Ấp Bàu Vừng", kind="ap")
    rows = [
        line(),
        member(1, village="ap dong ha"),  # the same village written without accents: agrees
        member(2, village="Ấp Bàu Vừng"),
        member(3, address="13 đường Số 1"),
        member(4, area="urban"),
        member(5, area="rural"),  # empty area = the commune's (rural): agrees
    ]

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert report.errors == [
        RowError(4, "village", "differs from line 2 of household HH-001"),
        RowError(5, "address", "differs from line 2 of household HH-001"),
        RowError(6, "area", "differs from line 2 of household HH-001"),
    ]


def test_the_same_national_id_twice_in_the_file(units, users):
    rows = [line(), line(household_code="HH-002")]

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert report.errors == [RowError(3, "national_id", f"{MAN_1980} is also on line 2")]


def test_a_person_living_in_another_household_is_refused_naming_that_household(units, users):
    register(units, users["tandong_officer"], code="HH-100")
    before = counts()

    report = import_households(rows=[line(household_code="HH-200")], user=users["tandong_officer"])

    assert report.errors == [
        RowError(2, "national_id", f"{MAN_1980} already belongs to household HH-100 of Xã Tân Đông")
    ]
    assert counts() == before


def test_a_person_recorded_as_deceased_is_refused(units, users):
    household = register(units, users["tandong_officer"], code="HH-100")
    person_record_death(person=household.head, date_of_death=date(2024, 6, 1), acting_user=users["tandong_officer"])

    report = import_households(rows=[line(household_code="HH-200")], user=users["tandong_officer"])

    assert report.errors == [RowError(2, "national_id", f"{MAN_1980} is recorded as deceased")]


def test_a_file_with_twenty_mistakes_lists_all_twenty_and_saves_nothing(units, users):
    lives_elsewhere = cccd("M", "1980-05-01", 900)
    register(units, users["tandong_officer"], code="HH-100", head_id=lives_elsewhere)
    before = counts()
    rows = [
        line(),  # 2: fine
        member(1, national_id="07230100000"),  # 3: 11 digits
        member(2, national_id="999301000002"),  # 4: unknown province prefix
        member(3, sex="M", national_id=cccd("F", "2001-02-03", 3)),  # 5: a woman's sex digit for a man
        member(4, born="2001-13-01"),  # 6: impossible date
        member(5, ethnicity="Martian"),  # 7
        member(6, relationship="cousin"),  # 8
        member(7, disability_level="total"),  # 9
        member(8, phone="12"),  # 10
        member(9, village="Ấp Đông Hà Mới"),  # 11: unknown village
        member(10, full_name=""),  # 12
        member(11, relationship="head"),  # 13: a second head
        member(12, address="elsewhere"),  # 14: disagrees with line 2
        member(13, household_code="HH-003", commune_code="26734"),  # 15: a commune of another province
        member(14, household_code="HH-004", relationship="spouse"),  # 16: a new household with no head
        member(20, household_code=""),  # 17
        line(household_code="HH-005", national_id=lives_elsewhere),  # 18: lives in HH-100
        member(15, born="1899-01-01"),  # 19: before 1900
        member(16, sex=""),  # 20
        member(17, area="town"),  # 21
        member(18, household_code="HH-006", relationship="head"),  # 22: fine
        member(19, household_code="HH-006", national_id=cccd("F", "2001-02-03", 18)),  # 23: the ID of line 22
    ]

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert pairs(report) == [
        (3, "national_id"),
        (4, "national_id"),
        (5, "national_id"),
        (6, "date_of_birth"),
        (7, "ethnicity"),
        (8, "relationship"),
        (9, "disability_level"),
        (10, "phone"),
        (11, "village"),
        (12, "full_name"),
        (13, "relationship"),
        (14, "address"),
        (15, "commune_code"),
        (16, "relationship"),
        (17, "household_code"),
        (18, "national_id"),
        (19, "date_of_birth"),
        (20, "sex"),
        (21, "area"),
        (23, "national_id"),
    ]
    assert (report.ok, report.households_created, report.persons_created) == (False, 0, 0)
    assert counts() == before


def test_one_bad_line_at_the_end_rejects_the_whole_file(units, users):
    rows = [
        line(),
        member(1),
        line(household_code="HH-002", national_id=cccd("M", "1980-05-01", 2)),
        member(3, sex="Q"),
    ]
    before = counts()

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert report.errors == [RowError(5, "sex", "“Q” is not accepted; accepted: Nam, Nữ, M, F")]
    assert counts() == before
    assert not Household.objects.filter(code__in=["HH-001", "HH-002"]).exists()


def test_a_user_who_may_not_manage_the_registry_cannot_import(units, users):
    with pytest.raises(PermissionDenied):
        import_households(rows=[line()], user=users["tayninh_province"])

    assert Person.objects.count() == 0


def test_a_collision_at_write_time_is_reported_and_nothing_is_saved(units, users, monkeypatch):
    """Another officer registers the same household between the check and the write."""
    register(units, users["tandong_officer"], code="HH-100", head_id=cccd("M", "1980-05-01", 77))
    monkeypatch.setattr("households.importing._load_households", lambda groups: None)
    before = counts()

    report = import_households(rows=[line(household_code="HH-100"), member(1, household_code="HH-100")],
                               user=users["tandong_officer"])  # fmt: skip

    assert report.errors == [RowError(0, "", "The registry changed during the import; nothing was saved. Try again.")]
    assert (report.households_created, report.persons_created) == (0, 0)
    assert counts() == before
    assert not Person.objects.filter(national_id=MAN_1980).exists()


# --- dry run -----------------------------------------------------------------------------------


def test_a_dry_run_counts_and_writes_nothing(units, users):
    register(units, users["tandong_officer"], code="HH-100")
    before = counts()
    rows = [
        line(household_code="HH-100", full_name="Trần Văn Bình"),
        member(1, household_code="HH-100"),
        line(household_code="HH-002", national_id=cccd("M", "1980-05-01", 2)),
        member(3, household_code="HH-002"),
    ]

    report = import_households(rows=rows, user=users["tandong_officer"], dry_run=True)

    assert (report.ok, report.dry_run) == (True, True)
    assert (report.households_created, report.households_updated) == (1, 1)
    assert (report.persons_created, report.persons_updated, report.memberships_created) == (3, 1, 3)
    assert counts() == before


# --- updates of registered households ----------------------------------------------------------


def test_a_registered_household_is_updated_members_added_and_none_removed(units, users):
    officer = users["tandong_officer"]
    spouse = PersonData(national_id=WOMAN_2001, full_name="Lê Thị Hoa", date_of_birth=date(2001, 2, 3), sex="F")
    child_id = cccd("M", "2020-01-01", 7)
    child = PersonData(national_id=child_id, full_name="Trần Văn Cường", date_of_birth=date(2020, 1, 1), sex="M")
    household = register(units, officer, members=[(spouse, "spouse"), (child, "child")])
    village = units.tan_dong.villages.create(name="Ấp Bàu Vừng", kind="ap")
    rows = [
        line(household_code="HH-100", village="ap bau vung", address="99 ấp Bàu Vừng", area="urban",
             full_name="Trần Văn Bình", phone="0912345678"),
        member(0, household_code="HH-100", village="ap bau vung", address="99 ấp Bàu Vừng", area="urban",
               national_id=WOMAN_2001, full_name="Lê Thị Hoa", relationship="other", disability_level="mild"),
        member(8, household_code="HH-100", village="ap bau vung", address="99 ấp Bàu Vừng", area="urban",
               full_name="Trần Thị Dung", relationship="grandchild"),
    ]  # fmt: skip

    report = import_households(rows=rows, user=officer)

    assert report.ok
    assert (report.households_created, report.households_updated) == (0, 1)
    assert (report.persons_created, report.persons_updated, report.memberships_created) == (1, 2, 1)
    household.refresh_from_db()
    assert (household.village, household.address, household.area) == (village, "99 ấp Bàu Vừng", "urban")
    assert (household.member_count, household.has_disability, household.head.national_id) == (4, True, MAN_1980)
    current = dict(
        household.memberships.filter(left_on__isnull=True).values_list("person__national_id", "relationship")
    )
    assert current == {
        MAN_1980: "head",
        WOMAN_2001: "other",
        child_id: "child",  # missing from the file, still a member
        cccd("F", "2001-02-03", 8): "grandchild",
    }
    assert Person.objects.get(national_id=MAN_1980).phone == "+84912345678"
    assert Person.objects.get(national_id=WOMAN_2001).disability_level == "mild"
    event = household.events.get(kind="imported")
    assert (event.data, event.actor, event.commune_id) == ({"created": 1, "updated": 2}, officer, "25522")
    assert household.history.filter(history_change_reason="import", history_user=officer).count() == 1
    assert Person.objects.get(national_id=MAN_1980).history.filter(history_change_reason="import").count() == 1
    assert Person.objects.get(national_id=child_id).history.filter(history_change_reason="import").count() == 0


def test_a_file_whose_head_differs_from_the_registered_head_is_refused(units, users):
    spouse = PersonData(national_id=WOMAN_2001, full_name="Lê Thị Hoa", date_of_birth=date(2001, 2, 3), sex="F")
    register(units, users["tandong_officer"], members=[(spouse, "spouse")])
    before = counts()
    rows = [
        line(household_code="HH-100", address="1 ấp Đông Hà", relationship="spouse"),
        member(0, household_code="HH-100", address="1 ấp Đông Hà", national_id=WOMAN_2001, relationship="head"),
    ]

    report = import_households(rows=rows, user=users["tandong_officer"])

    message = "the head differs from the registered head: use “change head” first"
    assert report.errors == [RowError(2, "relationship", message), RowError(3, "relationship", message)]
    assert counts() == before


def test_a_new_person_as_head_of_a_registered_household_is_refused(units, users):
    register(units, users["tandong_officer"])

    report = import_households(
        rows=[member(5, household_code="HH-100", relationship="head")], user=users["tandong_officer"]
    )

    assert report.errors == [
        RowError(2, "relationship", "the head differs from the registered head: use “change head” first")
    ]


def _bình_minh_family(units, users):
    spouse = PersonData(national_id=WOMAN_2001, full_name="Lê Thị Hoa", date_of_birth=date(2001, 2, 3), sex="F")
    head = PersonData(national_id=MAN_1980, full_name="Trần Văn Bình", date_of_birth=date(1980, 5, 1), sex="M")
    return household_register(commune=units.binh_minh, village=units.binh_minh_village, code="BM-1", head=head,
                              members=[(spouse, "spouse")], registered_on=date(2024, 1, 1),
                              acting_user=users["binhminh_officer"])  # fmt: skip


def test_a_person_whose_transfer_here_is_pending_joins_and_the_transfer_is_accepted(units, users):
    elsewhere = _bình_minh_family(units, users)
    leaving = elsewhere.memberships.get(person__national_id=WOMAN_2001)
    transfer = person_transfer(membership=leaving, to_commune=units.tan_dong, moved_on=date(2025, 1, 1),
                               reason="kết hôn", acting_user=users["binhminh_officer"])  # fmt: skip
    rows = [
        line(national_id=cccd("M", "1980-05-01", 2)),
        member(0, national_id=WOMAN_2001, full_name="Lê Thị Hoa", relationship="spouse"),
    ]

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert report.ok
    assert (report.persons_created, report.persons_updated, report.memberships_created) == (1, 1, 2)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.placed_in.code, transfer.decided_by) == (
        "accepted", "HH-001", users["tandong_officer"]
    )  # fmt: skip
    assert transfer.members == [
        {"full_name": "Lê Thị Hoa", "date_of_birth": "2001-02-03", "sex": "F", "national_id": WOMAN_2001}
    ]
    leaving.refresh_from_db()
    assert (leaving.left_on, leaving.left_reason) == (date(2025, 1, 1), "kết hôn")
    joined = Membership.objects.get(person__national_id=WOMAN_2001, left_on__isnull=True)
    assert (joined.household.code, joined.joined_on) == ("HH-001", date(2025, 1, 1))
    elsewhere.refresh_from_db()
    assert (elsewhere.member_count, elsewhere.dissolved_on) == (1, None)
    left = HouseholdEvent.objects.get(household=elsewhere, kind="member_left")
    assert (left.commune_id, left.reason, left.data) == (
        "25480", "kết hôn", {"name": "Lê Thị Hoa", "to_commune": "Xã Tân Đông"}
    )  # fmt: skip
    assert Transfer.objects.filter(status="pending").count() == 0


def test_a_person_of_another_commune_without_a_transfer_here_is_refused_and_nothing_changes(units, users):
    elsewhere = _bình_minh_family(units, users)
    person_transfer(membership=elsewhere.memberships.get(person__national_id=WOMAN_2001), to_commune=units.other_commune,
                    moved_on=date(2025, 1, 1), reason="đi làm", acting_user=users["binhminh_officer"])  # fmt: skip
    before = counts()

    report = import_households(
        rows=[line(national_id=cccd("M", "1980-05-01", 2)), member(0, national_id=WOMAN_2001, relationship="spouse")],
        user=users["tandong_officer"],
    )

    # Bình Minh is not the Tân Đông officer's: neither the household nor the commune is named (issue 15 §3).
    assert report.errors == [RowError(3, "national_id", NEUTRAL)]
    assert counts() == before
    assert Transfer.objects.get().status == "pending"


def test_a_person_without_a_household_last_registered_elsewhere_is_refused(units, users):
    elsewhere = _bình_minh_family(units, users)
    # Left before transfers were requests: no current household, last registered in Bình Minh.
    Membership.objects.filter(household=elsewhere, person__national_id=WOMAN_2001).update(left_on=date(2024, 6, 1))
    before = counts()

    report = import_households(
        rows=[line(national_id=cccd("M", "1980-05-01", 2)), member(0, national_id=WOMAN_2001, relationship="spouse")],
        user=users["tandong_officer"],
    )

    assert report.errors == [RowError(3, "national_id", NEUTRAL)]
    assert counts() == before


def test_new_persons_alike_someone_of_the_province_are_flagged(units, users):
    binh_minh_head = PersonData(
        national_id=cccd("M", "1980-05-01", 50), full_name="Nguyễn Văn An", date_of_birth=date(1980, 5, 1), sex="M"
    )
    existing = household_register(commune=units.binh_minh, village=units.binh_minh_village, code="BM-1",
                                  head=binh_minh_head, acting_user=users["binhminh_officer"]).head  # fmt: skip
    rows = [
        line(),  # same folded name and birth date as the Bình Minh head
        line(household_code="HH-002", national_id=cccd("M", "1980-05-01", 51), full_name="NGUYEN VAN AN"),
        line(household_code="HH-003", national_id=cccd("M", "1980-05-01", 52), full_name="Nguyễn Văn Ba"),
    ]

    report = import_households(rows=rows, user=users["tandong_officer"])

    assert report.ok
    first, second = (
        Person.objects.get(national_id=MAN_1980),
        Person.objects.get(national_id=cccd("M", "1980-05-01", 51)),
    )
    flags = set(DuplicateFlag.objects.values_list("person_id", "existing_id", "commune_id", "status"))
    assert flags == {
        (first.pk, existing.pk, "25522", "open"),
        (second.pk, existing.pk, "25522", "open"),
        (second.pk, first.pk, "25522", "open"),
    }


# --- reading files -----------------------------------------------------------------------------


def test_csv_with_and_without_bom_reads_the_same(units):
    rows = [line(), member(1)]

    plain = read_rows(io.BytesIO(csv_bytes(rows)), "households.csv")
    with_bom = read_rows(io.BytesIO(csv_bytes(rows, bom=True)), "HOUSEHOLDS.CSV")

    assert plain == with_bom == rows


def test_a_csv_saved_with_semicolons_is_read_too(units):
    data = csv_bytes([line(address="12, đường Số 1")]).decode()
    semicolons = "\n".join(";".join(next(csv.reader([text]))) for text in data.splitlines()) + "\n"

    assert read_rows(io.BytesIO(semicolons.encode()), "h.csv") == [line(address="12, đường Số 1")]


def test_csv_values_are_stripped_and_columns_may_come_in_any_order(units):
    header = list(reversed(COLUMNS))
    rows = read_rows(io.BytesIO(csv_bytes([line(full_name="  Nguyễn Văn An ")], header=header)), "x.csv")

    assert rows == [line()]


def test_xlsx_is_read_like_csv_and_numbers_get_their_leading_zeros_back(units):
    table = [
        COLUMNS,
        ["HH-001", 25522, "Ấp Đông Hà", "12 đường Số 1", None, 72080001234, "Nguyễn Văn An", date(1980, 5, 1),
         "M", "head", "Kinh", None, None],
        [],
    ]  # fmt: skip

    rows = read_rows(io.BytesIO(xlsx_bytes(table)), "households.xlsx")

    assert rows == [line()]


def test_a_whole_xlsx_import_registers_the_household(units, users):
    table = [COLUMNS, [line()[name] for name in COLUMNS], [member(1)[name] for name in COLUMNS]]

    report = import_households(rows=read_rows(io.BytesIO(xlsx_bytes(table)), "h.xlsx"), user=users["tandong_officer"])

    assert (report.ok, report.households_created, report.persons_created) == (True, 1, 2)
    assert Household.objects.get(code="HH-001").member_count == 2


def test_trailing_blank_lines_are_dropped(units):
    data = csv_bytes([line()]) + b",,,,,,,,,,,,\r\n\r\n"

    assert read_rows(io.BytesIO(data), "h.csv") == [line()]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([c for c in COLUMNS if c != "phone"], "Missing columns: phone."),
        ([*COLUMNS, "note"], "Unknown columns: note."),
        ([*COLUMNS, "phone"], "Columns named more than once: phone."),
        (["household_code", "", *COLUMNS[1:]], "Column 2 of the header has no name."),
    ],
)
def test_a_wrong_header_is_refused(header, message, units):
    with pytest.raises(ValidationError) as error:
        read_rows(io.BytesIO(csv_bytes([], header=header)), "h.csv")

    assert error.value.messages == [message]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "h.csv", "The file has no header line."),
        ("household_code;Tân".encode("cp1258"), "h.csv", "The file is not UTF-8 text: save it as “CSV UTF-8”."),
        (b"not a zip", "h.xlsx", "The file is not a readable XLSX workbook."),
        (b"a,b", "h.txt", "Choose a .csv or .xlsx file."),
    ],
)
def test_an_unreadable_file_is_refused(data, filename, message, units):
    with pytest.raises(ValidationError) as error:
        read_rows(io.BytesIO(data), filename)

    assert error.value.messages == [message]


def test_a_line_longer_than_the_header_is_refused(units):
    data = csv_bytes([line()]) + b"a,b,c,d,e,f,g,h,i,j,k,l,m,n\r\n"

    with pytest.raises(ValidationError) as error:
        read_rows(io.BytesIO(data), "h.csv")

    assert error.value.messages == ["Line 3 has more cells than the header."]


# --- the management command --------------------------------------------------------------------


def test_the_command_imports_and_prints_the_counts(units, users, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes([line(), member(1)], bom=True))
    out = io.StringIO()

    call_command("import_households", str(path), "--user", "tandong.officer", stdout=out)

    assert out.getvalue() == (
        "Imported. Households created: 1, updated: 0. Persons created: 2, updated: 0. Memberships created: 2.\n"
    )
    assert Household.objects.get(code="HH-001").member_count == 2


def test_the_command_dry_run_saves_nothing(units, users, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes([line()]))
    out = io.StringIO()

    call_command("import_households", str(path), "--user", "tandong.officer", "--dry-run", stdout=out)

    assert out.getvalue().startswith("Dry run, nothing saved. Households created: 1, updated: 0.")
    assert Household.objects.count() == 0


def test_the_command_prints_every_error_and_fails(units, users, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes([line(sex="X"), member(1, commune_code="99999", phone="12")]))
    out = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_households", str(path), "--user", "tandong.officer", stdout=out)

    assert out.getvalue().splitlines() == [
        "line 2 (Nguyễn Văn An), column sex: “X” is not accepted; accepted: Nam, Nữ, M, F",
        "line 3 (Nguyễn Thị Con 1), column commune_code: unknown commune",
        "line 3 (Nguyễn Thị Con 1), column phone: not a valid phone number",
    ]
    assert str(error.value) == "3 errors: nothing was imported."
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("username", "message"),
    [("nobody", "No user 'nobody'."), ("tayninh.province", "tayninh.province may not change the household registry.")],
)
def test_the_command_requires_a_user_who_may_manage_the_registry(username, message, units, users, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes([line()]))

    with pytest.raises(CommandError) as error:
        call_command("import_households", str(path), "--user", username, stdout=io.StringIO())

    assert str(error.value) == message
    assert Household.objects.count() == 0


def test_the_command_reports_a_bad_header(units, users, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_bytes([line()], header=COLUMNS[:-1]))

    with pytest.raises(CommandError) as error:
        call_command("import_households", str(path), "--user", "tandong.officer", stdout=io.StringIO())

    assert str(error.value) == "Missing columns: disability_level."
