"""Export jobs: their lifecycle (queued → running → done, or failed), idempotency (a finished job is
left alone, a job whose worker was lost is built again), the jobs page (the owner's jobs only,
followed by htmx while one is unfinished) and the download (the owner only, still in scope; 404 for
anyone else). The service is called directly, as a worker would; one test runs a real worker."""

import io
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import StaffAssignment
from reports import exports
from reports.models import ExportJob
from reports.tables import table_scope
from tests.reports import test_tables
from tests.worker import conftest as worker_conftest

# Fixtures from elsewhere, by assignment (an import would be shadowed by the arguments).
payment_runs, poverty_households = test_tables.payment_runs, test_tables.poverty_households
start_worker = worker_conftest.start_worker

PAYMENTS = {"month_from": "2026-07", "month_to": "2026-08"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def queue(user, table="payments", file_format="xlsx", parameters=None, **scope) -> ExportJob:
    """A job as the export page creates it (the task's .delay() captured, not sent)."""
    request = exports.ExportRequest(
        table=table,
        file_format=file_format,
        scope=table_scope(user, **scope),
        parameters=parameters or PAYMENTS,
    )
    with mock.patch("reports.tasks.export_job_task.delay"):
        return exports.export_job_create(request=request, acting_user=user)


def test_the_same_export_asked_again_while_unfinished_is_the_same_job(users, payment_runs):
    viewer = users["tayninh_province"]
    first = queue(viewer, province="80")

    assert queue(viewer, province="80") == first
    assert queue(viewer, province="80", file_format="pdf") != first  # another format: another job
    exports.export_job_run(first.pk)
    assert queue(viewer, province="80") != first  # finished: a new one
    assert ExportJob.objects.count() == 3


def test_a_job_is_built_once_with_its_progress_and_file(users, payment_runs):
    job = queue(users["tayninh_province"], province="80")
    seen = []
    original = exports.build_table

    def watching(*args, progress, **kwargs):
        def tell(percent):
            progress(percent)
            seen.append(ExportJob.objects.values_list("status", "progress").get(pk=job.pk))

        return original(*args, progress=tell, **kwargs)

    with mock.patch.object(exports, "build_table", watching):
        assert exports.export_job_run(job.pk) == "done"

    assert seen == [("running", 10), ("running", 60), ("running", 70)]
    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == ("done", 100, 4)
    assert job.started_at <= job.finished_at <= timezone.now()
    assert job.filename == "Chi trả theo hình thức và ngân hàng Tây Ninh 2026-07-2026-08.xlsx"
    assert job.file.name == f"reports/exports/{job.created_at:%Y/%m}/{job.uuid}.xlsx"
    with job.file.open("rb") as stored_file:
        stored = stored_file.read()
    rows = list(load_workbook(io.BytesIO(stored)).active.iter_rows(values_only=True))
    assert rows[-3] == ("Tổng cộng", None, 8, 6_250_000, 1)  # Tân Đông's 6 and Bình Minh's 2 payments

    assert exports.export_job_run(job.pk) == "nothing to do"  # a second delivery
    job.refresh_from_db()
    assert (job.status, job.finished_at) == ("done", job.finished_at)
    with job.file.open("rb") as again:
        assert again.read() == stored


def test_a_job_whose_worker_was_lost_is_built_again(users, poverty_households):
    job = queue(users["tandong_officer"], table="poverty", file_format="pdf", parameters={"year": 2024})
    ExportJob.objects.filter(pk=job.pk).update(status="running", progress=60, started_at=timezone.now())

    assert exports.export_job_run(job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    text = " ".join(PdfReader(io.BytesIO(job.file.read())).pages[0].extract_text().split())
    assert "Tổng cộng 13 4 30,77 4 30,77 8 61,54 2 1 3 1" in text


def test_a_job_whose_owner_lost_the_scope_fails_and_writes_no_file(users, payment_runs, media):
    officer = users["tandong_officer"]
    job = queue(officer)
    StaffAssignment.objects.filter(user=officer).delete()

    assert exports.export_job_run(job.pk) == "failed"

    job.refresh_from_db()
    assert (job.status, job.file.name, job.error) == ("failed", "", "The scope of this export is no longer yours.")
    assert job.finished_at is not None
    assert not (media / "reports").exists()


def test_a_failure_while_building_is_shown_on_the_job(users, payment_runs):
    job = queue(users["tandong_officer"])

    with mock.patch.object(exports, "render", side_effect=RuntimeError("fonts missing")):
        assert exports.export_job_run(job.pk) == "failed"

    job.refresh_from_db()
    assert (job.status, job.error, job.file.name) == ("failed", "RuntimeError: fonts missing", "")


def test_a_job_claimed_again_meanwhile_is_not_overwritten_by_the_first_delivery(users, payment_runs):
    job = queue(users["tandong_officer"])
    original = exports.render

    def claimed_meanwhile(table, file_format):
        ExportJob.objects.filter(pk=job.pk).update(started_at=timezone.now())  # another delivery took it
        return original(table, file_format)

    with mock.patch.object(exports, "render", claimed_meanwhile):
        assert exports.export_job_run(job.pk) == "claimed by another delivery"

    job.refresh_from_db()
    assert (job.status, job.file.name) == ("running", "")


# --- the jobs page and the download ---------------------------------------------------------------


def test_the_jobs_page_lists_only_the_users_jobs_and_follows_the_unfinished(
    client_for, users, payment_runs, django_assert_num_queries
):
    mine = queue(users["tandong_officer"])
    queue(users["tayninh_province"], province="80")
    client = client_for("tandong_officer", language="en")
    client.get(reverse("reports:exports"))

    # session, user, the jobs with their communes and provinces; the session saved (3 statements)
    with django_assert_num_queries(6):
        response = client.get(reverse("reports:exports"))

    assert [row["job"] for row in response.context["rows"]] == [mine]
    text = response.content.decode()
    assert 'hx-trigger="every 2s"' in text and "07/2026 – 08/2026" in text

    exports.export_job_run(mine.pk)
    fragment = client.get(reverse("reports:exports"), headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "hx-trigger" not in text and "<html" not in text
    assert f'href="/reports/exports/{mine.uuid}/"' in text


def test_the_owner_downloads_the_file(client_for, users, payment_runs):
    job = queue(users["tandong_officer"], file_format="xlsx")
    exports.export_job_run(job.pk)

    response = client_for("tandong_officer").get(reverse("reports:export_download", args=[job.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith(
        'attachment; filename="Chi-tra-theo-hinh-thuc-va-ngan-hang-Xa-Tan-Dong-2026-07-2026-08.xlsx"'
    )
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[-3] == ("Tổng cộng", None, 6, 5_000_000, 1)


@pytest.mark.parametrize(
    "role", ["tandong_chair", "tandong_committee", "tayninh_province", "binhminh_officer", "admin"]
)
def test_another_user_cannot_download_a_job_even_in_the_same_scope(client_for, users, payment_runs, role):
    job = queue(users["tandong_officer"])
    exports.export_job_run(job.pk)

    response = client_for(role).get(reverse("reports:export_download", args=[job.uuid]))

    assert response.status_code == 404


def test_the_owner_who_lost_the_scope_cannot_download_and_an_unfinished_job_is_409(client_for, users, payment_runs):
    officer = users["tandong_officer"]
    unfinished = queue(officer)
    done = queue(officer, file_format="pdf")
    exports.export_job_run(done.pk)
    client = client_for("tandong_officer")

    assert client.get(reverse("reports:export_download", args=[unfinished.uuid])).status_code == 409
    StaffAssignment.objects.filter(user=officer).delete()
    assert client.get(reverse("reports:export_download", args=[done.uuid])).status_code == 404
    assert client_for("anonymous").get(reverse("reports:export_download", args=[done.uuid])).status_code == 302


def test_a_job_needs_one_scope_and_a_percent(users, units):
    from django.db import IntegrityError, transaction

    officer = users["tandong_officer"]
    refused = [
        {"commune": units.tan_dong, "province": units.tay_ninh},
        {},
        {"commune": units.tan_dong, "progress": 101},
        {"commune": units.tan_dong, "status": "done"},  # done without a file
    ]
    for fields in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            ExportJob.objects.create(owner=officer, table="poverty", file_format="pdf", **fields)
    assert not ExportJob.objects.exists()


# --- a real worker ---------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_job(start_worker, users, payment_runs, media):
    start_worker("reports", MEDIA_ROOT=str(media))
    request = exports.ExportRequest(
        table="allowances", file_format="xlsx", scope=table_scope(users["tayninh_province"], province="80"),
        parameters={"year": 2026, "half": 2},
    )  # fmt: skip

    job = exports.export_job_create(request=request, acting_user=users["tayninh_province"])  # enqueued at commit

    deadline = time.monotonic() + 90
    while not ExportJob.objects.filter(pk=job.pk, status__in=["done", "failed"]).exists():
        assert time.monotonic() < deadline, "the worker did not finish the job"
        time.sleep(0.2)
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("done", 100, "")
    rows = list(load_workbook(job.file.open("rb")).active.iter_rows(values_only=True))
    assert rows[18] == ("Tổng cộng", 5, 3_500_000, 3, 2_750_000, *[0] * 8, 6, 6_250_000)


def test_finished_jobs_older_than_the_keep_days_go_with_their_files(
    users, payment_runs, media, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_KEEP_DAYS = 30
    viewer = users["tayninh_province"]
    old, recent = queue(viewer, province="80"), queue(viewer, commune="25522")
    for job in (old, recent):
        assert exports.export_job_run(job.pk) == "done"
    unfinished = queue(viewer, province="80", file_format="pdf")
    now = timezone.now()
    ExportJob.objects.filter(pk=old.pk).update(finished_at=now - timedelta(days=31))
    ExportJob.objects.filter(pk=recent.pk).update(finished_at=now - timedelta(days=29))
    ExportJob.objects.filter(pk=unfinished.pk).update(created_at=now - timedelta(days=90))
    old.refresh_from_db()
    old_path = media / old.file.name
    assert old_path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_jobs_purge(now=now) == 1

    assert set(ExportJob.objects.values_list("pk", flat=True)) == {recent.pk, unfinished.pk}
    assert not old_path.exists()
    recent.refresh_from_db()
    assert (media / recent.file.name).exists()
    assert exports.export_jobs_purge(now=now) == 0  # a second run deletes nothing
