"""Monthly payment runs. A run belongs to one commune and one month and moves
preparing → computed → approved → exported → reconciled (or cancelled before export).

Never twice, never lost:
- ``PaidMonth`` holds one row per (case, month) a run line pays, with a unique constraint across
  all runs: a redelivered, retried or duplicated batch cannot cover a month again.
- ``RunLine`` is unique per (run, case); batches insert with ON CONFLICT DO NOTHING.
- A line the payer reports failed gives its months back (its PaidMonth rows are deleted), so the
  next run pays them as arrears; cancelling or re-preparing an unapproved run does the same.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import PaymentMethod
from core.models import BaseModel, DomainEvent
from core.months import is_first_of_month_q


class Run(BaseModel):
    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        COMPUTED = "computed", _("Computed, awaiting approval")
        APPROVED = "approved", _("Approved")
        EXPORTED = "exported", _("Sent to the payer")
        RECONCILED = "reconciled", _("Reconciled")
        CANCELLED = "cancelled", _("Cancelled")

    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="payment_runs")
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARING)
    # Bumped by every (re-)prepare: a batch task of an older generation finds nothing to do.
    generation = models.PositiveIntegerField(default=1)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)
    # Totals, written once when the last batch is done (SQL aggregation).
    line_count = models.PositiveIntegerField(_("people"), default=0)
    total_amount = models.PositiveBigIntegerField(_("total (đồng)"), default=0)
    bank_amount = models.PositiveBigIntegerField(_("by bank (đồng)"), default=0)
    cash_amount = models.PositiveBigIntegerField(_("in cash (đồng)"), default=0)

    class Meta:
        ordering = ["-month", "commune_id"]
        verbose_name = _("payment run")
        verbose_name_plural = _("payment runs")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "month"], condition=~Q(status="cancelled"), name="run_one_per_commune_month"
            ),
            models.CheckConstraint(condition=is_first_of_month_q("month"), name="run_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.commune} {self.month:%Y-%m}"


class RunBatch(models.Model):
    """One slice of a run's cases by id, [low, high); ``done_at`` is set by the task that wrote it.
    Progress is the share of done batches; a run whose batches are all done is finalised."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="batches")
    generation = models.PositiveIntegerField()
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "low"]
        constraints = [models.UniqueConstraint(fields=["run", "generation", "low"], name="batch_once")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.generation}: [{self.low}, {self.high})"


class RunLine(models.Model):
    """What one person is paid by a run, as it was when the run was computed (a snapshot: later
    edits of the case or its account do not change it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet reported")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="lines")
    case = models.ForeignKey("beneficiaries.Case", on_delete=models.PROTECT, related_name="payment_lines")
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    national_id = models.CharField(_("national ID"), max_length=12)
    full_name = models.CharField(_("full name"), max_length=120)
    category = models.CharField(_("category"), max_length=8, blank=True)
    months = models.JSONField(_("months"), default=list)  # ["2025-10", "2025-11"]
    breakdown = models.JSONField(_("breakdown"), default=list)  # explanation per month
    amount = models.PositiveBigIntegerField(_("amount (đồng)"))
    payment_method = models.CharField(_("payment method"), max_length=4, choices=PaymentMethod.choices)
    bank_bin = models.CharField(_("bank (NAPAS BIN)"), max_length=6, blank=True)
    account_number = models.CharField(_("account number"), max_length=19, blank=True)
    account_name = models.CharField(_("account holder"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["run_id", "full_name", "id"]
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        constraints = [
            models.UniqueConstraint(fields=["run", "case"], name="line_once_per_run"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="line_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["case", "run"], name="line_case"),
            # The dashboards' share paid through bank accounts counts a run's lines per method.
            models.Index(fields=["run", "payment_method"], name="line_run_method"),
        ]

    def __str__(self) -> str:
        return self.reference


class PaidMonth(models.Model):
    """A month of a case covered by a run line: unique across every run, so no month is paid twice."""

    case = models.ForeignKey("beneficiaries.Case", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    line = models.ForeignKey(RunLine, on_delete=models.CASCADE, related_name="paid_months")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "month"], name="paid_month_once"),
            models.CheckConstraint(condition=is_first_of_month_q("month"), name="paid_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.month:%Y-%m}"


class RunEvent(DomainEvent):
    class Kind(models.TextChoices):
        PREPARING = "preparing", _("Preparation started")
        COMPUTED = "computed", _("Computed")
        APPROVED = "approved", _("Approved")
        EXPORTED = "exported", _("Exported for the payer")
        RECONCILED = "reconciled", _("Reconciled with the payer's report")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("event kind"), max_length=20, choices=Kind.choices)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")

    class Meta(DomainEvent.Meta):
        verbose_name = _("run event")
        verbose_name_plural = _("run events")
