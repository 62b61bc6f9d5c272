"""Support beyond the monthly allowance (issue 7): solidarity houses, preferential loans, vocational
training, livelihood models, gifts, medical check-ups, support for poor students.

- A **programme** is organised by a commune for a year and funded by one or more **sources** (state
  budget, the Fund for the Poor, a donor of the registry, the households' own contribution).
- A **support record** is what one household (and, where it matters, one of its members) received
  from a programme: a value in đồng and/or an in-kind description, its own funding split (which sums
  to its value), planned → delivered, evidence files, and the details of its kind (a house's cost
  breakdown, a loan's terms and balance, a livelihood asset and its follow-up visits).
- A **distribution** hands the same thing to many households at once (gifts at Tết, …): its
  recipients are support records, at most one per household.

Money in integer đồng. Totals by kind, source, village and year are SQL sums over records
(``support.selectors``); the reports app reads the same tables.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import BaseModel, DomainEvent


class Kind(models.TextChoices):
    HOUSE = "house", _("House build or repair")
    LOAN = "loan", _("Preferential loan")
    TRAINING = "training", _("Vocational training")
    LIVELIHOOD = "livelihood", _("Livelihood model")
    GIFT = "gift", _("Gift distribution")
    CHECKUP = "checkup", _("Medical check-up")
    STUDENT = "student", _("Student support")
    OTHER = "other", _("Other support")


class Source(models.TextChoices):
    STATE_BUDGET = "state_budget", _("State budget")
    FUND_FOR_POOR = "fund_for_poor", _("Fund for the Poor")
    DONOR = "donor", _("Donor, business or charity")
    HOUSEHOLD = "household", _("Household's own contribution")
    OTHER = "other", _("Other source")


def _donor_matches_source(prefix: str = "") -> Q:
    """A donor is named exactly when the source is a donor."""
    return Q(**{f"{prefix}source": Source.DONOR, f"{prefix}donor__isnull": False}) | Q(
        ~Q(**{f"{prefix}source": Source.DONOR}), **{f"{prefix}donor__isnull": True}
    )


class Donor(BaseModel):
    """A business, charity, organisation or person that funds support, registered per province so
    every commune of the province finds the same donor."""

    class DonorKind(models.TextChoices):
        BUSINESS = "business", _("Business")
        CHARITY = "charity", _("Charity or association")
        ORGANISATION = "organisation", _("Organisation or agency")
        INDIVIDUAL = "individual", _("Individual")

    province = models.ForeignKey("geography.Province", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=DonorKind.choices, default=DonorKind.BUSINESS)
    contact = models.CharField(_("contact (person, phone, address)"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["province_id", "name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        constraints = [models.UniqueConstraint(fields=["province", "name"], name="donor_name_unique_in_province")]

    def __str__(self) -> str:
        return self.name


class Programme(BaseModel):
    """A support programme of a commune for a year (e.g. "Tết gifts 2025", "Solidarity houses 2024")."""

    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="support_programmes")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    target_group = models.CharField(_("target group"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    # A check-up day counts the people examined, registered in the registry or not.
    attendees = models.PositiveIntegerField(_("people attended"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune_id", "-year", "name"]
        verbose_name = _("support programme")
        verbose_name_plural = _("support programmes")
        constraints = [
            models.UniqueConstraint(fields=["commune", "year", "name"], name="programme_name_unique_in_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Funding(BaseModel):
    """What a source gives a programme (the programme's budget by source)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="fundings")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="fundings", null=True, blank=True)
    amount_vnd = models.PositiveBigIntegerField(_("amount (đồng)"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme_id", "source", "id"]
        verbose_name = _("programme funding")
        verbose_name_plural = _("programme fundings")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "source", "donor"], name="funding_once_per_source", nulls_distinct=False
            ),
            models.CheckConstraint(condition=_donor_matches_source(), name="funding_donor_iff_donor_source"),
        ]


class Distribution(BaseModel):
    """One handing-out of the same support to many households (gifts, school kits …)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open (recipients being listed or delivered)")
        CLOSED = "closed", _("Closed")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="distributions")
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    planned_on = models.DateField(_("distribution date"))
    unit_value_vnd = models.PositiveBigIntegerField(_("value per household (đồng)"), default=0)
    in_kind = models.CharField(_("in kind"), max_length=255, blank=True)
    status = models.CharField(
        pgettext_lazy("distribution", "status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune_id", "-planned_on", "name"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_value_vnd__gt=0) | ~Q(in_kind=""), name="distribution_gives_something"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Record(BaseModel):
    """What one household (and optionally one member) received from a programme."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="records")
    # Denormalised from the programme (they never differ): scoping and totals filter on it.
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="support_records")
    person = models.ForeignKey(
        "households.Person", on_delete=models.PROTECT, related_name="support_records", null=True, blank=True
    )
    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, related_name="records", null=True, blank=True
    )
    status = models.CharField(
        pgettext_lazy("support record", "status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    planned_on = models.DateField(_("planned for"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    value_vnd = models.PositiveBigIntegerField(_("value (đồng)"), default=0)
    in_kind = models.CharField(_("in kind"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = _("support record")
        verbose_name_plural = _("support records")
        constraints = [
            # The same household never receives the same distribution twice.
            models.UniqueConstraint(
                fields=["distribution", "household"],
                condition=Q(distribution__isnull=False),
                name="record_once_per_distribution",
            ),
            models.CheckConstraint(
                condition=Q(status="delivered", delivered_on__isnull=False) | ~Q(status="delivered"),
                name="record_delivered_has_date",
            ),
            models.CheckConstraint(condition=Q(value_vnd__gt=0) | ~Q(in_kind=""), name="record_gives_something"),
        ]
        indexes = [
            models.Index(fields=["commune", "status", "delivered_on"], name="record_commune_delivered"),
            models.Index(fields=["household", "delivered_on"], name="record_household"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name}: {self.household_id}"


class RecordFunding(models.Model):
    """Which source paid how much of one record; the lines of a record sum to its value."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="fundings")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    amount_vnd = models.PositiveBigIntegerField(_("amount (đồng)"))

    class Meta:
        ordering = ["record_id", "source", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "source", "donor"], name="record_funding_once_per_source", nulls_distinct=False
            ),
            models.CheckConstraint(condition=_donor_matches_source(), name="record_funding_donor_iff_donor_source"),
            models.CheckConstraint(condition=Q(amount_vnd__gt=0), name="record_funding_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.amount_vnd:,}"


class House(models.Model):
    """A house built or repaired: the work, its dates and its cost breakdown (``HouseCost``)."""

    class Work(models.TextChoices):
        BUILD = "build", _("New house")
        REPAIR = "repair", _("Repair")

    record = models.OneToOneField(Record, on_delete=models.CASCADE, primary_key=True, related_name="house")
    work = models.CharField(_("work"), max_length=6, choices=Work.choices, default=Work.BUILD)
    floor_area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=6, decimal_places=1, null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(completed_on__gte=models.F("started_on")),
                name="house_completed_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_work_display()} ({self.record_id})"


class HouseCost(models.Model):
    """One line of a house's cost breakdown (materials, labour …); the lines sum to the record's value."""

    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="costs")
    item = models.CharField(_("item"), max_length=120)
    amount_vnd = models.PositiveBigIntegerField(_("amount (đồng)"))

    class Meta:
        ordering = ["house_id", "id"]

    def __str__(self) -> str:
        return f"{self.item}: {self.amount_vnd:,}"


class Loan(models.Model):
    """A preferential loan (Bank for Social Policies and others): terms and the bank's last balance.
    The record's value is the amount lent; ``outstanding_vnd`` is the balance on ``balance_on``."""

    class Repayment(models.TextChoices):
        CURRENT = "current", _("Repaying on time")
        OVERDUE = "overdue", _("Overdue")
        REPAID = "repaid", _("Repaid")

    record = models.OneToOneField(Record, on_delete=models.CASCADE, primary_key=True, related_name="loan")
    bank = models.CharField(_("bank"), max_length=60, default="NHCSXH")
    contract_number = models.CharField(_("contract number"), max_length=40)
    loan_programme = models.CharField(_("loan programme"), max_length=120)
    disbursed_on = models.DateField(_("disbursed on"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    due_on = models.DateField(_("due on"))
    outstanding_vnd = models.PositiveBigIntegerField(_("outstanding (đồng)"))
    balance_on = models.DateField(_("balance as of"))
    repayment = models.CharField(
        _("repayment status"), max_length=8, choices=Repayment.choices, default=Repayment.CURRENT
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            models.UniqueConstraint(fields=["bank", "contract_number"], name="loan_contract_unique"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="loan_term_positive"),
            models.CheckConstraint(
                condition=~Q(repayment="repaid") | Q(outstanding_vnd=0), name="loan_repaid_has_no_balance"
            ),
        ]
        indexes = [models.Index(fields=["repayment", "due_on"], name="loan_repayment_due")]

    def __str__(self) -> str:
        return f"{self.bank} {self.contract_number}"


class Livelihood(models.Model):
    """A livelihood model's asset (e.g. 2 cows, a lottery-ticket vending vehicle) and when the next
    follow-up visit is due."""

    record = models.OneToOneField(Record, on_delete=models.CASCADE, primary_key=True, related_name="livelihood")
    asset = models.CharField(_("asset"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    follow_up_months = models.PositiveSmallIntegerField(_("visit every (months)"), default=6)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("livelihood model")
        verbose_name_plural = _("livelihood models")
        indexes = [models.Index(fields=["next_visit_due"], name="livelihood_visit_due")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.asset}"


class FollowUpVisit(BaseModel):
    """An officer's visit to a livelihood model and what they found."""

    class Outcome(models.TextChoices):
        THRIVING = "thriving", _("Thriving (assets grew, income up)")
        STABLE = "stable", _("Stable")
        STRUGGLING = "struggling", _("Struggling, needs help")
        LOST = "lost", _("Asset lost or sold")

    livelihood = models.ForeignKey(Livelihood, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("visited on"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("what was found"), blank=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["livelihood_id", "-visited_on"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")


class Evidence(BaseModel):
    """A photo or a signed receipt: of one record, or of a whole distribution (its signed list)."""

    class EvidenceKind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        RECEIPT = "receipt", _("Signed receipt")
        OTHER = "other", _("Other document")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="evidence", null=True, blank=True)
    distribution = models.ForeignKey(
        Distribution, on_delete=models.CASCADE, related_name="evidence", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="support/evidence/%Y/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=Q(record__isnull=False, distribution__isnull=True)
                | Q(record__isnull=True, distribution__isnull=False),
                name="evidence_of_record_or_distribution",
            ),
        ]


class SupportEvent(DomainEvent):
    class EventKind(models.TextChoices):
        PROGRAMME_CREATED = "programme_created", _("Programme created")
        PROGRAMME_CHANGED = "programme_changed", _("Programme changed")
        RECORD_PLANNED = "record_planned", _("Support planned")
        RECORD_DELIVERED = "record_delivered", _("Support delivered")
        RECORD_CHANGED = "record_changed", _("Support record changed")
        RECORD_CANCELLED = "record_cancelled", _("Support cancelled")
        RECIPIENTS_ADDED = "recipients_added", _("Recipients added")
        RECIPIENT_REMOVED = "recipient_removed", _("Recipient removed")
        DISTRIBUTION_DELIVERED = "distribution_delivered", _("Distribution delivered")
        DISTRIBUTION_CLOSED = "distribution_closed", _("Distribution closed")
        LOAN_BALANCE = "loan_balance", _("Loan balance updated")
        LOANS_IMPORTED = "loans_imported", _("Loans imported from the bank's list")
        VISIT = "visit", _("Follow-up visit")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")

    kind = models.CharField(_("event kind"), max_length=40, choices=EventKind.choices)
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="events", null=True, blank=True)
    record = models.ForeignKey(Record, on_delete=models.SET_NULL, related_name="events", null=True, blank=True)
    distribution = models.ForeignKey(
        Distribution, on_delete=models.SET_NULL, related_name="events", null=True, blank=True
    )

    class Meta(DomainEvent.Meta):
        verbose_name = _("support event")
        verbose_name_plural = _("support events")
