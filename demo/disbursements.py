"""Demo payment runs (called by ``demo.accounts.load_demo`` after the allowance cases).

For Xã Tân Đông and Phường Bình Minh: their paying account (the debtor of the ISO 20022 bank file), a **reconciled run for each of the last six months** and
**this month's run computed, awaiting the chair's approval**.

The allowance demo writes its beneficiaries as paid through last month (the lists kept before the
product). Here the product takes over six months earlier: those cases' ``paid_through_month`` is
moved back six months (one UPDATE), and each month is then paid by a run, through the services and
in process (``run_prepare(enqueue=False)`` and ``batch_prepare`` per batch): prepared by the
commune's officer, approved by the chair, sent to the payer by the officer (``run_send_to_payer``)
and reconciled by the officer with one payer's report: every line paid on the 5th of its month
except **one failed bank transfer** in Tân Đông, with the payer's reason ("Sai số tài khoản"),
whose month the next run pays as arrears (a line flagged for the chair). Bình Minh's runs are
approved by ``binhminh.chair``.

Each step is then dated to the day it stands for (the services stamp the time they run): a month's
run is computed on the 15th of the month before (``DISBURSEMENT_PREPARE_DAY``), approved on the
18th, sent to the bank on the 20th, paid on the 5th and reported and reconciled on the 8th of its
month. The failed line is chosen with a fixed seed: every demo database holds the same runs.
"""

import random
from datetime import date, datetime, time

from django.db.models import Case as SqlCase
from django.db.models import Value, When
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Case
from core.months import add_months, first_of_month
from disbursements import services
from disbursements.models import PayerReport, PayingAccount, Run, RunBatch, RunEvent
from geography.models import Commune

TAN_DONG, BINH_MINH = "25522", "25480"
MONTHS = 6
# commune code -> the paying unit, its bank's BIN and account number (made up), since the communes' reform.
PAYING_ACCOUNTS = {
    TAN_DONG: ("UBND Xã Tân Đông", "970405", "3700201001234"),
    BINH_MINH: ("UBND Phường Bình Minh", "970405", "3700201005678"),
}
PAYING_ACCOUNT_FROM = date(2025, 7, 1)
SEED = 5
# commune code -> (preparer, approver): Bình Minh has no chair in the demo users.
STAFF = {TAN_DONG: ("tandong.officer", "tandong.chair"), BINH_MINH: ("binhminh.officer", "binhminh.chair")}
FAILED_COMMUNE, FAILED_MONTHS_AGO = TAN_DONG, 4  # the run of four months ago has the failed transfer
FAILED_NOTE = "Sai số tài khoản"
PAID_DAY = 5


def load_demo_disbursements() -> dict[str, int]:
    """Commune code -> runs created; a commune that already has runs is left alone, so calling
    this again does nothing."""
    current = first_of_month(timezone.localdate())
    users = User.objects.in_bulk([name for pair in STAFF.values() for name in pair], field_name="username")
    created = {}
    for code, (officer_name, approver_name) in STAFF.items():
        commune = Commune.objects.get(code=code)
        _paying_account(commune)
        if Run.objects.filter(commune=commune).exists():
            created[code] = 0
            continue
        officer, approver = users[officer_name], users[approver_name]
        _hand_over(commune, current)
        for months_ago in range(MONTHS, 0, -1):
            month = add_months(current, -months_ago)
            run = _prepare(commune, month, officer)
            _approve(run, approver)
            run = services.run_send_to_payer(run=run, acting_user=officer)
            failing = code == FAILED_COMMUNE and months_ago == FAILED_MONTHS_AGO
            services.run_reconcile(
                run=run, rows=_report(run, month, failing=failing), acting_user=officer,
                file_name=f"bao-cao-chi-tra-{code}-{month:%Y-%m}.csv",
            )  # fmt: skip
            _date(run, month)
        _prepare(commune, current, officer)
        created[code] = MONTHS + 1
    return created


def _paying_account(commune: Commune) -> None:
    """The account the commune's runs are paid from (the debtor of their ISO 20022 bank file)."""
    unit, bank_bin, number = PAYING_ACCOUNTS[commune.code]
    PayingAccount.objects.get_or_create(
        province_id=commune.province_id, commune=commune, valid_from=PAYING_ACCOUNT_FROM,
        defaults={"unit_name": unit, "bank_bin": bank_bin, "account_number": number},
    )  # fmt: skip


def _hand_over(commune: Commune, current: date) -> None:
    """The lists kept before the product end six months earlier: the runs pay the months since."""
    last, moved = add_months(current, -1), add_months(current, -1 - MONTHS)
    Case.objects.filter(commune=commune, status=Case.Status.ACTIVE, paid_through_month=last).update(
        # A case decided since then had nothing paid before the product.
        paid_through_month=SqlCase(When(start_month__gt=moved, then=Value(None)), default=Value(moved))
    )


def _prepare(commune: Commune, month: date, officer) -> Run:
    """What a worker does, in process: each batch computed and written, the run finalised."""
    run = services.run_prepare(commune=commune, month=month, acting_user=officer, enqueue=False)
    for low, high in RunBatch.objects.filter(run=run, generation=run.generation).values_list("low", "high"):
        services.batch_prepare(run.pk, run.generation, low, high)
    run.refresh_from_db()
    return run


def _approve(run: Run, approver) -> None:
    services.run_approve(run=run, acting_user=approver)


def _report(run: Run, month: date, *, failing: bool) -> list[dict]:
    """The payer's report (rules.md §4.3): every line paid on the 5th, or one bank transfer failed."""
    lines = list(run.lines.order_by("national_id").values_list("reference", "payment_method"))
    failed = random.Random(SEED).choice([ref for ref, method in lines if method == "bank"]) if failing else None
    paid_on = month.replace(day=PAID_DAY).isoformat()
    return [
        {"reference": ref, "status": "failed", "paid_on": "", "note": FAILED_NOTE}
        if ref == failed
        else {"reference": ref, "status": "paid", "paid_on": paid_on, "note": ""}
        for ref, _method in lines
    ]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _date(run: Run, month: date) -> None:
    """Move the run's timestamps and events to the days they stand for."""
    before = add_months(month, -1)
    moments = {
        RunEvent.Kind.PREPARING: _at(before.replace(day=15), 8, 30),
        RunEvent.Kind.COMPUTED: _at(before.replace(day=15), 8, 31),
        RunEvent.Kind.APPROVED: _at(before.replace(day=18), 10),
        RunEvent.Kind.SENT: _at(before.replace(day=20), 14),
        RunEvent.Kind.REPORTED: _at(month.replace(day=PAID_DAY + 3), 10),
        RunEvent.Kind.RECONCILED: _at(month.replace(day=PAID_DAY + 3), 10),
    }
    Run.objects.filter(pk=run.pk).update(
        created_at=moments[RunEvent.Kind.PREPARING],
        computed_at=moments[RunEvent.Kind.COMPUTED],
        approved_at=moments[RunEvent.Kind.APPROVED],
        exported_at=moments[RunEvent.Kind.SENT],
        reconciled_at=moments[RunEvent.Kind.RECONCILED],
        updated_at=moments[RunEvent.Kind.RECONCILED],
    )
    RunBatch.objects.filter(run=run).update(done_at=moments[RunEvent.Kind.COMPUTED])
    PayerReport.objects.filter(run=run).update(
        created_at=moments[RunEvent.Kind.REPORTED], updated_at=moments[RunEvent.Kind.REPORTED]
    )
    RunEvent.objects.filter(run=run).update(
        occurred_at=SqlCase(*(When(kind=kind, then=Value(moment)) for kind, moment in moments.items()))
    )
