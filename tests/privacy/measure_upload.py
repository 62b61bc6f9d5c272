"""Measure a dry-run household import of an XLSX of 50,000 rows (issue 15, finding 5):
``pytest tests/privacy/measure_upload.py -s`` prints its size and the request's CPU time (not part
of the suite: its name does not start with ``test_``).

On the shared 2-core machine, 7 December 2026, a 2,022 KB file (openpyxl's own compression):
before, read whole and checked line by line, status 200 after 12.0 s of CPU (32.7 s wall);
after, refused at the first line past IMPORT_MAX_ROWS (20,000) counted on the sheet's XML, before
openpyxl opens it, with nothing saved: 0.89 s of CPU (2.2 s wall), most of it the test client
building and parsing the 2 MB upload."""

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
