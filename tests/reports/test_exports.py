"""The official tables as files, parsed back: the XLSX with openpyxl (numbers as numbers, the header
row, the sheet title, the totals row), the PDF with pypdf (the official header with the unit and the
date, A4, the exact numbers, "Trang 1/1"); and the export door: small tables at once, large ones as
a job, never outside the user's scope. Fixtures and expected figures: tests/reports/test_tables.py."""

import io
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from beneficiaries import category_labels
from core.pdf import vietnamese_date
from reports import exports
from reports.models import ExportJob
from reports.tables import build_table, table_scope
from tests.reports import test_tables
from tests.reports.test_tables import H2, YEAR

# The fixtures of the tables' tests, by assignment (an import would be shadowed by the arguments).
payment_runs, poverty_households = test_tables.payment_runs, test_tables.poverty_households

A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)


def pdf_pages(pdf: bytes) -> tuple[list[tuple[int, int]], str]:
    """(page sizes in points, the text with runs of whitespace as one space)."""
    reader = PdfReader(io.BytesIO(pdf))
    sizes = [(round(float(page.mediabox.width)), round(float(page.mediabox.height))) for page in reader.pages]
    return sizes, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def sheet_rows(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    return workbook, sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def today_text(place: str) -> str:
    return f"{place}, {vietnamese_date(timezone.localdate())}"


# --- XLSX ------------------------------------------------------------------------------------------


def test_poverty_summary_xlsx_holds_numbers_as_numbers(users, poverty_households):
    table = build_table("poverty", table_scope(users["tandong_officer"]), {"year": YEAR})

    workbook, sheet, rows = sheet_rows(exports.table_xlsx(table))

    assert workbook.sheetnames == ["Ra soat ho ngheo"]
    assert rows[0][0] == "TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024"
    assert rows[1][0] == "ỦY BAN NHÂN DÂN XÃ TÂN ĐÔNG – Xã Tân Đông"
    assert rows[3][0] == today_text("Tân Đông")
    assert rows[5] == [
        "Thôn/tổ dân phố", "Tổng số hộ", "Hộ nghèo – Số hộ", "Hộ nghèo – Tỷ lệ (%)", "Hộ cận nghèo – Số hộ",
        "Hộ cận nghèo – Tỷ lệ (%)", "Hộ nghèo và cận nghèo – Số hộ", "Hộ nghèo và cận nghèo – Tỷ lệ (%)",
        "Giảm – Thoát nghèo", "Giảm – Thoát cận nghèo", "Tăng – Phát sinh mới", "Tăng – Tái nghèo, tái cận nghèo",
    ]  # fmt: skip
    assert rows[6:10] == [
        ["Ấp Bến Cừ", 3, 1, 1 / 3, 0, 0, 1, 1 / 3, 0, 0, 0, 0],
        ["Ấp Đông Hà", 9, 2, 2 / 9, 4, 4 / 9, 6, 6 / 9, 2, 1, 2, 1],
        ["Chưa xếp thôn/tổ dân phố", 1, 1, 1.0, 0, 0, 1, 1.0, 0, 0, 1, 0],
        ["Tổng cộng", 13, 4, 4 / 13, 4, 4 / 13, 8, 8 / 13, 2, 1, 3, 1],
    ]
    total = sheet[10]
    assert all(type(cell.value) is int for cell in total[1:3])
    assert [cell.number_format for cell in total[1:4]] == ["#,##0", "#,##0", "0.00%"]
    assert total[0].font.bold and sheet.freeze_panes == "B7"


def test_allowance_xlsx_of_the_province(users, payment_runs):
    table = build_table("allowances", table_scope(users["tayninh_province"], province="80"), H2)

    workbook, sheet, rows = sheet_rows(exports.table_xlsx(table))

    assert workbook.sheetnames == ["Tro cap xa hoi"]
    assert rows[1][0] == "ỦY BAN NHÂN DÂN TỈNH TÂY NINH – Toàn tỉnh Tây Ninh (2 xã, phường, đặc khu)"
    assert rows[5][:3] == ["Diện hưởng", "07/2026 – Số người", "07/2026 – Số tiền (đồng)"]
    assert rows[5][-2:] == ["6 tháng cuối năm – Số người (không trùng)", "6 tháng cuối năm – Số tiền (đồng)"]
    # Each line names its category in the decree's words (Vietnamese in the documents), not by its code.
    with translation.override("vi"):
        codes = {category_labels.short_label(code): code for code in category_labels.LABELS}
    by_code = {codes[row[0]]: row[1:] for row in rows[6:18]}
    assert rows[6][0] == "Trẻ em không có nguồn nuôi dưỡng (k.1 Đ.5)"
    assert by_code["5.5a"] == [2, 1_500_000, 2, 2_250_000, *[0] * 8, 3, 3_750_000]
    assert by_code["5.2"] == [0] * 14
    assert rows[18] == ["Tổng cộng", 5, 3_500_000, 3, 2_750_000, *[0] * 8, 6, 6_250_000]
    assert all(type(value) is int for value in rows[18][1:])


def test_payment_xlsx_rates_are_fractions_formatted_as_percent(users, payment_runs):
    parameters = {"month_from": "2026-07", "month_to": "2026-08"}
    table = build_table("payments", table_scope(users["tandong_officer"]), parameters)

    _workbook, sheet, rows = sheet_rows(exports.table_xlsx(table))

    assert rows[5] == ["Hình thức chi trả", "Ngân hàng", "Số lượt chi trả", "Số tiền (đồng)",
                       "Tỷ trọng số tiền (%)"]  # fmt: skip
    assert rows[6:11] == [
        ["Tài khoản ngân hàng", None, 5, 4_000_000, 0.8],
        [None, "VietinBank (970415)", 1, 1_500_000, 0.3],
        [None, "Vietcombank (970436)", 4, 2_500_000, 0.5],
        ["Tiền mặt (qua bưu điện)", None, 1, 1_000_000, 0.2],
        ["Tổng cộng", None, 6, 5_000_000, 1],
    ]
    assert sheet["E11"].number_format == "0.00%"
    assert rows[2][0] == "Từ tháng 07/2026 đến tháng 08/2026"


# --- PDF -------------------------------------------------------------------------------------------


def test_poverty_summary_pdf_has_the_official_header_and_exact_figures(users, poverty_households):
    table = build_table("poverty", table_scope(users["tandong_officer"]), {"year": YEAR})

    sizes, text = pdf_pages(exports.table_pdf(table))

    assert sizes == [A4_LANDSCAPE]
    assert text.startswith(
        "ỦY BAN NHÂN DÂN XÃ TÂN ĐÔNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc "
        f"{today_text('Tân Đông')} TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024 Xã Tân Đông"
    )
    assert "Ấp Bến Cừ 3 1 33,33 0 0,00 1 33,33 0 0 0 0" in text
    assert "Ấp Đông Hà 9 2 22,22 4 44,44 6 66,67 2 1 2 1" in text
    assert "Chưa xếp thôn/tổ dân phố 1 1 100,00 0 0,00 1 100,00 0 0 1 0" in text
    assert "Tổng cộng 13 4 30,77 4 30,77 8 61,54 2 1 3 1" in text
    assert text.endswith("Trang 1/1")


def test_allowance_and_payment_pdfs_of_the_province(users, payment_runs):
    viewer = users["tayninh_province"]
    allowances = build_table("allowances", table_scope(viewer, province="80"), H2)
    payments = build_table(
        "payments", table_scope(viewer, province="80"), {"month_from": "2026-07", "month_to": "2026-07"}
    )

    allowance_sizes, allowance_text = pdf_pages(exports.table_pdf(allowances))
    payment_sizes, payment_text = pdf_pages(exports.table_pdf(payments))

    assert set(allowance_sizes) == {A4_LANDSCAPE} and payment_sizes == [A4_PORTRAIT]
    assert f"ỦY BAN NHÂN DÂN TỈNH TÂY NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc " \
           f"{today_text('Tây Ninh')}" in allowance_text  # fmt: skip
    assert "TÌNH HÌNH THỰC HIỆN CHÍNH SÁCH TRỢ GIÚP XÃ HỘI HẰNG THÁNG 6 THÁNG CUỐI NĂM 2026" in allowance_text
    assert "Tổng cộng 5 3.500.000 3 2.750.000 0 0 0 0 0 0 0 0 6 6.250.000" in allowance_text
    assert allowance_text.endswith(f"Trang {len(allowance_sizes)}/{len(allowance_sizes)}")
    assert (
        "Tài khoản ngân hàng 3 1.750.000 50,00 VietinBank (970415) 1 500.000 14,29 Vietcombank (970436) 2 1.250.000 35,71 "
        "Tiền mặt (qua bưu điện) 2 1.750.000 50,00 Tổng cộng 5 3.500.000 100,00" in payment_text
    )
    assert "Tháng 07/2026" in payment_text and payment_text.endswith("Trang 1/1")


# --- the export door -------------------------------------------------------------------------------


def export(client, **data):
    return client.post(reverse("reports:table_export"), data)


def test_a_small_table_is_downloaded_at_once(client_for, payment_runs):
    response = export(
        client_for("tayninh_province"), table="allowances", format="xlsx", commune="25522", year="2026", half="2"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="Tro-cap-xa-hoi-hang-thang-Xa-Tan-Dong-2026-2.xlsx"; '
        "filename*=UTF-8''Tr%E1%BB%A3%20c%E1%BA%A5p%20x%C3%A3%20h%E1%BB%99i%20h%E1%BA%B1ng%20th%C3%A1ng%20"
        "X%C3%A3%20T%C3%A2n%20%C4%90%C3%B4ng%202026-2.xlsx"
    )
    _workbook, _sheet, rows = sheet_rows(response.content)
    assert rows[18] == ["Tổng cộng", 3, 2_250_000, 3, 2_750_000, *[0] * 8, 4, 5_000_000]
    assert not ExportJob.objects.exists()


def test_a_pdf_download_of_the_poverty_summary(client_for, poverty_households):
    response = export(client_for("tandong_officer"), table="poverty", format="pdf", year="2024")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="Tong-hop-ra-soat-ho-ngheo-Xa-Tan-Dong-2024'
    )
    assert "Tổng cộng 13 4 30,77" in pdf_pages(response.content)[1]


@pytest.mark.parametrize(
    ("role", "data", "status"),
    [
        ("binhminh_officer", {"commune": "25522"}, 404),
        ("hcm_province", {"province": "80"}, 404),
        ("hcm_province", {"commune": "25522"}, 404),
        ("tandong_officer", {"commune": "25522", "format": "docx"}, 404),
        ("tandong_officer", {"commune": "25522", "table": "salaries"}, 404),
        ("tandong_officer", {"commune": "25522", "year": "1999"}, 400),
        ("anonymous", {"commune": "25522"}, 302),
    ],
)
def test_an_export_outside_the_scope_or_malformed_is_refused_and_nothing_is_queued(
    client_for, payment_runs, role, data, status
):
    response = export(client_for(role), **{"table": "poverty", "format": "xlsx", **data})

    assert response.status_code == status
    assert not ExportJob.objects.exists()


def test_a_get_does_not_export(client_for):
    assert client_for("tandong_officer").get(reverse("reports:table_export")).status_code == 405


def test_a_large_table_becomes_a_job_sent_to_a_worker_after_the_commit(
    client_for, users, payment_runs, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(exports, "DIRECT_MAX_SOURCE_ROWS", -1),  # the fixture's runs keep no line counts
        mock.patch("reports.tasks.export_job_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = export(client_for("tayninh_province"), table="payments", format="pdf", province="80",
                          month_from="2026-07", month_to="2026-08")  # fmt: skip

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/exports/#job-{job.uuid}"
    assert (job.owner, job.table, job.file_format, job.commune, job.province_id) == (
        users["tayninh_province"], "payments", "pdf", None, "80"
    )  # fmt: skip
    assert job.parameters == {"month_from": "2026-07", "month_to": "2026-08"}
    assert (job.status, job.progress, job.file.name) == ("queued", 0, "")
    assert [call.args for call in delay.call_args_list] == [(job.pk,)]
