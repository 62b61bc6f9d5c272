"""The official tables as files, and the export jobs that build the large ones.

Files: ``table_pdf`` (WeasyPrint through ``core.pdf.render_pdf``: A4, landscape for the wide tables,
the official header with the unit and the date, "Trang X/Y") and ``table_xlsx`` (openpyxl: the title,
the unit and period and the date above one header row, one row per table row, the totals row last;
counts and đồng are integers and rates fractions with a percent format, so a spreadsheet sums them).
Both are in Vietnamese whatever the interface language: they are official documents.

Direct or by a worker: a table whose source is at most ``DIRECT_MAX_SOURCE_ROWS`` rows (households
for the poverty summary, payment lines for the others; ``tables.source_rows`` counts them in one
cheap query) is built while the user waits; a larger one becomes an ``ExportJob`` that a Celery
worker builds (``reports.tasks.export_job_task``), with its progress on the exports page and a
download link when done. 200,000 rows keep a direct download under about a second on the reference
machine (bench/reports.py measures both): a commune's tables are always direct, a large province's
go to the worker.

The job functions below are this app's services (its only writes): ``export_job_create`` checks the
scope, writes the job and enqueues it after the commit; ``export_job_run`` is what the task calls,
idempotent (a job claimed again after a lost worker is built again, a finished job is left alone).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.http import Http404, HttpResponse
from django.utils import formats, timezone

from core.pdf import ascii_filename, render_pdf
from core.queue import registered_task
from core.tabular import xlsx_row
from reports.models import ExportJob, FileFormat, OfficialTable
from reports.tables import (
    Kind,
    NotRecognised,
    Table,
    TableScope,
    build_table,
    poverty_recognition,
    source_rows,
    table_scope,
)

logger = logging.getLogger(__name__)

DIRECT_MAX_SOURCE_ROWS = 200_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"
CONTENT_TYPES = {FileFormat.PDF: PDF_CONTENT_TYPE, FileFormat.XLSX: XLSX_CONTENT_TYPE}
SHEET_TITLES = {OfficialTable.POVERTY: "Ra soat ho ngheo", OfficialTable.ALLOWANCES: "Tro cap xa hoi",
                OfficialTable.PAYMENTS: "Chi tra"}  # fmt: skip
FILE_STEMS = {
    OfficialTable.POVERTY: "Tổng hợp rà soát hộ nghèo",
    OfficialTable.ALLOWANCES: "Trợ cấp xã hội hằng tháng",
    OfficialTable.PAYMENTS: "Chi trả theo hình thức và ngân hàng",
}
NUMBER_FORMATS = {Kind.COUNT: "#,##0", Kind.VND: "#,##0", Kind.PERCENT: "0.00%"}


# --- numbers as the documents write them -----------------------------------------------------------


def number_vi(value, kind: str) -> str:
    """1500000 -> '1.500.000'; a rate 0.009148 -> '0,91'; no rate (nothing to divide by) -> '-'."""
    if value is None:
        return "-"
    if kind == Kind.PERCENT:
        return f"{100 * value:.2f}".replace(".", ",")
    if kind in (Kind.COUNT, Kind.VND):
        return f"{value:,}".replace(",", ".")
    return str(value)


def number_page(value, kind: str) -> str:
    """As the other pages write numbers, in the reader's language: '1.500.000', '0,91' in
    Vietnamese; '1,500,000', '0.91' in English."""
    if value is None:
        return "–"
    if kind == Kind.PERCENT:
        # Rounded as the XLSX and PDF round it, then written with the language's separators.
        return formats.number_format(Decimal(f"{100 * value:.2f}"), 2, use_l10n=True, force_grouping=True)
    if kind in (Kind.COUNT, Kind.VND):
        return formats.number_format(value, 0, use_l10n=True, force_grouping=True)
    return str(value)


# --- files -----------------------------------------------------------------------------------------


def document_rows(table: Table) -> list[dict]:
    """The rows (totals last) as the PDF draws them: level and formatted cells."""
    return [
        {
            "level": row.level,
            "cells": [
                {"text": number_vi(value, column.kind), "number": column.kind != Kind.TEXT}
                for column, value in zip(table.columns, row.document_values(), strict=True)
            ],
        }
        for row in [*table.rows, table.total]
    ]


def table_pdf(table: Table) -> bytes:
    today = timezone.localdate()
    context = {
        "table": table,
        "header": table.scope.header(today),
        "document_title": table.title_vi,
        "scope_text": table.scope.label_vi(),
        "header_rows": table.header_rows(vietnamese=True),
        "rows": document_rows(table),
        "column_count": len(table.columns),
    }
    return render_pdf("pdf/reports_table.html", context)


def table_xlsx(table: Table) -> bytes:
    """The workbook: A1 the title, A2 the unit, A3 the period, A4 the date; the header on row 6,
    then the rows and the totals row (bold). Frozen below the header."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES[table.kind]
    header = table.scope.header(timezone.localdate())
    sheet.append(xlsx_row(sheet, [table.title_vi]))
    sheet.append(xlsx_row(sheet, [f"{header.authority} {header.unit} – {table.scope.label_vi()}"]))
    sheet.append(xlsx_row(sheet, [table.period_vi]))
    sheet.append(xlsx_row(sheet, [f"{header.place_and_date}"]))
    sheet.append([])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(xlsx_row(sheet, table.flat_labels_vi()))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in [*table.rows, table.total]:
        # Text never becomes a formula (a name typed as "=…"): typed as text by core.tabular.xlsx_row.
        sheet.append(xlsx_row(sheet, row.document_values()))
        for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
            if column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            if row.level in ("total", "group"):
                cell.font = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 34 if column.kind == Kind.TEXT else 16
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    for notes_row, note in enumerate(table.notes_vi, start=sheet.max_row + 2):
        sheet.cell(row=notes_row, column=1, value=f"Ghi chú: {note}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(table: Table, file_format: str) -> bytes:
    if file_format == FileFormat.PDF:
        return table_pdf(table)
    if file_format == FileFormat.XLSX:
        return table_xlsx(table)
    raise Http404("format")


def export_filename(table: Table, file_format: str) -> str:
    """'Tổng hợp rà soát hộ nghèo Xã Tân Đông 2024.pdf'."""
    period = "-".join(str(value) for value in table.parameters.values())
    return f"{FILE_STEMS[table.kind]} {table.scope.name} {period}.{file_format}"


def as_download(response: HttpResponse, filename: str) -> HttpResponse:
    """Saved by the browser under ``filename`` (never shown inline: an ASCII name for old clients, the
    exact UTF-8 name in ``filename*``), and not cached."""
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def attachment(content: bytes, filename: str, file_format: str) -> HttpResponse:
    return as_download(HttpResponse(content, content_type=CONTENT_TYPES[file_format]), filename)


# --- direct or by a worker -------------------------------------------------------------------------


@dataclass
class ExportRequest:
    table: str
    file_format: str
    scope: TableScope
    parameters: dict

    @property
    def is_large(self) -> bool:
        return source_rows(self.table, self.scope, self.parameters) > DIRECT_MAX_SOURCE_ROWS


def export_refusal_check(request: ExportRequest) -> None:
    """Raise ``tables.NotRecognised`` for the poverty table of a year no commune of the scope has
    recognised (one query); the builder refuses it too, so a job queued before cannot write it."""
    if request.table == OfficialTable.POVERTY:
        recognition = poverty_recognition(request.scope, request.parameters["year"])
        if recognition.refused:
            raise recognition.refusal(request.scope)


def export_now(request: ExportRequest) -> tuple[bytes, str]:
    """Build the file while the user waits: (content, file name)."""
    table = build_table(request.table, request.scope, request.parameters)
    return render(table, request.file_format), export_filename(table, request.file_format)


# --- export jobs (this app's services) ------------------------------------------------------------


@transaction.atomic
def export_job_create(*, request: ExportRequest, acting_user) -> ExportJob:
    """Queue the export of ``request`` for ``acting_user`` (who must be able to see its scope: the
    caller resolved it with ``table_scope`` for that user) and send it to a worker after the commit."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    scope = request.scope
    export_refusal_check(request)  # never a job for a table that must not exist
    fields = {
        "owner": acting_user,
        "table": request.table,
        "file_format": request.file_format,
        "commune": scope.commune,
        "province": None if scope.commune else scope.province,
        "parameters": request.parameters,
    }
    # A second click while the same export is still being prepared gets that job, not another one.
    unfinished = ExportJob.objects.filter(**fields, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING])
    job = unfinished.first()
    if job is not None:
        return job
    job = ExportJob.objects.create(**fields)
    transaction.on_commit(lambda: enqueue_export_job(job.pk))
    return job


# The export task's registered name (reports/tasks.py registers it under this).
EXPORT_JOB_TASK = "reports.export_job"


def enqueue_export_job(job_id: int) -> None:
    """Put the job's task on the broker. The task module imports this one; this one finds the task by
    its registered name, without importing that module (no circle)."""
    registered_task(EXPORT_JOB_TASK).delay(job_id)


def job_scope(job: ExportJob) -> TableScope:
    """The job's scope as its owner may see it now (Http404, or PermissionDenied, if no longer)."""
    if job.commune_id:
        return table_scope(job.owner, commune=job.commune_id)
    return table_scope(job.owner, province=job.province_id)


def _claim(job_id: int):
    """Mark the job running (from queued, or from running when its worker was lost and the task was
    delivered again); None when it is finished or gone."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("owner").filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        job.status, job.progress, job.started_at = ExportJob.Status.RUNNING, 0, timezone.now()
        job.save(update_fields=["status", "progress", "started_at", "updated_at"])
        return job


def _still_mine(job: ExportJob):
    """The job, locked, if no other delivery of the task has claimed it since (same started_at)."""
    return (
        ExportJob.objects.select_for_update()
        .filter(pk=job.pk, status=ExportJob.Status.RUNNING, started_at=job.started_at)
        .first()
    )


def export_job_run(job_id: int) -> str:
    """Build a job's file and store it; idempotent. Progress goes to the job row as the table is
    aggregated (10 %, 60 %), rendered (70 %, 90 %) and stored (100 %)."""
    job = _claim(job_id)
    if job is None:
        return "nothing to do"

    def progress(percent: int) -> None:
        ExportJob.objects.filter(pk=job.pk, started_at=job.started_at).update(
            progress=percent, updated_at=timezone.now()
        )

    try:
        scope = job_scope(job)
        table = build_table(job.table, scope, job.parameters, progress=progress)
        content = render(table, job.file_format)
        progress(90)
        filename = export_filename(table, job.file_format)
    except OperationalError:
        raise  # transient (the database went away): the task retries, the job stays running
    except Exception as error:  # any other failure is the job's, shown on its row
        logger.exception("export job %s failed", job.pk)
        with transaction.atomic():
            mine = _still_mine(job)
            if mine:
                mine.status, mine.finished_at = ExportJob.Status.FAILED, timezone.now()
                mine.error = _failure_text(error)[:500]
                mine.save(update_fields=["status", "finished_at", "error", "updated_at"])
        return "failed"
    with transaction.atomic():
        mine = _still_mine(job)
        if mine is None:
            return "claimed by another delivery"
        mine.file.save(f"{mine.uuid}.{mine.file_format}", ContentFile(content), save=False)
        mine.status, mine.progress, mine.finished_at = ExportJob.Status.DONE, 100, timezone.now()
        mine.filename, mine.row_count = filename, table.row_count
        mine.save(update_fields=["file", "status", "progress", "finished_at", "filename", "row_count", "updated_at"])
    return "done"


def _failure_text(error: Exception) -> str:
    if isinstance(error, NotRecognised):
        return " ".join(error.messages)
    if isinstance(error, (Http404, PermissionDenied)):
        return "The scope of this export is no longer yours."
    return f"{type(error).__name__}: {error}"


# --- reading jobs ----------------------------------------------------------------------------------

JOBS_SHOWN = 50


def jobs_for(user) -> list[ExportJob]:
    """The user's latest jobs (only theirs), newest first, with their scope's names: one query."""
    return list(
        ExportJob.objects.filter(owner=user)
        .select_related("commune", "province")
        .order_by("-created_at", "-id")[:JOBS_SHOWN]
    )


def access_export_job(user, job_uuid) -> ExportJob:
    """The only door to a job: its owner's, and still within their scope; anything else is 404."""
    job = ExportJob.objects.select_related("owner").filter(uuid=job_uuid, owner_id=user.pk).first()
    if job is None:
        raise Http404("export")
    try:
        job_scope(job)  # the owner may no longer see the job's commune or province
    except PermissionDenied:
        raise Http404("export") from None
    return job


def export_jobs_purge(*, keep_days: int | None = None, now=None) -> int:
    """Delete finished export jobs (done or failed) older than ``REPORTS_EXPORT_KEEP_DAYS`` days, and
    their files once the deletion is committed; unfinished jobs stay. Returns the jobs deleted."""
    days = settings.REPORTS_EXPORT_KEEP_DAYS if keep_days is None else keep_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        old = ExportJob.objects.select_for_update().filter(
            status__in=(ExportJob.Status.DONE, ExportJob.Status.FAILED), finished_at__lt=cutoff
        )
        files = [(job.file.storage, job.file.name) for job in old if job.file]
        deleted = old.count()
        old.delete()

        def remove_files():
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(remove_files)
    return deleted
