from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create the demo communes' villages and the demo users (idempotent). Refuses production settings."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError(
                "load_demo refuses to run with production settings: it creates users with a known password."
            )
        users = load_demo()
        self.stdout.write(f"Demo data ready. Users (password {DEMO_PASSWORD}): " + ", ".join(u.username for u in users))
