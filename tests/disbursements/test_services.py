"""Payment runs, services called directly (no broker): what a prepared run holds, that every
step can be repeated without paying a month twice or losing one, arrears across runs, and every
refusal with nothing changed."""

import threading
from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from accounts.models import Role, StaffAssignment
from beneficiaries import changes as case_changes
from beneficiaries.entitlement import compute
from beneficiaries.models import Case, PaymentMethod
from beneficiaries.services import PaymentDetails
from disbursements import services
from disbursements.models import PaidMonth, PayerReport, Run, RunBatch, RunEvent, RunLine
from tests.disbursements.conftest import Beneficiary, make_cases, many, pending_batches, prepare_now

OCT, NOV, DEC, JAN = date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)
CASH = PaymentMethod.CASH


@pytest.fixture
def cases(rules, units, officer) -> dict[str, Case]:
    """Tân Đông: Hoa (80 in November 2025: 5.5a × 2.0, bank) from November, Lan (75: × 1.5, cash)
    from October, Mai from January 2026 (nothing to pay before); Bình Minh: Tư from November."""
    hoa, lan, mai = make_cases(units.tan_dong, officer, [
        Beneficiary("Nguyễn Thị Hoa", date(1945, 9, 30), NOV),
        Beneficiary("Trần Thị Lan", date(1950, 3, 10), OCT, method=CASH),
        Beneficiary("Lê Thị Mai", date(1950, 3, 10), JAN),
    ])  # fmt: skip
    (tu,) = make_cases(units.binh_minh, officer, [Beneficiary("Lê Thị Tư", date(1944, 1, 1), NOV)])
    return {"hoa": hoa, "lan": lan, "mai": mai, "tu": tu}


def prepare(commune, month, user) -> Run:
    return prepare_now(services.run_prepare(commune=commune, month=month, acting_user=user, enqueue=False))


def lines(run) -> list[tuple]:
    return list(
        RunLine.objects.filter(run=run)
        .order_by("case_id")
        .values_list("case__person__full_name", "months", "amount", "payment_method", "account_number", "status")
    )


def paid_months() -> list[tuple]:
    return list(PaidMonth.objects.order_by("case_id", "month").values_list("case__person__full_name", "month"))


def state() -> dict:
    """Everything a run service may write."""
    return {
        "runs": list(Run.objects.order_by("pk").values()),
        "batches": list(RunBatch.objects.order_by("pk").values()),
        "lines": list(RunLine.objects.order_by("pk").values()),
        "paid": list(PaidMonth.objects.order_by("pk").values()),
        "events": list(RunEvent.objects.order_by("pk").values_list("run", "kind", "actor", "data")),
        "reports": list(PayerReport.objects.order_by("pk").values()),
    }


def approve_and_export(run, chair, officer) -> Run:
    """Approved by the chair, sent to the payer by the officer."""
    services.run_approve(run=run, acting_user=chair)
    return services.run_send_to_payer(run=run, acting_user=officer)


def report(run, *, failed=(), paid_on="2025-11-20") -> list[dict]:
    """The payer's report: every line paid on ``paid_on`` except the references in ``failed``."""
    return [
        {"reference": reference, "status": "failed", "paid_on": "", "note": "Tài khoản bị khóa"}
        if reference in failed
        else {"reference": reference, "status": "paid", "paid_on": paid_on, "note": ""}
        for reference in run.lines.order_by("case_id").values_list("reference", flat=True)
    ]


def reference(run, case) -> str:
    return f"{run.pk}-{case.pk}"


# --- what a prepared run holds ---------------------------------------------------------------------


def test_a_prepared_run_holds_each_persons_months_amount_and_payment_details(cases, units, officer):
    run = prepare(units.tan_dong, NOV, officer)

    hoa, lan = cases["hoa"], cases["lan"]
    assert (run.status, run.generation, run.prepared_by, run.line_count) == ("computed", 1, officer, 2)
    assert (run.total_amount, run.bank_amount, run.cash_amount) == (2_500_000, 1_000_000, 1_500_000)
    assert run.computed_at is not None
    assert list(
        run.lines.order_by("case_id").values_list(
            "case", "reference", "national_id", "full_name", "category", "months", "breakdown", "amount",
            "payment_method", "bank_bin", "account_number", "account_name", "status", "paid_on",
        )
    ) == [
        (hoa.pk, f"{run.pk}-{hoa.pk}", hoa.person.national_id, "Nguyễn Thị Hoa", "5.5a", ["2025-11"],
         ["11/2025: 1,000,000 = 500,000 × 2.0 (5.5a, age 80)"], 1_000_000, "bank", "970436", "0123400000",
         "NGUYEN THI HOA", "pending", None),
        (lan.pk, f"{run.pk}-{lan.pk}", lan.person.national_id, "Trần Thị Lan", "5.5a", ["2025-10", "2025-11"],
         ["10/2025: 750,000 = 500,000 × 1.5 (5.5a, age 75)", "11/2025: 750,000 = 500,000 × 1.5 (5.5a, age 75)"],
         1_500_000, "cash", "", "", "", "pending", None),
    ]  # fmt: skip
    assert paid_months() == [("Nguyễn Thị Hoa", NOV), ("Trần Thị Lan", OCT), ("Trần Thị Lan", NOV)]
    assert list(run.events.order_by("pk").values_list("kind", "actor", "data")) == [
        ("preparing", officer.pk, {"generation": 1}),
        ("computed", None, {"lines": 2, "total": 2_500_000}),
    ]
    assert services.progress(run) == (1, 1)


def test_a_computed_run_keeps_its_snapshot_and_preparing_it_again_takes_the_new_account(cases, units, officer, chair):
    run = prepare(units.tan_dong, NOV, officer)
    new_account = PaymentDetails(method="bank", bank_bin="970415", account_number="9988776655", account_name="HOA")
    # An active case's account changes on the chair's approval of the officer's request (issue 14).
    change = case_changes.change_request_create(
        case=cases["hoa"], kind="payment", proposal=new_account, reason="Đổi ngân hàng", acting_user=officer
    )
    case_changes.change_request_approve(change_request=change, acting_user=chair)

    assert lines(run)[0] == ("Nguyễn Thị Hoa", ["2025-11"], 1_000_000, "bank", "0123400000", "pending")

    again = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)

    assert (again.pk, again.status, again.generation, again.line_count) == (run.pk, "preparing", 2, 2)
    assert (run.lines.count(), PaidMonth.objects.count()) == (0, 0)  # the old lines gave their months back
    prepare_now(again)
    assert run.lines.get(case=cases["hoa"]).account_number == "9988776655"
    assert run.lines.get(case=cases["hoa"]).bank_bin == "970415"
    assert paid_months() == [("Nguyễn Thị Hoa", NOV), ("Trần Thị Lan", OCT), ("Trần Thị Lan", NOV)]
    again.refresh_from_db()
    assert (again.status, again.total_amount) == ("computed", 2_500_000)


def test_a_commune_without_cases_is_computed_at_once_with_no_lines(cases, units, users):
    run = services.run_prepare(commune=units.other_commune, month=NOV, acting_user=users["admin"], enqueue=False)

    assert (run.status, run.line_count, run.total_amount, run.batches.count()) == ("computed", 0, 0, 0)


def test_a_month_before_every_start_has_no_lines(cases, units, officer):
    run = prepare(units.tan_dong, date(2025, 9, 1), officer)

    assert (run.status, run.line_count, run.total_amount, PaidMonth.objects.count()) == ("computed", 0, 0, 0)


def test_preparing_enqueues_one_task_per_batch_once_committed(
    cases, units, officer, settings, django_capture_on_commit_callbacks
):
    settings.DISBURSEMENT_BATCH_SIZE = 2
    with (
        mock.patch("disbursements.tasks.prepare_batch_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer)

    hoa, lan, mai = cases["hoa"], cases["lan"], cases["mai"]
    assert list(run.batches.values_list("generation", "low", "high")) == [(1, hoa.pk, mai.pk), (1, mai.pk, mai.pk + 1)]
    assert [call.args for call in delay.call_args_list] == [
        (run.pk, 1, hoa.pk, mai.pk),
        (run.pk, 1, mai.pk, mai.pk + 1),
    ]
    assert lan.pk in range(hoa.pk, mai.pk)


# --- never twice ------------------------------------------------------------------------------------


def test_each_batch_run_twice_writes_nothing_more(cases, units, officer, settings):
    settings.DISBURSEMENT_BATCH_SIZE = 1
    run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    batches = pending_batches(run)
    assert len(batches) == 3

    first = [services.batch_prepare(run.pk, 1, low, high) for low, high in batches[:2]]
    after_first = state()
    second = [services.batch_prepare(run.pk, 1, low, high) for low, high in batches[:2]]

    assert (first, second) == (["1 lines", "1 lines"], ["done", "done"])
    assert state() == after_first
    run.refresh_from_db()
    assert run.status == "preparing"  # the third batch (Mai, nothing to pay yet) is not done

    assert services.batch_prepare(run.pk, 1, *batches[2]) == "0 lines"
    computed = state()
    assert [services.batch_prepare(run.pk, 1, low, high) for low, high in batches] == ["stale"] * 3
    assert state() == computed
    assert computed["runs"][0]["status"] == "computed"
    assert len(computed["lines"]) == 2


def test_a_batch_whose_done_stamp_was_lost_pays_nothing_again(cases, units, officer):
    """Even if a batch ran again in full, the months it paid are excluded by the engine and by
    PaidMonth's unique (case, month)."""
    run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    ((low, high),) = pending_batches(run)
    with mock.patch.object(services, "finalize_if_done"):  # keep the run preparing
        services.batch_prepare(run.pk, 1, low, high)
    written = state()
    RunBatch.objects.filter(run=run).update(done_at=None)

    assert services.batch_prepare(run.pk, 1, low, high) == "0 lines"

    assert (state()["lines"], state()["paid"]) == (written["lines"], written["paid"])


def test_preparing_twice_finds_the_same_run(cases, units, officer):
    first = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    second = services.run_prepare(commune=units.tan_dong, month=date(2025, 11, 17), acting_user=officer, enqueue=False)

    assert (second.pk, second.generation, second.status) == (first.pk, 1, "preparing")
    assert (Run.objects.count(), RunBatch.objects.count(), RunEvent.objects.count()) == (1, 1, 1)
    prepare_now(first)
    assert lines(first) == [
        ("Nguyễn Thị Hoa", ["2025-11"], 1_000_000, "bank", "0123400000", "pending"),
        ("Trần Thị Lan", ["2025-10", "2025-11"], 1_500_000, "cash", "", "pending"),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_prepares_at_once_end_with_one_run(cases, units, officer):
    barrier = threading.Barrier(2)
    found, failures = [], []

    def prepare_in_own_connection():
        try:
            barrier.wait(timeout=10)
            found.append(services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=prepare_in_own_connection) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert [run.pk for run in found] == [found[0].pk] * 2
    assert list(Run.objects.values_list("status", "generation")) == [("preparing", 1)]
    assert (RunBatch.objects.count(), RunEvent.objects.count()) == (1, 1)
    run = prepare_now(found[0])
    assert (run.status, run.line_count, run.total_amount) == ("computed", 2, 2_500_000)


def test_a_batch_of_an_older_generation_does_nothing(cases, units, officer):
    run = prepare(units.tan_dong, NOV, officer)
    ((low, high),) = RunBatch.objects.filter(run=run).values_list("low", "high")
    services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    before = state()

    assert services.batch_prepare(run.pk, 1, low, high) == "stale"

    assert state() == before
    assert RunLine.objects.count() == 0


def test_a_batch_of_a_cancelled_run_does_nothing(cases, units, officer):
    run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    ((low, high),) = pending_batches(run)
    services.run_cancel(run=run, reason="Lập nhầm", acting_user=officer)
    before = state()

    assert services.batch_prepare(run.pk, 1, low, high) == "stale"
    assert services.batch_prepare(run.pk, 2, low, high) == "stale"

    assert state() == before


def test_a_month_covered_by_another_run_meanwhile_aborts_the_batch_and_the_retry_skips_it(cases, units, officer):
    """December's batch computed Lan's October and November as arrears before November's run
    wrote them: writing must fail as a whole (MonthsTaken, the task retries), and the retry pays
    December only."""
    november = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    december = services.run_prepare(commune=units.tan_dong, month=DEC, acting_user=officer, enqueue=False)
    ((low, high),) = pending_batches(december)
    seen_before_november = compute(services.payable_cases(units.tan_dong.pk), DEC, paid={})
    prepare_now(november)
    before = state()

    with (
        mock.patch.object(services, "compute", return_value=seen_before_november),
        pytest.raises(services.MonthsTaken),
    ):
        services.batch_prepare(december.pk, 1, low, high)

    assert state() == before  # no December line, the batch still to do
    prepare_now(december)
    assert lines(december) == [
        ("Nguyễn Thị Hoa", ["2025-12"], 1_000_000, "bank", "0123400000", "pending"),
        ("Trần Thị Lan", ["2025-12"], 750_000, "cash", "", "pending"),
    ]
    assert paid_months() == [
        ("Nguyễn Thị Hoa", NOV), ("Nguyễn Thị Hoa", DEC), ("Trần Thị Lan", OCT), ("Trần Thị Lan", NOV),
        ("Trần Thị Lan", DEC),
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_cancelling_while_a_batch_writes_leaves_no_month_taken(cases, units, officer):
    """A batch that read the run as preparing and a cancel that commits before the batch writes:
    the batch's lines must not survive on the cancelled run holding their months."""
    run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    ((low, high),) = pending_batches(run)
    reached, go = threading.Event(), threading.Event()
    done, failures = [], []
    real_paid_months_for = services.paid_months_for

    def paused(cases_queryset):
        reached.set()
        go.wait(timeout=20)
        return real_paid_months_for(cases_queryset)

    def in_own_connection(call):
        def target():
            try:
                done.append(call())
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)
            finally:
                connections.close_all()

        return threading.Thread(target=target)

    with mock.patch.object(services, "paid_months_for", side_effect=paused):
        batch = in_own_connection(lambda: services.batch_prepare(run.pk, 1, low, high))
        batch.start()
        assert reached.wait(timeout=20)
        cancel = in_own_connection(lambda: services.run_cancel(run=run, reason="Lập nhầm", acting_user=officer))
        cancel.start()
        waiting_for_a_lock = 0
        for _ in range(100):  # until the cancel has finished or waits for the batch's lock
            cancel.join(timeout=0.05)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
                (waiting_for_a_lock,) = cursor.fetchone()
            if not cancel.is_alive() or waiting_for_a_lock:
                break
        go.set()
        batch.join(timeout=30)
        cancel.join(timeout=30)

    assert failures == []
    run.refresh_from_db()
    assert (run.status, RunLine.objects.count(), PaidMonth.objects.count()) == ("cancelled", 0, 0)


# --- arrears across runs ----------------------------------------------------------------------------


def test_a_failed_payment_is_paid_with_the_next_month_and_a_paid_month_never_again(cases, units, officer, chair):
    hoa, lan = cases["hoa"], cases["lan"]
    november = approve_and_export(prepare(units.tan_dong, NOV, officer), chair, officer)

    counts = services.run_reconcile(
        run=november, rows=report(november, failed=[reference(november, hoa)]), acting_user=officer
    )

    assert counts == {"paid": 1, "failed": 1, "unchanged": 0, "pending": 0, "reconciled": True,
                      "report": PayerReport.objects.get().pk}  # fmt: skip
    assert lines(november) == [
        ("Nguyễn Thị Hoa", ["2025-11"], 1_000_000, "bank", "0123400000", "failed"),
        ("Trần Thị Lan", ["2025-10", "2025-11"], 1_500_000, "cash", "", "paid"),
    ]
    assert november.lines.get(case=lan).paid_on == date(2025, 11, 20)
    assert november.lines.get(case=hoa).note == "Tài khoản bị khóa"
    assert paid_months() == [("Trần Thị Lan", OCT), ("Trần Thị Lan", NOV)]  # Hoa's November is owed again

    december = prepare(units.tan_dong, DEC, officer)

    assert lines(december) == [
        ("Nguyễn Thị Hoa", ["2025-11", "2025-12"], 2_000_000, "bank", "0123400000", "pending"),
        ("Trần Thị Lan", ["2025-12"], 750_000, "cash", "", "pending"),
    ]
    assert (december.total_amount, december.bank_amount, december.cash_amount) == (2_750_000, 2_000_000, 750_000)
    assert paid_months() == [
        ("Nguyễn Thị Hoa", NOV), ("Nguyễn Thị Hoa", DEC), ("Trần Thị Lan", OCT), ("Trần Thị Lan", NOV),
        ("Trần Thị Lan", DEC),
    ]  # fmt: skip
    assert PaidMonth.objects.get(case=hoa, month=NOV).line.run == december

    approve_and_export(december, chair, officer)
    services.run_reconcile(run=december, rows=report(december, paid_on="2025-12-19"), acting_user=officer)
    january = prepare(units.tan_dong, JAN, officer)

    assert [(name, months) for name, months, *_rest in lines(january)] == [
        ("Nguyễn Thị Hoa", ["2026-01"]), ("Trần Thị Lan", ["2026-01"]), ("Lê Thị Mai", ["2026-01"]),
    ]  # fmt: skip


def test_a_cancelled_run_gives_its_months_back(cases, units, officer, chair):
    run = services.run_approve(run=prepare(units.tan_dong, NOV, officer), acting_user=chair)

    services.run_cancel(run=run, reason="Sai danh sách", acting_user=chair)

    run.refresh_from_db()
    assert (run.status, run.line_count, run.total_amount, run.lines.count(), PaidMonth.objects.count()) == (
        "cancelled", 0, 0, 0, 0
    )  # fmt: skip
    assert run.events.order_by("pk").last().reason == "Sai danh sách"
    again = prepare(units.tan_dong, NOV, officer)
    assert again.pk != run.pk
    assert (again.line_count, again.total_amount) == (2, 2_500_000)


# --- refusals, nothing changed ----------------------------------------------------------------------


def refused(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


def not_now(status: str) -> dict:
    return {"status": [f"The run is “{status}”; this is not possible now."]}


@pytest.fixture
def computed_run(cases, units, officer) -> Run:
    return prepare(units.tan_dong, NOV, officer)


@pytest.mark.parametrize("role_key", ["tandong_officer", "tandong_committee", "tayninh_province", "admin"])
def test_only_the_chair_approves(computed_run, users, role_key):
    before = state()

    with pytest.raises(PermissionDenied):
        services.run_approve(run=computed_run, acting_user=users[role_key])

    assert state() == before


def test_the_person_who_prepared_the_run_cannot_approve_it(computed_run, officer, units):
    """The officer who prepared it became the commune's chair meanwhile."""
    officer.role = Role.COMMUNE_CHAIR
    officer.save(update_fields=["role"])
    before = state()

    with pytest.raises(PermissionDenied, match="You prepared this run; another person must approve it."):
        services.run_approve(run=computed_run, acting_user=officer)

    assert state() == before


def test_the_chair_approves_a_computed_run_once(computed_run, chair):
    run = services.run_approve(run=computed_run, acting_user=chair)

    assert (run.status, run.approved_by, run.approved_at is not None) == ("approved", chair, True)
    assert run.events.order_by("pk").last().data == {"total": 2_500_000, "lines": 2}
    before = state()
    assert refused(services.run_approve, run=run, acting_user=chair) == not_now("Approved")
    assert state() == before


def test_a_run_still_preparing_cannot_be_approved_sent_or_downloaded(cases, units, officer, chair):
    run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    before = state()

    assert refused(services.run_approve, run=run, acting_user=chair) == not_now("Preparing")
    assert refused(services.run_send_to_payer, run=run, acting_user=officer) == not_now("Preparing")
    assert refused(services.run_download_record, run=run, acting_user=officer, file="csv") == not_now("Preparing")

    assert state() == before


def test_an_unapproved_run_cannot_be_sent_or_downloaded(computed_run, officer):
    before = state()

    assert refused(services.run_send_to_payer, run=computed_run, acting_user=officer) == not_now(
        "Computed, awaiting approval"
    )
    assert refused(services.run_download_record, run=computed_run, acting_user=officer, file="csv") == not_now(
        "Computed, awaiting approval"
    )
    assert state() == before


def test_an_approved_run_is_downloaded_only_once_sent(computed_run, officer, chair):
    run = services.run_approve(run=computed_run, acting_user=chair)
    before = state()

    assert refused(services.run_download_record, run=run, acting_user=officer, file="csv") == {
        "status": ["The run is not yet sent to the payer: send it first, then download its files."]
    }
    assert state() == before


def test_an_approved_run_cannot_be_prepared_again(computed_run, units, officer, chair):
    services.run_approve(run=computed_run, acting_user=chair)
    before = state()

    assert refused(services.run_prepare, commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False) == {
        "status": ["The run of 11/2025 is already approved; it cannot be prepared again."]
    }
    assert state() == before


def test_a_run_is_sent_once_and_each_download_after_the_first_is_a_copy(computed_run, chair, officer):
    run = approve_and_export(computed_run, chair, officer)
    assert (run.status, run.exported_by) == ("exported", officer)
    sent = state()

    assert refused(services.run_send_to_payer, run=run, acting_user=officer) == not_now("Sent to the payer")
    assert state() == sent

    copies = [services.run_download_record(run=run, acting_user=officer, file=file)
              for file in ("csv", "xlsx", "csv", "bank-970436", "csv")]  # fmt: skip

    assert copies == [0, 0, 1, 0, 2]
    after = state()
    assert after["runs"] == sent["runs"] and after["lines"] == sent["lines"] and after["paid"] == sent["paid"]
    assert [(kind, data) for _run, kind, _actor, data in after["events"][len(sent["events"]):]] == [
        ("downloaded", {"file": "csv", "copy": 0}), ("downloaded", {"file": "xlsx", "copy": 0}),
        ("downloaded", {"file": "csv", "copy": 1}), ("downloaded", {"file": "bank-970436", "copy": 0}),
        ("downloaded", {"file": "csv", "copy": 2}),
    ]  # fmt: skip


def test_a_reconciled_runs_files_are_not_issued_again(computed_run, chair, officer):
    run = approve_and_export(computed_run, chair, officer)
    services.run_reconcile(run=run, rows=report(run), acting_user=officer)
    before = state()

    assert refused(services.run_download_record, run=run, acting_user=officer, file="csv") == {
        "status": ["The run is reconciled: its files are not issued again."]
    }
    assert state() == before


def test_an_exported_run_cannot_be_cancelled(computed_run, chair, officer):
    run = approve_and_export(computed_run, chair, officer)
    before = state()

    assert refused(services.run_cancel, run=run, reason="Muộn", acting_user=officer) == not_now("Sent to the payer")
    assert state() == before


def test_cancelling_needs_a_reason(computed_run, officer):
    before = state()

    assert refused(services.run_cancel, run=computed_run, reason="  ", acting_user=officer) == {
        "reason": ["is required"]
    }
    assert state() == before


def test_a_run_is_reconciled_once(computed_run, chair, officer):
    run = approve_and_export(computed_run, chair, officer)
    services.run_reconcile(run=run, rows=report(run), acting_user=officer)
    before = state()

    assert refused(services.run_reconcile, run=run, rows=report(run), acting_user=officer) == not_now("Reconciled")
    assert state() == before
    assert list(RunLine.objects.values_list("status", flat=True)) == ["paid", "paid"]


def test_a_bad_report_lists_every_error_and_changes_nothing(computed_run, chair, officer, cases):
    run = approve_and_export(computed_run, chair, officer)
    hoa, lan = reference(run, cases["hoa"]), reference(run, cases["lan"])
    before = state()

    problems = refused(services.run_reconcile, run=run, acting_user=officer, rows=[
        {"reference": hoa, "status": "paid", "paid_on": ""},
        {"reference": "999999-1", "status": "paid", "paid_on": "2025-11-20"},
        {"reference": hoa, "status": "failed", "paid_on": ""},
        {"reference": "", "status": "unknown", "paid_on": "20/11/2025"},
        {"reference": lan, "status": "failed", "paid_on": "", "note": "  "},
    ])  # fmt: skip

    assert problems == {
        "file": [
            "line 2, paid_on: a date YYYY-MM-DD is required for a paid line",
            "line 3, reference: unknown reference 999999-1",
            f"line 4, reference: {hoa} is also on line 2",
            "line 4, note: the payer's reason is required for a failed line",
            "line 5, reference: unknown reference ",
            "line 5, status: must be paid or failed",
            "line 6, note: the payer's reason is required for a failed line",
        ]
    }
    assert state() == before


def test_an_unexported_run_cannot_be_reconciled(computed_run, chair, officer):
    run = services.run_approve(run=computed_run, acting_user=chair)
    before = state()

    assert refused(services.run_reconcile, run=run, rows=report(run), acting_user=officer) == not_now("Approved")
    assert state() == before


# --- scope ------------------------------------------------------------------------------------------


def test_a_run_of_another_commune_is_refused_with_nothing_changed(computed_run, cases, users, units, chair, officer):
    binh_minh_officer = users["binhminh_officer"]
    binh_minh_chair = users["tandong_chair"].__class__.objects.create(
        username="binhminh.chair", role=Role.COMMUNE_CHAIR
    )
    StaffAssignment.objects.create(user=binh_minh_chair, commune=units.binh_minh)
    before = state()

    for call, kwargs in [
        (services.run_prepare, {"commune": units.tan_dong, "month": NOV, "acting_user": binh_minh_officer}),
        (services.run_prepare, {"commune": units.tan_dong, "month": DEC, "acting_user": binh_minh_officer}),
        (services.run_approve, {"run": computed_run, "acting_user": binh_minh_chair}),
        (services.run_cancel, {"run": computed_run, "reason": "x", "acting_user": binh_minh_officer}),
        (services.run_send_to_payer, {"run": computed_run, "acting_user": binh_minh_officer}),
        (services.run_download_record, {"run": computed_run, "acting_user": binh_minh_officer, "file": "csv"}),
        (services.run_reconcile, {"run": computed_run, "rows": [], "acting_user": binh_minh_officer}),
    ]:
        with pytest.raises(PermissionDenied):
            call(**kwargs)

    assert state() == before
    own = prepare(units.binh_minh, NOV, binh_minh_officer)
    assert lines(own) == [("Lê Thị Tư", ["2025-11"], 1_000_000, "bank", "0123400000", "pending")]


def test_the_administrator_prepares_anywhere_and_a_chair_approves(cases, users, units, chair):
    run = prepare(units.tan_dong, NOV, users["admin"])

    assert services.run_approve(run=run, acting_user=chair).status == "approved"


# --- beat ---------------------------------------------------------------------------------------------


def run_batches_at_once():
    """What a worker does with an enqueued batch, done on the spot."""
    return mock.patch("disbursements.tasks.prepare_batch_task.delay", side_effect=services.batch_prepare)


def test_scheduled_work_resumes_a_half_prepared_run(cases, units, officer, settings):
    settings.DISBURSEMENT_BATCH_SIZE = 1
    run = services.run_prepare(commune=units.tan_dong, month=NOV, acting_user=officer, enqueue=False)
    services.batch_prepare(run.pk, 1, *pending_batches(run)[0])  # then the worker died

    with run_batches_at_once() as delay:
        assert services.scheduled_work(today=date(2025, 11, 3)) == {"resumed_batches": 2, "prepared_runs": 0}

    assert delay.call_count == 2
    run.refresh_from_db()
    assert (run.status, run.line_count, run.total_amount, Run.objects.count()) == ("computed", 2, 2_500_000, 1)
    with run_batches_at_once() as delay:
        assert services.scheduled_work(today=date(2025, 11, 4)) == {"resumed_batches": 0, "prepared_runs": 0}
    assert delay.call_count == 0


def test_scheduled_work_prepares_next_months_runs_on_the_configured_day_only(
    cases, units, settings, django_capture_on_commit_callbacks
):
    settings.DISBURSEMENT_PREPARE_DAY = 15

    def scheduled_work(today: date) -> dict:
        with run_batches_at_once(), django_capture_on_commit_callbacks(execute=True):
            return services.scheduled_work(today=today)

    assert scheduled_work(date(2025, 11, 14)) == {"resumed_batches": 0, "prepared_runs": 0}
    assert Run.objects.count() == 0
    assert scheduled_work(date(2025, 11, 15)) == {"resumed_batches": 0, "prepared_runs": 2}
    assert scheduled_work(date(2025, 11, 15)) == {"resumed_batches": 0, "prepared_runs": 0}

    assert list(
        Run.objects.order_by("commune_id").values_list("commune", "month", "status", "prepared_by", "total_amount")
    ) == [
        ("25480", DEC, "computed", None, 2_000_000),
        ("25522", DEC, "computed", None, 4_250_000),
    ]  # November as arrears
    assert list(RunEvent.objects.filter(kind="preparing").values_list("actor", "data")) == [
        (None, {"generation": 1, "scheduled": True}), (None, {"generation": 1, "scheduled": True})
    ]  # fmt: skip


def test_scheduled_work_in_december_prepares_january(cases, units, settings, django_capture_on_commit_callbacks):
    settings.DISBURSEMENT_PREPARE_DAY = 15

    with run_batches_at_once(), django_capture_on_commit_callbacks(execute=True):
        services.scheduled_work(today=date(2025, 12, 15))

    assert set(Run.objects.values_list("month", flat=True)) == {JAN}


def test_a_run_the_system_prepared_is_approved_by_any_chair(cases, units, chair, django_capture_on_commit_callbacks):
    with run_batches_at_once(), django_capture_on_commit_callbacks(execute=True):
        run = services.run_prepare_as_system(commune_id=units.tan_dong.pk, month=NOV)

    run.refresh_from_db()
    assert (run.status, run.prepared_by) == ("computed", None)
    assert services.run_approve(run=run, acting_user=chair).approved_by == chair


def test_many_cases_are_split_in_batches_and_paid_once_each(rules, units, officer, settings):
    settings.DISBURSEMENT_BATCH_SIZE = 7
    made = make_cases(units.tan_dong, officer, many(50, NOV))

    run = prepare(units.tan_dong, NOV, officer)

    assert (run.batches.count(), services.progress(run)) == (8, (8, 8))
    assert sorted(run.lines.values_list("case_id", flat=True)) == [case.pk for case in made]
    assert (run.line_count, run.total_amount) == (50, 50 * 750_000)
    assert (run.cash_amount, PaidMonth.objects.count()) == (5 * 750_000, 50)
