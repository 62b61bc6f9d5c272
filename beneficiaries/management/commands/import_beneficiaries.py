"""python manage.py import_beneficiaries FILE --user USERNAME [--dry-run]"""

from django.core.management.base import BaseCommand

from beneficiaries.importing import import_beneficiaries, read_beneficiaries
from core.importing import command_read, command_report_errors, command_user


class Command(BaseCommand):
    help = (
        "Import the beneficiaries of monthly social allowances (CSV or XLSX, rules.md §4.1) as USERNAME: the "
        "whole file or nothing. Every bad line is printed as 'line N, column C: message'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--user", required=True, help="the username the import is recorded under")
        parser.add_argument("--dry-run", action="store_true", help="check the file and count; save nothing")

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        acting_user = command_user(user, "can_manage_registry", "may not manage allowance cases")
        source = command_read(file, read_beneficiaries)

        report = import_beneficiaries(source, acting_user=acting_user, dry_run=dry_run)
        command_report_errors(report, self.stdout.write)
        self.stdout.write(
            ("Dry run, nothing saved. " if dry_run else "Imported. ")
            + f"Cases created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}."
        )
