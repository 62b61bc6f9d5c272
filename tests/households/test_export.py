"""Household registry export: the import's own format, head first, current members only, scoped,
masked on request, and re-importable unchanged."""

import io
from datetime import date

import pytest
from django.utils import translation

from households.exporting import export_rows, write_csv, write_xlsx
from households.importing import COLUMNS, import_households, read_rows
from households.models import Household, HouseholdEvent, Membership, Person
from households.selectors import household_list_for_user
from households.services import PersonData, household_register, member_move
from tests.households.test_import import MAN_1980, WOMAN_2001, cccd


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def person(national_id: str, name: str, born: date, sex: str, **extra) -> PersonData:
    return PersonData(national_id=national_id, full_name=name, date_of_birth=born, sex=sex, **extra)


@pytest.fixture
def registry(units, users):
    """HH-001 (three members, one of whom then moves to HH-002) in Tân Đông; BM-1 in Bình Minh."""
    officer = users["tandong_officer"]
    child_id = cccd("M", "2015-06-01", 5)
    first = household_register(
        commune=units.tan_dong,
        village=units.tan_dong_village,
        code="HH-001",
        address="12 đường Số 1",
        area="urban",
        head=person(MAN_1980, "Nguyễn Văn An", date(1980, 5, 1), "M", phone="0912345678"),
        members=[
            (
                person(WOMAN_2001, "Lê Thị Hoa", date(2001, 2, 3), "F", ethnicity="05", disability_level="mild"),
                "spouse",
            ),
            (person(child_id, "Nguyễn Văn Cường", date(2015, 6, 1), "M"), "child"),
        ],
        registered_on=date(2024, 1, 1),
        acting_user=officer,
    )
    second = household_register(
        commune=units.tan_dong,
        village=units.tan_dong_village,
        code="HH-002",
        head=person(cccd("F", "1990-01-01", 6), "Phạm Thị Lan", date(1990, 1, 1), "F"),
        registered_on=date(2024, 1, 1),
        acting_user=officer,
    )
    member_move(membership=first.memberships.get(person__national_id=child_id), to_household=second,
                relationship="other", moved_on=date(2024, 6, 1), reason="ở với cô", acting_user=officer)  # fmt: skip
    household_register(
        commune=units.binh_minh,
        village=units.binh_minh_village,
        code="BM-1",
        head=person(cccd("M", "1975-03-03", 7), "Trần Văn Minh", date(1975, 3, 3), "M"),
        acting_user=users["binhminh_officer"],
    )
    return {"first": first, "second": second, "child_id": child_id}


def test_one_line_per_current_member_head_first_in_the_import_format(registry, users):
    rows = list(export_rows(household_list_for_user(users["tandong_officer"])))

    assert rows == [
        COLUMNS,
        ["HH-001", "25522", "Ấp Đông Hà", "12 đường Số 1", "urban", MAN_1980, "Nguyễn Văn An", "1980-05-01", "M",
         "head", "Kinh", "+84912345678", "none"],
        ["HH-001", "25522", "Ấp Đông Hà", "12 đường Số 1", "urban", WOMAN_2001, "Lê Thị Hoa", "2001-02-03", "F",
         "spouse", "Khmer", "", "mild"],
        ["HH-002", "25522", "Ấp Đông Hà", "", "rural", cccd("F", "1990-01-01", 6), "Phạm Thị Lan", "1990-01-01", "F",
         "head", "Kinh", "", "none"],
        ["HH-002", "25522", "Ấp Đông Hà", "", "rural", registry["child_id"], "Nguyễn Văn Cường", "2015-06-01", "M",
         "other", "Kinh", "", "none"],
    ]  # fmt: skip


def test_the_export_of_an_officer_holds_only_their_commune(registry, users):
    tan_dong = list(export_rows(household_list_for_user(users["tandong_officer"])))
    binh_minh = list(export_rows(household_list_for_user(users["binhminh_officer"])))

    assert {row[1] for row in tan_dong[1:]} == {"25522"}
    assert [row[:2] for row in binh_minh[1:]] == [["BM-1", "25480"]]


def test_masked_export_hides_national_ids_and_phones(registry, users):
    rows = list(export_rows(household_list_for_user(users["tayninh_province"]), mask_identifiers=True))

    assert [row[0] for row in rows[1:]] == ["BM-1", "HH-001", "HH-001", "HH-002", "HH-002"]
    assert (rows[2][5], rows[2][11]) == ("•••••••••234", "•••••••••678")
    assert MAN_1980 not in str(rows) and "+84912345678" not in str(rows)
    assert all(len(row[5]) == 12 and row[5].startswith("•••••••••") for row in rows[1:])


def test_csv_export_reimports_with_no_change(registry, users):
    officer = users["tandong_officer"]
    stream = io.StringIO()
    write_csv(household_list_for_user(officer), stream)
    before_persons = list(Person.objects.order_by("pk").values())
    before_households = list(Household.objects.order_by("pk").values())
    before_memberships = list(Membership.objects.order_by("pk").values())
    history = (Person.history.count(), Household.history.count())

    rows = read_rows(io.BytesIO(stream.getvalue().encode()), "export.csv")
    report = import_households(rows=rows, user=officer)

    assert stream.getvalue().startswith("\ufeffhousehold_code,commune_code,village,")
    assert report.ok
    assert (report.households_created, report.households_updated) == (0, 2)
    assert (report.persons_created, report.persons_updated, report.memberships_created) == (0, 4, 0)
    assert list(Person.objects.order_by("pk").values()) == before_persons
    assert list(Household.objects.order_by("pk").values()) == before_households
    assert list(Membership.objects.order_by("pk").values()) == before_memberships
    assert (Person.history.count(), Household.history.count()) == history
    assert sorted(HouseholdEvent.objects.filter(kind="imported").values_list("household__code", "data")) == [
        ("HH-001", {"created": 0, "updated": 2}),
        ("HH-002", {"created": 0, "updated": 2}),
    ]


def test_xlsx_export_reads_back_as_the_same_lines_and_reimports(registry, users):
    officer = users["tandong_officer"]
    households = household_list_for_user(officer)
    stream = io.BytesIO()
    write_xlsx(households, stream)
    stream.seek(0)

    rows = read_rows(stream, "export.xlsx")
    report = import_households(rows=rows, user=officer, dry_run=True)

    expected = list(export_rows(households))
    assert rows == [dict(zip(expected[0], line, strict=True)) for line in expected[1:]]
    assert (report.ok, report.households_updated, report.persons_created) == (True, 2, 0)


def test_a_value_starting_with_equals_stays_text_in_xlsx(units, users):
    officer = users["tandong_officer"]
    household_register(commune=units.tan_dong, village=units.tan_dong_village, code="HH-9", address="=1+1",
                       head=person(MAN_1980, "Nguyễn Văn An", date(1980, 5, 1), "M"), acting_user=officer)  # fmt: skip
    stream = io.BytesIO()
    write_xlsx(household_list_for_user(officer), stream)
    stream.seek(0)

    assert read_rows(stream, "export.xlsx")[0]["address"] == "=1+1"


def test_a_filtered_list_exports_only_its_households(registry, users):
    households = household_list_for_user(users["tandong_officer"], search="Phạm Thị Lan")

    rows = list(export_rows(households))

    assert [row[0] for row in rows[1:]] == ["HH-002", "HH-002"]
