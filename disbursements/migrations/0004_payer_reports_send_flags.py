"""Reconciliation as evidence and sending as its own act (issue 14): who sent a run, the payer's
reports (one record per report, each line pointing at the one that settled it), the new event
kinds, and the flags the approving chair sees (months of arrears, months a payer reported failed
before), filled here for the runs still awaiting approval (later runs get them when computed)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FLAG_RUNS_AWAITING_APPROVAL = """
    UPDATE disbursements_runline AS line
       SET arrears_months = (
             SELECT count(*) FROM jsonb_array_elements_text(line.months) AS month(value)
              WHERE month.value < to_char(run.month, 'YYYY-MM'))
      FROM disbursements_run run
     WHERE run.id = line.run_id AND run.status = 'computed';

    UPDATE disbursements_runline AS line
       SET months_failed_before = flagged.months
      FROM (
        SELECT this.id, jsonb_agg(DISTINCT month.value ORDER BY month.value) AS months
          FROM disbursements_runline this
          JOIN disbursements_run run ON run.id = this.run_id AND run.status = 'computed'
          JOIN beneficiaries_case c ON c.id = this.case_id
          JOIN beneficiaries_case other ON other.person_id = c.person_id
          JOIN disbursements_runline failed
               ON failed.case_id = other.id AND failed.status = 'failed' AND failed.run_id <> this.run_id
         CROSS JOIN LATERAL jsonb_array_elements_text(this.months) AS month(value)
         WHERE failed.months ? month.value
         GROUP BY this.id
      ) AS flagged
     WHERE line.id = flagged.id;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0003_healthinsurancecard_card_person_valid'),
        ('disbursements', '0003_paidmonth_person_once'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='run',
            name='exported_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='runline',
            name='arrears_months',
            field=models.PositiveSmallIntegerField(db_default=0, default=0, verbose_name='months of arrears'),
        ),
        migrations.AddField(
            model_name='runline',
            name='months_failed_before',
            field=models.JSONField(db_default=models.Value([], output_field=models.JSONField()), default=list, verbose_name='months reported failed before'),
        ),
        migrations.AlterField(
            model_name='runevent',
            name='kind',
            field=models.CharField(choices=[('preparing', 'Preparation started'), ('computed', 'Computed'), ('approved', 'Approved'), ('sent', 'Sent to the payer'), ('downloaded', 'File for the payer downloaded'), ('reported', "Payer's report received"), ('reconciled', "Reconciled with the payer's report"), ('exported', 'Exported for the payer'), ('cancelled', 'Cancelled')], max_length=20, verbose_name='event kind'),
        ),
        migrations.CreateModel(
            name='PayerReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('file_name', models.CharField(blank=True, max_length=255, verbose_name='file name')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('file', models.FileField(blank=True, upload_to='disbursements/reports/%Y/', verbose_name='file')),
                ('line_count', models.PositiveIntegerField(default=0, verbose_name='lines in the report')),
                ('paid_count', models.PositiveIntegerField(default=0, verbose_name='reported paid')),
                ('failed_count', models.PositiveIntegerField(default=0, verbose_name='reported failed')),
                ('settled_count', models.PositiveIntegerField(default=0, verbose_name='lines settled')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='disbursements.run')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': "payer's report",
                'verbose_name_plural': "payer's reports",
                'ordering': ['run_id', 'created_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='runline',
            name='report',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='disbursements.payerreport'),
        ),
        migrations.AddIndex(
            model_name='runline',
            index=models.Index(condition=models.Q(('status', 'failed')), fields=['case'], name='line_failed_case'),
        ),
        migrations.RunSQL(FLAG_RUNS_AWAITING_APPROVAL, reverse_sql=migrations.RunSQL.noop),
    ]
