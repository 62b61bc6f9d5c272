"""The webhooks' outbox starts at the newest event of each table it reads: the first deploy sends no
past events to endpoints registered afterwards."""

from django.db import migrations
from django.db.models import Max

SOURCES = {
    "webhooks:disbursements.runevent": ("disbursements", "RunEvent"),
    "webhooks:beneficiaries.caseevent": ("beneficiaries", "CaseEvent"),
    "webhooks:households.householdevent": ("households", "HouseholdEvent"),
}


def forwards(apps, schema_editor):
    watermark = apps.get_model("notifications", "NoticeWatermark")
    for source, (app_label, model_name) in SOURCES.items():
        newest = apps.get_model(app_label, model_name).objects.aggregate(newest=Max("pk"))["newest"] or 0
        watermark.objects.get_or_create(source=source, defaults={"last_event_id": newest})


def backwards(apps, schema_editor):
    apps.get_model("notifications", "NoticeWatermark").objects.filter(source__in=SOURCES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_webhooks"),
        ("disbursements", "0001_initial"),
        ("beneficiaries", "0001_initial"),
        ("households", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
