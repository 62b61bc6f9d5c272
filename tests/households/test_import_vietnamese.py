"""Issue 16, item 9: a household file written the way a Vietnamese officer writes it in Excel
(Vietnamese headers, Nam/Nữ, chủ hộ, 15/06/1960, Excel date cells, ethnicity by name) imports
cleanly; a bad line's error names the person and lists what is accepted; the template downloads,
has its drop-down lists, and imports back as its example line; the English file is unchanged."""

import io
from datetime import date, datetime

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from households.ethnicity import ETHNIC_GROUPS
from households.importing import RowError, import_households, read_rows
from households.models import Household, Membership, Person
from tests.households.test_import import cccd, counts, csv_bytes, line, member, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "Mã hộ",
    "Mã xã",
    "Thôn/tổ dân phố",
    "Địa chỉ",
    "Khu vực",
    "Số định danh cá nhân",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Quan hệ với chủ hộ",
    "Dân tộc",
    "Số điện thoại",
    "Mức độ khuyết tật",
]
# The template adds the hand-over's optional columns (the import reads a file without them too).
TEMPLATE_HEADER = [*HEADER, "Thành viên từ ngày", "Ngày qua đời"]
HEAD = cccd("M", "1960-06-15", 1)
WIFE = cccd("F", "1962-03-08", 2)
SON = cccd("M", "1990-01-20", 3)
GRANDCHILD = cccd("F", "2015-11-30", 4)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def officer_workbook() -> list[list]:
    """A household of four as an officer types it: Vietnamese words, dates typed as text or kept
    by Excel as date cells, a CCCD Excel turned into a number (its leading 0 lost), a village
    written without diacritics."""
    return [
        HEADER,
        ["HO-015", 25522, "ap dong ha", "Tổ 3", "Nông thôn", int(HEAD), "Trần Văn Tư", "15/06/1960", "Nam", "Chủ hộ",
         "Kinh", "0912345678", "Không"],
        ["HO-015", 25522, "ap dong ha", "Tổ 3", "Nông thôn", WIFE, "Lê Thị Năm", datetime(1962, 3, 8), "Nữ", "vợ",
         "Khmer", "", "nhẹ"],
        ["HO-015", 25522, "ap dong ha", "Tổ 3", "Nông thôn", SON, "Trần Văn Sáu", "20/1/1990", "NAM", "con trai",
         "kinh", "", ""],
        ["HO-015", 25522, "ap dong ha", "Tổ 3", "Nông thôn", GRANDCHILD, "Trần Thị Bảy", datetime(2015, 11, 30), "nu",
         "cháu", "Hoa", "", "đặc biệt nặng"],
    ]  # fmt: skip


def saved_members() -> list[tuple]:
    return [
        (m.person.national_id, m.person.full_name, m.person.date_of_birth, m.person.sex, m.person.ethnicity,
         m.person.phone, m.person.disability_level, m.relationship)
        for m in Membership.objects.select_related("person").order_by("person__national_id")
    ]  # fmt: skip


EXPECTED = sorted(
    [
        (HEAD, "Trần Văn Tư", date(1960, 6, 15), "M", "01", "+84912345678", "none", "head"),
        (WIFE, "Lê Thị Năm", date(1962, 3, 8), "F", "05", "", "mild", "spouse"),
        (SON, "Trần Văn Sáu", date(1990, 1, 20), "M", "01", "", "none", "child"),
        (GRANDCHILD, "Trần Thị Bảy", date(2015, 11, 30), "F", "04", "", "extremely_severe", "grandchild"),
    ]
)


def test_a_household_file_written_as_a_vietnamese_officer_writes_it_in_excel_imports_cleanly(units, users):
    rows = read_rows(io.BytesIO(xlsx_bytes(officer_workbook())), "ho.xlsx")

    report = import_households(rows=rows, user=users["tandong_officer"], dry_run=False)

    assert report.errors == []
    assert (report.households_created, report.persons_created, report.memberships_created) == (1, 4, 4)
    household = Household.objects.get()
    assert (household.commune_id, household.code, household.village, household.address, household.area) == (
        "25522", "HO-015", units.tan_dong_village, "Tổ 3", "rural",
    )  # fmt: skip
    assert household.head.national_id == HEAD
    assert saved_members() == EXPECTED


def test_the_same_file_as_csv_with_semicolons_and_headers_without_diacritics_imports_the_same(units, users):
    folded = ["MA HO", "ma xa", "Thon/Ap", "dia chi", "khu vuc", "so cccd", "HO VA TEN", "ngay sinh", "gioi tinh",
              "quan he voi chu ho", "dan toc", "so dien thoai", "muc do khuyet tat"]  # fmt: skip
    table = officer_workbook()
    text = io.StringIO()
    text.write(";".join(folded) + "\r\n")
    for values in table[1:]:
        cells = [v.strftime("%d/%m/%Y") if isinstance(v, datetime) else str(v).zfill(12) if v == int(HEAD) else str(v)
                 for v in values]  # fmt: skip
        text.write(";".join(cells) + "\r\n")

    rows = read_rows(io.BytesIO(("\ufeff" + text.getvalue()).encode()), "ho.csv")
    report = import_households(rows=rows, user=users["tandong_officer"], dry_run=False)

    assert report.errors == []
    assert saved_members() == EXPECTED


def test_a_bad_line_names_the_person_and_lists_the_accepted_values(units, users):
    table = officer_workbook()
    table[2][10] = "Khơme"  # the wife's ethnicity, misspelt
    table[3][9] = "con cả"  # the son's relationship: not a word the registry knows
    table[4][8] = "Nư?"  # the grandchild's sex

    report = import_households(rows=read_rows(io.BytesIO(xlsx_bytes(table)), "ho.xlsx"), user=users["tandong_officer"])

    assert [(e.row, e.person, e.column, e.message) for e in report.errors] == [
        (3, "Lê Thị Năm", "ethnicity", "“Khơme” is not an ethnic group; the closest accepted: Khmer, Khơ Mú"),
        (4, "Trần Văn Sáu", "relationship",
         "“con cả” is not a relationship; accepted: chủ hộ, vợ, chồng, con, cha, mẹ, cháu, anh, chị, em, ông, bà, "
         "khác, head, spouse, child, parent, grandchild, sibling, other"),
        (5, "Trần Thị Bảy", "sex", "“Nư?” is not accepted; accepted: Nam, Nữ, M, F"),
    ]  # fmt: skip
    assert counts() == (0, 0, 0, 0)


def test_the_page_names_the_person_and_says_dan_toc_khong_hop_le_with_the_closest_groups(client_for, units):
    table = officer_workbook()
    table[2][10] = "Khơme"
    upload = SimpleUploadedFile("ho.xlsx", xlsx_bytes(table))

    response = client_for("tandong_officer").post(reverse("households:import"), {"file": upload})

    page = response.content.decode()
    assert (
        "<tr><td>3</td><td>Lê Thị Năm</td><td><code>ethnicity</code></td>"
        "<td>“Khơme”: dân tộc không hợp lệ; gần nhất: Khmer, Khơ Mú</td></tr>"
    ) in page
    assert counts() == (0, 0, 0, 0)


def test_an_unknown_ethnic_group_with_none_close_lists_all_54(units, users):
    table = officer_workbook()[:2]
    table[1][10] = "Klingon"

    report = import_households(rows=read_rows(io.BytesIO(xlsx_bytes(table)), "ho.xlsx"), user=users["tandong_officer"])

    names = ", ".join(name for _code, name in ETHNIC_GROUPS)
    assert report.errors == [RowError(2, "ethnicity", f"“Klingon” is not an ethnic group; accepted: {names}")]
    assert report.errors[0].person == "Trần Văn Tư"


def test_the_english_file_still_imports_exactly_as_before(units, users):
    rows = read_rows(io.BytesIO(csv_bytes([line(), member(1)])), "households.csv")

    assert rows == [
        {**line(), "commune_code": "25522"},
        member(1),
    ]
    report = import_households(rows=rows, user=users["tandong_officer"], dry_run=False)

    assert report.errors == []
    assert [(p.national_id, p.date_of_birth, p.sex) for p in Person.objects.order_by("national_id")] == [
        ("072080001234", date(1980, 5, 1), "M"),
        (cccd("F", "2001-02-03", 1), date(2001, 2, 3), "F"),
    ]
    assert sorted(Membership.objects.values_list("relationship", flat=True)) == ["child", "head"]


# --- the template ------------------------------------------------------------------------------


def test_the_template_downloads_with_vietnamese_headers_lists_and_an_example_that_imports_back(
    client_for, units, users
):
    response = client_for("tandong_officer").get(reverse("households:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="mau-nhap-ho.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["Mẫu"]
    assert [cell.value for cell in sheet[1]] == TEMPLATE_HEADER
    assert [cell.value for cell in sheet[2]] == [
        "HO-001", "25522", "Ấp Đông Hà", "Số 12, đường Số 1", None, "072060001234", "Nguyễn Văn An",
        datetime(1960, 6, 15), "Nam", "chủ hộ", "Kinh", None, "không", "không rõ", None,
    ]  # fmt: skip
    assert sheet["H2"].number_format == "DD/MM/YYYY"
    lists = workbook["Danh mục"]
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations == {
        "E2:E5000": "'Danh mục'!$C$2:$C$3",
        "I2:I5000": "'Danh mục'!$A$2:$A$3",
        "J2:J5000": "'Danh mục'!$B$2:$B$14",
        "K2:K5000": "'Danh mục'!$E$2:$E$55",
        "M2:M5000": "'Danh mục'!$D$2:$D$5",
    }
    column = {cell.value: index for index, cell in enumerate(lists[1], start=1)}
    values = {name: [row[0] for row in lists.iter_rows(min_row=2, min_col=i, max_col=i, values_only=True) if row[0]]
              for name, i in column.items()}  # fmt: skip
    assert values == {
        "Giới tính": ["Nam", "Nữ"],
        "Quan hệ với chủ hộ": ["chủ hộ", "vợ", "chồng", "con", "cha", "mẹ", "cháu", "anh", "chị", "em", "ông", "bà",
                               "khác"],
        "Mức độ khuyết tật": ["không", "nhẹ", "nặng", "đặc biệt nặng"],
        "Khu vực": ["nông thôn", "thành thị"],
        "Dân tộc": [name for _code, name in ETHNIC_GROUPS],
    }  # fmt: skip

    rows = read_rows(io.BytesIO(response.content), "mau-nhap-ho.xlsx")
    report = import_households(rows=rows, user=users["tandong_officer"], dry_run=False)

    assert report.errors == []
    household = Household.objects.get()
    assert (household.code, household.village, household.address, household.area) == (
        "HO-001", units.tan_dong_village, "Số 12, đường Số 1", "rural",
    )  # fmt: skip
    assert saved_members() == [
        ("072060001234", "Nguyễn Văn An", date(1960, 6, 15), "M", "01", "", "none", "head"),
    ]
    # "không rõ": member since a day not known (no lower bound), not the import's day.
    assert list(Membership.objects.values_list("joined_on", flat=True)) == [None]


def test_every_value_of_the_template_lists_is_read_back_as_a_code(units):
    """What the drop-downs offer is what the import reads (a list that offered a word the import
    refuses would make the officer's file fail)."""
    from core.columns import canonical_value
    from core.import_templates import TEMPLATE_CHOICES
    from households.models import DisabilityLevel, Relationship, Sex
    from support.importing import parse_repayment

    codes = {"sex": Sex.values, "relationship": Relationship.values, "area": ["rural", "urban"],
             "disability_level": DisabilityLevel.values, "payment_method": ["bank", "cash"]}  # fmt: skip
    for column, values in TEMPLATE_CHOICES.items():
        for value in values:
            if column == "repayment_status":
                assert parse_repayment(value) is not None, value
            else:
                assert canonical_value(column, value) in codes[column], (column, value)


def test_the_import_page_links_the_template_and_the_formats_page(client_for, units):
    page = client_for("tandong_officer").get(reverse("households:import")).content.decode()

    assert f'href="{reverse("households:import_template")}" download>Tải mẫu tệp (XLSX)</a>' in page
    assert f'href="{reverse("core:formats")}">' in page


def test_the_formats_page_shows_docs_formats_md(client_for, units):
    response = client_for("tandong_officer").get(reverse("core:formats"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>Quan hệ với chủ hộ *</td>" in page
    assert '<table class="table table-sm table-striped">' in page
