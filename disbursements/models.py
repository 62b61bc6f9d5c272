"""Monthly payment runs. A run belongs to one commune and one month and moves
preparing → computed → approved → exported (sent to the payer) → reconciled (or cancelled before
it is sent).

Never twice, never lost:
- ``PaidMonth`` holds one row per (person, month) a run line pays, with a unique constraint across
  all runs, cases and communes: a redelivered, retried or duplicated batch cannot cover a month
  again, and neither can a second case of the same person (re-opened, transferred, imported).
- ``RunLine`` is unique per (run, case); batches insert with ON CONFLICT DO NOTHING.
- A line the payer reports failed gives its months back (its PaidMonth rows are deleted), so the
  next run pays them as arrears; cancelling or re-preparing an unapproved run does the same.

Reconciliation is evidence: each payer's report is a ``PayerReport`` (who uploaded which file,
when, its SHA-256), every reported line points at the report that settled it, and a reported
status is final.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from beneficiaries.models import PaymentMethod
from core.models import BaseModel, DomainEvent
from core.months import is_first_of_month_q
from privacy.fields import BlindIndexField, EncryptedCharField


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
    status = models.CharField(
        pgettext_lazy("payment run", "status"), max_length=10, choices=Status.choices, default=Status.PREPARING
    )
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
    # Sending to the payer is the officer's act (a POST, its own event); downloads never change the run.
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
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


class PayerReport(BaseModel):
    """One report of the payer (rules.md §4.3) as it was uploaded: a run's report may come in parts,
    each one a record; ``created_at`` is when it was uploaded. The file itself is kept when it came
    as a file (the page, the command line); ``sha256`` is the file's (or, for rows given directly,
    that of their CSV text)."""

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="reports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("file"), upload_to="disbursements/reports/%Y/", blank=True)
    line_count = models.PositiveIntegerField(_("lines in the report"), default=0)
    paid_count = models.PositiveIntegerField(_("reported paid"), default=0)
    failed_count = models.PositiveIntegerField(_("reported failed"), default=0)
    # Lines this report settled; the others it repeated with the status an earlier report gave them.
    settled_count = models.PositiveIntegerField(_("lines settled"), default=0)

    class Meta:
        ordering = ["run_id", "created_at", "id"]
        verbose_name = _("payer's report")
        verbose_name_plural = _("payer's reports")

    def __str__(self) -> str:
        return f"{self.run_id}: {self.file_name or self.sha256[:12]}"


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
    # Copied from the case as ciphertext (privacy.fields): read as plaintext, found by its hash.
    account_number = EncryptedCharField(_("account number"), max_length=19, blank=True)
    account_hash = BlindIndexField(source="account_number", purpose="account")
    account_name = models.CharField(_("account holder"), max_length=120, blank=True)
    status = models.CharField(
        pgettext_lazy("payment line", "status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    # The payer's report that settled the line (paid or failed): final once set.
    report = models.ForeignKey(PayerReport, on_delete=models.PROTECT, related_name="lines", null=True, blank=True)
    # Flags for the approving chair, written when the run is computed: months before the run's
    # month this line pays, and those of its months a payer reported failed on an earlier line of
    # the same person ("YYYY-MM"). Database defaults, so that bulk SQL elsewhere may leave them out.
    arrears_months = models.PositiveSmallIntegerField(_("months of arrears"), default=0, db_default=0)
    months_failed_before = models.JSONField(
        _("months reported failed before"), default=list, db_default=Value([], output_field=models.JSONField())
    )

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
            # The next run's flags look up the (few) failed lines by case.
            models.Index(fields=["case"], condition=Q(status="failed"), name="line_failed_case"),
        ]

    def __str__(self) -> str:
        return self.reference


class PaidMonth(models.Model):
    """A month of a person covered by a run line: unique per (person, month) across every run, case
    and commune, so no month of a person is paid twice. ``person`` is the case's person, written
    with the line (a case's person never changes)."""

    case = models.ForeignKey("beneficiaries.Case", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("households.Person", on_delete=models.PROTECT, related_name="paid_months")
    month = models.DateField()
    line = models.ForeignKey(RunLine, on_delete=models.CASCADE, related_name="paid_months")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="paid_month_once_per_person"),
            models.CheckConstraint(condition=is_first_of_month_q("month"), name="paid_month_first_day"),
        ]
        indexes = [models.Index(fields=["case", "month"], name="paid_month_case")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m}"


class RunEvent(DomainEvent):
    class Kind(models.TextChoices):
        PREPARING = "preparing", _("Preparation started")
        COMPUTED = "computed", _("Computed")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent to the payer")
        DOWNLOADED = "downloaded", _("File for the payer downloaded")
        REPORTED = "reported", _("Payer's report received")
        RECONCILED = "reconciled", _("Reconciled with the payer's report")
        # Before issue 14 each download was an "exported" event (the first one sent the run).
        EXPORTED = "exported", _("Exported for the payer")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("event kind"), max_length=20, choices=Kind.choices)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")

    class Meta(DomainEvent.Meta):
        verbose_name = _("run event")
        verbose_name_plural = _("run events")


class PayingAccount(BaseModel):
    """The account a commune's payment runs are paid from (the debtor of an ISO 20022 ``pain.001``
    file), with the paying unit's name. Dated: the one in force for a run is the latest whose
    ``valid_from`` is not after the run's month; a commune's own account wins over its province's
    (``commune`` empty: every commune of the province). Edited in the administration pages."""

    province = models.ForeignKey(
        "geography.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "geography.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty: the account of every commune of the province that has none of its own."),
    )
    valid_from = models.DateField(_("valid from"))
    unit_name = models.CharField(_("paying unit"), max_length=140)
    bank_bin = models.CharField(_("bank (NAPAS BIN)"), max_length=6)
    account_number = models.CharField(_("account number"), max_length=34)

    class Meta:
        verbose_name = _("paying account")
        verbose_name_plural = _("paying accounts")
        constraints = [
            models.UniqueConstraint(fields=["province", "commune", "valid_from"], name="paying_account_one_per_day"),
            models.UniqueConstraint(
                fields=["province", "valid_from"], condition=Q(commune__isnull=True), name="paying_account_province_day"
            ),
            models.CheckConstraint(condition=Q(bank_bin__regex=r"^[0-9]{6}$"), name="paying_account_bin_digits"),
            models.CheckConstraint(
                condition=Q(account_number__regex=r"^[0-9A-Za-z]{1,34}$"), name="paying_account_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_name} ({self.bank_bin} {self.account_number}, {self.valid_from:%d/%m/%Y})"

    def clean(self) -> None:
        if self.commune_id and self.province_id and self.commune.province_id != self.province_id:
            raise ValidationError({"commune": _("The commune is not in this province.")})
