"""python manage.py import_households FILE --user USERNAME [--dry-run]"""

from django.core.management.base import BaseCommand

from core.importing import command_read, command_report_errors, command_user
from households.importing import import_households, read_rows


class Command(BaseCommand):
    help = (
        "Import a household registry file (CSV or XLSX, rules.md §4.0) as USERNAME: the whole file or nothing. "
        "Every bad line is printed as 'line N, column C: message'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--user", required=True, help="the username the import is recorded under")
        parser.add_argument("--dry-run", action="store_true", help="check the file and count; save nothing")

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        acting_user = command_user(user, "can_manage_registry", "may not change the household registry")
        rows = command_read(file, read_rows)

        report = import_households(rows=rows, user=acting_user, dry_run=dry_run)
        command_report_errors(report, self.stdout.write)
        self.stdout.write(
            ("Dry run, nothing saved. " if dry_run else "Imported. ")
            + f"Households created: {report.households_created}, updated: {report.households_updated}. "
            f"Persons created: {report.persons_created}, updated: {report.persons_updated}. "
            f"Memberships created: {report.memberships_created}."
            + (f" Deaths recorded: {report.deaths_recorded}." if report.deaths_recorded else "")
        )
