"""The payer's report (rules.md §4.3) read from CSV or XLSX and applied all or nothing: every bad
line named by line and column with nothing changed, failed lines' months owed again (the next run
pays them), and a run reconciled once only."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from disbursements.importing import ReconcileReport, RowError, reconcile
from disbursements.models import PaidMonth, Run, RunLine
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
        "run": (run.status, run.reconciled_at),
        "lines": list(run.lines.order_by("pk").values_list("pk", "status", "paid_on", "note")),
        "paid_months": list(PaidMonth.objects.order_by("pk").values_list("case_id", "month")),
        "events": run.events.count(),
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
    assert report == ReconcileReport(errors=[], paid=4, failed=1)
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
    # Given a report with a mistake on each line, and one line of the run missing
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
        RowError(0, "", f"not reported: {', '.join(sorted([a, e]))}"),
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
    lines[1][1:3] = ["failed", None]
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
    assert reconcile(run, xlsx, "r.xlsx", acting_user=officer) == ReconcileReport(paid=4, failed=1)


def test_reconciling_twice_is_refused_with_nothing_changed(run, officer):
    a, b, c, d, e = references(run)
    good = [f"{a},paid,2026-05-20,", f"{b},paid,2026-05-20,", f"{c},paid,2026-05-20,", f"{d},paid,2026-05-20,"]
    assert reconcile(run, report_csv([*good, f"{e},paid,2026-05-20,"]), "r.csv", acting_user=officer).ok
    before = state(run)

    # When the payer's report is imported again, this time with a failure
    report = reconcile(run, report_csv([*good, f"{e},failed,,"]), "r.csv", acting_user=officer)

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
    assert "<td>2</td><td><code>reference</code></td><td>unknown reference 999-1</td>" in body
    assert "<td>2</td><td><code>status</code></td><td>must be paid or failed</td>" in body
    assert state(run) == before


@pytest.mark.parametrize(("role", "status"), [("tandong_chair", 403), ("binhminh_officer", 404)])
def test_only_the_communes_officer_reconciles(run, client_for, role, status):
    before = state(run)
    lines = "\r\n".join(f"{r},paid,2026-05-20," for r in references(run))
    upload = SimpleUploadedFile("report.csv", f"reference,status,paid_on,note\r\n{lines}\r\n".encode())

    response = client_for(role).post(reverse("disbursements:reconcile", args=[run.pk]), {"file": upload})

    assert response.status_code == status
    assert state(run) == before
