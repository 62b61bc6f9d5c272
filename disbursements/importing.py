"""The payer's report (rules.md §4.3: ``reference,status,paid_on,note``), read from a CSV (UTF-8,
comma or semicolon) or XLSX file and applied to a run by ``services.run_reconcile``, all or
nothing. A report may cover part of the run; the file is kept with the report's record (its name
and SHA-256). A wrong header is an error of line 1; the service names every other bad line.

Errors come back as ``RowError`` (line, column, message) so that the page shows them in the
shared error table and the command prints them as every import command does.
"""

import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.tabular import read_table, split_table
from disbursements import iso20022, services
from disbursements.models import Run
from households.importing import RowError

__all__ = ["COLUMNS", "ReconcileReport", "RowError", "read_any", "read_report", "reconcile"]

COLUMNS = ["reference", "status", "paid_on", "note"]
REQUIRED_COLUMNS = ["reference", "status", "paid_on"]
# "line 3, status: must be paid or failed" (or its translation: the number, then the column).
_LINE_MESSAGE = re.compile(r"^\D*?(\d+)(?:\s*,\s*([a-z_]*))?\s*:\s*(.*)$", re.DOTALL)


@dataclass
class ReconcileReport:
    """What one report did: lines it settled (``paid``, ``failed``), lines it repeated with the
    status an earlier report gave them (``unchanged``), lines of the run still unreported
    (``pending``) and whether the run is now reconciled."""

    errors: list[RowError] = field(default_factory=list)
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    pending: int = 0
    reconciled: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_error(column: str, message: str) -> str:
    return _("line %(line)d, %(column)s: %(message)s") % {"line": 1, "column": column, "message": message}


def read_report(file, filename: str) -> list[dict[str, str]]:
    """The data lines as {column: stripped text}; the line at index i is line i + 2 of the file.
    A file that is not CSV/XLSX, not UTF-8, without a header or with a wrong header: ValidationError
    under ``file`` (header problems as "line 1, column: …"). Blank lines at the end are dropped."""
    try:
        read = split_table(read_table(file, filename))
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    header = read.header
    problems = [_header_error(name, _("missing column")) for name in REQUIRED_COLUMNS if name not in header]
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(_header_error("", _("column %(number)s of the header has no name") % {"number": position}))
        elif name not in COLUMNS:
            problems.append(_header_error(name, _("unknown column")))
        elif header.index(name) != position - 1:
            problems.append(_header_error(name, _("is named more than once")))
    if problems:
        raise ValidationError({"file": problems})
    rows, too_wide = read.rows, read.too_wide_in_data
    if too_wide:
        raise ValidationError(
            {"file": [_("line %(line)d: more cells than the header") % {"line": line} for line in too_wide]}
        )
    return rows


def row_errors(error: ValidationError) -> list[RowError]:
    """A service's or the reader's ValidationError as RowErrors: "line 3, status: …" gives line 3,
    column ``status``; a message without a line (e.g. "not reported: …") is about the whole file."""
    if hasattr(error, "error_dict"):
        messages = [message for field_messages in error.message_dict.values() for message in field_messages]
    else:
        messages = error.messages
    errors = []
    for message in messages:
        match = _LINE_MESSAGE.match(message)
        if match:
            errors.append(RowError(row=int(match[1]), column=match[2] or "", message=match[3]))
        else:
            errors.append(RowError(row=0, column="", message=message))
    return errors


def read_any(run: Run, content: bytes, filename: str) -> list[dict]:
    """The report's rows from a CSV/XLSX payer's report or the bank's ISO 20022 answer (pain.002,
    camt.054: ``iso20022.report_rows``, which refuses unknown end-to-end ids and other amounts)."""
    if iso20022.is_xml(content, filename):
        return iso20022.report_rows(run, content)
    return read_report(io.BytesIO(content), filename)


def reconcile(run: Run, file, filename: str, *, acting_user) -> ReconcileReport:
    """Read one payer's report and apply it to ``run`` (all or nothing), keeping the file with the
    report's record. Bad files and bad lines come back in the report's errors, nothing written;
    PermissionDenied is raised as is."""
    content = file.read()
    if isinstance(content, str):
        content = content.encode("utf-8")
    try:
        rows = read_any(run, content, filename)
        counts = services.run_reconcile(
            run=run, rows=rows, acting_user=acting_user, file_name=filename, content=content
        )
    except ValidationError as error:
        return ReconcileReport(errors=row_errors(error))
    return ReconcileReport(
        paid=counts["paid"], failed=counts["failed"], unchanged=counts["unchanged"], pending=counts["pending"],
        reconciled=counts["reconciled"],
    )  # fmt: skip
