"""Reading an uploaded CSV (UTF-8, comma or semicolon) or XLSX file into a header and rows of
text: the one reader every import uses (registry, survey, beneficiaries, loans, payer's report).
Each import then checks its own columns and lines.

The reader refuses, before reading the whole file, a file larger than ``IMPORT_MAX_UPLOAD_BYTES``
(an XLSX: whose sheets unpack to more than ``IMPORT_MAX_UNPACKED_BYTES``) and stops at the first
line past ``IMPORT_MAX_ROWS``: the file is refused and nothing is imported. XLSX is read in
openpyxl's streaming (read-only) mode. These are the limits of uploads; a file the server's operator
gives a ``manage.py`` command is read without them (``operator_file``).

And writing: ``csv_writer`` and ``xlsx_row`` are the one place every CSV and XLSX the product
writes goes through, so that no cell a person typed (a name "=HYPERLINK(…)") becomes a formula in
a spreadsheet (see ``neutralise``)."""

import csv
import io
import math
import re
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.columns import CONVERTED_COLUMNS, canonical_header, canonical_value

# Zero-padding restored for codes that a spreadsheet turned into numbers (every CCCD starts with 0).
CODE_WIDTHS = {"national_id": 12, "commune_code": 5}


# False inside ``operator_file()``: a file the server's operator gives, not an upload.
_LIMITED = ContextVar("casework_import_limits", default=True)


@contextmanager
def operator_file():
    """Read without the upload limits: for a file already on the server, given by its operator (the
    ``manage.py`` import commands through ``core.importing.command_read``, the benches). A commune of
    100,000 households has a survey file of 100,000 lines; the pages take at most ``IMPORT_MAX_ROWS``."""
    token = _LIMITED.set(False)
    try:
        yield
    finally:
        _LIMITED.reset(token)


def read_table(file, filename: str, *, max_rows: int | None = None) -> list[list]:
    """The cells of a .csv or .xlsx file, line by line; anything else is refused, and so is an upload
    over the size or line limits (``max_rows`` lines after the header, ``IMPORT_MAX_ROWS`` by default)."""
    extension = Path(filename or "").suffix.lower()
    if extension not in (".csv", ".xlsx"):
        raise ValidationError(_("Choose a .csv or .xlsx file."))
    limited = _LIMITED.get()
    if limited:
        check_upload_size(file, settings.IMPORT_MAX_UPLOAD_BYTES)
        max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    if extension == ".csv":
        return csv_table(file, max_rows=max_rows)
    return xlsx_table(file, max_rows=max_rows, max_unpacked=settings.IMPORT_MAX_UNPACKED_BYTES if limited else None)


def megabytes(size: int) -> str:
    """A size as the messages name it: 10485760 -> '10 MB'; 1572864 -> '1.5 MB'; 2048 -> '2 KB'."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{math.ceil(size / 1024)} KB"
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value.is_integer() or value >= 10 else f"{value:.1f} MB"


def file_size(file) -> int | None:
    """The size of an uploaded file or an open stream, without reading it (None if unknown)."""
    size = getattr(file, "size", None)
    if size is not None:
        return size
    try:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return size


def check_upload_size(file, limit: int) -> None:
    """Refuse a file larger than ``limit`` bytes, naming the limit."""
    size = file_size(file)
    if size is not None and size > limit:
        raise ValidationError(
            _("The file is %(size)s: files larger than %(limit)s are refused. Split it and send each part.")
            % {"size": megabytes(size), "limit": megabytes(limit)},
            code="too_large",
        )


def too_many_rows(max_rows: int) -> ValidationError:
    return ValidationError(
        _(
            "The file has more than %(limit)s lines: nothing was imported. Split it into files of at most "
            "%(limit)s lines (for example one per village) and import each one."
        )
        % {"limit": number_format(max_rows, 0, force_grouping=True)},
        code="too_many_rows",
    )


def csv_table(file, *, max_rows: int | None = None) -> list[list]:
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
    table = []
    try:
        for values in csv.reader(io.StringIO(data, newline=""), delimiter=delimiter):
            if max_rows is not None and len(table) > max_rows:  # the header and max_rows lines are read
                raise too_many_rows(max_rows)
            table.append(values)
    except csv.Error as error:
        raise ValidationError(_("The file is not a readable CSV file: %(error)s") % {"error": error}) from error
    return table


def xlsx_table(file, *, max_rows: int | None = None, max_unpacked: int | None = None) -> list[list]:
    """The first sheet's cells, read in streaming mode; a sheet of more than ``max_rows`` lines after
    the header is refused before it is parsed (its rows are counted on its XML), and so is a workbook
    whose parts unpack to more than ``max_unpacked`` bytes (a "zip bomb": a few kilobytes that
    unpack to gigabytes)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        file.seek(0)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from error
    if max_unpacked is not None and unpacked > max_unpacked:
        raise ValidationError(
            _("The workbook unpacks to %(size)s: workbooks larger than %(limit)s unpacked are refused.")
            % {"size": megabytes(unpacked), "limit": megabytes(max_unpacked)},
            code="too_large",
        )
    try:
        over = max_rows is not None and sheet_rows_over(file, max_rows + 1)
        file.seek(0)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from error
    if over:
        raise too_many_rows(max_rows)
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from error
    try:
        if not workbook.worksheets:
            return []
        table = []
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            if max_rows is not None and len(table) > max_rows:
                raise too_many_rows(max_rows)
            table.append(list(values))
        return table
    finally:
        workbook.close()


# The start of a <row> element, with or without a namespace prefix ("<row r=…>", "<x:row>").
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def sheet_rows_over(file, limit: int) -> bool:
    """Whether the workbook's first worksheet has more than ``limit`` rows, counted on its XML as it
    unpacks and stopped as soon as it has: about 0.1 s for a sheet of 50,000 rows, where openpyxl
    takes seconds to open it (it scans the whole sheet for its size) and more to read it."""
    from openpyxl.reader.excel import ExcelReader

    reader = ExcelReader(file, read_only=True)
    try:
        reader.read_manifest()
        reader.read_workbook()
        paths = [rel.target for _sheet, rel in reader.parser.find_sheets() if rel.Type.endswith("/worksheet")]
        if not paths:
            return False
        rows, tail = 0, b""
        with reader.archive.open(paths[0]) as source:
            while chunk := source.read(1 << 20):
                buffer = tail + chunk
                cut = buffer.rfind(b"<")  # a tag cut in two waits for the next chunk
                cut = len(buffer) if cut == -1 else cut
                rows += len(_ROW_TAG.findall(buffer, 0, cut))
                if rows > limit:
                    return True
                tail = buffer[cut:]
        return rows + len(_ROW_TAG.findall(tail)) > limit
    finally:
        reader.archive.close()


def cell_text(value, column: str) -> str:
    """A cell as stripped text: dates as YYYY-MM-DD, whole numbers without ".0", codes padded."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unneutralise(value.strip())
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
    """Header and rows of {column: text}; a file without a header line is refused. Vietnamese
    headers and codes become the English ones (``core.columns``: "Giới tính" = "Nữ" is sex = F,
    15/06/1960 is 1960-06-15). A blank line in the middle stays (imports skip it) so that
    positions keep giving line numbers."""
    if not table or not any(cell_text(value, "") for value in table[0]):
        raise ValidationError(_("The file has no header line."))
    header = [canonical_header(cell_text(value, "")) for value in table[0]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    # The columns whose Vietnamese codes, dates or months are read as the English ones.
    converted = [(position, name) for position, name in enumerate(header) if name in CONVERTED_COLUMNS]
    rows, too_wide = [], []
    for line, values in enumerate(table[1:], start=2):
        if any(cell_text(value, "") for value in values[width:]):
            too_wide.append(line)
        cells = list(values[:width]) + [None] * (width - len(values))
        row = {name: cell_text(value, name) for name, value in zip(header, cells, strict=True) if name}
        for position, name in converted:
            row[name] = canonical_value(name, row[name], cells[position])
        rows.append(row)
    while rows and not any(rows[-1].values()):
        rows.pop()
    return Table(header=header, rows=rows, too_wide=too_wide)


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, the header being line 1 (0: the file as a whole)
    column: str  # the column name from the header; "" for a whole-line or whole-file problem
    message: str
    # The person the line is about, as the file names them (shown beside the line number).
    person: str = field(default="", compare=False)


class RowErrors:
    """An import's errors, collected while every line is checked, then sorted by line: a
    whole-line problem first, then the file's columns in their usual order, unknown ones last."""

    def __init__(self, columns) -> None:
        self.items: list[RowError] = []
        self.order = {name: index for index, name in enumerate(columns)}
        self.persons: dict[int, str] = {}

    def add(self, row: int, column: str, message) -> None:
        self.items.append(RowError(row=row, column=column, message=str(message)))

    def name(self, row: int, person: str) -> None:
        """The person line ``row`` is about (their full name in the file): every error of the
        line names them, so an officer finds the line in a file of thousands."""
        if person:
            self.persons[row] = person

    def sorted(self) -> list[RowError]:
        last = len(self.order)
        named = [
            RowError(row=e.row, column=e.column, message=e.message, person=self.persons.get(e.row, e.person))
            for e in self.items
        ]
        return sorted(named, key=lambda e: (e.row, self.order.get(e.column, last) if e.column else -1))


def rows_from_dicts(rows, columns) -> tuple[list[str], list[dict[str, str]]]:
    """Dicts from a caller (the demo, tests) shaped as ``split_table`` shapes a file: the first
    dict's keys are the header (``columns`` when there is no row), every row has every column,
    cells are stripped text."""
    header = [canonical_header(str(name)) for name in rows[0]] if rows else list(columns)
    normalised = []
    for row in rows:
        cells = {
            canonical_header(str(name)): ""
            if value is None
            else canonical_value(canonical_header(str(name)), str(value).strip())
            for name, value in row.items()
        }
        normalised.append({name: cells.get(name, "") for name in header if name})
    return header, normalised


# --- writing: no cell becomes a formula ----------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (tab and carriage return
# too: some programs drop them and read what follows), so a name typed "=HYPERLINK(…)" would run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell starting like a formula gets a leading apostrophe (what a spreadsheet shows as
    text); any other text, and every number, is unchanged: an amount stays a number, and a negative
    number is written as a number, never as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """What ``neutralise`` added, taken off again when a file is read back (an exported file
    imports unchanged: a phone "+84…" exported as "'+84…" is "+84…" again)."""
    if text[:1] == "'" and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:].strip()
    return text


class CsvWriter:
    """``csv.writer`` whose text cells are neutralised: every CSV the product writes is written by
    one. ``writerow`` returns what the stream's ``write`` returns (a streaming response's line)."""

    def __init__(self, stream, **options) -> None:
        self.writer = csv.writer(stream, **options)

    def writerow(self, row):
        return self.writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **options) -> CsvWriter:
    return CsvWriter(stream, **options)


class Echo:
    """A file-like object whose write returns the text, so a CSV writer can feed a streaming response."""

    def write(self, text: str) -> str:
        return text


def xlsx_row(sheet, row) -> list:
    """``row`` for ``sheet.append`` (a write-only sheet or a normal one): every text cell is typed as
    text, so openpyxl never stores one starting with "=" as a formula; numbers stay numbers."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        cells.append(value)
    return cells
