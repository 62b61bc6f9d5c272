"""The stored coverage of closed months (``reports.closed_months``), from the command line:

    python manage.py close_coverage_months                      # last month, every commune with records
    python manage.py close_coverage_months --months 12 --province 80
    python manage.py close_coverage_months --recompute --month 2026-10 --commune 25522

Without ``--recompute`` it writes only the rows that are missing (what beat does each day for the
month that has just closed, and a dashboard for the months it shows). ``--recompute`` counts the
chosen months again from the records as they stand and replaces the stored rows: after a correction
of the past that the province decides should count in those months' reports. Months that have not
closed yet are never stored.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.months import add_months, first_of_month
from geography.models import Commune
from reports import closed_months


def _month(value: str) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError as error:
        raise CommandError(f"--month takes YYYY-MM, not {value!r}") from error


class Command(BaseCommand):
    help = "Store (or recompute) the health-insurance coverage of closed months by commune."

    def add_arguments(self, parser):
        parser.add_argument("--month", action="append", type=_month, help="YYYY-MM (repeatable)")
        parser.add_argument("--months", type=int, default=1, help="the N months closed last (default 1)")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--province", help="the communes of this province")
        scope.add_argument("--commune", action="append", help="this commune (repeatable)")
        parser.add_argument("--recompute", action="store_true", help="count again and replace stored rows")

    def handle(self, *args, **options):
        today = timezone.localdate()
        current = first_of_month(today)
        months = options["month"] or [add_months(current, -count) for count in range(1, options["months"] + 1)]
        if options["province"]:
            codes = list(Commune.objects.filter(province_id=options["province"]).values_list("code", flat=True))
            if not codes:
                raise CommandError(f"no province {options['province']}")
        elif options["commune"]:
            codes = options["commune"]
            unknown = set(codes) - set(Commune.objects.filter(code__in=codes).values_list("code", flat=True))
            if unknown:
                raise CommandError(f"no commune {', '.join(sorted(unknown))}")
        else:
            codes = closed_months.communes_with_records()
        with transaction.atomic():
            written = closed_months.close_months(codes, months, today=today, recompute=options["recompute"])
        if options["verbosity"]:
            self.stdout.write(f"{written} commune-months written ({len(codes)} communes, {len(months)} months)")
