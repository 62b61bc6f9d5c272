"""Count what an officer has to do for three everyday jobs on the demo (issue 16's click counts).

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=casework.settings.base \\
        .venv/bin/python scripts/click_counts.py --base-url http://127.0.0.1:8000 [--flows a,b,c]

against a running server with the demo loaded (``make run``, or ``manage.py load_demo`` and
``runserver``); the script reads the same database only to choose whom the flows are about.

An interaction is one click, one field typed into, one option chosen or one box ticked. A field
is counted only when the officer must touch it: a field already holding the right value (a
suggested household code, a default ethnicity or relationship) or optional (a child's national
ID where the page says it is required only from an age) is left alone. Signing in is not counted; every flow starts
on the home page of ``tandong.officer``.

(a) register a household of three in Xã Tân Đông: a head (1975), his wife (1978) and their son
    of five (without a national ID where the page allows it);
(b) file an allowance case for someone of 80 or more in Tân Đông (5.5c), paid in cash, and verify
    it (the officer's two steps; the chair's decision is another person's job);
(c) find a household by a member's name typed without diacritics and open it.

The same script measures any version of the product: it follows what the page offers (fixed
member blocks or an "add a member" button, a required or optional national ID).
"""

import argparse
import os
import random
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from households.models import Membership  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OFFICER, PASSWORD, TAN_DONG = "tandong.officer", "demo12345", "25522"


@dataclass
class Counter:
    """Does what the officer does on ``page`` and counts it."""

    page: object
    steps: list[str] = field(default_factory=list)

    def click(self, locator, what: str) -> None:
        locator.click()
        self.steps.append(f"click {what}")

    def fill(self, locator, value: str, what: str) -> None:
        if locator.input_value() != value:
            locator.fill(value)
            self.steps.append(f"type {what}")

    def select(self, locator, value: str, what: str) -> None:
        if locator.input_value() != value:
            locator.select_option(value)
            self.steps.append(f"choose {what}")

    def check(self, locator, what: str) -> None:
        if not locator.is_checked():
            locator.check()
            self.steps.append(f"tick {what}")

    @property
    def count(self) -> int:
        return len(self.steps)


def national_id(sex: str, born: date) -> str:
    digit = {1900: 0, 2000: 2}[born.year // 100 * 100] + (1 if sex == "F" else 0)
    return f"072{digit}{born.year % 100:02d}{random.randrange(900_000, 1_000_000):06d}"


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def flow_register(counter: Counter, base_url: str) -> str:
    page, today = counter.page, timezone.localdate()
    child_born = date(today.year - 5, 3, 9)
    people = [
        ("Lâm Văn Thịnh", "M", date(1975, 4, 12), "head"),
        ("Phạm Thị Ngọc Hân", "F", date(1978, 9, 30), "spouse"),
        ("Lâm Gia Bảo", "M", child_born, "child"),
    ]
    counter.click(page.locator("nav a[href='/households/']").first, "menu Hộ gia đình")
    counter.click(page.locator("main a[href^='/households/new/']").first, "Đăng ký hộ mới")
    code = page.locator("[name='household-code']")
    if not code.input_value():
        counter.fill(code, f"TD-CLICK-{random.randrange(10_000, 100_000)}", "household code")
    chosen_code = code.input_value()
    counter.select(page.locator("[name='household-village']"), _village_value(page, "Ấp Đông Hà"), "village")
    for index, (name, sex, born, relationship) in enumerate(people):
        names = page.locator("[name$='-full_name']")
        if names.count() <= index:
            counter.click(page.get_by_role("button", name="Thêm thành viên"), "Thêm thành viên")
            expect(names).to_have_count(index + 1)
        prefix = names.nth(index).get_attribute("name").removesuffix("-full_name")
        counter.fill(page.locator(f"[name='{prefix}-full_name']"), name, f"{prefix} name")
        id_input = page.locator(f"[name='{prefix}-national_id']")
        # A page that lets a child go without one says from which age it is required.
        required_from = id_input.get_attribute("data-required-from-age")
        if required_from is None or age_on(born, today) >= int(required_from):
            counter.fill(id_input, national_id(sex, born), f"{prefix} national ID")
        counter.fill(page.locator(f"[name='{prefix}-date_of_birth']"), f"{born:%d/%m/%Y}", f"{prefix} date of birth")
        counter.select(page.locator(f"[name='{prefix}-sex']"), sex, f"{prefix} sex")
        counter.select(page.locator(f"[name='{prefix}-ethnicity']"), "01", f"{prefix} ethnicity")
        relationship_select = page.locator(f"[name='{prefix}-relationship']")
        if relationship_select.count():
            counter.select(relationship_select, relationship, f"{prefix} relationship")
    counter.click(page.locator("main form[method=post] button[type=submit]").last, "Đăng ký")
    _refused(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(chosen_code)
    expect(page.get_by_test_id("member-table")).to_contain_text("Lâm Gia Bảo")
    return chosen_code


def _refused(page) -> None:
    """Stop with the page's own error messages if it refused the form."""
    page.wait_for_load_state()
    errors = [
        f"{(element.get_attribute('name') or '')}: "
        + element.evaluate(
            "e => (e.closest('.mb-3') || e.parentElement).querySelector('.invalid-feedback')?.innerText || ''"
        )
        for element in page.locator("main .is-invalid").all()
    ] + page.locator("main .alert-danger").all_inner_texts()
    if errors:
        raise SystemExit(f"{page.url} refused the form: {errors}")


def _village_value(page, name: str) -> str:
    option = page.locator("[name='household-village'] option", has_text=name).first
    return option.get_attribute("value")


def flow_file_and_verify(counter: Counter, base_url: str) -> str:
    page, today = counter.page, timezone.localdate()
    elder = (
        Membership.objects.filter(
            household__commune_id=TAN_DONG,
            left_on__isnull=True,
            person__date_of_death__isnull=True,
            person__date_of_birth__lte=date(today.year - 81, 1, 1),
        )
        .exclude(person__allowance_cases__isnull=False)
        .select_related("person")
        .order_by("person__national_id")
        .first()
        .person
    )
    counter.click(page.locator("nav a[href='/allowances/']").first, "menu Trợ cấp xã hội")
    counter.click(page.locator("main a[href='/allowances/new/']").first, "Lập hồ sơ trợ cấp")
    counter.fill(page.locator("[name='national_id']"), elder.national_id, "national ID")
    counter.check(page.locator("input[name='categories'][value='5.5c']"), "category 5.5c")
    counter.check(page.locator("input[name='payment_method'][value='cash']"), "cash")
    counter.click(page.locator("main form[method=post] button[type=submit]"), "Lập hồ sơ")
    _refused(page)
    expect(page).to_have_url(_case_url(base_url))
    counter.click(page.locator("main a[href$='/verify/']").first, "Xác minh")
    confirmed = page.locator("input[name='confirmed']")
    for index in range(confirmed.count()):
        counter.check(confirmed.nth(index), f"condition {index + 1}")
    counter.click(page.locator("main form[method=post] button[type=submit]"), "Xác minh (submit)")
    _refused(page)
    expect(page).to_have_url(_case_url(base_url))
    return elder.full_name


def _case_url(base_url: str):
    import re

    return re.compile(re.escape(base_url) + r"/allowances/[0-9a-f-]{36}/$")


def flow_search(counter: Counter, base_url: str) -> str:
    from core.text import fold_vietnamese

    page = counter.page
    # A head whose three-word name is held by one household of Tân Đông only.
    memberships = (
        Membership.objects.filter(household__commune_id=TAN_DONG, left_on__isnull=True, relationship="head")
        .select_related("person", "household")
        .order_by("household__code")
    )
    counts: dict[str, int] = {}
    rows = list(memberships[:400])
    for membership in Membership.objects.filter(household__commune_id=TAN_DONG, left_on__isnull=True).values_list(
        "person__search_name", flat=True
    ):
        counts[membership] = counts.get(membership, 0) + 1
    target = next(m for m in rows if counts[m.person.search_name] == 1 and len(m.person.full_name.split()) == 3)
    typed = fold_vietnamese(target.person.full_name)
    counter.click(page.locator("nav a[href='/households/']").first, "menu Hộ gia đình")
    counter.fill(page.locator("[name='q']"), typed, "search box")
    counter.click(page.get_by_role("button", name="Tìm", exact=True), "Tìm")
    link = page.locator(f"main a[href='/households/{target.household.uuid}/']").first
    while not link.count():
        counter.click(page.locator("main a[rel='next'], main .pagination a", has_text="Sau").first, "next page")
    counter.click(link, f"household {target.household.code}")
    expect(page.get_by_test_id("member-table")).to_contain_text(target.person.full_name)
    return f"“{typed}” → {target.household.code}"


FLOWS = {
    "a": ("register a household of three", flow_register),
    "b": ("file an allowance case and verify it", flow_file_and_verify),
    "c": ("find a household by a name without diacritics", flow_search),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--flows", default="a,b,c")
    parser.add_argument("--verbose", action="store_true", help="list every interaction")
    args = parser.parse_args()
    base_url = args.base_url.rstrip("/")
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for key in args.flows.split(","):
            title, flow = FLOWS[key]
            page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="vi-VN")
            page.goto(f"{base_url}/accounts/login/")
            page.get_by_label("Tên đăng nhập").fill(OFFICER)
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(f"{base_url}/")
            counter = Counter(page)
            about = flow(counter, base_url)
            results[key] = counter.count
            print(f"({key}) {title}: {counter.count} interactions ({about})")
            if args.verbose:
                for step in counter.steps:
                    print(f"      {step}")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
