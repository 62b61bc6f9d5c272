"""python manage.py import_beneficiaries FILE --user USERNAME [--dry-run]"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from beneficiaries.importing import import_beneficiaries, read_beneficiaries


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
        acting_user = get_user_model().objects.filter(username=user).first()
        if acting_user is None:
            raise CommandError(f"No user {user!r}.")
        if not acting_user.is_active or not acting_user.can_manage_registry:
            raise CommandError(f"{user} may not manage allowance cases.")
        try:
            with open(file, "rb") as stream:
                source = read_beneficiaries(stream, file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

        report = import_beneficiaries(source, acting_user=acting_user, dry_run=dry_run)
        for error in report.errors:
            where = f"line {error.row}, column {error.column}" if error.column else f"line {error.row}"
            self.stdout.write(f"{where}: {error.message}" if error.row else error.message)
        if not report.ok:
            raise CommandError(f"{len(report.errors)} errors: nothing was imported.")
        self.stdout.write(
            ("Dry run, nothing saved. " if dry_run else "Imported. ")
            + f"Cases created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}."
        )
