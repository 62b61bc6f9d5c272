"""python manage.py reencrypt_personal_data [--rehash] [--batch N]

Key rotation (README "Personal data"): with the new key first in PERSONAL_DATA_KEYS and the old
ones after it, rewrite every encrypted value (cases, run lines, their history, change requests and
import lines) under the new key, batch by batch, each batch its own transaction; a value already
under it is left alone, so the command may be interrupted and run again. ``--rehash`` recomputes
every keyed hash too, after a change of PERSONAL_DATA_HASH_KEY.
"""

from django.core.management.base import BaseCommand, CommandError

from privacy.encryption import PersonalDataKeyError, current_fingerprint
from privacy.rotation import BATCH, encrypted_columns, reencrypt_column


class Command(BaseCommand):
    help = "Re-encrypt every encrypted personal data value with the newest key of PERSONAL_DATA_KEYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rehash", action="store_true", help="recompute every keyed hash (after PERSONAL_DATA_HASH_KEY changed)"
        )
        parser.add_argument("--batch", type=int, default=BATCH, help=f"rows per transaction (default {BATCH})")

    def handle(self, *args, rehash: bool, batch: int, **options):
        self.stdout.write(f"Newest key: {current_fingerprint()}")
        total = 0
        for column in encrypted_columns():
            try:
                count = reencrypt_column(column, rehash=rehash, batch=batch)
            except PersonalDataKeyError as error:
                raise CommandError(f"{column.label}: {error}") from error
            total += count
            self.stdout.write(f"{column.label}: {count} rows rewritten")
        self.stdout.write(f"Done: {total} rows rewritten. Keys after the first may now be removed.")
