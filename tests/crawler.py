"""The demo crawler shared by the crawl tests (tests/privacy/test_crawl.py: no unmasked identifier;
tests/core/test_vietnamese_pages.py: numbers, months and field names in Vietnamese).

The crawl is breadth-first and bounded: GET only, same host, no logout or language switch, and at
most ``PER_PATTERN`` addresses of one shape (a path with its ids replaced, e.g. a household page) so
that it spends its time on every kind of page rather than on 7,700 households. Each answer (HTML,
CSV, XLSX, PDF or ZIP, decoded to text) goes to the test's ``inspect(path, kind, text)``, which
returns the problems it finds there.
"""

import io
import re
import time
import zipfile
from collections import Counter, deque
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from pypdf import PdfReader

from accounts.models import User
from demo.accounts import load_demo
from tests.conftest import DEMO_DAY, on_day

PER_PATTERN = 3  # addresses visited per shape of address (see _pattern)
MAX_PAGES = 450  # per role: the crawl's bound
SKIP = ("/accounts/logout", "/i18n/", "/admin/", "/static/", "/media/", "/healthz")
# The province's household XLSX (16,000 members: 10 to 27 s to write and read here) has the rows of
# the household CSV, which the crawl reads (``households.exporting.export_rows`` writes both; the
# masked XLSX is asserted in test_visibility.py).
SLOW_PATH, SLOW_QUERY = "/households/export/", "format=xlsx"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NUMBER = re.compile(r"(?<=/)\d+(?=/|$)")

Inspect = Callable[[str, str, str], list[str]]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with on_day(DEMO_DAY), django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    """The demo, in a savepoint of this test (on DEMO_DAY)."""
    with on_day(DEMO_DAY):
        yield


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "hx-get" or (name == "href" and tag == "a")):
                self.links.append((name, value))


def _slow(parts) -> bool:
    return parts.path == SLOW_PATH and SLOW_QUERY in parts.query


def _pattern(url: str) -> str:
    path = urlsplit(url).path
    return _NUMBER.sub("#", _UUID.sub("*", path)) + ("?" if urlsplit(url).query else "")


def _text(response) -> tuple[str, str]:
    """(kind, text) of an answer: HTML, CSV, XLSX (every cell), PDF (its text) or a ZIP of those."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return _decode(content_type, body)


def _decode(content_type: str, body: bytes) -> tuple[str, str]:
    if "spreadsheetml" in content_type or body[:2] == b"PK" and b"xl/" in body[:2000]:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        cells = [
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        ]
        return "xlsx", "\n".join(cells)
    if "pdf" in content_type:
        return "pdf", "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    if "zip" in content_type:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "zip", "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    kind = "csv" if "csv" in content_type else "html"
    return kind, body.decode("utf-8", "replace")


def crawl(
    user: User,
    inspect: Inspect,
    *,
    trace: list | None = None,
    per_pattern_limit: int = PER_PATTERN,
    max_pages: int = MAX_PAGES,
    skip_path: Callable[[str], bool] | None = None,
    start: tuple[str, ...] = ("/",),
) -> tuple[Counter, list[str]]:
    """Crawl from ``start`` ("/") as ``user``: (answers by kind, problems that ``inspect`` found)."""
    client = Client()
    client.force_login(user)
    queue = deque(start)
    seen_urls, per_pattern = set(start), Counter()
    kinds, problems = Counter(), []
    while queue and sum(kinds.values()) < max_pages:
        url = queue.popleft()
        headers = {"HX-Request": "true"} if url.startswith("hx:") else {}
        path = url.removeprefix("hx:")
        started = time.monotonic()
        response = client.get(path, headers=headers)
        if trace is not None:
            trace.append((round(time.monotonic() - started, 2), response.status_code, url))
        if response.status_code in (301, 302):
            links = [("href", response["Location"])]
        elif response.status_code != 200:
            kinds[f"status {response.status_code}"] += 1
            continue
        else:
            kind, text = _text(response)
            kinds[kind] += 1
            problems.extend(inspect(path, kind, text))
            if kind != "html":
                continue
            parser = _Links()
            parser.feed(text)
            links = parser.links
        for attribute, link in links:
            parts = urlsplit(urldefrag(link).url)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            if not parts.path.startswith("/") or parts.path.startswith(SKIP) or _slow(parts):
                continue
            key = ("hx:" if attribute == "hx-get" else "") + parts.path + (f"?{parts.query}" if parts.query else "")
            if skip_path is not None and skip_path(key):
                continue
            if key in seen_urls or per_pattern[_pattern(key)] >= per_pattern_limit:
                continue
            seen_urls.add(key)
            per_pattern[_pattern(key)] += 1
            queue.append(key)
    return kinds, problems
