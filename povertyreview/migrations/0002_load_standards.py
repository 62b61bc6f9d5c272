from django.db import migrations


def load(apps, schema_editor):
    from povertyreview.standard_data import load_standards

    load_standards(apps)


class Migration(migrations.Migration):
    dependencies = [("povertyreview", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
