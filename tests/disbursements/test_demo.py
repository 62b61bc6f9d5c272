"""The demo payment runs: Xã Tân Đông and Phường Bình Minh each have a reconciled run for each of
the last six months and this month's run computed, awaiting approval; one bank transfer failed in
Tân Đông four months ago and the next run paid that month as arrears."""

from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from accounts.models import User
from beneficiaries.entitlement import compute
from core.months import add_months, first_of_month
from demo.accounts import load_demo
from disbursements.models import PaidMonth, Run, RunEvent, RunLine
from disbursements.services import payable_cases

TAN_DONG, BINH_MINH = "25522", "25480"
ACTIVE = {TAN_DONG: 369, BINH_MINH: 922}


def everything() -> dict:
    return {
        "runs": sorted(
            Run.objects.values_list(
                "commune_id",
                "month",
                "status",
                "generation",
                "prepared_by__username",
                "approved_by__username",
                "computed_at",
                "approved_at",
                "exported_at",
                "reconciled_at",
                "line_count",
                "total_amount",
                "bank_amount",
                "cash_amount",
            )
        ),  # fmt: skip
        "lines": sorted(
            RunLine.objects.values_list(
                "run__commune_id",
                "run__month",
                "national_id",
                "months",
                "amount",
                "payment_method",
                "account_number",
                "status",
                "paid_on",
                "note",
            )
        ),  # fmt: skip
        "paid_months": sorted(PaidMonth.objects.values_list("case_id", "month", "line__run__month")),
        "events": sorted(RunEvent.objects.values_list("run__commune_id", "run__month", "kind", "occurred_at")),
    }


@pytest.fixture
def client_for_demo():
    """A client signed in as one of the demo's users (pages in English)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.cookies["django_language"] = "en"
        return client

    return make


def engine_amounts(run: Run) -> dict[int, int]:
    """What the entitlement engine pays for the run's month, knowing only the months paid by the
    runs of earlier months (as it did when the run was computed)."""
    paid: dict[int, set[date]] = {}
    for case_id, month in PaidMonth.objects.filter(line__run__commune=run.commune_id, line__run__month__lt=run.month).values_list(
        "case_id", "month"
    ):  # fmt: skip
        paid.setdefault(case_id, set()).add(month)
    owed = compute(payable_cases(run.commune_id), run.month, paid=paid)
    return {case_id: entitlement.amount for case_id, entitlement in owed.items() if entitlement.amount}


def test_demo_runs_of_tan_dong_and_binh_minh(db, on_demo_day):
    current = first_of_month(timezone.localdate())
    months = [add_months(current, -ago) for ago in range(6, 0, -1)]

    load_demo()

    for code in (TAN_DONG, BINH_MINH):
        runs = list(Run.objects.filter(commune_id=code).order_by("month"))
        assert [(run.month, run.status) for run in runs] == [
            *((month, Run.Status.RECONCILED) for month in months),
            (current, Run.Status.COMPUTED),
        ]
        # The runs pay every active case from the month its decision took effect.
        starts = list(payable_cases(code).filter(status="active").values_list("start_month", flat=True))
        assert [run.line_count for run in runs] == [sum(start <= run.month for start in starts) for run in runs]
        assert runs[-1].line_count == ACTIVE[code]
        for run in runs:
            lines = dict(run.lines.values_list("case_id", "amount"))
            assert lines == engine_amounts(run)
            assert run.total_amount == sum(lines.values()) == run.bank_amount + run.cash_amount
            assert run.bank_amount == sum(run.lines.filter(payment_method="bank").values_list("amount", flat=True))
        # Who did what, and when: computed on the 15th of the month before, approved on the 18th,
        # exported on the 20th, reconciled on the 8th; every line paid on the 5th but one.
        officer, approver = {
            TAN_DONG: ("tandong.officer", "tandong.chair"),
            BINH_MINH: ("binhminh.officer", "binhminh.chair"),
        }[code]
        for run in runs[:-1]:
            before = add_months(run.month, -1)
            assert (run.prepared_by.username, run.approved_by.username) == (officer, approver)
            assert [
                timezone.localtime(moment).date()
                for moment in (run.computed_at, run.approved_at, run.exported_at, run.reconciled_at)
            ] == [before.replace(day=15), before.replace(day=18), before.replace(day=20), run.month.replace(day=8)]
            assert list(run.events.order_by("occurred_at", "id").values_list("kind", flat=True)) == [
                "preparing", "computed", "approved", "sent", "reported", "reconciled"
            ]  # fmt: skip
            # one payer's report, kept with the officer who uploaded it, dated the day it came
            (report,) = run.reports.all()
            assert (report.uploaded_by.username, report.settled_count, len(report.sha256)) == (
                officer, run.line_count, 64
            )  # fmt: skip
            assert timezone.localtime(report.created_at).date() == run.month.replace(day=8)
            assert (run.exported_by.username, run.lines.filter(report=report).count()) == (officer, run.line_count)
            paid_on = Counter(run.lines.filter(status="paid").values_list("paid_on", flat=True))
            assert paid_on == {run.month.replace(day=5): run.line_count - (run.lines.filter(status="failed").count())}
        assert (runs[-1].prepared_by.username, runs[-1].approved_by) == (officer, None)
        assert not runs[-1].lines.exclude(status="pending").exists()

    # The one failed transfer: its month was given back and the next run paid it as arrears.
    failed = RunLine.objects.get(status="failed")
    assert (failed.run.commune_id, failed.run.month, failed.note, failed.payment_method) == (
        TAN_DONG,
        months[2],
        "Sai số tài khoản",
        "bank",
    )
    assert not PaidMonth.objects.filter(line=failed).exists()
    rolled = RunLine.objects.get(run__commune_id=TAN_DONG, run__month=months[3], case=failed.case)
    assert rolled.months == [f"{months[2]:%Y-%m}", f"{months[3]:%Y-%m}"]
    assert rolled.amount == 2 * failed.amount and rolled.status == "paid"
    # the run that paid it again flagged it for the chair who approved it, and no other line
    assert rolled.months_failed_before == [f"{months[2]:%Y-%m}"]
    assert list(RunLine.objects.exclude(months_failed_before=[]).values_list("pk", flat=True)) == [rolled.pk]
    assert sorted(PaidMonth.objects.filter(case=failed.case).values_list("month", flat=True)) == [*months, current]
    # Otherwise each line pays its own month only, and no month of a case is paid twice.
    assert RunLine.objects.exclude(pk=rolled.pk).filter(months__len__gt=1).count() == 0
    assert PaidMonth.objects.count() == sum(
        len(months) for months in RunLine.objects.exclude(status="failed").values_list("months", flat=True)
    )

    before = everything()
    load_demo()
    assert everything() == before


def test_the_demo_s_money_path_runs_end_to_end_with_a_second_person_at_each_step(db, on_demo_day, client_for_demo):
    """Officer imports a list, the chair confirms it; the run is prepared again, the chair approves
    it, the officer sends it to the payer, downloads the file (then a copy) and reconciles it."""
    from beneficiaries.batches import import_batch_confirm
    from beneficiaries.models import Case, ImportBatch
    from disbursements import services
    from tests.disbursements.conftest import prepare_now

    load_demo()
    current = first_of_month(timezone.localdate())
    officer, chair = (User.objects.get(username=name) for name in ("tandong.officer", "tandong.chair"))
    # The demo's list imported by the officer waits for the chair: nothing of it is payable yet.
    batch = ImportBatch.objects.get(commune_id=TAN_DONG, status=ImportBatch.Status.AWAITING)
    assert (batch.imported_by, batch.created_count, batch.updated_count) == (officer, 2, 1)
    new_people = list(batch.lines.filter(action="create").values_list("person_id", flat=True))
    assert not Case.objects.filter(person_id__in=new_people).exists()
    with pytest.raises(PermissionDenied):
        import_batch_confirm(batch=batch, acting_user=officer)

    import_batch_confirm(batch=batch, acting_user=chair)
    assert Case.objects.filter(person_id__in=new_people, status="active", decided_by=chair).count() == 2

    # This month's run, computed before the list was confirmed, is prepared again and now pays them.
    run = Run.objects.get(commune_id=TAN_DONG, month=current)
    run = prepare_now(services.run_prepare(commune=run.commune, month=current, acting_user=officer, enqueue=False))
    assert run.line_count == ACTIVE[TAN_DONG] + 2
    assert dict(run.lines.values_list("case_id", "amount")) == engine_amounts(run)
    # The chair sees the line owed more than ALLOWANCE_ARREARS_WARN_MONTHS of arrears before approving.
    flagged = batch.lines.get(flagged=True)
    assert flagged.arrears_months == 6
    assert list(run.lines.filter(arrears_months__gt=3).values_list("case__person_id", "arrears_months")) == [
        (flagged.person_id, flagged.arrears_months)
    ]
    with pytest.raises(PermissionDenied):
        services.run_approve(run=run, acting_user=officer)
    run = services.run_approve(run=run, acting_user=chair)

    # Sent to the payer by a POST; the file is downloaded once as the original, then as a copy.
    client = client_for_demo("tandong.officer")
    assert client.get(f"/payments/{run.pk}/export.csv").status_code == 409  # not sent yet: nothing changes
    assert client.get(f"/payments/{run.pk}/send/").status_code == 405
    assert client.post(f"/payments/{run.pk}/send/").status_code == 302
    first, second = (client.get(f"/payments/{run.pk}/export.csv") for _ in range(2))
    assert first["Content-Disposition"].endswith(f'-run{run.pk}.csv"')
    assert second["Content-Disposition"].endswith(f'-run{run.pk}-copy1.csv"')
    assert b"".join(first.streaming_content) == b"".join(second.streaming_content)
    # and its bank lines as an ISO 20022 pain.001, paid from the demo's paying account of Tân Đông
    bank_file = client.get(f"/payments/{run.pk}/pain001.xml")
    assert bank_file.status_code == 200
    assert b"<Nm>UBND XA TAN DONG</Nm>" in bank_file.content and b"<Id>3700201001234</Id>" in bank_file.content

    # The payer reports every line paid: the run is reconciled and no month is paid twice to anyone.
    rows = [{"reference": reference, "status": "paid", "paid_on": f"{current:%Y-%m}-20", "note": ""}
            for reference in run.lines.values_list("reference", flat=True)]  # fmt: skip
    services.run_reconcile(run=run, rows=rows, acting_user=officer)
    run.refresh_from_db()
    assert run.status == Run.Status.RECONCILED
    assert PaidMonth.objects.count() == sum(
        len(months) for months in RunLine.objects.exclude(status="failed").values_list("months", flat=True)
    )
    assert not PaidMonth.objects.values("person", "month").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert client.get(f"/payments/{run.pk}/export.csv").status_code == 409  # a reconciled run is not issued again
