"""A month's payment run as the officer and the chair click it (Vietnamese UI).

The officer prepares this month's run for Xã Tân Đông and watches its progress reach "computed"
(the page polls with htmx); the chair approves it; the officer sends it to the payer (a button: a
POST), downloads the bank files (the second download is a copy) and uploads the payer's report in
two parts: the first leaves the run sent, the second reconciles it.

The batches run in a thread of the test process in place of a Celery worker: the live server is a
thread of this process, so patching ``prepare_batch_task.delay`` here reaches it. A real worker
process (tests/worker) would need the broker, a second Django start-up and its own database
connection on every run of this flow, for nothing the worker suite does not already prove; the
thread still lets the page poll a run that is truly preparing (one batch a second, three batches).
"""

import threading
import time
from datetime import date
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from beneficiaries.models import PaymentMethod
from beneficiaries.rule_data import load_rules
from core.months import first_of_month
from disbursements import services
from disbursements.models import Run, RunLine
from geography.models import Commune
from tests.disbursements.conftest import Beneficiary, make_cases

pytestmark = pytest.mark.browser

THIS_MONTH = first_of_month(timezone.localdate())


@pytest.fixture
def beneficiaries(demo, settings):
    load_rules()
    settings.DISBURSEMENT_BATCH_SIZE = 1
    commune = Commune.objects.get(code="25522")
    officer = User.objects.get(username="tandong.officer")
    return make_cases(commune, officer, [
        Beneficiary("Huỳnh Văn Phúc", date(1950, 3, 10), THIS_MONTH),
        Beneficiary("Đặng Thị Lựu", date(1948, 7, 1), THIS_MONTH),
        Beneficiary("Trương Văn Sáu", date(1951, 1, 5), THIS_MONTH, method=PaymentMethod.CASH),
    ])  # fmt: skip


@pytest.fixture
def batches_in_a_thread():
    """``prepare_batch_task.delay`` runs the batch in a thread, one batch a second, one at a time."""
    one_at_a_time = threading.Lock()
    threads = []

    def work(run_id, generation, low, high):
        try:
            with one_at_a_time:
                time.sleep(1)
                services.batch_prepare(run_id, generation, low, high)
        finally:
            connection.close()

    def delay(*args):
        thread = threading.Thread(target=work, args=args, daemon=True)
        threads.append(thread)
        thread.start()

    with mock.patch("disbursements.tasks.prepare_batch_task.delay", side_effect=delay):
        yield
    for thread in threads:
        thread.join(timeout=30)


def submit(page):
    page.locator("main form[method=post] button[type=submit]").click()


def test_officer_prepares_the_chair_approves_the_officer_sends_downloads_and_reconciles_in_parts(
    beneficiaries, batches_in_a_thread, login, live_server, page, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The officer prepares this month's run of Tân Đông from the runs page.
    page = login("tandong.officer")
    page.goto(f"{live_server.url}/payments/")
    form = page.get_by_test_id("prepare-form")
    form.locator("[name='commune']").select_option("25522")
    form.locator("[name='month']").fill(f"{THIS_MONTH:%m/%Y}")
    form.locator("button[type=submit]").click()
    run = Run.objects.get(commune_id="25522", month=THIS_MONTH)
    expect(page).to_have_url(f"{live_server.url}/payments/{run.pk}/")

    # The progress is polled while the workers compute, and stops at "computed".
    expect(page.locator("#run-progress[hx-trigger='every 2s']")).to_have_count(1)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "computed", timeout=20_000)
    expect(page.get_by_test_id("run-total")).to_have_text("2.250.000")
    expect(page.get_by_test_id("line-table")).to_contain_text("Huỳnh Văn Phúc")

    # The chair approves.
    page.context.clear_cookies()
    page = login("tandong.chair")
    page.goto(f"{live_server.url}/payments/{run.pk}/")
    page.locator(f"a[href='/payments/{run.pk}/approve/']").click()
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/payments/{run.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "approved")

    # The officer sends the run to the payer (a button), then downloads the bank files: the first
    # download is the original, the second a copy; downloading never changes the run.
    page.context.clear_cookies()
    page = login("tandong.officer")
    page.goto(f"{live_server.url}/payments/{run.pk}/")
    expect(page.get_by_test_id("downloads")).to_have_count(0)
    page.get_by_test_id("send-to-payer").click()
    expect(page).to_have_url(f"{live_server.url}/payments/{run.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "exported")
    run.refresh_from_db()
    assert (run.status, run.exported_by.username) == (Run.Status.EXPORTED, "tandong.officer")
    with page.expect_download() as download:
        page.locator(f"a[href='/payments/{run.pk}/bank.zip']").click()
    assert download.value.suggested_filename == f"bank-25522-{THIS_MONTH:%Y-%m}-run{run.pk}.zip"
    with page.expect_download() as again:
        page.locator(f"a[href='/payments/{run.pk}/bank.zip']").click()
    assert again.value.suggested_filename == f"bank-25522-{THIS_MONTH:%Y-%m}-run{run.pk}-copy1.zip"
    run.refresh_from_db()
    assert run.status == Run.Status.EXPORTED

    # The payer reports in two parts: first the bank transfers (one failed, with its reason) ...
    def report(name: str, lines) -> str:
        rows = ["reference,status,paid_on,note"]
        for line in lines:
            failed = line.full_name == "Đặng Thị Lựu"
            rows.append(f"{line.reference},{'failed' if failed else 'paid'},{'' if failed else THIS_MONTH.isoformat()},"
                        f"{'Sai số tài khoản' if failed else ''}")  # fmt: skip
        path = tmp_path / name
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        return str(path)

    lines = list(RunLine.objects.filter(run=run).order_by("reference"))
    page.goto(f"{live_server.url}/payments/{run.pk}/")
    page.locator(f"a[href='/payments/{run.pk}/reconcile/']").click()
    form = page.get_by_test_id("reconcile-form")
    form.locator("[name='file']").set_input_files(
        report("bao-cao-1.csv", [x for x in lines if x.payment_method == "bank"])
    )
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("reconcile-partial")).to_be_visible()
    run.refresh_from_db()
    assert run.status == Run.Status.EXPORTED

    # ... then the cash list: the run is reconciled.
    page.get_by_test_id("report-more").click()
    form = page.get_by_test_id("reconcile-form")
    form.locator("[name='file']").set_input_files(
        report("bao-cao-2.csv", [x for x in lines if x.payment_method == "cash"])
    )
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("reconcile-done")).to_be_visible()
    run.refresh_from_db()
    assert run.status == Run.Status.RECONCILED
    assert dict(RunLine.objects.filter(run=run).values_list("full_name", "status")) == {
        "Huỳnh Văn Phúc": "paid", "Đặng Thị Lựu": "failed", "Trương Văn Sáu": "paid",
    }  # fmt: skip
    assert list(run.reports.values_list("file_name", "settled_count")) == [("bao-cao-1.csv", 2), ("bao-cao-2.csv", 1)]

    # The run page shows both reports, and offers no file of a reconciled run.
    page.goto(f"{live_server.url}/payments/{run.pk}/")
    expect(page.get_by_test_id("reports")).to_contain_text("bao-cao-2.csv")
    expect(page.get_by_test_id("downloads")).to_have_count(0)
