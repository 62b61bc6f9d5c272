"""What a run sends to the payer: the payment export of rules.md §4.2 (CSV and XLSX), one bank
batch file per bank (NAPAS BIN) and a ZIP of them all, and the run's totals by method and by
category. The cash list for the post office is a PDF (``documents.py``).

Every output is read from the run's lines, the snapshot taken when the run was computed, so a
case or an account edited since does not change what the payer receives. Only the commune's
officer downloads, and the payer needs the identifiers in full: nothing is masked here.
``download`` is the door every download goes through: it refuses a run not yet sent to the payer
(sending is its own act, ``services.run_send_to_payer``) or already reconciled, and records the
download without changing the run. The first download of each file is the original; later ones
are copies: their file names say so (``copy_suffix``) and the cash list PDF carries a "BẢN SAO"
mark, while the payment list and the bank files keep the payer's exact format.

No cell of the payment list becomes a formula in a spreadsheet: its CSV goes through
``core.tabular.csv_writer`` (a name typed "=…" gets a leading apostrophe), its XLSX types every
text cell as text. The bank batch files are exempt, their formats forbidding it: every field is
digits, or upper-case ASCII letters, digits, spaces and inner hyphens (``bank_text``), so no field
can start with "=", "+", "-", "@", a tab or a carriage return; ``bank_csv`` checks it on each file.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator

from django.db.models import Count, Sum

from beneficiaries.models import Category, PaymentMethod
from core.tabular import FORMULA_STARTS, Echo, csv_writer, xlsx_row
from core.text import fold_vietnamese
from disbursements import services
from disbursements.models import Run, RunLine

COLUMNS = [
    "run_id",
    "commune_code",
    "reference",
    "national_id",
    "full_name",
    "months",
    "amount_vnd",
    "payment_method",
    "bank_bin",
    "account_number",
    "account_name",
]
BANK_COLUMNS = ["reference", "account_number", "account_name", "amount", "description"]
# Columns that are numbers in the XLSX (the rest, codes included, are text).
NUMBER_COLUMNS = frozenset({"run_id", "amount_vnd"})
SHEET_TITLE = "payments"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_CONTENT_TYPE = "application/zip"
FORMATS = ("csv", "xlsx")
_CHUNK = 2_000


def download(run: Run, *, acting_user, file: str) -> int:
    """Refuse (ValidationError, PermissionDenied) unless the run is sent to the payer, not yet
    reconciled, and the user may download its files; record the download. Returns 0 for the
    original, n for the n-th copy of that file. Call before producing any file of the run."""
    return services.run_download_record(run=run, acting_user=acting_user, file=file)


def copy_suffix(copy: int) -> str:
    """'' for the original, '-copy2' for the second copy: the end of a copy's file name."""
    return f"-copy{copy}" if copy else ""


def _with_suffix(filename: str, copy: int) -> str:
    stem, dot, extension = filename.rpartition(".")
    return f"{stem}{copy_suffix(copy)}{dot}{extension}"


# --- the payment export (§4.2) -----------------------------------------------------------------


def _lines(run: Run):
    return run.lines.order_by("case_id")


def payment_rows(run: Run) -> Iterator[list]:
    """The header, then one line per person: cells as Python values (ints for the run id and the
    amount, text for every code), months ``YYYY-MM`` separated by ";"."""
    yield list(COLUMNS)
    rows = _lines(run).values_list(
        "reference", "national_id", "full_name", "months", "amount", "payment_method", "bank_bin", "account_number",
        "account_name",
    )  # fmt: skip
    for reference, national_id, name, months, amount, method, bank_bin, account, holder in rows.iterator(
        chunk_size=_CHUNK
    ):
        yield [run.pk, run.commune_id, reference, national_id, name, ";".join(months), amount, method, bank_bin,
               account, holder]  # fmt: skip


def csv_chunks(run: Run) -> Iterator[str]:
    """The CSV text (UTF-8 with a BOM so that Excel shows the diacritics) line by line, for a
    streaming response."""
    writer = csv_writer(Echo())
    yield "\ufeff"
    for row in payment_rows(run):
        yield writer.writerow(row)


def write_csv(run: Run, stream) -> None:
    """The CSV text to ``stream`` (a text stream opened with ``newline=""``)."""
    for chunk in csv_chunks(run):
        stream.write(chunk)


def write_xlsx(run: Run, stream) -> None:
    """An XLSX workbook to ``stream`` (binary), row by row: the run id and the amount are numbers,
    every other cell is text (national IDs and account numbers keep their leading zeros, and a
    value starting with "=" is never a formula)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for row in payment_rows(run):
        sheet.append(xlsx_row(sheet, row))
    workbook.save(stream)


def export_filename(run: Run, file_format: str, copy: int = 0) -> str:
    return _with_suffix(f"payments-{run.commune_id}-{run.month:%Y-%m}-run{run.pk}.{file_format}", copy)


# --- bank batch files ------------------------------------------------------------------------


def bank_text(text: str) -> str:
    """'Nguyễn Thị Hoa' -> 'NGUYEN THI HOA': banks' batch files take upper-case ASCII letters,
    digits and spaces; anything else (punctuation, "=", "@") is dropped."""
    ascii_text = fold_vietnamese(text).upper().encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^A-Z0-9 ]", " ", ascii_text).split())


# What a bank batch file's text field may hold: it never starts like a formula.
BANK_FIELD = re.compile(r"[A-Z0-9]([A-Z0-9 -]*[A-Z0-9])?")
assert not any(BANK_FIELD.match(start) for start in FORMULA_STARTS)


def check_bank_row(row: list) -> list:
    """``row`` if every field is a number, empty or matches ``BANK_FIELD`` (so none starts with one
    of ``FORMULA_STARTS``); else ValueError (a bug: the bank file would carry a cell a spreadsheet
    could read as a formula)."""
    for value in row:
        if isinstance(value, int):
            continue
        if not isinstance(value, str) or not (value == "" or BANK_FIELD.fullmatch(value)):
            raise ValueError(f"bank file field {value!r} is not upper-case ASCII letters and digits")
    return row


def transfer_description(run: Run, reference: str) -> str:
    """'TCXH 2026-05 12-345': social allowance (trợ cấp xã hội), the run's month, the line."""
    return f"TCXH {run.month:%Y-%m} {reference}"


def bank_bins(run: Run) -> list[str]:
    """The banks (NAPAS BINs) the run pays into, in order."""
    return list(
        run.lines.filter(payment_method=PaymentMethod.BANK)
        .order_by("bank_bin")
        .values_list("bank_bin", flat=True)
        .distinct()
    )


def bank_rows(run: Run, bank_bin: str) -> Iterator[list]:
    """The header, then one transfer per bank line of the run paid into ``bank_bin``."""
    yield list(BANK_COLUMNS)
    rows = (
        _lines(run)
        .filter(payment_method=PaymentMethod.BANK, bank_bin=bank_bin)
        .values_list("reference", "account_number", "account_name", "amount")
    )
    for reference, account, holder, amount in rows.iterator(chunk_size=_CHUNK):
        yield [reference, account, bank_text(holder), amount, transfer_description(run, reference)]


def bank_csv(run: Run, bank_bin: str) -> bytes:
    """One bank's batch file: CSV, comma, CRLF, ASCII only (so no BOM). Written with the plain CSV
    writer (the bank's format takes no apostrophe), each line checked by ``check_bank_row``."""
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    rows = bank_rows(run, bank_bin)
    writer.writerow(next(rows))
    writer.writerows(check_bank_row(row) for row in rows)
    return stream.getvalue().encode("ascii")


def bank_filename(run: Run, bank_bin: str, copy: int = 0) -> str:
    """The name of one bank's file (inside the ZIP it is always the original's: the payer's format)."""
    return _with_suffix(f"bank-{bank_bin}-{run.commune_id}-{run.month:%Y-%m}-run{run.pk}.csv", copy)


def bank_zip(run: Run) -> bytes:
    """Every bank's batch file of the run in one ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for bank_bin in bank_bins(run):
            archive.writestr(bank_filename(run, bank_bin), bank_csv(run, bank_bin))
    return buffer.getvalue()


def bank_zip_filename(run: Run, copy: int = 0) -> str:
    return _with_suffix(f"bank-{run.commune_id}-{run.month:%Y-%m}-run{run.pk}.zip", copy)


# --- totals ----------------------------------------------------------------------------------


def totals_by_method(run: Run) -> list[dict]:
    """[{"method": "bank", "label": …, "lines": n, "amount": đồng}, …], by SQL aggregation."""
    labels = dict(PaymentMethod.choices)
    rows = (
        run.lines.order_by("payment_method").values("payment_method").annotate(lines=Count("pk"), amount=Sum("amount"))
    )
    return [
        {"method": row["payment_method"], "label": labels.get(row["payment_method"], row["payment_method"]),
         "lines": row["lines"], "amount": row["amount"]}
        for row in rows
    ]  # fmt: skip


def totals_by_category(run: Run) -> list[dict]:
    """[{"category": "5.5a", "name": …, "lines": n, "amount": đồng}, …] by the category a line was
    computed under (its current one), in the categories' order, by SQL aggregation."""
    rows = list(
        RunLine.objects.filter(run=run).order_by().values("category").annotate(lines=Count("pk"), amount=Sum("amount"))
    )
    categories = {c.code: c for c in Category.objects.filter(code__in=[row["category"] for row in rows])}
    last = len(categories) + 1_000
    rows.sort(key=lambda row: (categories[row["category"]].position if row["category"] in categories else last,
                               row["category"]))  # fmt: skip
    return [
        {"category": row["category"], "name": categories[row["category"]].name if row["category"] in categories else "",
         "lines": row["lines"], "amount": row["amount"]}
        for row in rows
    ]  # fmt: skip
