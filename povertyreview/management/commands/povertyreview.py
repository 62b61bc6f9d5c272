"""python manage.py povertyreview import --year Y FILE --user USERNAME [--dry-run]
python manage.py povertyreview export --year Y --commune CODE -o FILE [--format csv|xlsx]"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from core.importing import command_read, command_report_errors, command_user
from households.models import PovertyStatus
from povertyreview.exporting import write_csv, write_xlsx
from povertyreview.importing import import_survey, read_survey
from povertyreview.models import Campaign
from privacy.log import Purpose, record_access


class Command(BaseCommand):
    help = (
        "Import poverty survey results (rules.md §4.4) into the annual reviews of a year, or export a "
        "commune's classification (§4.5). An import is all or nothing; every bad line is printed as "
        "'line N, column C: message'."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        importing = actions.add_parser("import", help="import a survey file (CSV or XLSX) as USERNAME")
        importing.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        importing.add_argument("--year", type=int, required=True, help="the review year")
        importing.add_argument("--user", required=True, help="the username the import is recorded under")
        importing.add_argument("--dry-run", action="store_true", help="check the file and report; save nothing")
        exporting = actions.add_parser("export", help="write the classification of a commune's annual review")
        exporting.add_argument("--year", type=int, required=True, help="the review year")
        exporting.add_argument("--commune", required=True, help="the commune's 5-digit GSO code")
        exporting.add_argument("-o", "--output", required=True, help="the file to write")
        exporting.add_argument(
            "--format", choices=["csv", "xlsx"], help="csv or xlsx (default: from the file's extension, else csv)"
        )

    def handle(self, *args, action: str, **options):
        if action == "import":
            self.import_file(options["file"], year=options["year"], username=options["user"],
                             dry_run=options["dry_run"])  # fmt: skip
        else:
            self.export_file(options["output"], year=options["year"], commune=options["commune"],
                             file_format=options["format"])  # fmt: skip

    def import_file(self, file: str, *, year: int, username: str, dry_run: bool) -> None:
        acting_user = command_user(username, "can_run_poverty_review", "may not take part in the poverty review")
        survey = command_read(file, read_survey)
        try:
            report = import_survey(survey, year=year, acting_user=acting_user, dry_run=dry_run)
        except PermissionDenied as error:
            raise CommandError(f"{username} may not take part in the poverty review.") from error
        command_report_errors(report, self.stdout.write)
        for change in report.reclassified:
            self.stdout.write(
                f"line {change.line}: {change.commune_code}/{change.household_code} {change.old} -> {change.new}"
            )
        counts = ", ".join(f"{status}: {report.counts.get(status, 0)}" for status in PovertyStatus.values)
        self.stdout.write(
            ("Dry run, nothing saved. " if dry_run else "Imported. ")
            + f"Households: {report.households} (listed now: {len(report.listed)}, surveyed for the first time: "
            f"{len(report.surveyed)}, classified differently: {len(report.reclassified)}, as before: "
            f"{report.unchanged}). {counts}."
        )

    def export_file(self, output: str, *, year: int, commune: str, file_format: str | None) -> None:
        campaign = (
            Campaign.objects.select_related("commune")
            .filter(commune_id=commune, year=year, kind=Campaign.Kind.PERIODIC)
            .first()
        )
        if campaign is None:
            raise CommandError(f"No annual review of {year} for commune {commune}.")
        file_format = file_format or ("xlsx" if Path(output).suffix.lower() == ".xlsx" else "csv")
        try:
            if file_format == "xlsx":
                with open(output, "wb") as stream:
                    write_xlsx(campaign, stream)
            else:
                with open(output, "w", encoding="utf-8", newline="") as stream:
                    write_csv(campaign, stream)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        record_access(
            user=None,
            purpose=Purpose.CLI,
            what="povertyreview export",
            commune_ids=[campaign.commune_id],
            count=campaign.assessments.filter(surveyed_at__isnull=False).count(),
            filters={"campaign": campaign.pk, "year": year, "format": file_format},
        )
        self.stdout.write(f"Wrote {output} ({file_format}) for {campaign.commune.name} {year}.")
