"""The payer's report (rules.md §4.3) read from CSV or XLSX and applied all or nothing: every bad
line named by line and column with nothing changed, failed lines' months owed again (the next run
pays them, flagged for the approving chair), and a run reconciled once only.

Reconciliation is evidence, not a switch: each report (which may cover part of the run) is kept
with who uploaded it, when, its file and SHA-256; each line points at the report that settled it;
a failed line carries the payer's reason; and a reported status is final."""

import hashlib
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from disbursements import services
from disbursements.importing import ReconcileReport, RowError, reconcile
from disbursements.models import PaidMonth, PayerReport, Run, RunEvent, RunLine
from tests.disbursements.test_exports import exported_run, make_cases, prepare


@pytest.fixture
def cases(units, users):
    return make_cases(units, users["tandong_officer"])


@pytest.fixture
def run(cases, units, users) -> Run:
    return exported_run(units, users)


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


def references(run: Run) -> list[str]:
    return list(run.lines.order_by("case_id").values_list("reference", flat=True))


def report_csv(lines: list[str], header: str = "reference,status,paid_on,note") -> io.BytesIO:
    return io.BytesIO(("\ufeff" + "\r\n".join([header, *lines]) + "\r\n").encode("utf-8"))


def state(run: Run) -> dict:
    """Everything reconciling may write."""
    run.refresh_from_db()
    return {
        "run": Run.objects.filter(pk=run.pk).values().get(),
        "lines": list(run.lines.order_by("pk").values()),
        "paid_months": list(PaidMonth.objects.order_by("pk").values()),
        "events": list(RunEvent.objects.order_by("pk").values_list("run", "kind", "actor", "data")),
        "reports": list(PayerReport.objects.order_by("pk").values()),
    }


def test_a_clean_report_reconciles_and_failed_months_are_owed_again(run, cases, units, users, officer):
    # Given the exported run's five lines, the first reported failed
    a, b, c, d, e = references(run)
    file = report_csv([
        f"{a},failed,,Tài khoản bị khóa",
        f"{b},paid,2026-05-20,",
        f"{c},PAID,2026-05-21,Bưu điện",
        f"{d},paid,2026-05-21,",
        f"{e},paid,2026-05-20,",
    ])  # fmt: skip

    # When the officer imports the payer's report
    report = reconcile(run, file, "report.csv", acting_user=officer)

    # Then every line has its status, the run is reconciled, and the failed line's months are owed again
    assert report == ReconcileReport(errors=[], paid=4, failed=1, pending=0, reconciled=True)
    run.refresh_from_db()
    assert run.status == Run.Status.RECONCILED
    assert list(run.lines.order_by("case_id").values_list("status", "paid_on", "note")) == [
        ("failed", None, "Tài khoản bị khóa"),
        ("paid", date(2026, 5, 20), ""),
        ("paid", date(2026, 5, 21), "Bưu điện"),
        ("paid", date(2026, 5, 21), ""),
        ("paid", date(2026, 5, 20), ""),
    ]
    assert not PaidMonth.objects.filter(case=cases[0]).exists()
    # and the next month's run pays them as arrears with June
    june = prepare(units.tan_dong, officer, date(2026, 6, 1))
    assert june.lines.get(case=cases[0]).months == ["2026-04", "2026-05", "2026-06"]
    assert june.lines.get(case=cases[1]).months == ["2026-06"]


def test_every_bad_line_is_named_and_nothing_changes(run, officer):
    # Given a report with a mistake on each line (a report may leave lines out: the payer sends it in parts)
    a, b, c, d, e = references(run)
    before = state(run)
    file = report_csv([
        "999-1,paid,2026-05-20,",
        f"{b},lost,,",
        f"{c},paid,20/05/2026,",
        f"{b},paid,2026-05-20,",
        f"{d},failed,,",
    ])  # fmt: skip

    # When it is imported
    report = reconcile(run, file, "report.csv", acting_user=officer)

    # Then each error names its line and column, and nothing was written
    assert report.errors == [
        RowError(2, "reference", "unknown reference 999-1"),
        RowError(3, "status", "must be paid or failed"),
        RowError(4, "paid_on", "a date YYYY-MM-DD is required for a paid line"),
        RowError(5, "reference", f"{b} is also on line 3"),
        RowError(6, "note", "the payer's reason is required for a failed line"),
    ]
    assert state(run) == before


@pytest.mark.parametrize(
    ("header", "errors"),
    [
        ("reference,paid_on,note", [RowError(1, "status", "missing column")]),
        ("reference,status,paid_on,amount", [RowError(1, "amount", "unknown column")]),
        ("reference,status,status,paid_on", [RowError(1, "status", "is named more than once")]),
    ],
)
def test_a_wrong_header_is_an_error_of_line_1(run, officer, header, errors):
    before = state(run)

    report = reconcile(run, report_csv([], header=header), "report.csv", acting_user=officer)

    assert report.errors == errors
    assert state(run) == before


def test_not_a_csv_or_xlsx_file(run, officer):
    report = reconcile(run, io.BytesIO(b"x"), "report.pdf", acting_user=officer)

    assert report.errors == [RowError(0, "", "Choose a .csv or .xlsx file.")]


def test_semicolon_csv_and_xlsx_are_read_alike(run, officer, cases):
    # Given the same report as a semicolon CSV (Excel, Vietnamese settings) and as XLSX
    lines = [[reference, "paid", date(2026, 5, 20), ""] for reference in references(run)]
    lines[1][1:4] = ["failed", None, "Tài khoản đã đóng"]
    workbook = Workbook()
    workbook.active.append(["reference", "status", "paid_on", "note"])
    for line in lines:
        workbook.active.append(line)
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    semicolon = report_csv(
        [";".join("" if v is None else str(v) for v in line) for line in lines], header="reference;status;paid_on;note"
    )

    # Then both read as the same rows
    from disbursements.importing import read_report

    xlsx.seek(0)
    assert read_report(semicolon, "r.csv") == read_report(xlsx, "r.xlsx")

    # And the XLSX reconciles the run
    xlsx.seek(0)
    assert reconcile(run, xlsx, "r.xlsx", acting_user=officer) == ReconcileReport(paid=4, failed=1, reconciled=True)


def test_reconciling_twice_is_refused_with_nothing_changed(run, officer):
    a, b, c, d, e = references(run)
    good = [f"{a},paid,2026-05-20,", f"{b},paid,2026-05-20,", f"{c},paid,2026-05-20,", f"{d},paid,2026-05-20,"]
    assert reconcile(run, report_csv([*good, f"{e},paid,2026-05-20,"]), "r.csv", acting_user=officer).ok
    before = state(run)

    # When the payer's report is imported again, this time with a failure
    report = reconcile(run, report_csv([*good, f"{e},failed,,Hoàn tiền"]), "r.csv", acting_user=officer)

    # Then it is refused and nothing changes (the line stays paid, its months stay covered)
    assert report.errors == [RowError(0, "", "The run is “Reconciled”; this is not possible now.")]
    assert state(run) == before


def test_an_approved_run_not_yet_exported_is_not_reconciled(cases, units, users, officer):
    from tests.disbursements.test_exports import approved_run

    run = approved_run(units, users)
    before = state(run)

    report = reconcile(
        run, report_csv([f"{r},paid,2026-05-20," for r in references(run)]), "r.csv", acting_user=officer
    )

    assert report.errors == [RowError(0, "", "The run is “Approved”; this is not possible now.")]
    assert state(run) == before


# --- the page --------------------------------------------------------------------------------


def test_page_reconciles_a_run(run, client_for):
    client = client_for("tandong_officer")
    url = reverse("disbursements:reconcile", args=[run.pk])
    assert client.get(url).status_code == 200
    lines = "\r\n".join(f"{r},paid,2026-05-20," for r in references(run))
    upload = SimpleUploadedFile("report.csv", f"reference,status,paid_on,note\r\n{lines}\r\n".encode())

    response = client.post(url, {"file": upload})

    assert response.status_code == 200
    assert 'data-testid="reconcile-done"' in response.content.decode()
    run.refresh_from_db()
    assert run.status == Run.Status.RECONCILED
    assert set(run.lines.values_list("status", flat=True)) == {RunLine.Status.PAID}


def test_page_lists_the_errors_with_their_lines(run, client_for):
    before = state(run)
    upload = SimpleUploadedFile("report.csv", b"reference,status,paid_on,note\r\n999-1,lost,,\r\n")

    response = client_for("tandong_officer", language="en").post(
        reverse("disbursements:reconcile", args=[run.pk]), {"file": upload}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-refused"' in body
    assert "<td>2</td><td></td><td><code>reference</code></td><td>unknown reference 999-1</td>" in body
    assert "<td>2</td><td></td><td><code>status</code></td><td>must be paid or failed</td>" in body
    assert state(run) == before


@pytest.mark.parametrize(("role", "status"), [("tandong_chair", 403), ("binhminh_officer", 404)])
def test_only_the_communes_officer_reconciles(run, client_for, role, status):
    before = state(run)
    lines = "\r\n".join(f"{r},paid,2026-05-20," for r in references(run))
    upload = SimpleUploadedFile("report.csv", f"reference,status,paid_on,note\r\n{lines}\r\n".encode())

    response = client_for(role).post(reverse("disbursements:reconcile", args=[run.pk]), {"file": upload})

    assert response.status_code == status
    assert state(run) == before


# --- reports in parts, the payer's reason, final statuses ------------------------------------


def line_state(run: Run) -> dict:
    return dict(run.lines.values_list("reference", "status"))


def test_a_report_in_parts_reconciles_the_run_once_every_line_is_reported(run, cases, officer):
    a, b, c, d, e = references(run)
    first_file = report_csv([f"{a},paid,2026-05-20,", f"{b},failed,,Sai số tài khoản", f"{c},paid,2026-05-21,"])
    first_bytes = first_file.getvalue()

    # The payer's first part: three lines
    first = reconcile(run, first_file, "bao-cao-1.csv", acting_user=officer)

    assert first == ReconcileReport(paid=2, failed=1, pending=2, reconciled=False)
    run.refresh_from_db()
    assert run.status == Run.Status.EXPORTED
    report = PayerReport.objects.get()
    assert (report.run, report.uploaded_by, report.file_name) == (run, officer, "bao-cao-1.csv")
    assert (report.line_count, report.paid_count, report.failed_count, report.settled_count) == (3, 2, 1, 3)
    assert report.sha256 == hashlib.sha256(first_bytes).hexdigest()
    assert report.file.read() == first_bytes  # the file itself is kept
    assert line_state(run) == {a: "paid", b: "failed", c: "paid", d: "pending", e: "pending"}
    assert set(run.lines.filter(report=report).values_list("reference", flat=True)) == {a, b, c}
    assert not PaidMonth.objects.filter(case=cases[1]).exists()  # the failed line's month is owed again
    assert list(run.events.filter(kind="reported").values_list("data", flat=True)) == [
        {"report": report.pk, "file": "bao-cao-1.csv", "paid": 2, "failed": 1, "unchanged": 0}
    ]

    # The rest, repeating one line already reported with the same status (a harmless no-op)
    second = reconcile(
        run, report_csv([f"{a},paid,2026-05-22,", f"{d},paid,2026-05-21,", f"{e},paid,2026-05-21,"]),
        "bao-cao-2.csv", acting_user=officer,
    )  # fmt: skip

    assert second == ReconcileReport(paid=2, failed=0, unchanged=1, pending=0, reconciled=True)
    run.refresh_from_db()
    assert run.status == Run.Status.RECONCILED
    later = PayerReport.objects.exclude(pk=report.pk).get()
    assert dict(run.lines.values_list("reference", "report")) == {
        a: report.pk, b: report.pk, c: report.pk, d: later.pk, e: later.pk
    }  # fmt: skip
    assert run.lines.get(reference=a).paid_on == date(2026, 5, 20)  # the first report stays the evidence
    assert list(run.events.filter(kind="reconciled").values_list("actor", "data")) == [
        (officer.pk, {"paid": 4, "failed": 1, "reports": 2})
    ]


def test_marking_failed_a_line_an_earlier_report_marked_paid_is_refused_and_nothing_changes(run, officer):
    # Given a first report that marked two lines paid
    a, b, c, _d, _e = references(run)
    assert reconcile(run, report_csv([f"{a},paid,2026-05-20,", f"{b},paid,2026-05-20,"]), "r1.csv",
                     acting_user=officer).ok  # fmt: skip
    on = f"{timezone.localtime(PayerReport.objects.get().created_at):%d/%m/%Y}"
    before = state(run)

    # When the same officer uploads a "report" marking one of them failed (to make its month owed again)
    report = reconcile(
        run, report_csv([f"{a},failed,,Khách hàng không nhận", f"{c},paid,2026-05-20,"]), "r2.csv", acting_user=officer
    )

    # Then it is refused, naming the line, and nothing changed: no line, no paid month, no report, no event
    assert report.errors == [
        RowError(2, "status", f"{a} was reported paid by an earlier report (r1.csv, {on}); a reported status is final")
    ]
    assert state(run) == before


def test_marking_paid_a_line_an_earlier_report_marked_failed_is_refused_and_nothing_changes(run, officer):
    a, b, *_rest = references(run)
    assert reconcile(run, report_csv([f"{a},failed,,Sai số tài khoản"]), "r1.csv", acting_user=officer).ok
    before = state(run)

    report = reconcile(run, report_csv([f"{a},paid,2026-05-25,", f"{b},paid,2026-05-20,"]), "r2.csv",
                       acting_user=officer)  # fmt: skip

    assert [(error.row, error.column) for error in report.errors] == [(2, "status")]
    assert f"{a} was reported failed by an earlier report (r1.csv" in report.errors[0].message
    assert state(run) == before


def test_a_failed_line_without_the_payers_reason_is_refused_naming_the_line(run, officer):
    a, b, *_rest = references(run)
    before = state(run)

    report = reconcile(run, report_csv([f"{a},paid,2026-05-20,", f"{b},failed,,"]), "r.csv", acting_user=officer)

    assert report.errors == [RowError(3, "note", "the payer's reason is required for a failed line")]
    assert state(run) == before


def test_a_report_without_lines_is_refused(run, officer):
    before = state(run)

    report = reconcile(run, report_csv([]), "r.csv", acting_user=officer)

    assert report.errors == [RowError(0, "", "the report has no line")]
    assert state(run) == before


def test_rows_given_without_a_file_are_recorded_with_the_digest_of_their_csv(run, officer):
    a, *_rest = references(run)
    rows = [{"reference": a, "status": "paid", "paid_on": "2026-05-20", "note": ""}]

    services.run_reconcile(run=run, rows=rows, acting_user=officer)

    report = PayerReport.objects.get()
    expected = f"reference,status,paid_on,note\r\n{a},paid,2026-05-20,\r\n".encode()
    assert (report.file_name, report.file.name, report.sha256) == ("", "", hashlib.sha256(expected).hexdigest())


# --- the next run flags the months given back -------------------------------------------------


def test_the_next_run_flags_the_months_given_back_and_the_chair_sees_them_before_approving(
    run, cases, units, users, officer, client_for
):
    # Given May's run where the payer reported Hoa's transfer failed (April and May given back)
    a, b, c, d, e = references(run)
    assert reconcile(run, report_csv([
        f"{a},failed,,Tài khoản bị khóa", f"{b},paid,2026-05-20,", f"{c},paid,2026-05-20,",
        f"{d},paid,2026-05-20,", f"{e},paid,2026-05-20,",
    ]), "r.csv", acting_user=officer).ok  # fmt: skip

    # When June's run is computed
    june = prepare(units.tan_dong, officer, date(2026, 6, 1))

    # Then the line paying them again is flagged with those months, and no other line
    assert list(june.lines.order_by("case_id").values_list("case_id", "months", "months_failed_before")) == [
        (cases[0].pk, ["2026-04", "2026-05", "2026-06"], ["2026-04", "2026-05"]),
        (cases[1].pk, ["2026-06"], []),
        (cases[2].pk, ["2026-06"], []),
        (cases[3].pk, ["2026-06"], []),
        (cases[4].pk, ["2026-06"], []),
    ]
    hoa = june.lines.get(case=cases[0])
    # and the chair sees them on the approve form (count and which line) and on the run page
    approve = client_for("tandong_chair", language="en").get(reverse("disbursements:approve", args=[june.pk]))
    page = approve.content.decode()
    assert approve.status_code == 200
    assert "1 line pays months the payer reported failed before (their months were given back)." in page
    flagged = page.split('data-testid="flagged-lines"', 1)[1].split("</table>", 1)[0]
    assert f'<td class="font-monospace small">{hoa.reference}</td>' in flagged
    assert "reported failed before: 04/2026, 05/2026" in flagged  # months as the interface writes them
    assert flagged.count('<td class="font-monospace small">') == 1  # the other lines are not listed
    detail = client_for("tandong_chair", language="en").get(reverse("disbursements:detail", args=[june.pk]))
    assert 'data-testid="flag-count-failed-before"' in detail.content.decode()
    filtered = (
        client_for("tandong_chair", language="en")
        .get(reverse("disbursements:detail", args=[june.pk]), {"flag": "failed_before"})
        .content.decode()
    )
    assert hoa.reference in filtered and june.lines.get(case=cases[1]).reference not in filtered


def test_lines_with_arrears_beyond_the_setting_are_flagged_for_the_chair(cases, units, users, client_for, settings):
    # May pays April as arrears to Hoa and Bảy (one month each); the limit is set to none
    settings.ALLOWANCE_ARREARS_WARN_MONTHS = 0
    may = prepare(units.tan_dong, users["tandong_officer"])

    assert list(may.lines.order_by("case_id").values_list("arrears_months", flat=True)) == [1, 0, 0, 1, 0]
    page = client_for("tandong_chair", language="en").get(reverse("disbursements:approve", args=[may.pk]))
    body = page.content.decode()
    assert "2 lines pay more than 0 months of arrears." in body
    flagged = body.split('data-testid="flagged-lines"', 1)[1].split("</table>", 1)[0]
    assert [may.lines.get(case=cases[0]).reference, may.lines.get(case=cases[3]).reference] == [
        cell.split("</td>", 1)[0] for cell in flagged.split('<td class="font-monospace small">')[1:]
    ]
    # With the default (3 months), nothing is flagged
    settings.ALLOWANCE_ARREARS_WARN_MONTHS = 3
    body = client_for("tandong_chair", language="en").get(reverse("disbursements:approve", args=[may.pk]))
    assert 'data-testid="run-flags"' not in body.content.decode()


def test_page_takes_a_report_in_two_parts(run, client_for):
    client = client_for("tandong_officer", language="en")
    url = reverse("disbursements:reconcile", args=[run.pk])
    refs = references(run)
    first = SimpleUploadedFile("part-1.csv", ("reference,status,paid_on,note\r\n" + "".join(
        f"{r},paid,2026-05-20,\r\n" for r in refs[:2])).encode())  # fmt: skip
    rest = SimpleUploadedFile("part-2.csv", ("reference,status,paid_on,note\r\n" + "".join(
        f"{r},paid,2026-05-20,\r\n" for r in refs[2:])).encode())  # fmt: skip

    partial = client.post(url, {"file": first}).content.decode()
    assert 'data-testid="reconcile-partial"' in partial and "3 lines of the run are still to be reported" in partial
    run.refresh_from_db()
    assert run.status == Run.Status.EXPORTED
    assert "part-1.csv" in client.get(url).content.decode()

    done = client.post(url, {"file": rest}).content.decode()
    assert 'data-testid="reconcile-done"' in done
    run.refresh_from_db()
    assert run.status == Run.Status.RECONCILED
    assert list(PayerReport.objects.order_by("pk").values_list("file_name", "settled_count")) == [
        ("part-1.csv", 2), ("part-2.csv", 3)
    ]  # fmt: skip


def test_a_report_that_states_amounts_must_state_the_lines(run, officer):
    # Given a report (as the API posts it) stating what it paid for each line: one amount is not the line's
    a, b, *rest = references(run)
    amounts = dict(run.lines.values_list("reference", "amount"))
    before = state(run)
    rows = [
        {"reference": a, "status": "paid", "paid_on": "2026-05-20", "note": "", "amount": str(amounts[a])},
        {"reference": b, "status": "paid", "paid_on": "2026-05-20", "note": "", "amount": "1"},
    ]

    # When it is applied, the whole report is refused naming the line and the column, nothing written
    with pytest.raises(ValidationError) as refused:
        services.run_reconcile(run=run, rows=rows, acting_user=officer)
    assert refused.value.message_dict == {"file": [f"line 3, amount: 1, the line pays {amounts[b]} đồng"]}
    assert state(run) == before

    # and with the right amounts (or none) it applies as a CSV report does
    rows[1]["amount"] = ""
    assert services.run_reconcile(run=run, rows=rows, acting_user=officer)["paid"] == 2
