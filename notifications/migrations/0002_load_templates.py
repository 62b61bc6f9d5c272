from django.db import migrations


def load(apps, schema_editor):
    from notifications.templates_data import load_templates

    load_templates(apps)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
