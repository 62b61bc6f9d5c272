"""The crawl (issue 15 §7): signed in as the provincial viewer and as a committee member, every page
reachable from the menu and the links found on them (htmx fragments, CSV, XLSX and PDF downloads
included) shows no national ID, phone or account number of the demo unmasked.

The real values are read from the database and searched for in each answer (their digits, whatever
the separators between them: "0987 654 321" is the phone +84987654321), not guessed by a regex.

The crawl (tests/crawler.py) is breadth-first and bounded: GET only, same host, no logout or
language switch, and at most ``PER_PATTERN`` addresses of one shape (a path with its ids replaced, e.g. a household page) so
that it spends its time on every kind of page rather than on 7,700 households.
"""

import re
import time

import pytest
from django.urls import reverse

from accounts.models import User
from beneficiaries.models import Case, ChangeRequest
from beneficiaries.selectors import case_list_for_user
from disbursements.models import RunLine
from households.models import Person
from notifications.models import Message
from privacy.visibility import DISABILITY_CATEGORIES
from tests.crawler import crawl as crawl_pages
from tests.crawler import demo, loaded  # noqa: F401  (fixtures)

# Runs of digits with single separators between them ("0987 654 321", "+84 987.654.321").
_DIGIT_RUN = re.compile(r"\d(?:\d|[ .\-\u00a0](?=\d))*")


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


def crawl(user: User, needles: dict[str, set[str]], *, trace: list | None = None):
    """The shared crawler (tests/crawler.py), looking for ``needles`` in every answer."""
    return crawl_pages(
        user, lambda path, _kind, text: [f"{path}: {what} {value}" for what, value in leaks(text, needles)], trace=trace
    )


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("username", ["tayninh.province", "tandong.committee"])
def test_no_unmasked_identifier_on_any_page_or_file_a_masked_role_reaches(username):
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


# A disability category's code tells the level of a person's disability ("5.6s": severe); the HIV
# categories' codes ("5.3", "5.8") are too short to search for as text, and are generalised by the same
# functions (privacy.visibility.generalised_category).
HEALTH_CODES = re.compile(r"(?<![\w.])5\.6e?s(?!\w)")
# Pages of no person: the reports count beneficiaries by category, the help lists the categories.
NO_PERSON = ("/reports/", "/help/")


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("username", ["tayninh.province", "tandong.committee"])
def test_no_disability_category_of_a_person_on_any_page_a_masked_role_reaches(username):
    def found(path, _kind, text):
        if path.startswith(NO_PERSON):
            return []
        return [f"{path}: {match.group()} …{text[max(0, match.start() - 60) : match.end() + 20]!r}"
                for match in HEALTH_CODES.finditer(text)]  # fmt: skip

    user = User.objects.get(username=username)
    # The crawl visits a few pages of each shape: it starts from the pages of persons whose category is
    # a disability's (their case, household and person pages link on to the rest).
    disabled = (
        case_list_for_user(user)
        .filter(categories__category_id__in=DISABILITY_CATEGORIES, categories__to_month__isnull=True)
        .distinct()[:3]
    )
    start = ("/", *(reverse("beneficiaries:detail", kwargs={"case_uuid": case.uuid}) for case in disabled))
    assert len(start) == 4

    kinds, problems = crawl_pages(user, found, start=start)

    assert problems == [], problems[:20]
    assert kinds["html"] > 80, kinds
