"""``manage.py disbursement``: prepare (printing run ids; --wait with the batches run in-process),
approve, send, export (only once sent; later files are copies), reconcile (in parts) and status;
every refusal exits non-zero with nothing changed."""

import io
import zipfile
from datetime import date
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from disbursements import exporting, services
from disbursements.models import PaidMonth, PayerReport, Run, RunEvent
from tests.disbursements.test_exports import approved_run, exported_run, make_cases, prepare


@pytest.fixture
def cases(units, users):
    return make_cases(units, users["tandong_officer"])


def disbursement(*args) -> tuple[str, str]:
    """Run the command; its (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("disbursement", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as error:
        disbursement(*args)
    return str(error.value)


@pytest.fixture
def workers():
    """What a broker and a worker do, in-process: the batches are enqueued as soon as the
    transaction would commit (the test's own transaction never does), and each task runs at once."""
    with (
        mock.patch("disbursements.services.transaction.on_commit", lambda func, *args, **kwargs: func()),
        mock.patch("disbursements.tasks.prepare_batch_task.delay", side_effect=services.batch_prepare) as delay,
    ):
        yield delay


# --- prepare ---------------------------------------------------------------------------------


def test_prepare_and_wait_prints_the_run_id_and_progress(cases, workers):
    # When an officer prepares May for Tân Đông and waits
    out, err = disbursement("prepare", "--month", "2026-05", "--commune", "25522", "--as", "tandong.officer", "--wait")

    # Then the run id is printed alone, and the run is computed by the (in-process) workers
    run = Run.objects.get()
    assert out == f"{run.pk}\n"
    assert err == f"run {run.pk} 25522: Computed, awaiting approval, 1/1 batches\n"
    assert workers.call_count == 1
    assert (run.status, run.month, run.prepared_by.username) == ("computed", date(2026, 5, 1), "tandong.officer")
    assert (run.line_count, run.total_amount) == (5, 3_750_000)


def test_prepare_a_province_as_the_system(cases, units, workers):
    # When the operator prepares the province's month (only Tân Đông has cases)
    out, _err = disbursement("prepare", "--month", "2026-05", "--province", "80", "--wait")

    # Then one run, prepared by nobody in particular
    run = Run.objects.get()
    assert out == f"{run.pk}\n"
    assert (run.commune_id, run.status, run.prepared_by) == ("25522", "computed", None)


def test_prepare_twice_finds_the_same_run(cases, workers):
    first, _ = disbursement("prepare", "--month", "2026-05", "--commune", "25522")
    second, _ = disbursement("prepare", "--month", "2026-05", "--commune", "25522")

    assert first == second
    assert Run.objects.count() == 1 and PaidMonth.objects.count() == 7


def test_prepare_without_wait_leaves_the_batches_to_the_workers(cases):
    # Given no worker (the test's transaction never commits, so nothing is enqueued)
    out, err = disbursement("prepare", "--month", "2026-05", "--commune", "25522")

    run = Run.objects.get()
    assert (out, err, run.status) == (f"{run.pk}\n", "", "preparing")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13", "--commune", "25522"], "--month must be YYYY-MM, not '2026-13'."),
        (["--month", "2026-05", "--commune", "99999"], "No commune 99999."),
        (["--month", "2026-05", "--province", "79"], "No commune of province 79 has a payable case."),
        (["--month", "2026-05", "--commune", "25522", "--as", "tandong.chair"], "tandong.chair may not prepare"),
        (
            ["--month", "2026-05", "--commune", "25480", "--as", "tandong.officer"],
            "tandong.officer may not prepare payment runs of commune 25480.",
        ),
    ],
)
def test_prepare_refusals(cases, args, message):
    assert message in refused("prepare", *args)
    assert not Run.objects.exists()


# --- approve ---------------------------------------------------------------------------------


def test_approve_as_the_chair(cases, units, users):
    run = prepare(units.tan_dong, users["tandong_officer"])

    out, _err = disbursement("approve", run.pk, "--as", "tandong.chair")

    assert out == f"run {run.pk}: Approved, 5 lines, 3750000 đồng\n"
    run.refresh_from_db()
    assert (run.status, run.approved_by.username) == ("approved", "tandong.chair")


def test_approve_refusals_change_nothing(cases, units, users):
    run = prepare(units.tan_dong, users["tandong_officer"])

    assert "tandong.officer may not approve payment runs" in refused("approve", run.pk, "--as", "tandong.officer")
    assert refused("approve", run.pk + 100, "--as", "tandong.chair") == f"No run {run.pk + 100}."
    run.refresh_from_db()
    assert run.status == "computed"
    services.run_approve(run=run, acting_user=users["tandong_chair"])
    assert "this is not possible now" in refused("approve", run.pk, "--as", "tandong.chair")


# --- send and export ------------------------------------------------------------------------


def test_send_as_the_officer_then_export_the_original_and_a_copy(cases, units, users, tmp_path):
    run = approved_run(units, users)
    first, second = tmp_path / "may.csv", tmp_path / "may-again.csv"

    out, _err = disbursement("send", run.pk, "--as", "tandong.officer")
    assert out == f"run {run.pk}: Sent to the payer, 5 lines, 3750000 đồng\n"
    run.refresh_from_db()
    assert (run.status, run.exported_by.username) == ("exported", "tandong.officer")

    out, _err = disbursement("export", run.pk, "--format", "csv", "-o", first, "--as", "tandong.officer")
    again, _err = disbursement("export", run.pk, "--format", "csv", "-o", second, "--as", "tandong.officer")

    assert out == f"run {run.pk}: csv written to {first} (original)\n"
    assert again == f"run {run.pk}: csv written to {second} (copy 1)\n"
    assert first.read_bytes() == second.read_bytes() == "".join(exporting.csv_chunks(run)).encode("utf-8")
    run.refresh_from_db()
    assert run.status == "exported"
    assert list(RunEvent.objects.filter(run=run, kind="downloaded").order_by("pk").values_list("data", flat=True)) == [
        {"file": "csv", "copy": 0}, {"file": "csv", "copy": 1}
    ]  # fmt: skip


def test_export_xlsx_and_bank_zip(cases, units, users, tmp_path):
    run = exported_run(units, users)

    disbursement("export", run.pk, "--format", "xlsx", "-o", tmp_path / "may.xlsx", "--as", "tandong.officer")
    disbursement("export", run.pk, "--format", "bank-zip", "-o", tmp_path / "bank.zip", "--as", "tandong.officer")

    sheet = load_workbook(tmp_path / "may.xlsx").worksheets[0]
    assert sheet.max_row == 6 and sheet.cell(2, 7).value == 1_000_000
    assert len(zipfile.ZipFile(tmp_path / "bank.zip").namelist()) == 2
    assert list(RunEvent.objects.filter(run=run, kind="downloaded").order_by("pk").values_list("data", flat=True)) == [
        {"file": "xlsx", "copy": 0},
        {"file": "bank-zip", "copy": 0},
    ]


@pytest.mark.parametrize("prepared", ["computed", "approved"])
def test_export_of_a_run_not_sent_is_refused_and_writes_nothing(cases, units, users, tmp_path, prepared):
    run = prepare(units.tan_dong, users["tandong_officer"]) if prepared == "computed" else approved_run(units, users)
    target = tmp_path / "may.csv"
    events = RunEvent.objects.count()

    message = refused("export", run.pk, "--format", "csv", "-o", target, "--as", "tandong.officer")

    why = {
        "computed": "The run is “Computed, awaiting approval”; this is not possible now.",
        "approved": "The run is not yet sent to the payer: send it first, then download its files.",
    }
    assert message == why[prepared]
    assert not target.exists()
    run.refresh_from_db()
    assert (run.status, RunEvent.objects.count()) == (prepared, events)


def test_send_refusals_change_nothing(cases, units, users):
    run = prepare(units.tan_dong, users["tandong_officer"])
    events = RunEvent.objects.count()

    assert "tandong.chair may not send payment runs" in refused("send", run.pk, "--as", "tandong.chair")
    assert refused("send", run.pk, "--as", "tandong.officer") == (
        "The run is “Computed, awaiting approval”; this is not possible now."
    )
    assert refused("send", run.pk + 100, "--as", "tandong.officer") == f"No run {run.pk + 100}."
    run.refresh_from_db()
    assert (run.status, RunEvent.objects.count()) == ("computed", events)


def test_a_failed_write_counts_no_copy(cases, units, users, tmp_path):
    run = exported_run(units, users)

    message = refused(
        "export", run.pk, "--format", "csv", "-o", tmp_path / "no" / "such.csv", "--as", "tandong.officer"
    )

    assert message.startswith("Cannot write")
    assert not RunEvent.objects.filter(run=run, kind="downloaded").exists()


# --- reconcile -------------------------------------------------------------------------------


def test_reconcile_a_report(cases, units, users, tmp_path):
    run = exported_run(units, users)
    references = list(run.lines.order_by("case_id").values_list("reference", flat=True))
    report = tmp_path / "report.csv"
    report.write_text(
        "reference,status,paid_on,note\n"
        + "".join(f"{reference},paid,2026-05-20,\n" for reference in references[1:])
        + f"{references[0]},failed,,closed account\n",
        encoding="utf-8",
    )

    out, _err = disbursement("reconcile", run.pk, report, "--as", "tandong.officer")

    assert out == f"run {run.pk}: reconciled, 4 paid, 1 failed\n"
    run.refresh_from_db()
    assert run.status == "reconciled"
    recorded = PayerReport.objects.get()
    assert (recorded.file_name, recorded.file.read()) == ("report.csv", report.read_bytes())
    # reconciled once only
    assert refused("reconcile", run.pk, report, "--as", "tandong.officer") == "1 errors: nothing was reconciled."


def test_reconcile_in_parts(cases, units, users, tmp_path):
    run = exported_run(units, users)
    references = list(run.lines.order_by("case_id").values_list("reference", flat=True))
    first, rest = tmp_path / "part-1.csv", tmp_path / "part-2.csv"
    first.write_text("reference,status,paid_on,note\n" + f"{references[0]},paid,2026-05-20,\n", encoding="utf-8")
    rest.write_text(
        "reference,status,paid_on,note\n" + "".join(f"{reference},paid,2026-05-20,\n" for reference in references),
        encoding="utf-8",
    )

    out_first, _err = disbursement("reconcile", run.pk, first, "--as", "tandong.officer")
    out_rest, _err = disbursement("reconcile", run.pk, rest, "--as", "tandong.officer")

    assert out_first == f"run {run.pk}: report recorded, 4 lines still to report, 1 paid, 0 failed\n"
    assert out_rest == f"run {run.pk}: reconciled, 4 paid, 0 failed, 1 unchanged\n"
    assert disbursement("status", run.pk)[0].splitlines()[4] == "reported: 5/5 lines, 2 reports"


def test_reconcile_errors_are_printed_and_nothing_changes(cases, units, users, tmp_path):
    run = exported_run(units, users)
    report = tmp_path / "report.csv"
    report.write_text("reference,status,paid_on,note\n999-1,lost,,\n", encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("disbursement", "reconcile", str(run.pk), str(report), "--as", "tandong.officer", stderr=err)

    assert str(error.value) == "2 errors: nothing was reconciled."
    assert err.getvalue().splitlines() == [
        "line 2, column reference: unknown reference 999-1",
        "line 2, column status: must be paid or failed",
    ]
    run.refresh_from_db()
    assert run.status == "exported"
    assert set(run.lines.values_list("status", flat=True)) == {"pending"}


def test_reconcile_of_a_missing_file(cases, units, users, tmp_path):
    run = exported_run(units, users)

    assert refused("reconcile", run.pk, tmp_path / "none.csv", "--as", "tandong.officer").startswith("Cannot read")


# --- status ----------------------------------------------------------------------------------


def test_status_prints_progress_and_totals_by_method(cases, units, users):
    run = prepare(units.tan_dong, users["tandong_officer"])

    out, _err = disbursement("status", run.pk)

    assert out.splitlines() == [
        f"run {run.pk}: 25522 Xã Tân Đông, 2026-05",
        "status: computed (Computed, awaiting approval)",
        "progress: 1/1 batches",
        "lines: 5, total: 3750000 đồng",
        "  bank: 3 lines, 2250000 đồng",
        "  cash: 2 lines, 1500000 đồng",
    ]
    assert refused("status", run.pk + 100) == f"No run {run.pk + 100}."
