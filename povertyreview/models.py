"""The annual poverty review: standards as data, campaigns, assessments, village meetings,
public posting, complaints and the chair's approval.

Conventions:
- A **review year** Y is the campaign held from 1 September to 14 December of Y. Its approval
  writes each reviewed household's status for **Y + 1** (the list in force next year) into
  ``households.HouseholdYearStatus``; the status of Y is the household's *previous* classification.
- A regular (in-year) review of one household, on request, changes the list in force in the year
  it is held: its approval writes the status of that same year.
- Money in integer đồng, per person per month.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import BaseModel, DomainEvent
from core.text import in_language
from geography.models import Area
from households.models import PovertyStatus


class PovertyStandard(BaseModel):
    """A multidimensional poverty standard (e.g. Decree 07/2021 for 2022–2025)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    poor_min_deprivations = models.PositiveSmallIntegerField(
        _("deprivations that make a household below the line poor"),
        default=3,
        help_text=_("Below the income line: at least this many deprivations is poor, fewer is near-poor."),
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("poverty standard")
        verbose_name_plural = _("poverty standards")

    def __str__(self) -> str:
        return self.name


class IncomeLine(BaseModel):
    """A standard's income line for one area, in đồng per person per month."""

    standard = models.ForeignKey(PovertyStandard, on_delete=models.CASCADE, related_name="income_lines")
    area = models.CharField(_("area"), max_length=5, choices=Area.choices)
    poverty_line = models.PositiveIntegerField(_("poverty line"))
    middle_income_ceiling = models.PositiveIntegerField(
        _("middle-income ceiling"),
        null=True,
        blank=True,
        help_text=_("Above the poverty line and at most this: middle-income. Empty when the standard has no band."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["standard_id", "area"]
        verbose_name = _("income line")
        verbose_name_plural = _("income lines")
        constraints = [
            models.UniqueConstraint(fields=["standard", "area"], name="income_line_one_per_area"),
            models.CheckConstraint(
                condition=Q(middle_income_ceiling__isnull=True) | Q(middle_income_ceiling__gt=models.F("poverty_line")),
                name="income_line_band_above_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} {self.area}: {self.poverty_line:,}"


class Indicator(BaseModel):
    """One deprivation indicator of a standard, with the definition surveyors see as help."""

    class Dimension(models.TextChoices):
        EMPLOYMENT = "employment", _("Employment")
        HEALTH = "health", _("Health")
        EDUCATION = "education", _("Education")
        HOUSING = "housing", _("Housing")
        WATER_SANITATION = "water_sanitation", _("Water and sanitation")
        INFORMATION = "information", _("Information")

    class RegistrySource(models.TextChoices):
        NONE = "", _("Entered by the surveyor")
        HEALTH_INSURANCE = "health_insurance", _("A member aged 6 or older without a health-insurance card")
        HOUSING_AREA = "housing_area", _("The household's housing area divided by its members")

    standard = models.ForeignKey(PovertyStandard, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40)
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    definition_vi = models.TextField(_("deprivation definition (Vietnamese)"))
    definition_en = models.TextField(_("deprivation definition (English)"))
    registry_source = models.CharField(
        _("pre-filled from the registry"), max_length=20, choices=RegistrySource.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["standard_id", "position"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_vi, self.name_en)

    @property
    def definition(self) -> str:
        return in_language(self.definition_vi, self.definition_en)


class ReviewPeriod(BaseModel):
    """Which standard the review held in a year applies (an administrator may change it)."""

    year = models.PositiveSmallIntegerField(_("review year"), unique=True)
    standard = models.ForeignKey(PovertyStandard, on_delete=models.PROTECT, related_name="periods")
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        verbose_name = _("review period")
        verbose_name_plural = _("review periods")

    def __str__(self) -> str:
        return f"{self.year}: {self.standard.code}"


class Campaign(BaseModel):
    """A commune's review: the periodic one of a year, or a regular (in-year) one of one household."""

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Annual review")
        REGULAR = "regular", _("In-year review on request")

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        SURVEYING = "surveying", _("Surveying")
        VILLAGE_MEETINGS = "village_meetings", _("Village meetings")
        PUBLIC_POSTING = "public_posting", _("Public posting")
        COMPLAINTS = "complaints", _("Complaints")
        AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("poverty review", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("poverty review", "Approved")

    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="review_campaigns")
    year = models.PositiveSmallIntegerField(_("review year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERIODIC)
    standard = models.ForeignKey(PovertyStandard, on_delete=models.PROTECT, related_name="campaigns")
    status = models.CharField(
        pgettext_lazy("poverty review", "status"), max_length=20, choices=Status.choices, default=Status.PREPARING
    )
    # A regular review: the household that asked, and when.
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="regular_reviews", null=True, blank=True
    )
    requested_on = models.DateField(_("requested on"), null=True, blank=True)
    posting_starts_on = models.DateField(_("posting starts on"), null=True, blank=True)
    posting_ends_on = models.DateField(_("posting ends on"), null=True, blank=True)
    posting_place = models.CharField(_("posting place"), max_length=200, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(pgettext_lazy("poverty review", "approved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "commune_id", "id"]
        verbose_name = _("review campaign")
        verbose_name_plural = _("review campaigns")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "year"], condition=Q(kind="periodic"), name="campaign_one_periodic_per_year"
            ),
            models.CheckConstraint(
                condition=Q(kind="periodic", household__isnull=True) | Q(kind="regular", household__isnull=False),
                name="campaign_regular_has_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune} {self.year} ({self.get_kind_display()})"

    @property
    def status_year(self) -> int:
        """The year whose list the approval writes."""
        return self.year + 1 if self.kind == self.Kind.PERIODIC else self.year

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


class Assessment(BaseModel):
    """One household in a campaign: listed first (missing), then surveyed and classified."""

    class MeetingResult(models.TextChoices):
        PENDING = "pending", _("Not yet discussed")
        AGREED = "agreed", _("Agreed by the village meeting")
        RETURNED = "returned", _("Returned to survey")
        NOT_PROPOSED = "not_proposed", _("Nothing to propose")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assessments")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="assessments")
    village = models.ForeignKey("geography.Village", on_delete=models.PROTECT, related_name="+", null=True)
    # Why the household is on the list: it was poor/near-poor, it applied, or it was added.
    listed_reason = models.CharField(_("listed because"), max_length=20)
    previous_classification = models.CharField(
        _("previous classification"), max_length=16, choices=PovertyStatus.choices, default=PovertyStatus.NONE
    )
    area = models.CharField(_("area"), max_length=5, choices=Area.choices)
    members = models.PositiveSmallIntegerField(_("members"), null=True, blank=True)
    household_income = models.PositiveBigIntegerField(_("household income per month"), null=True, blank=True)
    income_per_capita = models.PositiveIntegerField(_("income per person per month"), null=True, blank=True)
    deprived = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    prefilled = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    deprivation_count = models.PositiveSmallIntegerField(_("deprivations"), default=0)
    classification = models.CharField(_("classification"), max_length=16, choices=PovertyStatus.choices, blank=True)
    surveyed_at = models.DateTimeField(_("surveyed at"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    meeting_result = models.CharField(
        _("village meeting"), max_length=12, choices=MeetingResult.choices, default=MeetingResult.PENDING
    )

    class Meta:
        ordering = ["campaign_id", "village_id", "household_id"]
        verbose_name = _("household assessment")
        verbose_name_plural = _("household assessments")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="assessment_once_per_campaign"),
            models.CheckConstraint(
                condition=Q(surveyed_at__isnull=True) | Q(income_per_capita__isnull=False, classification__gt=""),
                name="assessment_surveyed_is_classified",
            ),
        ]
        indexes = [models.Index(fields=["household", "campaign"], name="assessment_household")]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.household}"

    @property
    def is_surveyed(self) -> bool:
        return self.surveyed_at is not None

    @property
    def is_proposed(self) -> bool:
        """On the list the village meeting votes on and the posting shows: poor or near-poor now
        or before (escaping is a change the public must see too)."""
        listed = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)
        return self.classification in listed or self.previous_classification in listed


class VillageMeeting(BaseModel):
    """The village meeting that discusses the proposed households of one village."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="meetings")
    village = models.ForeignKey("geography.Village", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    chaired_by = models.CharField(_("chaired by"), max_length=120)
    attendees = models.PositiveSmallIntegerField(_("attendees"))
    minutes = models.FileField(_("minutes"), upload_to="povertyreview/minutes/%Y/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["campaign_id", "village_id", "held_on", "id"]
        verbose_name = _("village meeting")
        verbose_name_plural = _("village meetings")
        constraints = [models.CheckConstraint(condition=Q(attendees__gt=0), name="meeting_has_attendees")]


class MeetingVote(models.Model):
    """Votes in favour of one proposed household at one meeting; more than half must agree."""

    meeting = models.ForeignKey(VillageMeeting, on_delete=models.CASCADE, related_name="votes")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="votes")
    votes_for = models.PositiveSmallIntegerField(_("votes in favour"))
    agreed = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "assessment"], name="vote_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.votes_for}"


class Complaint(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="complaints")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="complaints")
    complainant = models.CharField(_("complainant"), max_length=120)
    received_on = models.DateField(_("received on"))
    content = models.TextField(_("complaint"))
    deadline = models.DateField(_("answer due by"))
    status = models.CharField(
        pgettext_lazy("complaint", "status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    recheck_result = models.TextField(_("re-check result"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["campaign_id", "received_on", "id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["campaign"], condition=Q(status="open"), name="complaint_open")]


class ReductionTarget(BaseModel):
    """The commune's poverty-reduction plan for a review year: how many poor households fewer."""

    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("review year"))
    planned_reduction = models.PositiveIntegerField(_("planned reduction of poor households"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune_id", "-year"]
        verbose_name = _("poverty-reduction target")
        verbose_name_plural = _("poverty-reduction targets")
        constraints = [
            models.UniqueConstraint(fields=["commune", "year"], name="target_one_per_year"),
            models.CheckConstraint(condition=Q(planned_reduction__gt=0), name="target_positive"),
        ]


class ReviewEvent(DomainEvent):
    """A step of a campaign; ``household`` is set for the steps about one household (timeline)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Review opened")
        ADVANCED = "advanced", _("Review moved to the next step")
        LISTED = "listed", _("Household listed for review")
        SURVEYED = "surveyed", _("Household surveyed")
        IMPORTED = "imported", _("Survey results imported")
        MEETING = "meeting", _("Village meeting held")
        RETURNED = "returned", _("Returned to survey by the village meeting")
        POSTED = "posted", _("List posted publicly")
        COMPLAINT = "complaint", _("Complaint registered")
        COMPLAINT_RESOLVED = "complaint_resolved", _("Complaint resolved")
        RECOGNISED = "recognised", _("Classification recognised by the chair")
        APPROVED = "approved", _("Review approved")

    kind = models.CharField(_("event kind"), max_length=40, choices=Kind.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="review_events", null=True, blank=True
    )

    class Meta(DomainEvent.Meta):
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        indexes = [models.Index(fields=["household", "-occurred_at"], name="review_event_household")]
