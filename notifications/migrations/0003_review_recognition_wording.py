"""The chair recognises (công nhận) a poverty review's result; only payment runs are approved (phê
duyệt). Installed templates still holding the wording first shipped get the new one; a template an
administrator edited is left as they wrote it."""

from django.db import migrations

OLD = {
    "name": "Kết quả rà soát chờ phê duyệt",
    "subject_vi": "Kết quả rà soát hộ nghèo năm {year} chờ phê duyệt",
    "body_vi": "Kết quả rà soát hộ nghèo, hộ cận nghèo năm {year} của {commune} đang chờ Chủ tịch phê duyệt: {url}",
}
NEW = {
    "name": "Kết quả rà soát chờ công nhận",
    "subject_vi": "Kết quả rà soát hộ nghèo năm {year} chờ công nhận",
    "body_vi": "Kết quả rà soát hộ nghèo, hộ cận nghèo năm {year} của {commune} đang chờ Chủ tịch công nhận: {url}",
}


def forwards(apps, schema_editor):
    template = apps.get_model("notifications", "MessageTemplate")
    for field, old in OLD.items():
        template.objects.filter(code="review_awaiting_approval", **{field: old}).update(**{field: NEW[field]})


def backwards(apps, schema_editor):
    template = apps.get_model("notifications", "MessageTemplate")
    for field, new in NEW.items():
        template.objects.filter(code="review_awaiting_approval", **{field: new}).update(**{field: OLD[field]})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_load_templates")]
    operations = [migrations.RunPython(forwards, backwards)]
