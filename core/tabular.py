"""Reading an uploaded CSV (UTF-8, comma or semicolon) or XLSX file into a header and rows of
text: the one reader every import uses (registry, survey, beneficiaries, payer's report). Each
import then checks its own columns and lines."""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Zero-padding restored for codes that a spreadsheet turned into numbers (every CCCD starts with 0).
CODE_WIDTHS = {"national_id": 12, "commune_code": 5}


def read_table(file, filename: str) -> list[list]:
    """The cells of a .csv or .xlsx file, line by line; anything else is refused."""
    extension = Path(filename or "").suffix.lower()
    if extension == ".csv":
        return csv_table(file)
    if extension == ".xlsx":
        return xlsx_table(file)
    raise ValidationError(_("Choose a .csv or .xlsx file."))


def csv_table(file) -> list[list]:
    data = file.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file is not UTF-8 text: save it as “CSV UTF-8”.")) from error
    else:
        data = data.removeprefix("\ufeff")
    # Excel with Vietnamese regional settings saves "CSV" with semicolons (the comma is the decimal sign).
    header = data.split("\n", 1)[0]
    delimiter = ";" if ";" in header and "," not in header else ","
    try:
        return list(csv.reader(io.StringIO(data, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ValidationError(_("The file is not a readable CSV file: %(error)s") % {"error": error}) from error


def xlsx_table(file) -> list[list]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from error
    try:
        if not workbook.worksheets:
            return []
        return [list(values) for values in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def cell_text(value, column: str) -> str:
    """A cell as stripped text: dates as YYYY-MM-DD, whole numbers without ".0", codes padded."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(CODE_WIDTHS.get(column, 0))
    return str(value).strip()


@dataclass(frozen=True)
class Table:
    header: list[str]  # lower case, trailing empty names dropped
    rows: list[dict[str, str]]  # rows[i] is line i + 2 of the file; blank lines at the end dropped
    too_wide: list[int]  # lines with cells beyond the header

    @property
    def too_wide_in_data(self) -> list[int]:
        """The too-wide lines among the kept rows (not the blank lines dropped at the end)."""
        return [line for line in self.too_wide if line <= len(self.rows) + 1]


def split_table(table: list[list]) -> Table:
    """Header and rows of {column: text}; a file without a header line is refused. A blank line
    in the middle stays (imports skip it) so that positions keep giving line numbers."""
    if not table or not any(cell_text(value, "") for value in table[0]):
        raise ValidationError(_("The file has no header line."))
    header = [cell_text(value, "").lower() for value in table[0]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    rows, too_wide = [], []
    for line, values in enumerate(table[1:], start=2):
        if any(cell_text(value, "") for value in values[width:]):
            too_wide.append(line)
        cells = list(values[:width]) + [None] * (width - len(values))
        rows.append({name: cell_text(value, name) for name, value in zip(header, cells, strict=True) if name})
    while rows and not any(rows[-1].values()):
        rows.pop()
    return Table(header=header, rows=rows, too_wide=too_wide)


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, the header being line 1 (0: the file as a whole)
    column: str  # the column name from the header; "" for a whole-line or whole-file problem
    message: str


class RowErrors:
    """An import's errors, collected while every line is checked, then sorted by line: a
    whole-line problem first, then the file's columns in their usual order, unknown ones last."""

    def __init__(self, columns) -> None:
        self.items: list[RowError] = []
        self.order = {name: index for index, name in enumerate(columns)}

    def add(self, row: int, column: str, message) -> None:
        self.items.append(RowError(row=row, column=column, message=str(message)))

    def sorted(self) -> list[RowError]:
        last = len(self.order)
        return sorted(self.items, key=lambda e: (e.row, self.order.get(e.column, last) if e.column else -1))


def rows_from_dicts(rows, columns) -> tuple[list[str], list[dict[str, str]]]:
    """Dicts from a caller (the demo, tests) shaped as ``split_table`` shapes a file: the first
    dict's keys are the header (``columns`` when there is no row), every row has every column,
    cells are stripped text."""
    header = [str(name).strip().lower() for name in rows[0]] if rows else list(columns)
    normalised = []
    for row in rows:
        cells = {str(name).strip().lower(): "" if value is None else str(value).strip() for name, value in row.items()}
        normalised.append({name: cells.get(name, "") for name in header if name})
    return header, normalised
