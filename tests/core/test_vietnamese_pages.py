"""Issue 16 items 7 and 8: the Vietnamese pages show numbers, months and field names in Vietnamese.

Signed in as the officer, the chair, the committee member and the provincial viewer, the demo's pages
(the shared crawler, tests/crawler.py, with fewer addresses of each shape to stay near a minute) show
in their visible text (and the PDFs in theirs):
- no number grouped the English way ("295,750,000": Vietnamese writes 295.750.000);
- no month written "2026-12" (Vietnamese writes 12/2026), no day written "2026-12-07" (07/12/2026);
- no model field name of the timelines and change diffs ("disability_level", "start_month").
CSV and XLSX files are machine formats and keep their own (not inspected here).
"""

import re
import time
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demo.accounts import TAN_DONG
from households.models import DisabilityLevel, Person
from households.services import household_edit, member_edit, person_data_from
from tests.crawler import crawl, demo, loaded  # noqa: F401  (fixtures)

ENGLISH_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
ISO_MONTH = re.compile(r"(?<![\d-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])(?![\d-])")
ISO_DAY = re.compile(r"(?<![\d-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d-])")
# Names of model fields that a diff or a timeline may show (households, beneficiaries, support).
FIELD_NAMES = (
    "disability_level",
    "national_id",
    "date_of_birth",
    "start_month",
    "end_month",
    "paid_through_month",
    "payment_method",
    "account_number",
    "bank_code",
    "relationship",
    "ethnicity",
    "health_insurance",
    "insurance_number",
    "insurance_valid_to",
    "full_name",
    "category",
    "coefficient",
    "dependent_children",
    "housing_area_m2",
    "village",
    "address",
    "amount_vnd",
    "value_vnd",
    "phone",
    "sex",
)
FIELD_NAME = re.compile(r"\b(?:" + "|".join(FIELD_NAMES) + r")\b")


class _VisibleText(HTMLParser):
    """The text a reader sees: no script, style or attribute values (which hold ids and URLs).
    Text in <code> (the column names an import file must carry) is kept apart."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.code: list[str] = []
        self._hidden = self._code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        elif tag == "code":
            self._code += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)
        elif tag == "code":
            self._code = max(0, self._code - 1)

    def handle_data(self, data):
        if not self._hidden:
            (self.code if self._code else self.parts).append(data)


_FORMATS = (("number", ENGLISH_NUMBER), ("month", ISO_MONTH), ("day", ISO_DAY))


def visible(response) -> str:
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(parser.parts)


def problems_in(path: str, kind: str, text: str) -> list[str]:
    if kind == "html":
        parser = _VisibleText()
        parser.feed(text)
        text, code = " ".join(parser.parts), " ".join(parser.code)
    elif kind == "pdf":
        code = ""
    else:
        return []  # CSV, XLSX, ZIP: machine formats
    if path.split("?")[0] == "/help/formats/":
        return []  # the files' own specification: their column names and ISO examples are the point
    checks = [(what, pattern, text + " " + code) for what, pattern in _FORMATS]
    if "/import" not in path.split("?")[0]:
        # An import page names the file's columns (national_id, amount_vnd): machine names, kept.
        checks.append(("field name", FIELD_NAME, text))
    found = []
    for what, pattern, where in checks:
        found.extend(f"{path}: {what} {match.group()!r}" for match in pattern.finditer(where))
    return found


def _files_not_pdf(key: str) -> bool:
    """CSV and XLSX downloads are not inspected: not worth their time in this crawl."""
    return any(mark in key for mark in ("format=csv", "format=xlsx", ".csv", ".xlsx", "/export"))


def test_the_patterns_catch_what_they_should():
    assert problems_in("/x/", "html", "<p>295,750,000 đ; 1,420,000; 2026-12; 2026-12-07</p>") == [
        "/x/: number '295,750,000'",
        "/x/: number '1,420,000'",
        "/x/: month '2026-12'",
        "/x/: day '2026-12-07'",
    ]
    assert problems_in("/x/", "html", "<p>disability_level none → severe</p>") == ["/x/: field name 'disability_level'"]
    # Vietnamese numbers, decimals, dates and months, ids in attributes: all fine.
    ok = '<p data-x="1,000 2026-12">295.750.000 đ · 81,45 % · 1,0 · 12/2026 · 07/12/2026 · 4.702 hộ</p>'
    assert problems_in("/x/", "html", ok) == []
    assert problems_in("/x/", "csv", "1,000,000,2026-12") == []
    # Column names of an import file are machine names, in <code>.
    assert problems_in("/x/", "html", "<p><code>national_id,start_month</code></p>") == []
    assert problems_in("/support/loans/import/", "html", "<li>amount_vnd: whole đồng</li>") == []
    assert problems_in("/help/formats/", "html", "<td>date_of_birth</td><td>1960-06-15</td>") == []


def pages_with_diffs() -> list[str]:
    """The officer corrects a member (phone and disability level: the diff seen on the demo) and
    the household's dwelling through the services; the household page, whose timeline shows both
    as old → new, is visited by every role (a bounded crawl may not reach it)."""
    officer = User.objects.get(username="tandong.officer")
    person = (
        Person.objects.filter(
            memberships__household__commune_id=TAN_DONG,
            memberships__left_on__isnull=True,
            date_of_death__isnull=True,
            disability_level=DisabilityLevel.NONE,
        )
        .exclude(phone="")
        .first()
    )
    household = person.memberships.get(left_on__isnull=True).household
    member_edit(
        person=person,
        data=person_data_from(person, disability_level=DisabilityLevel.SEVERE, phone="0912345678"),
        reason="Giấy xác nhận khuyết tật",
        acting_user=officer,
    )
    household_edit(
        household=household,
        village=household.village,
        address=household.address,
        area=household.area,
        housing_area_m2=Decimal("1250.5"),
        acting_user=officer,
    )
    return [reverse("households:detail", args=[household.uuid])]


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("username", ["tandong.officer", "tandong.chair", "tandong.committee", "tayninh.province"])
def test_vietnamese_pages_have_vietnamese_numbers_months_and_field_names(username):
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    diffs = pages_with_diffs()
    problems = []
    for path in diffs:
        response = client.get(path)
        assert response.status_code == 200
        page = visible(response)
        problems.extend(problems_in(path, "html", response.content.decode()))
        # The diff is there, in Vietnamese (masked for a role that may not see identifiers).
        assert "Mức độ khuyết tật:" in page and "Điện thoại:" in page and "Diện tích nhà ở (m²):" in page
        assert "1.250,5" in page, page

    started = time.monotonic()
    kinds, crawled = crawl(
        user,
        problems_in,
        per_pattern_limit=2,
        max_pages=160,
        skip_path=_files_not_pdf,
    )
    elapsed = time.monotonic() - started
    problems += crawled

    assert sorted(set(problems)) == [], "\n".join(sorted(set(problems)))
    assert kinds["html"] > 60, kinds
    print(f"{username}: {sum(kinds.values())} answers {dict(kinds)} in {elapsed:.1f} s")
