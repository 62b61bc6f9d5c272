"""Measure a dry-run household import of a small XLSX of 50,000 rows (issue 15, finding 5):
``pytest tests/privacy/measure_upload.py -s`` prints its size and the request's CPU time."""

import io
import time

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.importing import COLUMNS

ROWS = 50_000


def many_rows_xlsx(rows: int = ROWS) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("households")
    sheet.append(COLUMNS)
    line = ["TD-1", "25522", "Ấp Đông Hà", "1 đường", "rural", "072080000001", "Nguyễn Văn A", "1980-01-01", "M",
            "head", "Kinh", "", ""]  # fmt: skip
    for _ in range(rows):
        sheet.append(line)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_measure_a_dry_run_of_many_rows(client_for):
    content = many_rows_xlsx()
    client = client_for("tandong_officer")
    started, wall = time.process_time(), time.perf_counter()
    response = client.post(
        reverse("households:import"), {"file": SimpleUploadedFile("many.xlsx", content), "dry_run": "on"}
    )
    cpu, elapsed = time.process_time() - started, time.perf_counter() - wall
    print(
        f"\n{len(content) / 1024:.0f} KB, {ROWS} rows: status {response.status_code}, CPU {cpu:.2f} s, wall {elapsed:.2f} s"
    )
