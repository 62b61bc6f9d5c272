"""Take the screenshots of the user guide (docs/huong-dan/anh/*.png): `make guide`.

The demo is loaded into a database of its own (``casework_guide`` on the configured PostgreSQL,
dropped at the end) on the day the tests assert the demo's figures (``DEMO_DAY`` of
tests/conftest.py), and the clock stays on that day while the pages are taken: the pictures change
only when the pages do. A live server runs in this process; Playwright's Chromium (Debian's
/usr/bin/chromium, as in the browser tests) signs in as each demo user at 1366×800 and saves each
picture as a palette PNG (Pillow), so that the whole folder stays a few megabytes.

    python scripts/guide_screenshots.py            # every picture
    python scripts/guide_screenshots.py --keepdb   # reuse the loaded database (faster while writing)
    python scripts/guide_screenshots.py -k chu-tich  # only the pictures whose name contains this
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.test")
# Playwright's sync API runs an event loop in this thread; the ORM calls beside it are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

OUT = ROOT / "docs" / "huong-dan" / "anh"
VIEWPORT = {"width": 1366, "height": 800}
DATABASE_NAME = "casework_guide"
MAX_BYTES = 150_000
TAN_DONG = "25522"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


@dataclass
class Shot:
    """One picture: who takes it, where, and what part of the page (a CSS selector, or the window)."""

    name: str
    user: str
    path: str
    element: str | None = None
    full_page: bool = False
    before: object = None  # a function(page) run after loading, e.g. to open a menu


def save_png(raw: bytes, target: Path) -> int:
    """The screenshot as a 256-colour PNG: screens are flat colours and text, so nothing is lost
    to the eye and the file is a third of the size."""
    from PIL import Image

    image = Image.open(io.BytesIO(raw)).convert("RGB")
    quantized = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    quantized.save(buffer, format="PNG", optimize=True)
    target.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def setup_database(keepdb: bool) -> str:
    """Create (or, with keepdb, reuse) the guide's database and point the connection at it; the
    configured database's name, to give back to destroy_test_db."""
    from django.conf import settings
    from django.db import connection

    configured = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = DATABASE_NAME
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb)
    return configured


def load_demo_if_needed() -> None:
    from accounts.models import User
    from demo.accounts import load_demo
    from households.models import Household

    if User.objects.filter(username="tandong.officer").exists() and Household.objects.exists():
        say("demo already loaded (--keepdb)")
        return
    started = time.monotonic()
    load_demo()
    say(f"demo loaded in {time.monotonic() - started:.0f}s")


def start_server():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    # As pytest-django's live_server: static files from the finders, no collectstatic needed.
    server = LiveServerThread("127.0.0.1", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server, f"http://127.0.0.1:{server.port}"


def sign_in(page, base: str, username: str) -> None:
    from demo.accounts import DEMO_PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("networkidle")


def take(shots: list[Shot], base: str) -> list[tuple[str, int]]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    OUT.mkdir(parents=True, exist_ok=True)
    sizes = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        by_user: dict[str, list[Shot]] = {}
        for shot in shots:
            by_user.setdefault(shot.user, []).append(shot)
        for username, user_shots in by_user.items():
            context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
            page = context.new_page()
            sign_in(page, base, username)
            for shot in user_shots:
                page.goto(base + shot.path)
                page.wait_for_load_state("networkidle")
                if shot.before:
                    shot.before(page)
                if shot.element:
                    raw = page.locator(shot.element).first.screenshot(animations="disabled")
                elif shot.full_page:
                    raw = page.screenshot(full_page=True, animations="disabled")
                else:
                    # The window, without the empty space below a short page's footer.
                    bottom = page.evaluate("Math.ceil(document.querySelector('footer').getBoundingClientRect().bottom)")
                    clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": min(VIEWPORT["height"], bottom)}
                    raw = page.screenshot(clip=clip, animations="disabled")
                size = save_png(raw, OUT / f"{shot.name}.png")
                sizes.append((shot.name, size))
                say(f"{shot.name}.png {size // 1000} KB ({username} {shot.path})")
            context.close()
        browser.close()
    return sizes


def demo_shots() -> list[Shot]:
    """The pictures the guide shows, page by page (each name starts with its page's name). The ids of
    the demo's records are looked up here, so the list follows the demo."""
    from beneficiaries.models import Case, ImportBatch
    from disbursements.models import Run
    from households.models import Household
    from povertyreview.models import Assessment, Campaign

    def case(status: str) -> str:
        found = Case.objects.filter(status=status, person__memberships__household__commune_id=TAN_DONG)
        return f"/allowances/{found.order_by('pk').first().uuid}/"

    household = Household.objects.filter(commune_id=TAN_DONG).order_by("code").first()
    runs = Run.objects.filter(commune_id=TAN_DONG)
    open_run = runs.exclude(status__in=["reconciled", "cancelled"]).order_by("-month").first()
    reconciled_run = runs.filter(status="reconciled").order_by("-month").first()
    batch = ImportBatch.objects.filter(status="awaiting").order_by("pk").first()
    reviews = Campaign.objects.filter(commune_id=TAN_DONG, kind="periodic").order_by("-year")
    open_review = reviews.exclude(status="approved").first() or reviews.first()
    approved_review = reviews.filter(status="approved").first()
    assessment = Assessment.objects.filter(campaign=open_review).order_by("pk").first()
    officer, committee, chair, province = "tandong.officer", "tandong.committee", "tandong.chair", "tayninh.province"
    return [
        Shot("cong-chuc-trang-chu", officer, "/"),
        Shot("cong-chuc-ho-gia-dinh", officer, "/households/"),
        Shot("cong-chuc-dang-ky-ho", officer, f"/households/new/?commune={TAN_DONG}"),
        Shot("cong-chuc-trang-ho", officer, f"/households/{household.uuid}/"),
        Shot("cong-chuc-ho-so-tro-cap", officer, case("active")),
        Shot("cong-chuc-dot-chi-tra", officer, f"/payments/{open_run.pk}/"),
        Shot("cong-chuc-doi-soat", officer, f"/payments/{reconciled_run.pk}/"),
        Shot("cong-chuc-ho-tro", officer, "/support/"),
        Shot("cong-chuc-nhap-ho", officer, "/households/import/"),
        Shot("cong-chuc-nhap-tro-cap", officer, f"/allowances/imports/{batch.uuid}/"),
        Shot("ra-soat-danh-sach", committee, "/reviews/"),
        Shot("ra-soat-tong-quan", committee, f"/reviews/{open_review.pk}/"),
        Shot("ra-soat-phieu", committee, f"/reviews/{open_review.pk}/households/{assessment.pk}/"),
        Shot("ra-soat-hop-dan", committee, f"/reviews/{open_review.pk}/meetings/"),
        Shot("ra-soat-khieu-nai", committee, f"/reviews/{open_review.pk}/complaints/"),
        Shot("ra-soat-ket-qua", committee, f"/reviews/results/?commune={TAN_DONG}&year={approved_review.year}"),
        Shot("chu-tich-trang-chu", chair, "/"),
        Shot("chu-tich-quyet-dinh", chair, case("verified") + "decide/"),
        Shot("chu-tich-de-nghi", chair, "/allowances/changes/"),
        Shot("chu-tich-xac-nhan-danh-sach", chair, f"/allowances/imports/{batch.uuid}/"),
        Shot("chu-tich-phe-duyet-dot", chair, f"/payments/{open_run.pk}/approve/"),
        Shot("chu-tich-cong-nhan", chair, f"/reviews/{approved_review.pk}/"),
        Shot("tinh-bang-dieu-khien", province, "/reports/"),
        Shot("tinh-xa", province, f"/reports/communes/{TAN_DONG}/"),
        Shot("tinh-bieu-mau", province, "/reports/tables/"),
        Shot("tinh-bieu-ngheo", province, f"/reports/tables/poverty/?commune={TAN_DONG}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keepdb", action="store_true", help="reuse the database of a previous run")
    parser.add_argument("-k", dest="only", default="", help="only the pictures whose name contains this")
    args = parser.parse_args()

    import django
    import time_machine

    django.setup()
    from tests.conftest import DEMO_DAY

    configured = setup_database(args.keepdb)
    # The whole run happens on DEMO_DAY, the server's threads included (time-machine patches the clock
    # of the process).
    with time_machine.travel(DEMO_DAY, tick=True):
        load_demo_if_needed()
        shots = [shot for shot in demo_shots() if args.only in shot.name]
        server, base = start_server()
        try:
            sizes = take(shots, base)
        finally:
            server.terminate()
    if not args.keepdb:
        from django.db import connection

        connection.creation.destroy_test_db(configured, verbosity=0)
    total = sum(size for _, size in sizes)
    say(f"{len(sizes)} pictures, {total / 1_000_000:.1f} MB in {OUT.relative_to(ROOT)}")
    too_big = [name for name, size in sizes if size > MAX_BYTES]
    if too_big:
        say(f"larger than {MAX_BYTES // 1000} KB: {', '.join(too_big)} (clip them to the part that matters)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
