from django.core.management.base import BaseCommand

from geography.models import Commune, Province
from geography.services import admin_units_load


class Command(BaseCommand):
    help = "Load or refresh the 34 provinces and 3,321 communes (GSO codes) from vietnam-provinces. Idempotent."

    def handle(self, *args, **options):
        provinces, communes = admin_units_load()
        self.stdout.write(
            f"Loaded {provinces} provinces and {communes} communes; the database now holds "
            f"{Province.objects.count()} provinces and {Commune.objects.count()} communes."
        )
