"""Payment runs from the command line, for operators and integrators:

    python manage.py disbursement prepare --month 2026-05 --commune 25522 25480 [--wait] [--as USERNAME]
    python manage.py disbursement prepare --month 2026-05 --province 80 --wait
    python manage.py disbursement approve RUN_ID --as tandong.chair
    python manage.py disbursement send RUN_ID --as tandong.officer
    python manage.py disbursement export RUN_ID --format csv|xlsx|bank-zip|pain001|cash-pdf -o FILE --as tandong.officer
    python manage.py disbursement reconcile RUN_ID FILE --as tandong.officer
    python manage.py disbursement status RUN_ID

``prepare`` prints one run id per line on stdout (progress goes to stderr), so a script can read
them. ``send`` sends an approved run to the payer; only then does ``export`` write its files (the
first of each is the original, later ones are copies, and a reconciled run's are refused).
``reconcile`` applies one payer's report (CSV, XLSX, or the bank's ISO 20022 pain.002 or
camt.054), which may cover part of the run. Every refusal (role, scope, the run's status, a bad
file) exits non-zero with nothing changed.
"""

import argparse
import time
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.http import Http404

from beneficiaries.entitlement import PAYABLE_STATUSES
from beneficiaries.models import Case
from core.importing import command_user
from core.months import first_of_month
from disbursements import documents, exporting, iso20022, services
from disbursements.access import access_run
from disbursements.importing import read_any, row_errors
from disbursements.models import Run
from geography.models import Commune
from geography.scoping import commune_codes_for_user
from privacy.log import Purpose, record_access

EXPORT_FORMATS = ("csv", "xlsx", "bank-zip", "pain001", "cash-pdf")


def _month(text: str):
    try:
        year, month = (int(part) for part in text.split("-"))
        return first_of_month(date(year, month, 1))
    except ValueError as error:
        raise CommandError(f"--month must be YYYY-MM, not {text!r}.") from error


def _refusal(error: Exception) -> CommandError:
    if isinstance(error, ValidationError):
        return CommandError(" ".join(error.messages))
    return CommandError(str(error) or "You may not do this for this run.")


class Command(BaseCommand):
    help = "Prepare, approve, send, export, reconcile and inspect monthly payment runs."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        prepare = commands.add_parser(
            "prepare",
            help="Start the runs of a month and print their ids.",
            description=(
                "Start (or resume) the run of each commune for the month and print the run ids, one per line. "
                "The batches are computed by Celery workers: --wait needs a worker running "
                "(make run starts one; or: celery -A casework worker)."
            ),
        )
        prepare.add_argument("--month", required=True, help="YYYY-MM")
        units = prepare.add_mutually_exclusive_group(required=True)
        units.add_argument("--commune", nargs="+", metavar="CODE", help="commune codes (GSO, 5 digits)")
        units.add_argument("--province", metavar="CODE", help="every commune of the province with payable cases")
        prepare.add_argument(
            "--wait", action="store_true", help="poll until every run is computed, printing progress (needs a worker)"
        )
        prepare.add_argument("--as", dest="username", help="the officer preparing (default: the system, no preparer)")
        prepare.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)

        approve = commands.add_parser("approve", help="Approve a computed run (the commune chair).")
        approve.add_argument("run_id", type=int)
        approve.add_argument("--as", dest="username", required=True)

        send = commands.add_parser("send", help="Send an approved run to the payer (the commune's officer).")
        send.add_argument("run_id", type=int)
        send.add_argument("--as", dest="username", required=True)

        export = commands.add_parser(
            "export", help="Write a file for the payer (the run must be sent; later files are copies)."
        )
        export.add_argument("run_id", type=int)
        export.add_argument("--format", dest="file_format", choices=EXPORT_FORMATS, required=True)
        export.add_argument("-o", "--output", required=True, metavar="FILE")
        export.add_argument("--as", dest="username", required=True)

        reconcile = commands.add_parser(
            "reconcile",
            help="Apply one payer's report (CSV or XLSX, or the bank's pain.002/camt.054 XML; all or part of the run), "
            "all or nothing.",
        )
        reconcile.add_argument("run_id", type=int)
        reconcile.add_argument("file")
        reconcile.add_argument("--as", dest="username", required=True)

        status = commands.add_parser("status", help="A run's status, progress and totals.")
        status.add_argument("run_id", type=int)

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    # --- subcommands ---------------------------------------------------------------------------

    def _prepare(self, *, month, commune, province, wait, username, interval, **_options):
        month = _month(month)
        if province:
            communes = list(
                Commune.objects.filter(
                    province_id=province,
                    code__in=Case.objects.filter(status__in=PAYABLE_STATUSES).values("commune_id"),
                ).order_by("code")
            )
            if not communes:
                raise CommandError(f"No commune of province {province} has a payable case.")
        else:
            found = Commune.objects.in_bulk(commune)
            unknown = [code for code in commune if code not in found]
            if unknown:
                raise CommandError(f"No commune {', '.join(unknown)}.")
            communes = [found[code] for code in dict.fromkeys(commune)]
        user = command_user(username, "can_manage_registry", "may not prepare payment runs") if username else None
        if user is not None and not user.has_national_scope:
            # Checked for every commune first, so that a refusal prepares none of them.
            outside = [unit.pk for unit in communes if unit.pk not in commune_codes_for_user(user)]
            if outside:
                raise CommandError(f"{username} may not prepare payment runs of commune {', '.join(outside)}.")
        runs = []
        for unit in communes:
            try:
                if user is None:
                    run = services.run_prepare_as_system(commune_id=unit.pk, month=month)
                else:
                    run = services.run_prepare(commune=unit, month=month, acting_user=user)
            except PermissionDenied as error:
                raise CommandError(f"{username} may not prepare payment runs of commune {unit.pk}.") from error
            except ValidationError as error:
                raise _refusal(error) from error
            runs.append(run)
            self.stdout.write(str(run.pk))
        if wait:
            self._wait([run.pk for run in runs], interval)

    def _wait(self, run_ids: list[int], interval: float) -> None:
        shown = {}
        while True:
            runs = list(Run.objects.filter(pk__in=run_ids).select_related("commune").order_by("pk"))
            for run in runs:
                done, total = services.progress(run)
                line = f"run {run.pk} {run.commune_id}: {run.get_status_display()}, {done}/{total} batches"
                if shown.get(run.pk) != line:
                    self.stderr.write(line)
                    shown[run.pk] = line
            if all(run.status != Run.Status.PREPARING for run in runs):
                return
            time.sleep(interval)

    def _run_for(self, run_id: int, user) -> Run:
        try:
            return access_run(user, run_id)
        except Http404 as error:
            raise CommandError(f"No run {run_id}.") from error

    def _approve(self, *, run_id, username, **_options):
        user = command_user(username, "can_sign_decisions", "may not approve payment runs (not a commune chair)")
        run = self._run_for(run_id, user)
        try:
            run = services.run_approve(run=run, acting_user=user)
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from error
        self.stdout.write(f"run {run.pk}: {run.get_status_display()}, {run.line_count} lines, {run.total_amount} đồng")

    def _send(self, *, run_id, username, **_options):
        user = command_user(username, "can_manage_registry", "may not send payment runs")
        run = self._run_for(run_id, user)
        try:
            run = services.run_send_to_payer(run=run, acting_user=user)
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from error
        self.stdout.write(f"run {run.pk}: {run.get_status_display()}, {run.line_count} lines, {run.total_amount} đồng")

    def _export(self, *, run_id, file_format, output, username, **_options):
        user = command_user(username, "can_manage_registry", "may not export payment runs")
        run = self._run_for(run_id, user)
        # The download is recorded only if the file is written: a failed write leaves no copy counted.
        try:
            with transaction.atomic():
                copy = exporting.download(run, acting_user=user, file=file_format)
                self._write(run, file_format, output, copy)
                record_access(
                    user=user,
                    purpose=Purpose.CLI,
                    what="disbursement export",
                    person_ids=Case.objects.filter(payment_lines__run=run).values("person_id"),
                    commune_ids=[run.commune_id],
                    count=run.line_count,
                    filters={"run": run.pk, "file": file_format, "copy": copy},
                )
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from error
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        issued = f"copy {copy}" if copy else "original"
        self.stdout.write(f"run {run.pk}: {file_format} written to {output} ({issued})")

    def _write(self, run: Run, file_format: str, output: str, copy: int) -> None:
        if file_format == "csv":
            with open(output, "w", encoding="utf-8", newline="") as stream:
                exporting.write_csv(run, stream)
            return
        if file_format == "pain001":  # built first: a refused file leaves no file behind
            content = iso20022.pain001(run)
            with open(output, "wb") as stream:
                stream.write(content)
            return
        with open(output, "wb") as stream:
            if file_format == "xlsx":
                exporting.write_xlsx(run, stream)
            elif file_format == "bank-zip":
                stream.write(exporting.bank_zip(run))
            else:
                stream.write(documents.cash_list_pdf(run, copy=copy))

    def _reconcile(self, *, run_id, file, username, **_options):
        user = command_user(username, "can_manage_registry", "may not reconcile payment runs")
        run = self._run_for(run_id, user)
        try:
            with open(file, "rb") as stream:
                content = stream.read()
            rows = read_any(run, content, file)
            counts = services.run_reconcile(run=run, rows=rows, acting_user=user, file_name=file, content=content)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except PermissionDenied as error:
            raise _refusal(error) from error
        except ValidationError as error:
            errors = row_errors(error)
            for problem in errors:
                where = f"line {problem.row}, column {problem.column}" if problem.column else f"line {problem.row}"
                self.stderr.write(f"{where}: {problem.message}" if problem.row else problem.message)
            raise CommandError(f"{len(errors)} errors: nothing was reconciled.") from error
        done = "reconciled" if counts["reconciled"] else f"report recorded, {counts['pending']} lines still to report"
        unchanged = f", {counts['unchanged']} unchanged" if counts["unchanged"] else ""
        self.stdout.write(f"run {run.pk}: {done}, {counts['paid']} paid, {counts['failed']} failed{unchanged}")

    def _status(self, *, run_id, **_options):
        run = Run.objects.select_related("commune").filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"No run {run_id}.")
        done, total = services.progress(run)
        self.stdout.write(f"run {run.pk}: {run.commune_id} {run.commune.name}, {run.month:%Y-%m}")
        self.stdout.write(f"status: {run.status} ({run.get_status_display()})")
        self.stdout.write(f"progress: {done}/{total} batches")
        self.stdout.write(f"lines: {run.line_count}, total: {run.total_amount} đồng")
        if run.status in (Run.Status.EXPORTED, Run.Status.RECONCILED):
            pending = run.lines.filter(status="pending").count()
            self.stdout.write(
                f"reported: {run.line_count - pending}/{run.line_count} lines, {run.reports.count()} reports"
            )
        for row in exporting.totals_by_method(run):
            self.stdout.write(f"  {row['method']}: {row['lines']} lines, {row['amount']} đồng")
