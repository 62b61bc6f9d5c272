"""The crawl (issue 15 §7): signed in as the provincial viewer and as a committee member, every page
reachable from the menu and the links found on them (htmx fragments, CSV, XLSX and PDF downloads
included) shows no national ID, phone or account number of the demo unmasked.

The real values are read from the database and searched for in each answer (their digits, whatever
the separators between them: "0987 654 321" is the phone +84987654321), not guessed by a regex.

The crawl is breadth-first and bounded: GET only, same host, no logout or language switch, and at
most ``PER_PATTERN`` addresses of one shape (a path with its ids replaced, e.g. a household page) so
that it spends its time on every kind of page rather than on 7,700 households.
"""

import io
import re
import time
import zipfile
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from pypdf import PdfReader

from accounts.demo import load_demo
from accounts.models import User
from beneficiaries.models import Case, ChangeRequest
from disbursements.models import RunLine
from households.models import Person
from notifications.models import Message
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
# Runs of digits with single separators between them ("0987 654 321", "+84 987.654.321").
_DIGIT_RUN = re.compile(r"\d(?:\d|[ .\-\u00a0](?=\d))*")


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


def secrets() -> dict[str, set[str]]:
    """Every national ID, phone (in its national and international digits) and account number of
    the demo, as digit strings."""
    national_ids = set(Person.objects.exclude(national_id="").values_list("national_id", flat=True))
    raw_phones = set(Person.objects.exclude(phone="").values_list("phone", flat=True))
    raw_phones |= set(Message.objects.filter(channel="sms").values_list("recipient", flat=True))
    phones = set()
    for phone in raw_phones:
        digits = re.sub(r"\D", "", phone)
        phones.add(digits)  # 84987654321
        if digits.startswith("84"):
            phones.add("0" + digits[2:])  # 0987654321
    accounts = set(Case.objects.exclude(account_number="").values_list("account_number", flat=True))
    accounts |= set(RunLine.objects.exclude(account_number="").values_list("account_number", flat=True))
    for before, proposed in ChangeRequest.objects.values_list("before", "proposed"):
        for values in (before, proposed):
            if isinstance(values, dict) and values.get("account_number"):
                accounts.add(values["account_number"])
    return {"national ID": national_ids, "phone": phones, "account": {re.sub(r"\D", "", a) for a in accounts}}


def leaks(text: str, needles: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(kind, value) of every secret whose digits appear in ``text`` as (part of) a run of digits."""
    lengths = _lengths(needles)
    shortest = min(length for kind_lengths in lengths.values() for length in kind_lengths)
    found = []
    for match in _DIGIT_RUN.finditer(text):
        if len(match.group()) < shortest:
            continue
        digits = re.sub(r"\D", "", match.group())
        for kind, values in needles.items():
            for length in lengths[kind]:
                for start in range(len(digits) - length + 1):
                    if digits[start : start + length] in values:
                        found.append((kind, digits[start : start + length]))
    return found


_lengths_cache: dict[int, dict[str, set[int]]] = {}


def _lengths(needles: dict[str, set[str]]) -> dict[str, set[int]]:
    if id(needles) not in _lengths_cache:
        _lengths_cache[id(needles)] = {kind: {len(value) for value in values} for kind, values in needles.items()}
    return _lengths_cache[id(needles)]


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


def crawl(user: User, needles: dict[str, set[str]], *, trace: list | None = None) -> tuple[Counter, list[str]]:
    client = Client()
    client.force_login(user)
    queue = deque(["/"])
    seen_urls, per_pattern = {"/"}, Counter()
    kinds, problems = Counter(), []
    while queue and sum(kinds.values()) < MAX_PAGES:
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
            problems.extend(f"{path}: {what} {value}" for what, value in leaks(text, needles))
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
            if key in seen_urls or per_pattern[_pattern(key)] >= PER_PATTERN:
                continue
            seen_urls.add(key)
            per_pattern[_pattern(key)] += 1
            queue.append(key)
    return kinds, problems


@pytest.mark.parametrize("username", ["tayninh.province", "tandong.committee"])
def test_no_unmasked_identifier_on_any_page_or_file_a_masked_role_reaches(loaded, username):
    needles = secrets()
    assert len(needles["national ID"]) > 10_000 and len(needles["phone"]) > 1_000 and len(needles["account"]) > 100

    started = time.monotonic()
    kinds, problems = crawl(User.objects.get(username=username), needles)
    elapsed = time.monotonic() - started

    assert problems == [], problems[:20]
    # The crawl reached pages of every kind, and files.
    assert kinds["html"] > 80, kinds
    assert kinds["csv"] + kinds["xlsx"] + kinds["pdf"] >= 2, kinds
    print(f"{username}: {sum(kinds.values())} answers {dict(kinds)} in {elapsed:.1f} s")
