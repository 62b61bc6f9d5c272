"""Every write of payment runs. Services check the role, the scope and the run's status
(``disbursements.workflow``), and
record a RunEvent; refusals raise PermissionDenied or ValidationError naming the field, with
nothing written.

Preparing is split in batches of cases by id range (``RunBatch``), each computed by the
entitlement engine and written by one Celery task in one transaction with set-based INSERTs
(ON CONFLICT DO NOTHING). A batch is done once (its row is locked and stamped in the same
transaction), a run is finalised once (row lock on the run), and ``PaidMonth``'s unique
(person, month) makes paying a person's month twice impossible whatever the broker redelivers and
whichever case or commune pays it.

After approval the officer sends the run to the payer (``run_send_to_payer``, a POST of its own);
downloads of its files are then recorded (``run_download_record``: the first of each file is the
original, later ones are copies) and never change the run. The payer's report may come in parts
(``run_reconcile``, one ``PayerReport`` each); a reported status is final, and the run is reconciled
when every line has been reported.
"""

import csv
import hashlib
import io
import logging
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.signals import setting_changed
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from beneficiaries import sql as allowances
from beneficiaries.entitlement import PAYABLE_STATUSES, compute
from beneficiaries.models import Case, PaymentMethod
from core.months import first_of_month
from core.services import refuse_field
from disbursements.models import PaidMonth, PayerReport, Run, RunBatch, RunEvent, RunLine
from disbursements.selectors import paid_months_for
from disbursements.workflow import WORKFLOW
from geography.scoping import require

logger = logging.getLogger(__name__)
Status = Run.Status


class MonthsTaken(Exception):
    """A month this batch meant to pay was covered by another run meanwhile: retry the batch."""


def _event(run: Run, kind: str, acting_user, *, reason: str = "", **data) -> RunEvent:
    return RunEvent.objects.create(run=run, kind=kind, actor=acting_user, reason=reason, data=data)


def payable_cases(commune_id: str):
    return Case.objects.filter(commune_id=commune_id, status__in=PAYABLE_STATUSES, start_month__isnull=False)


# --- preparing -------------------------------------------------------------------------------------


def run_prepare(*, commune, month: date, acting_user, enqueue: bool = True) -> Run:
    """Start (or resume, or redo while not approved) the run of ``commune`` for ``month`` and
    enqueue its batches once the transaction commits. Idempotent: a double click, two officers
    at once or a second CLI call find the same run."""
    require(acting_user, "can_manage_registry", commune.pk)
    month = first_of_month(month)
    with transaction.atomic():
        run = (
            Run.objects.select_for_update()
            .filter(commune=commune, month=month)
            .exclude(status=Status.CANCELLED)
            .first()
        )
        if run is None:
            try:
                with transaction.atomic():
                    run = Run.objects.create(commune=commune, month=month, prepared_by=acting_user)
            except IntegrityError:  # created by a concurrent call: use that one
                run = Run.objects.select_for_update().exclude(status=Status.CANCELLED).get(commune=commune, month=month)
            else:
                _plan_batches(run)
                _event(run, RunEvent.Kind.PREPARING, acting_user, generation=run.generation)
        elif run.status == Status.COMPUTED:
            # Recompute a run not yet approved: its lines (and the months they covered) go.
            run.lines.all().delete()
            run.generation += 1
            run.status = Status.PREPARING
            run.prepared_by = acting_user
            run.computed_at = None
            run.save()
            _plan_batches(run)
            _event(run, RunEvent.Kind.PREPARING, acting_user, generation=run.generation, again=True)
        elif run.status != Status.PREPARING:
            refuse_field("status", _("The run of %(month)s is already approved; it cannot be prepared again.") % {
                "month": f"{month:%m/%Y}"})  # fmt: skip
        if enqueue:
            run_id, generation = run.pk, run.generation
            transaction.on_commit(lambda: enqueue_pending_batches(run_id, generation))
    if not run.batches.filter(generation=run.generation).exists():
        finalize_if_done(run.pk, run.generation)
        run.refresh_from_db()
    return run


def _plan_batches(run: Run) -> None:
    """Cut the commune's payable cases into id ranges of DISBURSEMENT_BATCH_SIZE: each batch from
    its first case to the next batch's first (the last one to its last case + 1). One statement:
    a province's 100 runs are planned while their first batches already run, so the ids do not
    travel to Python."""
    cases, params = payable_cases(run.commune_id).order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {RunBatch._meta.db_table} (run_id, generation, low, high)
            SELECT %s, %s, id, coalesce(lead(id) OVER (ORDER BY id), last + 1)
              FROM (SELECT id, row_number() OVER (ORDER BY id) AS position, max(id) OVER () AS last
                      FROM ({cases}) AS payable(id)) AS numbered
             WHERE (position - 1) %% %s = 0
            """,
            [run.pk, run.generation, *params, settings.DISBURSEMENT_BATCH_SIZE],
        )


# The batch task's registered name (tasks.py registers it under this; looked up by name, not imported).
PREPARE_BATCH_TASK = "disbursements.prepare_batch"


def enqueue_pending_batches(run_id: int, generation: int) -> int:
    """Send one task per batch not yet done (also how a run left half done resumes)."""
    from core.queue import registered_task

    prepare_batch_task = registered_task(PREPARE_BATCH_TASK)
    pending = list(
        RunBatch.objects.filter(run_id=run_id, generation=generation, done_at__isnull=True).values_list("low", "high")
    )
    for low, high in pending:
        prepare_batch_task.delay(run_id, generation, low, high)
    return len(pending)


def batch_prepare(run_id: int, generation: int, low: int, high: int) -> str:
    """Compute and write one batch. Safe to run any number of times, in parallel or after a
    worker died mid-way: the batch row is locked and stamped in the transaction that writes."""
    run = Run.objects.filter(pk=run_id, generation=generation, status=Status.PREPARING).first()
    if run is None:
        return "stale"
    cases = payable_cases(run.commune_id).filter(pk__gte=low, pk__lt=high)
    with transaction.atomic():
        # Fix: the run is read again under a share lock (batches of a run still write in parallel)
        # so that a cancel or a re-prepare cannot commit between the check above and the write
        # below; without it, lines written after a cancel stayed on the cancelled run and held
        # their months (PaidMonth) forever: months lost.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM disbursements_run WHERE id = %s AND generation = %s AND status = %s FOR SHARE",
                [run_id, generation, Status.PREPARING],
            )
            if cursor.fetchone() is None:
                return "stale"
        batch = (
            RunBatch.objects.select_for_update()
            .filter(run_id=run_id, generation=generation, low=low, done_at__isnull=True)
            .first()
        )
        if batch is None:
            return "done"
        entitlements = compute(cases, run.month, paid=paid_months_for(cases))
        written = _write_lines(run, entitlements)
        batch.done_at = timezone.now()
        batch.save(update_fields=["done_at"])
    finalize_if_done(run_id, generation)
    return f"{written} lines"


# The texts of a month line ("YYYY-MM", its explanation) by language and by MonthAmount (a frozen
# dataclass: equal fields, equal texts), kept by the worker process between batches. Its size is
# bounded by the months, ages, bases and categories a province's cases have; emptied past the limit.
_MONTH_TEXTS: dict[str, dict] = {}
_MONTH_TEXTS_LIMIT = 50_000


@receiver(setting_changed)
def _forget_month_texts(**kwargs) -> None:
    """A changed setting (the tests' number formats, languages) may change the texts."""
    _MONTH_TEXTS.clear()


def _month_texts() -> dict:
    """The texts already built for the active language (the explanation is translated and its
    numbers formatted in it)."""
    language = get_language() or ""
    known = _MONTH_TEXTS.get(language)
    if known is None or len(known) > _MONTH_TEXTS_LIMIT:
        known = _MONTH_TEXTS[language] = {}
    return known


def _write_lines(run: Run, entitlements: dict) -> int:
    """One INSERT for the lines and their months; a month taken by another run meanwhile
    aborts the batch (MonthsTaken) so that it is recomputed without that month."""
    payable = {case_id: e for case_id, e in entitlements.items() if e.amount > 0}
    if not payable:
        return 0
    # Speed (bench.disbursements): the engine shares one frozen MonthAmount between every case
    # with the same month, age, base and categories, so its month text and explanation are built
    # once per object (by id: they all live until the end of this function), not once per line,
    # and once per worker process for equal objects (``_month_texts``: every batch of a province's
    # runs meets the same few thousand months).
    texts: dict[int, tuple[str, str]] = {}
    known = _month_texts()
    case_ids, categories, months, breakdowns, amounts, arrears = [], [], [], [], [], []
    expected = 0
    for case_id, entitlement in payable.items():
        paying = [line for line in entitlement.months if line.amount]
        current = entitlement.current
        pairs = []
        for line in paying:
            pair = texts.get(id(line))
            if pair is None:
                pair = known.get(line)
                if pair is None:
                    pair = known[line] = (f"{line.month:%Y-%m}", line.explanation)
                texts[id(line)] = pair
            pairs.append(pair)
        case_ids.append(case_id)
        categories.append((current.category or current.per_child_category) if current else paying[-1].category)
        months.append(",".join(pair[0] for pair in pairs))
        breakdowns.append("\x1f".join(pair[1] for pair in pairs))
        amounts.append(entitlement.amount)
        arrears.append(sum(1 for line in paying if line.month < run.month))
        expected += len(pairs)
    # Speed: the account snapshot (person's ID and name, payment method and account) is joined in
    # the INSERT instead of read by a query of its own, and the paid months come from the lines
    # the same statement inserted (RETURNING) instead of reading them back; lines keep the order
    # of the entitlements (WITH ORDINALITY). A paid month is the person's (unique per person and
    # month): a month another case of the same person took meanwhile conflicts like one of this case.
    # The account is copied as the case stores it: ciphertext and keyed hash (privacy.fields).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH line AS (
                INSERT INTO disbursements_runline (run_id, case_id, reference, national_id, full_name, category,
                    months, breakdown, amount, payment_method, bank_bin, account_number, account_hash, account_name,
                    status, note, arrears_months, months_failed_before)
                SELECT %s, t.case_id, %s || '-' || t.case_id, c.national_id, c.full_name, t.category,
                       to_jsonb(string_to_array(t.months, ',')), to_jsonb(string_to_array(t.breakdown, E'\\x1f')),
                       t.amount, c.payment_method, c.bank_bin, c.account_number, c.account_hash, c.account_name,
                       'pending', '',
                       t.arrears, '[]'::jsonb
                  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::smallint[])
                       WITH ORDINALITY AS t(case_id, category, months, breakdown, amount, arrears, position)
                  JOIN ({allowances.case_payees()}) c ON c.case_id = t.case_id
                 ORDER BY t.position
                ON CONFLICT (run_id, case_id) DO NOTHING
                RETURNING id, case_id, months
            )
            INSERT INTO disbursements_paidmonth (case_id, person_id, month, line_id)
            SELECT line.case_id, c.person_id, to_date(month.value, 'YYYY-MM'), line.id
              FROM line
              JOIN ({allowances.cases()}) c ON c.case_id = line.case_id
             CROSS JOIN LATERAL jsonb_array_elements_text(line.months) AS month(value)
            ON CONFLICT (person_id, month) DO NOTHING
            """,
            [run.pk, str(run.pk), case_ids, categories, months, breakdowns, amounts, arrears],
        )
        if cursor.rowcount != expected:
            raise MonthsTaken(f"run {run.pk}: {expected - cursor.rowcount} months already covered")
    return len(case_ids)


def finalize_if_done(run_id: int, generation: int) -> bool:
    """When every batch is done: totals by SQL aggregation, status computed. Once only."""
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(pk=run_id, generation=generation, status=Status.PREPARING).first()
        if run is None or run.batches.filter(generation=generation, done_at__isnull=True).exists():
            return False
        _flag_months_failed_before(run.pk)
        totals = run.lines.aggregate(
            count=Count("pk"),
            total=Sum("amount", default=0),
            bank=Sum("amount", filter=Q(payment_method=PaymentMethod.BANK), default=0),
            cash=Sum("amount", filter=Q(payment_method=PaymentMethod.CASH), default=0),
        )
        run.line_count, run.total_amount = totals["count"], totals["total"]
        run.bank_amount, run.cash_amount = totals["bank"], totals["cash"]
        run.status = Status.COMPUTED
        run.computed_at = timezone.now()
        run.save()
        _event(run, RunEvent.Kind.COMPUTED, None, lines=run.line_count, total=run.total_amount)
    return True


def _flag_months_failed_before(run_id: int) -> None:
    """One UPDATE: each line of the run that pays a month a payer reported failed on an earlier
    line of the same person (any case, any run) gets those months in ``months_failed_before``,
    so that the approving chair sees the months given back. Failed lines are few (a partial
    index on them), whatever the number of lines."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE disbursements_runline AS line
               SET months_failed_before = flagged.months
              FROM (
                SELECT this.id, jsonb_agg(DISTINCT month.value ORDER BY month.value) AS months
                  FROM disbursements_runline this
                  JOIN ({allowances.cases_of_the_same_person()}) same ON same.case_id = this.case_id
                  JOIN disbursements_runline failed
                       ON failed.case_id = same.other_case_id AND failed.status = 'failed' AND failed.run_id <> this.run_id
                 CROSS JOIN LATERAL jsonb_array_elements_text(this.months) AS month(value)
                 WHERE this.run_id = %s AND failed.months ? month.value
                 GROUP BY this.id
              ) AS flagged
             WHERE line.id = flagged.id
            """,
            [run_id],
        )


def progress(run: Run) -> tuple[int, int]:
    """(batches done, batches) of the run's current preparation."""
    counts = run.batches.filter(generation=run.generation).aggregate(
        done=Count("pk", filter=Q(done_at__isnull=False)), total=Count("pk")
    )
    return counts["done"], counts["total"]


# --- deciding, sending, downloading, reconciling -----------------------------------------------------


@transaction.atomic
def run_approve(*, run: Run, acting_user) -> Run:
    """The commune chair approves a computed run; whoever prepared it cannot."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    WORKFLOW.check(acting_user, run, "approve")
    if acting_user.pk == run.prepared_by_id:
        raise PermissionDenied(_("You prepared this run; another person must approve it."))
    run.status = Status.APPROVED
    run.approved_by = acting_user
    run.approved_at = timezone.now()
    run.save()
    _event(run, RunEvent.Kind.APPROVED, acting_user, total=run.total_amount, lines=run.line_count)
    return run


@transaction.atomic
def run_cancel(*, run: Run, reason: str, acting_user) -> Run:
    """Cancel a run not yet sent to the payer: its lines go, and their months are owed again."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    WORKFLOW.check(acting_user, run, "cancel")  # the officer before approval, the chair after
    if not reason.strip():
        refuse_field("reason", _("is required"))
    run.lines.all().delete()
    run.generation += 1  # batch tasks still queued find nothing to do
    run.status = Status.CANCELLED
    run.line_count = run.total_amount = run.bank_amount = run.cash_amount = 0
    run.save()
    _event(run, RunEvent.Kind.CANCELLED, acting_user, reason=reason.strip())
    return run


@transaction.atomic
def run_send_to_payer(*, run: Run, acting_user) -> Run:
    """The commune's officer sends an approved run to the payer: approved → exported, once, with
    who and when. Its files are downloaded afterwards (``run_download_record``); no download
    changes the run."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    WORKFLOW.check(acting_user, run, "send")
    run.status = Status.EXPORTED
    run.exported_by = acting_user
    run.exported_at = timezone.now()
    run.save()
    _event(run, RunEvent.Kind.SENT, acting_user, total=run.total_amount, lines=run.line_count)
    return run


@transaction.atomic
def run_download_record(*, run: Run, acting_user, file: str) -> int:
    """Record a download of one of the files a sent run gives the payer (``file``: "csv", "xlsx",
    "bank-zip", "bank-<BIN>", "cash-pdf") and say which one it is: 0 for the original (the first
    download of that file), n for its n-th copy. Refused before the run is sent and once it is
    reconciled. An audit row, not a change of the run: downloading is idempotent."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    WORKFLOW.check(acting_user, run, "download")
    copy = run.events.filter(kind=RunEvent.Kind.DOWNLOADED, data__file=file).count()
    _event(run, RunEvent.Kind.DOWNLOADED, acting_user, file=file, copy=copy)
    return copy


STATUSES = {"paid": RunLine.Status.PAID, "failed": RunLine.Status.FAILED}
REPORT_COLUMNS = ("reference", "status", "paid_on", "note")


def _rows_digest(rows: list[dict]) -> str:
    """The SHA-256 of rows given directly (no file): that of their CSV text, header first."""
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows([(row.get(column) or "").strip() for column in REPORT_COLUMNS] for row in rows)
    return hashlib.sha256(stream.getvalue().encode("utf-8")).hexdigest()


@transaction.atomic
def run_reconcile(
    *, run: Run, rows: list[dict], acting_user, file_name: str = "", content: bytes | None = None
) -> dict:
    """Apply one payer's report (rules.md §4.3: reference, status, paid_on, note; and ``amount``, whole
    đồng, where the report states it: it must be the line's), all or nothing.
    A report may cover part of the run (the payer sends it in parts); it is kept as a
    ``PayerReport`` (who, when, the file's name and SHA-256, and the file itself when ``content``
    is given) and each line it settles points at it.

    A failed line needs the payer's reason (``note``). A line's reported status is final: a line an
    earlier report settled may be reported again with the same status (nothing changes) but not
    with the other one. A failed line's months are owed again (the next run pays them, flagged).
    When no line is left unreported, the run is reconciled.

    Returns {"paid", "failed"} (lines this report settled), "unchanged", "pending" (lines still
    unreported), "reconciled" and "report" (its id); raises ValidationError listing every bad row
    as "line N, column: …" under ``file``, with nothing written."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    WORKFLOW.check(acting_user, run, "reconcile")
    lines, amounts = {}, {}
    for reference, pk, status, earlier_file, earlier_at, amount in run.lines.values_list(
        "reference", "pk", "status", "report__file_name", "report__created_at", "amount"
    ):
        lines[reference] = (pk, status, earlier_file, earlier_at)
        amounts[reference] = amount
    errors, seen, updates = [], {}, {}
    unchanged = 0
    for number, row in enumerate(rows, start=2):
        reference = (row.get("reference") or "").strip()
        status = (row.get("status") or "").strip().lower()
        note = (row.get("note") or "").strip()
        paid_on = None
        if reference not in lines:
            errors.append(_("line %(line)d, reference: unknown reference %(ref)s") % {"line": number, "ref": reference})
        elif reference in seen:
            errors.append(_("line %(line)d, reference: %(ref)s is also on line %(other)d") % {
                "line": number, "ref": reference, "other": seen[reference]})  # fmt: skip
        seen.setdefault(reference, number)
        if status not in STATUSES:
            errors.append(_("line %(line)d, status: must be paid or failed") % {"line": number})
        text = (row.get("paid_on") or "").strip()
        if status == "paid":
            try:
                paid_on = date.fromisoformat(text)
            except ValueError:
                errors.append(_("line %(line)d, paid_on: a date YYYY-MM-DD is required for a paid line") % {
                    "line": number})  # fmt: skip
        elif status == "failed" and not note:
            errors.append(_("line %(line)d, note: the payer's reason is required for a failed line") % {
                "line": number})  # fmt: skip
        reported = row.get("amount")
        if reported not in (None, "") and reference in amounts and str(reported).strip() != str(amounts[reference]):
            # A report that says how much it paid (the API's): another amount than the line's is a mistake.
            errors.append(_("line %(line)d, amount: %(amount)s, the line pays %(paid)s đồng") % {
                "line": number, "amount": str(reported).strip(), "paid": amounts[reference]})  # fmt: skip
        if reference not in lines or status not in STATUSES or seen[reference] != number:
            continue
        pk, current, earlier_file, earlier_at = lines[reference]
        if current == RunLine.Status.PENDING:
            updates[pk] = (STATUSES[status], paid_on, note[:255])
        elif current == STATUSES[status]:
            unchanged += 1  # the same status again: harmless, the earlier report stays the evidence
        else:
            errors.append(
                _("line %(line)d, status: %(ref)s was reported %(status)s by an earlier report (%(file)s, %(on)s); "
                  "a reported status is final") % {
                    "line": number, "ref": reference, "status": RunLine.Status(current).label.lower(),
                    "file": earlier_file or "—",
                    "on": f"{timezone.localtime(earlier_at):%d/%m/%Y}" if earlier_at else "—",
                }
            )  # fmt: skip
    if not rows:
        errors.append(_("the report has no line"))
    if errors:
        raise ValidationError({"file": [ValidationError(message) for message in errors]})
    failed = [pk for pk, (status, _paid_on, _note) in updates.items() if status == RunLine.Status.FAILED]
    report = PayerReport(
        run=run,
        uploaded_by=acting_user,
        file_name=Path(file_name).name[:255],
        sha256=hashlib.sha256(content).hexdigest() if content is not None else _rows_digest(rows),
        line_count=len(rows),
        paid_count=sum(1 for row in rows if (row.get("status") or "").strip().lower() == "paid"),
        failed_count=sum(1 for row in rows if (row.get("status") or "").strip().lower() == "failed"),
        settled_count=len(updates),
    )
    if content is not None:
        report.file.save(Path(file_name).name or "report.csv", ContentFile(content), save=False)
    report.save()
    with connection.cursor() as cursor:  # one UPDATE for the whole report
        cursor.execute(
            """
            UPDATE disbursements_runline AS line
               SET status = report.status, paid_on = report.paid_on, note = report.note, report_id = %s
              FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::text[]) AS report(id, status, paid_on, note)
             WHERE line.id = report.id AND line.status = 'pending'
            """,
            [report.pk, list(updates), [value[0] for value in updates.values()],
             [value[1] for value in updates.values()], [value[2] for value in updates.values()]],
        )  # fmt: skip
    PaidMonth.objects.filter(line_id__in=failed).delete()
    counts = {"paid": len(updates) - len(failed), "failed": len(failed), "unchanged": unchanged}
    _event(run, RunEvent.Kind.REPORTED, acting_user, report=report.pk, file=report.file_name, **counts)
    outcome = run.lines.aggregate(
        pending=Count("pk", filter=Q(status=RunLine.Status.PENDING)),
        paid=Count("pk", filter=Q(status=RunLine.Status.PAID)),
        failed=Count("pk", filter=Q(status=RunLine.Status.FAILED)),
    )
    if outcome["pending"] == 0:
        run.status = Status.RECONCILED
        run.reconciled_at = timezone.now()
        run.save()
        _event(run, RunEvent.Kind.RECONCILED, acting_user, paid=outcome["paid"], failed=outcome["failed"],
               reports=run.reports.count())  # fmt: skip
    return {**counts, "pending": outcome["pending"], "reconciled": outcome["pending"] == 0, "report": report.pk}


# --- beat ------------------------------------------------------------------------------------------


def scheduled_work(today: date | None = None) -> dict:
    """Beat's hourly work: resume runs left preparing (a lost task, a dead worker); on the
    configured day, prepare next month's run for every commune with payable cases (as the
    system, no user); the chairs' reminder is their work list (runs awaiting approval)."""
    today = today or timezone.localdate()
    resumed = 0
    for run_id, generation in Run.objects.filter(status=Status.PREPARING).values_list("pk", "generation"):
        resumed += enqueue_pending_batches(run_id, generation)
        finalize_if_done(run_id, generation)
    prepared = 0
    if today.day == settings.DISBURSEMENT_PREPARE_DAY:
        month = first_of_month(date(today.year + today.month // 12, today.month % 12 + 1, 1))
        communes = Case.objects.filter(status=Case.Status.ACTIVE).values_list("commune_id", flat=True).distinct()
        existing = set(
            Run.objects.filter(month=month).exclude(status=Status.CANCELLED).values_list("commune_id", flat=True)
        )
        for commune_id in sorted(set(communes) - existing):
            run_prepare_as_system(commune_id=commune_id, month=month)
            prepared += 1
    return {"resumed_batches": resumed, "prepared_runs": prepared}


def run_prepare_as_system(*, commune_id: str, month: date) -> Run:
    """Beat and the CLI's --province prepare on behalf of nobody in particular: the run records
    no preparer, so any chair of the commune may approve it."""
    with transaction.atomic():
        run = Run.objects.filter(commune_id=commune_id, month=month).exclude(status=Status.CANCELLED).first()
        if run is not None:
            return run
        try:
            with transaction.atomic():
                run = Run.objects.create(commune_id=commune_id, month=month)
        except IntegrityError:  # beat and the CLI at once: the other one created it
            return Run.objects.exclude(status=Status.CANCELLED).get(commune_id=commune_id, month=month)
        _plan_batches(run)
        _event(run, RunEvent.Kind.PREPARING, None, generation=run.generation, scheduled=True)
        run_id, generation = run.pk, run.generation
        transaction.on_commit(lambda: enqueue_pending_batches(run_id, generation))
    if not run.batches.exists():
        finalize_if_done(run.pk, run.generation)
    return run
