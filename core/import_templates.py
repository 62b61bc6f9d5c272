"""The XLSX template each import page offers: a header row in Vietnamese, a drop-down list on every
column that takes codes, and one example line, so that an officer starts from a file the import
reads as it is (``core.columns`` turns its headers and codes back into the English ones).

The sheet "Danh mục" holds the lists (an inline list is limited to 255 characters: the 54 ethnic
groups do not fit). Every row goes through ``core.tabular.xlsx_row``.
"""

import io
from datetime import date

from django.http import HttpResponse

from core.columns import VIETNAMESE_HEADERS
from core.tabular import xlsx_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How many lines of the sheet the drop-down lists cover.
VALIDATED_ROWS = 5000
SHEET = "Mẫu"
LISTS_SHEET = "Danh mục"

# The Vietnamese values a template's drop-down offers, per column (each is read back by
# ``core.columns.canonical_value``); the callers add their own (the ethnic groups).
TEMPLATE_CHOICES: dict[str, list[str]] = {
    "sex": ["Nam", "Nữ"],
    "relationship": ["chủ hộ", "vợ", "chồng", "con", "cha", "mẹ", "cháu", "anh", "chị", "em", "ông", "bà", "khác"],
    "area": ["nông thôn", "thành thị"],
    "disability_level": ["không", "nhẹ", "nặng", "đặc biệt nặng"],
    "payment_method": ["ngân hàng", "tiền mặt"],
    "repayment_status": ["trong hạn", "quá hạn", "đã trả hết"],
}


def template_workbook(columns: list[str], example: dict, *, choices: dict[str, list[str]] | None = None) -> bytes:
    """A workbook whose first sheet has ``columns`` headed in Vietnamese and ``example`` as its
    line (a date is written as an Excel date shown dd/mm/yyyy), with a drop-down on each column of
    ``TEMPLATE_CHOICES`` and ``choices``."""
    import openpyxl
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = {name: values for name, values in {**TEMPLATE_CHOICES, **(choices or {})}.items() if name in columns}
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(xlsx_row(sheet, [VIETNAMESE_HEADERS.get(name, name) for name in columns]))
    sheet.append(xlsx_row(sheet, [example.get(name, "") for name in columns]))
    for position in range(1, len(columns) + 1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(12, len(sheet.cell(1, position).value) + 2)
        cell = sheet.cell(2, position)
        if isinstance(cell.value, date):
            cell.number_format = "DD/MM/YYYY"
        elif isinstance(cell.value, str):
            cell.number_format = "@"  # a national ID keeps its leading zero
    sheet.freeze_panes = "A2"
    if lists:
        catalogue = workbook.create_sheet(LISTS_SHEET)
        for index, (name, values) in enumerate(lists.items(), start=1):
            letter = get_column_letter(index)
            catalogue.cell(1, index, VIETNAMESE_HEADERS.get(name, name))
            for row, value in enumerate(values, start=2):
                catalogue.cell(row, index, value)
            catalogue.column_dimensions[letter].width = 22
            target = get_column_letter(columns.index(name) + 1)
            validation = DataValidation(
                type="list",
                formula1=f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                # A warning, not a stop: the English codes are accepted too.
                errorStyle="warning",
                errorTitle=VIETNAMESE_HEADERS.get(name, name),
                error="Chọn một giá trị trong danh sách.",
            )
            validation.add(f"{target}2:{target}{VALIDATED_ROWS}")
            sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_response(filename: str, columns: list[str], example: dict, **options) -> HttpResponse:
    response = HttpResponse(template_workbook(columns, example, **options), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
