"""Beneficiaries import (rules.md §4.1): every error kind with its line and column, atomicity, dry
run, re-import updating the open case (never a second one), scope and roles, the command line and
the page. An import stores a batch that the chair confirms (``imported`` does both; the batch
itself is tested in test_import_batches.py)."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from beneficiaries import services
from beneficiaries.batches import import_batch_confirm
from beneficiaries.importing import COLUMNS, import_beneficiaries, read_beneficiaries
from beneficiaries.models import Case, CaseCategory, CaseEvent, ImportBatch, ImportBatchLine
from beneficiaries.services import CategoryChoice, PaymentDetails
from households.models import Person
from tests.households.factories import make_household


def line(person, **values) -> dict[str, str]:
    """A valid line for ``person`` of the ``family`` household (Xã Tân Đông): 5.5c from September
    2025 (the elder turns 80 that month), paid by bank through October 2025; override any column."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        national_id=person.national_id,
        full_name=person.full_name,
        date_of_birth=person.date_of_birth.isoformat(),
        sex=person.sex,
        commune_code="25522",
        village="Ấp Đông Hà",
        household_code="TD-TC1",
        categories="5.5c",
        decision_number="125/QĐ-UBND",
        decision_date="2025-09-12",
        start_month="2025-09",
        paid_through_month="2025-10",
        payment_method="bank",
        bank_bin="970405",
        account_number="7000205123456",
        account_name="NGUYEN THI HOA",
    )
    row.update(values)
    return row


def csv_bytes(rows, *, header=COLUMNS, delimiter=",") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return text.getvalue().encode()


def pairs(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


def imported(rows, *, officer, chair):
    """Import ``rows`` as ``officer`` and confirm the batch as ``chair``: the report."""
    report = import_beneficiaries(rows, acting_user=officer)
    if report.batch is not None:
        import_batch_confirm(batch=report.batch, acting_user=chair)
    return report


def snapshot() -> tuple:
    """Everything an import may write, to prove that a refused or dry-run import wrote nothing."""
    return (
        ImportBatch.objects.count(),
        ImportBatchLine.objects.count(),
        Case.objects.count(),
        CaseCategory.objects.count(),
        CaseEvent.objects.count(),
        Case.history.count(),
        sorted(Person.objects.values_list("pk", "phone", "updated_at")),
    )


@pytest.fixture
def elder(family):
    return family.elder


def test_a_confirmed_line_creates_an_active_case_decided_before_the_product(elder, officer, chair):
    report = imported([line(elder)], officer=officer, chair=chair)

    assert (report.ok, report.created, report.updated, report.unchanged) == (True, 1, 0, 0)
    case = Case.objects.get(person=elder)
    assert (case.status, case.commune_id, case.prepared_by, case.decided_by, case.verified_by) == (
        "active",
        "25522",
        officer,
        chair,
        None,
    )
    assert (case.decision_number, case.decision_date, case.applied_on) == (
        "125/QĐ-UBND",
        date(2025, 9, 12),
        date(2025, 9, 12),
    )
    assert (case.start_month, case.paid_through_month, case.end_month) == (date(2025, 9, 1), date(2025, 10, 1), None)
    assert (case.payment_method, case.bank_bin, case.account_number, case.account_name) == (
        "bank",
        "970405",
        "7000205123456",
        "NGUYEN THI HOA",
    )
    assert list(case.categories.values_list("category_id", "dependent_children", "from_month", "to_month")) == [
        ("5.5c", 0, None, None)
    ]
    batch = report.batch.pk
    assert list(case.events.order_by("id").values_list("kind", "actor", "data")) == [
        ("imported", officer.pk, {"line": 2, "categories": ["5.5c"], "created": True, "decision": "125/QĐ-UBND",
                                  "batch": batch}),
        ("import_confirmed", chair.pk, {"batch": batch, "line": 2}),
    ]  # fmt: skip
    assert list(case.history.values_list("history_type", "history_user", "history_change_reason")) == [
        ("+", chair.pk, "import")
    ]


def test_a_paid_through_month_before_the_start_and_a_month_of_death_are_accepted(elder, officer, chair):
    Person.objects.filter(pk=elder.pk).update(date_of_death=date(2025, 11, 20))
    rows = [line(elder, paid_through_month="2020-01", end_month="2025-11", date_of_death="2025-11-20")]

    report = imported(rows, officer=officer, chair=chair)

    assert (report.errors, report.created) == ([], 1)
    assert Case.objects.get(person=elder).paid_through_month == date(2020, 1, 1)


# (column overrides, column reported, message)
ERRORS = [
    ({"national_id": "12345"}, "national_id", "must be 12 digits"),
    ({"national_id": "079201009999"}, "national_id", "no person with this national ID in the registry of your communes"),
    ({"full_name": "Trần Thị Hoa"}, "full_name", "does not match the registry (“Nguyễn Thị Hoa”)"),
    ({"date_of_birth": "1945-09-29"}, "date_of_birth", "does not match the registry (1945-09-30)"),
    ({"date_of_birth": "31/09/1945"}, "date_of_birth", "31/09/1945 is not a date (dd/mm/yyyy or YYYY-MM-DD)"),
    ({"sex": "M"}, "sex", "does not match the registry (F)"),
    ({"commune_code": "99999"}, "commune_code", "unknown commune 99999"),
    ({"commune_code": "25480"}, "commune_code", "25480 is not one of your communes"),
    ({"household_code": "TD-9"}, "household_code", "the person lives in household TD-TC1"),
    ({"village": "Ấp Tân Hòa"}, "village", "the person's household is in “Ấp Đông Hà”"),
    ({"categories": "5.9"}, "categories", "unknown category 5.9"),
    ({"categories": "5.5c;5.5c"}, "categories", "5.5c is listed twice"),
    ({"categories": ""}, "categories", "is required"),
    ({"categories": "5.5c;5.4"}, "dependent_children", "5.4 needs the number of dependent children"),
    ({"dependent_children": "2"}, "dependent_children", "only for a category paid per child (5.4)"),
    ({"dependent_children": "two"}, "dependent_children", "must be a whole number from 0 to 20"),
    ({"start_month": "2025-08"}, "categories", "age 79 outside category 5.5c"),
    ({"categories": "5.1"}, "categories", "age 80 outside category 5.1"),
    ({"decision_number": ""}, "decision_number", "is required"),
    ({"decision_date": ""}, "decision_date", "is required"),
    ({"decision_date": "2999-01-01"}, "decision_date", "cannot be in the future"),
    ({"start_month": "2025-9"}, "start_month", "2025-9 is not a month (mm/yyyy or YYYY-MM)"),
    ({"start_month": "2025-13"}, "start_month", "2025-13 is not a month (mm/yyyy or YYYY-MM)"),
    ({"end_month": "2025-10", "start_month": "2025-11", "paid_through_month": ""}, "end_month", "is before start_month"),
    ({"end_month": "2025-09", "paid_through_month": "2025-10"}, "paid_through_month", "is after end_month"),
    # A death the registry lacks is recorded on confirmation (test_import_deaths.py), but not the
    # head's of a household with other members: the page records it, choosing the new head.
    ({"date_of_death": "2025-11-02"}, "date_of_death",
     "Nguyễn Thị Hoa is the head of household TD-TC1: record the death on the household page, choosing the new "
     "head"),
    ({"payment_method": "card"}, "payment_method", "must be bank or cash"),
    ({"bank_bin": "97040"}, "bank_bin", "must be the bank's 6-digit NAPAS BIN"),
    ({"account_number": "12345"}, "account_number", "must be 6 to 19 digits"),
    ({"account_number": "12345678901234567890"}, "account_number", "must be 6 to 19 digits"),
    ({"account_name": ""}, "account_name", "is required for a bank account"),
    ({"payment_method": "cash", "account_number": "", "account_name": ""}, "bank_bin", "must be empty for payment in cash"),
    ({"phone": "12"}, "phone", "not a valid phone number"),
]  # fmt: skip


@pytest.mark.parametrize(("values", "column", "message"), ERRORS, ids=[e[1] + ":" + e[2][:30] for e in ERRORS])
def test_each_mistake_is_reported_with_its_line_and_column(elder, family, officer, values, column, message):
    before = snapshot()

    report = import_beneficiaries([line(family.adult, categories="5.6s"), line(elder, **values)], acting_user=officer)

    assert [(e.row, e.column, e.message) for e in report.errors] == [(3, column, message)]
    assert snapshot() == before


def test_a_death_before_the_start_is_refused(elder, officer):
    Person.objects.filter(pk=elder.pk).update(date_of_death=date(2025, 8, 20))

    report = import_beneficiaries([line(elder, date_of_death="2025-08-20")], acting_user=officer)

    assert [(e.row, e.column, e.message) for e in report.errors] == [(2, "date_of_death", "is before start_month")]


def test_a_file_with_many_different_mistakes_lists_them_all_and_saves_nothing(family, officer):
    before = snapshot()
    rows = [
        line(family.elder, sex="M", bank_bin="1"),  # line 2
        line(family.adult, categories="5.6s", start_month="2025/09"),  # line 3
        line(family.adult, categories="5.6s"),  # line 4: the adult again
        line(family.child, categories="5.1", full_name="Trần Thị Cúc", payment_method="cash", bank_bin="",
             account_number="", account_name="", phone="0912 345 678"),  # line 5: correct
        dict.fromkeys(COLUMNS, ""),  # line 6: blank, skipped
        line(family.child, national_id="999", categories="5.1;5.x", decision_date="2025-02-30"),  # line 7
    ]  # fmt: skip

    report = import_beneficiaries(rows, acting_user=officer)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "sex", "does not match the registry (F)"),
        (2, "bank_bin", "must be the bank's 6-digit NAPAS BIN"),
        (3, "start_month", "2025/09 is not a month (mm/yyyy or YYYY-MM)"),
        (4, "national_id", "is also on line 3"),
        (7, "national_id", "must be 12 digits"),
        (7, "categories", "unknown category 5.x"),
        (7, "decision_date", "2025-02-30 is not a date (dd/mm/yyyy or YYYY-MM-DD)"),
    ]
    assert snapshot() == before


def test_a_wrong_header_is_reported_on_line_1(elder, officer):
    header = [name for name in COLUMNS if name != "phone"] + ["remarks"]
    source = read_beneficiaries(io.BytesIO(csv_bytes([line(elder)], header=header)), "list.csv")

    report = import_beneficiaries(source, acting_user=officer)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (1, "phone", "missing column"),
        (1, "remarks", "unknown column"),
    ]


def test_a_dry_run_counts_and_saves_nothing(family, officer, chair):
    imported([line(family.elder)], officer=officer, chair=chair)
    before = snapshot()

    report = import_beneficiaries(
        [line(family.elder, account_number="123456789"), line(family.adult, categories="5.6s")],
        acting_user=officer,
        dry_run=True,
    )

    assert (report.ok, report.dry_run, report.created, report.updated, report.unchanged) == (True, True, 1, 1, 0)
    assert snapshot() == before


def test_reimport_updates_the_open_case_and_never_duplicates_it(family, officer, chair):
    imported([line(family.elder)], officer=officer, chair=chair)
    case = Case.objects.get(person=family.elder)

    report = imported(
        [line(family.elder, categories="5.5c;5.4", dependent_children="2", payment_method="cash", bank_bin="",
              account_number="", account_name="", decision_number="130/QĐ-UBND", paid_through_month="2025-11")],
        officer=officer, chair=chair,
    )  # fmt: skip

    assert (report.errors, report.created, report.updated) == ([], 0, 1)
    assert Case.objects.filter(person=family.elder).count() == 1
    case.refresh_from_db()
    assert (case.status, case.payment_method, case.bank_bin, case.account_number, case.decision_number) == (
        "active",
        "cash",
        "",
        "",
        "130/QĐ-UBND",
    )
    assert case.paid_through_month == date(2025, 11, 1)
    assert sorted(case.categories.values_list("category_id", "dependent_children")) == [("5.4", 2), ("5.5c", 0)]
    assert case.events.filter(kind="imported").order_by("id").last().data == {
        "line": 2,
        "categories": ["5.5c", "5.4"],
        "changed": ["decision_number", "paid_through_month", "payment_method", "bank_bin", "account_number",
                    "account_name", "categories"],
        "batch": report.batch.pk,
    }  # fmt: skip
    assert list(CaseCategory.history.filter(case_id=case.pk).order_by("history_id").values_list(
        "category_id", "history_type")) == [("5.5c", "+"), ("5.5c", "-"), ("5.5c", "+"), ("5.4", "+")]  # fmt: skip

    events = case.events.count()
    again = imported(
        [line(family.elder, categories="5.4;5.5c", dependent_children="2", payment_method="cash", bank_bin="",
              account_number="", account_name="", decision_number="130/QĐ-UBND", paid_through_month="2025-11")],
        officer=officer, chair=chair,
    )  # fmt: skip
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert case.events.count() == events


def test_a_suspended_case_is_updated_and_stays_suspended(family, officer, chair):
    imported([line(family.elder)], officer=officer, chair=chair)
    case = Case.objects.get(person=family.elder)
    services.case_suspend(case=case, from_month=date(2025, 11, 1), reason="Không nhận 3 tháng", acting_user=chair)

    report = imported([line(family.elder, account_number="99990000")], officer=officer, chair=chair)

    assert (report.errors, report.updated) == ([], 1)
    case.refresh_from_db()
    assert (case.status, case.account_number) == ("suspended", "99990000")


def test_a_case_still_in_the_procedure_is_not_imported_over(family, officer):
    services.case_apply(
        person=family.elder, commune=family.household.commune, categories=[CategoryChoice("5.5c")],
        applied_on=date(2025, 10, 1), payment=PaymentDetails(method="cash"), acting_user=officer,
    )  # fmt: skip
    before = snapshot()

    report = import_beneficiaries([line(family.elder)], acting_user=officer)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "national_id", "has a case “Application received” in progress: finish it in the product first")
    ]
    assert snapshot() == before


def test_a_phone_in_the_file_updates_the_registry_on_confirmation(elder, officer, chair):
    report = import_beneficiaries([line(elder, phone="0912 345 678")], acting_user=officer)
    elder.refresh_from_db()
    assert elder.phone == ""
    import_batch_confirm(batch=report.batch, acting_user=chair)

    elder.refresh_from_db()
    assert elder.phone == "+84912345678"
    assert elder.history.latest().history_change_reason == "import"


def test_a_person_of_another_commune_reads_as_unknown(units, users, elder):
    officer = users["binhminh_officer"]
    make_household(units.binh_minh, units.binh_minh_village, code="BM-1")

    report = import_beneficiaries([line(elder)], acting_user=officer)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "national_id", "no person with this national ID in the registry of your communes"),
        (2, "commune_code", "25522 is not one of your communes"),
    ]
    assert not Case.objects.exists()


def test_the_line_must_name_the_commune_the_person_lives_in(users, elder):
    report = import_beneficiaries([line(elder, commune_code="25480")], acting_user=users["admin"])

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "commune_code", "the person lives in Xã Tân Đông (25522)")
    ]


@pytest.mark.parametrize("role", ["tandong_chair", "tandong_committee", "tayninh_province"])
def test_only_registry_managers_may_import(users, elder, role):
    with pytest.raises(PermissionDenied):
        import_beneficiaries([line(elder)], acting_user=users[role])
    assert not Case.objects.exists()


def test_an_xlsx_file_with_numbers_for_codes_is_read(elder, officer):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    values = line(elder)
    sheet.append([int(values[name]) if name in ("national_id", "commune_code") else values[name] for name in COLUMNS])
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)

    report = import_beneficiaries(read_beneficiaries(stream, "list.xlsx"), acting_user=officer)

    assert (report.errors, report.created) == ([], 1)


def test_a_semicolon_csv_with_a_bom_is_read(elder, officer):
    data = "\ufeff".encode() + csv_bytes([line(elder, categories="5.5c")], delimiter=";")

    report = import_beneficiaries(read_beneficiaries(io.BytesIO(data), "list.csv"), acting_user=officer)

    assert (report.errors, report.created) == ([], 1)


def test_the_command_imports_and_reports(tmp_path, elder, officer, capsys):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([line(elder)]))

    call_command("import_beneficiaries", str(path), "--user", "tandong.officer", "--dry-run")
    assert "Dry run, nothing saved. Cases created: 1, updated: 0, unchanged: 0." in capsys.readouterr().out
    assert not ImportBatch.objects.exists()

    call_command("import_beneficiaries", str(path), "--user", "tandong.officer")
    out = capsys.readouterr().out
    assert "On confirmation: Cases created: 1, updated: 0, unchanged: 0." in out
    assert out.splitlines()[-1] == f"batch {ImportBatch.objects.get().pk} awaiting confirmation"
    assert not Case.objects.exists()

    path.write_bytes(csv_bytes([line(elder, sex="M")]))
    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command("import_beneficiaries", str(path), "--user", "tandong.officer")
    assert "line 2 (Nguyễn Thị Hoa), column sex: does not match the registry (F)" in capsys.readouterr().out
    assert ImportBatch.objects.count() == 1


def test_the_page_checks_then_imports(client_for, elder):
    client = client_for("tandong_officer")
    url = reverse("beneficiaries:import")
    upload = io.BytesIO(csv_bytes([line(elder)]))
    upload.name = "list.csv"

    page = client.get(url)
    checked = client.post(url, {"file": upload, "dry_run": "on"})

    assert page.status_code == 200
    assert checked.status_code == 200
    assert checked.context["report"].created == 1
    assert b'data-testid="import-ok"' in checked.content
    assert not ImportBatch.objects.exists()
    upload.seek(0)
    done = client.post(url, {"file": upload}, follow=True)
    batch = ImportBatch.objects.get()
    assert done.redirect_chain == [(f"/allowances/imports/{batch.uuid}/", 302)]
    assert b'data-testid="batch-awaiting"' in done.content
    assert not Case.objects.exists()


def test_the_page_lists_the_errors(client_for, elder):
    upload = io.BytesIO(csv_bytes([line(elder, account_number="1")]))
    upload.name = "list.csv"

    response = client_for("tandong_officer").post(reverse("beneficiaries:import"), {"file": upload})

    assert [(e.row, e.column) for e in response.context["errors"]] == [(2, "account_number")]
    assert b'data-testid="import-refused"' in response.content


@pytest.mark.parametrize("role", ["tandong_chair", "tayninh_province"])
def test_the_page_is_for_registry_managers(client_for, role):
    assert client_for(role).get(reverse("beneficiaries:import")).status_code == 403
