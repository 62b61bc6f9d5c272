"""python manage.py import_beneficiaries FILE --user USERNAME [--dry-run]
python manage.py import_beneficiaries --confirm ID --as CHAIR
python manage.py import_beneficiaries --reject ID --as CHAIR --reason TEXT"""

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from beneficiaries.access import access_import_batch_by_uuid
from beneficiaries.batches import import_batch_confirm, import_batch_reject
from beneficiaries.importing import import_beneficiaries, read_beneficiaries
from beneficiaries.models import ImportBatch
from core.importing import command_read, command_report_errors, command_user


class Command(BaseCommand):
    help = (
        "Import the beneficiaries of monthly social allowances (CSV or XLSX, rules.md §4.1) as USERNAME: the "
        "whole file or nothing. Every bad line is printed as 'line N, column C: message'. A correct file becomes "
        "an import batch awaiting the commune chair's confirmation ('batch ID awaiting confirmation'); the chair "
        "confirms it with --confirm ID --as CHAIR or rejects it with --reject ID --as CHAIR --reason TEXT."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--user", help="the username the import is recorded under")
        parser.add_argument("--dry-run", action="store_true", help="check the file and count; save nothing")
        decision = parser.add_mutually_exclusive_group()
        decision.add_argument("--confirm", type=int, metavar="ID", help="confirm the import batch ID")
        decision.add_argument("--reject", type=int, metavar="ID", help="reject the import batch ID")
        parser.add_argument("--as", dest="chair", metavar="CHAIR", help="the commune chair who confirms or rejects")
        parser.add_argument("--reason", default="", help="why the batch is rejected (required with --reject)")

    def handle(self, *args, file, user, dry_run, confirm, reject, chair, reason, **options):
        if confirm is not None or reject is not None:
            if file or user or dry_run:
                raise CommandError("--confirm and --reject take no FILE, --user or --dry-run.")
            self._decide(batch_id=confirm if confirm is not None else reject, confirm=confirm is not None,
                         chair=chair, reason=reason)  # fmt: skip
            return
        if not file or not user:
            raise CommandError("Give FILE and --user, or --confirm/--reject ID with --as.")
        if chair or reason:
            raise CommandError("--as and --reason go with --confirm or --reject.")
        acting_user = command_user(user, "can_manage_registry", "may not manage allowance cases")
        source = command_read(file, read_beneficiaries)

        name = os.path.basename(file)
        report = import_beneficiaries(source, acting_user=acting_user, dry_run=dry_run, filename=name)
        command_report_errors(report, self.stdout.write)
        counts = f"Cases created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}."
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. {counts}")
            return
        batch = report.batch
        self.stdout.write(f"On confirmation: {counts} Arrears: {batch.arrears_total_vnd:,} đồng.")
        if batch.flagged_count:
            self.stdout.write(
                f"{batch.flagged_count} lines owe more than {batch.arrears_warn_months} months of arrears."
            )
        self.stdout.write(f"batch {batch.pk} awaiting confirmation")

    def _decide(self, *, batch_id: int, confirm: bool, chair: str | None, reason: str) -> None:
        if not chair:
            raise CommandError("--as CHAIR is required.")
        if not confirm and not reason.strip():
            raise CommandError("--reason is required with --reject.")
        acting_user = command_user(chair, "can_sign_decisions", "may not confirm or reject imported lists")
        # The same door as the page: a batch of another commune reads as one that does not exist.
        found = ImportBatch.objects.filter(pk=batch_id).values_list("uuid", flat=True).first()
        try:
            batch = access_import_batch_by_uuid(acting_user, found, for_decision=True)
        except Http404:
            raise CommandError(f"No import batch {batch_id} in the communes of {chair}.") from None
        try:
            if confirm:
                batch = import_batch_confirm(batch=batch, acting_user=acting_user)
            else:
                batch = import_batch_reject(batch=batch, reason=reason, acting_user=acting_user)
        except PermissionDenied as refusal:
            raise CommandError(str(refusal) or "Refused.") from refusal
        except ValidationError as refusal:
            for message in refusal.messages:
                self.stdout.write(message)
            raise CommandError(f"Batch {batch_id} was not {'confirmed' if confirm else 'rejected'}.") from refusal
        if confirm:
            self.stdout.write(
                f"batch {batch.pk} confirmed: {batch.created_count} cases created, {batch.updated_count} updated."
            )
        else:
            self.stdout.write(f"batch {batch.pk} rejected")
