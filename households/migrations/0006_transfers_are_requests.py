"""Transfers between communes become requests the receiving commune accepts.

``PersonTransfer`` (a person who had already left; the arrival closed it) becomes ``Transfer``, one
model for households and persons with a status. Rows recorded before keep their meaning: a
completed one is accepted, an open one pending (its person already left their household).
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    Transfer = apps.get_model("households", "Transfer")
    Membership = apps.get_model("households", "Membership")
    for transfer in Transfer.objects.all():
        left = (
            Membership.objects.filter(
                person_id=transfer.person_id,
                household__commune_id=transfer.from_commune_id,
                left_on=transfer.moved_on,
            )
            .select_related("household")
            .order_by("-id")
            .first()
        )
        transfer.uuid = uuid.uuid4()
        transfer.kind = "person"
        transfer.household_id = left.household_id if left else None
        transfer.household_code = left.household.code if left else ""
        if transfer.completed_at is not None:
            transfer.status, transfer.decided_at = "accepted", transfer.completed_at
        else:
            transfer.status = "pending"
        transfer.save()


class Migration(migrations.Migration):
    dependencies = [
        ("geography", "0001_initial"),
        ("households", "0005_person_person_died"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="persontransfer", name="person_transfer_one_open"),
        migrations.RenameModel(old_name="PersonTransfer", new_name="Transfer"),
        migrations.AddField(model_name="transfer", name="uuid", field=models.UUIDField(editable=False, null=True)),
        migrations.AddField(
            model_name="transfer",
            name="kind",
            field=models.CharField(
                choices=[("household", "Household"), ("person", "Person")],
                default="person",
                max_length=10,
                verbose_name="kind",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="transfer",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Awaiting the receiving commune"),
                    ("accepted", "Accepted"),
                    ("rejected", "Rejected"),
                    ("cancelled", "Cancelled"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="household",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="transfers",
                to="households.household",
                verbose_name="household",
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="household_code",
            field=models.CharField(blank=True, max_length=30, verbose_name="household code"),
        ),
        migrations.AddField(
            model_name="transfer",
            name="reason",
            field=models.CharField(blank=True, max_length=255, verbose_name="reason"),
        ),
        migrations.AddField(
            model_name="transfer",
            name="requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
        ),
        migrations.AddField(
            model_name="transfer",
            name="decision_reason",
            field=models.CharField(blank=True, max_length=255, verbose_name="reason for the decision"),
        ),
        migrations.AddField(
            model_name="transfer",
            name="placed_in",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="households.household",
            ),
        ),
        migrations.AddField(
            model_name="transfer", name="members", field=models.JSONField(blank=True, default=list)
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="transfer", name="completed_at"),
        migrations.AlterField(
            model_name="transfer",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="transfers",
                to="households.person",
                verbose_name="person",
            ),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="from_commune",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geography.commune",
                verbose_name="from commune",
            ),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="to_commune",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geography.commune",
                verbose_name="to commune",
            ),
        ),
        migrations.AlterModelOptions(
            name="transfer",
            options={"ordering": ["-created_at", "-id"], "verbose_name": "transfer", "verbose_name_plural": "transfers"},
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")), fields=("person",), name="transfer_one_pending_per_person"
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "household"), ("status", "pending")),
                fields=("household",),
                name="transfer_one_pending_per_household",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "person"), ("person__isnull", False)),
                    models.Q(("household__isnull", False), ("kind", "household"), ("person__isnull", True)),
                    _connector="OR",
                ),
                name="transfer_kind_names_its_subject",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(("from_commune", models.F("to_commune")), _negated=True),
                name="transfer_between_two_communes",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decided_at__isnull", True), ("status", "pending")),
                    models.Q(models.Q(("status", "pending"), _negated=True), ("decided_at__isnull", False)),
                    _connector="OR",
                ),
                name="transfer_decided_unless_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["to_commune"], name="transfer_pending_arrivals"
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["from_commune"], name="transfer_pending_departures"
            ),
        ),
        migrations.AlterField(
            model_name="householdevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("registered", "Household registered"),
                    ("imported", "Updated by import"),
                    ("household_edited", "Household details changed"),
                    ("member_added", "Member added"),
                    ("member_edited", "Member details changed"),
                    ("member_left", "Member moved out"),
                    ("member_joined", "Member moved in"),
                    ("split", "Household split"),
                    ("head_changed", "Head changed"),
                    ("death", "Death recorded"),
                    ("transferred_out", "Transferred to another commune"),
                    ("transferred_in", "Arrived from another commune"),
                    ("transfer_requested", "Transfer to another commune requested"),
                    ("transfer_rejected", "Transfer rejected by the receiving commune"),
                    ("transfer_cancelled", "Transfer cancelled"),
                    ("persons_merged", "Duplicate person records merged"),
                ],
                max_length=40,
                verbose_name="event kind",
            ),
        ),
    ]
