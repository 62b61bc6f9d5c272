"""python manage.py support import-loans --commune CODE FILE --user USERNAME [--dry-run]"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from core.importing import command_read, command_report_errors, command_user
from geography.models import Commune
from support.importing import import_loans, read_loans


class Command(BaseCommand):
    help = (
        "Support programmes. import-loans: import the Bank for Social Policies' loan list of a commune (CSV or "
        "XLSX) as USERNAME: the whole file or nothing; every bad line is printed as 'line N, column C: message'."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import-loans}")
        loans = actions.add_parser("import-loans", help="import the bank's loan list of a commune")
        loans.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        loans.add_argument("--commune", required=True, help="the commune's 5-digit GSO code")
        loans.add_argument("--user", required=True, help="the username the import is recorded under")
        loans.add_argument("--dry-run", action="store_true", help="check the file and count; save nothing")

    def handle(self, *args, action: str, **options):
        if action == "import-loans":
            self.import_loans(options["file"], commune_code=options["commune"], username=options["user"],
                              dry_run=options["dry_run"])  # fmt: skip

    def import_loans(self, file: str, *, commune_code: str, username: str, dry_run: bool) -> None:
        acting_user = command_user(username, "can_manage_registry", "may not manage support records")
        commune = Commune.objects.filter(code=commune_code).first()
        if commune is None:
            raise CommandError(f"No commune {commune_code!r}.")
        source = command_read(file, read_loans)
        try:
            report = import_loans(source, commune=commune, acting_user=acting_user, dry_run=dry_run, filename=file)
        except PermissionDenied as error:
            raise CommandError(f"{username} may not manage the support records of {commune.name}.") from error
        command_report_errors(report, self.stdout.write)
        for name in report.programmes_created:
            self.stdout.write(f"Programme {'to create' if dry_run else 'created'}: {name}")
        self.stdout.write(
            ("Dry run, nothing saved. " if dry_run else "Imported. ")
            + f"Loans created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}. "
            f"Lent by the new loans: {report.lent_vnd:,} VND; outstanding on the list: {report.outstanding_vnd:,} VND; "
            f"overdue: {report.overdue}."
        )
