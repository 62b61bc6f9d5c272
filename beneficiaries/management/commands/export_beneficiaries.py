"""python manage.py export_beneficiaries --commune CODE -o FILE [--format csv|xlsx]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beneficiaries.exporting import EXPORTED_STATUSES, write_csv, write_xlsx
from beneficiaries.models import Case
from geography.models import Commune
from privacy.log import Purpose, record_access


class Command(BaseCommand):
    help = "Write the active and suspended allowance cases of a commune in the import's format (rules.md §4.1)."

    def add_arguments(self, parser):
        parser.add_argument("--commune", required=True, help="the commune's 5-digit GSO code")
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], help="csv or xlsx (default: from the file's extension, else csv)"
        )

    def handle(self, *args, commune: str, output: str, **options):
        found = Commune.objects.filter(code=commune).first()
        if found is None:
            raise CommandError(f"No commune {commune}.")
        cases = Case.objects.filter(commune=found, status__in=EXPORTED_STATUSES)
        file_format = options["format"] or ("xlsx" if Path(output).suffix.lower() == ".xlsx" else "csv")
        try:
            if file_format == "xlsx":
                with open(output, "wb") as stream:
                    write_xlsx(cases, stream)
            else:
                with open(output, "w", encoding="utf-8", newline="") as stream:
                    write_csv(cases, stream)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        count = cases.count()
        record_access(
            user=None,
            purpose=Purpose.CLI,
            what="export_beneficiaries",
            commune_ids=[found.code],
            count=count,
            filters={"commune": found.code, "format": file_format},
        )
        self.stdout.write(f"Wrote {output} ({file_format}): {count} cases of {found.name}.")
