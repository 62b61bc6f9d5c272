"""The notice outbox starts at the newest event of each table it reads, so the first deploy does
not replay the events whose notices the former ``post_save`` receivers already asked for."""

from django.db import migrations
from django.db.models import Max

SOURCES = {
    "disbursements.runevent": ("disbursements", "RunEvent"),
    "povertyreview.reviewevent": ("povertyreview", "ReviewEvent"),
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
        ("notifications", "0004_notice_watermark"),
        ("disbursements", "0001_initial"),
        ("povertyreview", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
