"""Who saw a person's data, and when: ``python manage.py personal_data_access --national-id N``."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy.log import Purpose, record_access
from privacy.selectors import accesses
from privacy.subjects import find_subject


class Command(BaseCommand):
    help = "Print who saw the personal data of the person with this national ID (CCCD), and when."

    def add_arguments(self, parser):
        parser.add_argument("--national-id", required=True, help="the person's 12-digit national ID")
        parser.add_argument("--limit", type=int, default=0, help="print only the newest N accesses")

    def handle(self, *args, national_id: str, limit: int, **options):
        subject = find_subject(national_id)
        if subject is None:
            raise CommandError(f"no person has the national ID {national_id}")
        records = accesses(person_id=subject.person_id, communes=subject.commune_ids)
        if limit:
            records = records[:limit]
        rows = list(records)
        # Asking the log about someone is itself a look at their data (no user: the shell's operator).
        record_access(user=None, purpose=Purpose.CLI, what="personal_data_access", person_ids=[subject.person_id])
        self.stdout.write(f"{subject.full_name} ({subject.national_id}): {len(rows)} access(es)")
        for record in rows:
            when = timezone.localtime(record.accessed_at).strftime("%Y-%m-%d %H:%M:%S")
            who = record.user.username if record.user else "-"
            named = subject.person_id in record.person_ids
            scope = "" if named else "\t(a file of their commune: count " + str(record.count) + ")"
            self.stdout.write(f"{when}\t{who}\t{record.purpose}\t{record.what}{scope}")
