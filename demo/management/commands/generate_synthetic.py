"""python manage.py generate_synthetic --province 80 --households 1000000 [--seed 1]"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import DEFAULT_CHUNK_SIZE, GenerationReport, generate_households
from geography.models import Commune

# Tây Ninh, 2024: about 0.5 % poor and 1 % near-poor households.
DEFAULT_POOR_SHARE = 0.005
DEFAULT_NEAR_POOR_SHARE = 0.01


class Command(BaseCommand):
    help = (
        "Add synthetic households (with members, events and a poverty status for a year) spread evenly "
        "over every commune of a province. Deterministic for a seed and a database state. Refuses "
        "production settings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="GSO code of the province, e.g. 80")
        parser.add_argument("--households", type=int, required=True, help="how many households to add in all")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--status-year", type=int, default=2024, help="year of the poverty statuses (0: none)")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)

    def handle(self, *args, province, households, seed, status_year, chunk_size, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("generate_synthetic refuses to run with production settings.")
        if households < 0:
            raise CommandError("--households must be 0 or more")
        communes = list(Commune.objects.filter(province_id=province).order_by("code"))
        if not communes:
            raise CommandError(f"no communes in province {province}: run `manage.py load_admin_units` first")
        # Evenly spread; the first communes (by code) take the remainder.
        base, extra = divmod(households, len(communes))
        per_commune = {commune.code: base + (1 if index < extra else 0) for index, commune in enumerate(communes)}
        year_statuses = (
            {status_year: {"poor": DEFAULT_POOR_SHARE, "near_poor": DEFAULT_NEAR_POOR_SHARE}} if status_year else None
        )
        self.stdout.write(
            f"Generating {households:,} households in {len(communes)} communes of province {province} (seed {seed})…"
        )

        def progress(report: GenerationReport, total: int) -> None:
            self.stdout.write(
                f"  {report.households:>9,}/{total:,} households, {report.persons:,} persons, "
                f"{report.rows:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)"
            )
            self.stdout.flush()

        report = generate_households(
            communes=communes,
            households_per_commune=per_commune,
            seed=seed,
            year_statuses=year_statuses,
            chunk_size=chunk_size,
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {report.households:,} households, {report.persons:,} persons, {report.rows:,} rows "
                f"({report.villages_created} villages created) in {report.seconds:.1f} s "
                f"= {report.rows_per_second:,.0f} rows/s."
            )
        )
