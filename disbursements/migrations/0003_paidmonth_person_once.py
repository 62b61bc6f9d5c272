"""A person is paid at most once for a month, whatever the case or commune (issue 14): PaidMonth
gets the case's person and a unique (person, month). The person is added empty, filled from the
case in one UPDATE, then made required; the unique constraint replaces (case, month), which it
implies, and an index on (case, month) keeps the case lookups fast.

If the database already holds a person paid twice for a month through two cases (the gap this
closes), the constraint cannot be created: the migration stops and names those months, which an
administrator must settle with the payer first (nothing is deleted here: they were paid)."""

import django.db.models.deletion
from django.db import migrations, models

TWICE = """
    SELECT person_id, to_char(month, 'YYYY-MM'), string_agg(line_id::text, ', ' ORDER BY line_id)
      FROM disbursements_paidmonth
     GROUP BY person_id, month
    HAVING count(*) > 1
     ORDER BY person_id, month
     LIMIT 50
"""


def refuse_months_paid_twice(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(TWICE)
        rows = cursor.fetchall()
    if rows:
        listed = "; ".join(f"person {person} {month} (lines {lines})" for person, month, lines in rows)
        raise RuntimeError(f"Months paid twice to the same person, to settle before this migration: {listed}")


class Migration(migrations.Migration):
    dependencies = [
        ("disbursements", "0002_runline_line_run_method"),
        ("households", "0005_person_person_died"),
    ]

    operations = [
        migrations.AddField(
            model_name="paidmonth",
            name="person",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="paid_months",
                to="households.person",
            ),  # fmt: skip
        ),
        migrations.RunSQL(
            """
            UPDATE disbursements_paidmonth AS paid
               SET person_id = c.person_id
              FROM beneficiaries_case c
             WHERE c.id = paid.case_id
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="paidmonth",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="paid_months", to="households.person"
            ),
        ),
        migrations.RunPython(refuse_months_paid_twice, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="paidmonth",
            index=models.Index(fields=["case", "month"], name="paid_month_case"),
        ),
        migrations.RemoveConstraint(model_name="paidmonth", name="paid_month_once"),
        migrations.AddConstraint(
            model_name="paidmonth",
            constraint=models.UniqueConstraint(fields=("person", "month"), name="paid_month_once_per_person"),
        ),
    ]
