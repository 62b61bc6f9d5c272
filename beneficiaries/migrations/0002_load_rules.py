from django.db import migrations


def load(apps, schema_editor):
    from beneficiaries.rule_data import load_rules

    load_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
