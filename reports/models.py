"""What the reports app stores: the official tables' export jobs, and the health-insurance coverage of
each commune for each month that has closed (``ClosedMonthCoverage``). Every other figure is computed
from the other apps' tables when it is asked for.

A ``ClosedMonthCoverage`` row is the coverage of a commune for a month whose last day has passed,
counted on that last day as ``reports.figures`` counts it, written once (``reports.closed_months``)
and read by the dashboards' twelve-month trend instead of reading every membership and card again.

An ``ExportJob`` is one request for an official table as a file (PDF or XLSX) that is too large to
build while the user waits (``reports.exports.DIRECT_MAX_SOURCE_ROWS``): who asked, for which table,
scope (a commune, or the user's communes of a province) and period, and how the worker is getting on.
The row is the record of the export (who, what, when); the file lives in the default storage.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BaseModel


class OfficialTable(models.TextChoices):
    POVERTY = "poverty", _("Poverty-review summary by village")
    ALLOWANCES = "allowances", _("Social-allowance beneficiaries and amounts by category and month")
    PAYMENTS = "payments", _("Payments by method and bank")


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"


class ExportJob(BaseModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_exports")
    table = models.CharField(_("table"), max_length=12, choices=OfficialTable.choices)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat.choices)
    # The scope: one commune, or the communes of a province that the owner may see (never both).
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    province = models.ForeignKey(
        "geography.Province", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The period, as the table's form takes it: {"year": 2024}, {"year": 2026, "half": 2},
    # {"month_from": "2026-05", "month_to": "2026-10"}.
    parameters = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(
        pgettext_lazy("export job", "status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="reports/exports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(commune__isnull=False, province__isnull=True)
                | Q(commune__isnull=True, province__isnull=False),
                name="export_job_one_scope",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_job_progress_percent"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="export_job_done_has_file"),
        ]
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_job_owner")]

    def __str__(self) -> str:
        return f"{self.table}.{self.file_format} {self.uuid}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ClosedMonthCoverage(models.Model):
    """A commune's health-insurance coverage on the last day of a month that has closed, as the
    records stood when it was written (``reports.closed_months``, the rules of ``reports.figures``):
    the living members of its households that day and those holding a valid card, the month's
    beneficiaries (cases paid for it) and those holding a valid card. Written once, when the month
    closes (beat) or when a dashboard first needs it; ``manage.py close_coverage_months --recompute``
    writes it again after a correction of the past."""

    commune = models.ForeignKey("geography.Commune", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day
    day = models.DateField(_("coverage day"))  # its last day
    living_members = models.PositiveIntegerField(_("living members"))
    members_covered = models.PositiveIntegerField(_("members covered"))
    beneficiaries = models.PositiveIntegerField(_("beneficiaries"))
    beneficiaries_covered = models.PositiveIntegerField(_("beneficiaries covered"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["commune", "month"]
        verbose_name = _("closed month's coverage")
        verbose_name_plural = _("closed months' coverage")
        constraints = [
            models.UniqueConstraint(fields=["commune", "month"], name="closed_month_coverage_once"),
            models.CheckConstraint(condition=Q(day__gt=models.F("month")), name="closed_month_coverage_day"),
            models.CheckConstraint(
                condition=Q(members_covered__lte=models.F("living_members"))
                & Q(beneficiaries_covered__lte=models.F("beneficiaries")),
                name="closed_month_coverage_covered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.month:%Y-%m}"
