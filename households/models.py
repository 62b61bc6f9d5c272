"""The household registry: persons, households, who lives where and since when, and every change.

A person belongs to at most one household at a time: a membership with no ``left_on`` is the
current one, and a partial unique index enforces "one current membership per person".
"""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import BaseModel, DomainEvent
from geography.models import Area
from households.ethnicity import ETHNICITY_CHOICES


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class DisabilityLevel(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild")
    SEVERE = "severe", _("Severe")
    EXTREMELY_SEVERE = "extremely_severe", _("Extremely severe")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class PovertyStatus(models.TextChoices):
    POOR = "poor", _("Poor")
    NEAR_POOR = "near_poor", _("Near-poor")
    MIDDLE_INCOME = "middle_income", _("Middle-income")
    NONE = "none", _("Not classified")


class Person(BaseModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The 12-digit personal ID number (số định danh cá nhân, printed on the CCCD). Empty only for a
    # child registered before 14 without one (Law on Identification 2023: the CCCD is issued from
    # 14; ``services.person_data_problems`` requires it from that age). Unique when given.
    national_id = models.CharField(_("national ID (CCCD)"), max_length=12, blank=True)
    full_name = models.CharField(_("full name"), max_length=120)
    # fold_vietnamese(full_name): lower case without diacritics, for search; kept by services.
    search_name = models.CharField(max_length=120, editable=False)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default="01")
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("Stored in E.164 form."))
    disability_level = models.CharField(
        _("disability level"), max_length=16, choices=DisabilityLevel.choices, default=DisabilityLevel.NONE
    )
    health_insurance_number = models.CharField(_("health-insurance card number"), max_length=15, blank=True)
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["search_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.CheckConstraint(
                condition=Q(national_id__regex=r"^([0-9]{12})?$"), name="person_national_id_12_digits_or_none"
            ),
            models.UniqueConstraint(
                fields=["national_id"], condition=~Q(national_id=""), name="person_national_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True) | Q(date_of_death__gte=models.F("date_of_birth")),
                name="person_death_after_birth",
            ),
        ]
        indexes = [
            # Lookups by a list of IDs (the imports' "= ANY(…)") cannot use the partial unique index.
            models.Index(fields=["national_id"], name="person_national_id"),
            GinIndex(fields=["search_name"], name="person_search_name_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(fields=["search_name", "date_of_birth"], name="person_name_birth"),
            models.Index(fields=["phone"], name="person_phone", condition=~Q(phone="")),
            # "Not after the month of death" (allowances, coverage) reads only the persons who died.
            models.Index(fields=["date_of_death"], name="person_died", condition=Q(date_of_death__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_alive(self) -> bool:
        return self.date_of_death is None


class Household(BaseModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("household code"), max_length=30)
    commune = models.ForeignKey(
        "geography.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="households"
    )
    # Empty only for a household that has just arrived from another commune and awaits its village.
    village = models.ForeignKey(
        "geography.Village",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        null=True,
        blank=True,
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    area = models.CharField(_("area"), max_length=5, choices=Area.choices)
    # Floor area of the dwelling; the poverty survey pre-fills "housing area per person" from it.
    housing_area_m2 = models.DecimalField(_("housing area (m²)"), max_digits=6, decimal_places=1, null=True, blank=True)
    head = models.ForeignKey(
        Person, verbose_name=_("head"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Denormalised for the list's filters; kept by services (set-based after imports).
    member_count = models.PositiveSmallIntegerField(_("members"), default=0)
    has_disability = models.BooleanField(_("has a member with a disability"), default=False)
    # The current members' folded names, space-separated: the name search reads this one column,
    # through a (commune, trigram) index, instead of joining persons across the whole province.
    search_text = models.TextField(default="", blank=True, editable=False)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune_id", "code"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["commune", "code"], name="household_code_unique_in_commune"),
        ]
        indexes = [
            models.Index(fields=["commune", "village", "code"], name="household_commune_village"),
            GinIndex(
                fields=["commune", "search_text"],
                name="household_search_trgm",
                opclasses=["varchar_ops", "gin_trgm_ops"],
            ),
            # The search box matches a code in any case too (selectors.household_search_q). Without an
            # index for that arm of "code OR name", PostgreSQL cannot use the trigram index for the
            # other arm either, and filters every household of the commune.
            models.Index(Upper("code"), name="household_code_upper"),
        ]

    def __str__(self) -> str:
        return self.code


class Membership(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField(_("relationship to head"), max_length=12, choices=Relationship.choices)
    # "Member since" (thành viên từ ngày). Empty: not known (a household handed over from the paper
    # registers): the membership has no lower bound, so a death or a move on any day (after birth)
    # may end it; a known day is a lower bound that every writer keeps (services._end_membership).
    joined_on = models.DateField(_("member since"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=255, blank=True)

    class Meta:
        ordering = ["household_id", models.F("joined_on").asc(nulls_first=True), "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="membership_one_current_per_person"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(left_on__isnull=True, relationship="head"),
                name="membership_one_current_head_per_household",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(joined_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]
        indexes = [
            models.Index(fields=["household"], condition=Q(left_on__isnull=True), name="membership_current"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ∈ {self.household}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class HouseholdYearStatus(BaseModel):
    """A household's poverty status for a year; written by the poverty review, shown here."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="year_statuses")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        pgettext_lazy("poverty classification", "status"), max_length=16, choices=PovertyStatus.choices
    )

    class Meta:
        ordering = ["household_id", "-year"]
        verbose_name = _("household status for a year")
        verbose_name_plural = _("household statuses by year")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="household_status_one_per_year"),
        ]
        indexes = [
            models.Index(fields=["year", "status"], name="household_status_year"),
            # The poor and near-poor rows only (1.5 % of a province's): a commune's listed households
            # are found by a hash join with it instead of one probe per household (the home page's
            # "poor households with no support", support.selectors.unsupported_poor_households).
            models.Index(
                fields=["household", "year"],
                name="household_status_listed",
                condition=models.Q(status__in=["poor", "near_poor"]),
            ),
        ]


class HouseholdEvent(DomainEvent):
    """One step in a household's life. ``commune`` is where it happened, so a commune keeps the
    history of a household that has since moved away."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Household registered")
        IMPORTED = "imported", _("Updated by import")
        HOUSEHOLD_EDITED = "household_edited", _("Household details changed")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_EDITED = "member_edited", _("Member details changed")
        MEMBER_LEFT = "member_left", _("Member moved out")
        MEMBER_JOINED = "member_joined", _("Member moved in")
        SPLIT = "split", _("Household split")
        HEAD_CHANGED = "head_changed", _("Head changed")
        DEATH = "death", _("Death recorded")
        TRANSFERRED_OUT = "transferred_out", _("Transferred to another commune")
        TRANSFERRED_IN = "transferred_in", _("Arrived from another commune")
        TRANSFER_REQUESTED = "transfer_requested", _("Transfer to another commune requested")
        TRANSFER_REJECTED = "transfer_rejected", _("Transfer rejected by the receiving commune")
        TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
        PERSONS_MERGED = "persons_merged", _("Duplicate person records merged")

    kind = models.CharField(_("event kind"), max_length=40, choices=Kind.choices)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events", null=True, blank=True)
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="household_events")

    class Meta(DomainEvent.Meta):
        verbose_name = _("household event")
        verbose_name_plural = _("household events")
        indexes = [
            models.Index(fields=["household", "-occurred_at"], name="household_event_timeline"),
            models.Index(fields=["commune", "-occurred_at"], name="household_event_commune"),
        ]


class DuplicateFlag(BaseModel):
    """A new person whose folded name and date of birth match someone already in the province.

    The officer confirms they are different people, or merges them: the newer record's memberships
    and events move to the existing person and the newer record is deleted (with the flag).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To check")
        DIFFERENT = "different", _("Confirmed different people")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="duplicate_flags")
    existing = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "existing"], name="duplicate_flag_once_per_pair"),
        ]


class Transfer(BaseModel):
    """A household, or one person, leaving a commune for another: a request that the receiving
    commune accepts.

    Until it is accepted nothing moves: the household stays in its commune, the person stays a
    member of their household, and the sending commune keeps writing them. Accepting a household
    moves it (into a village the receiver chooses, under a new code if its code is taken there);
    accepting a person ends their membership on ``moved_on`` and starts one in a household of the
    receiving commune on the same day (``placed_in``). The receiver may reject it with a reason;
    the sender may cancel it while it is pending. At most one pending transfer per person and per
    household.

    The receiving commune sees only what it needs to receive them: for each person the name,
    date of birth, sex and national ID (``members``, a snapshot taken when the request is decided,
    so that neither side later reads the other's registry through it).
    """

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        PERSON = "person", _("Person")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the receiving commune")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        pgettext_lazy("transfer", "status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The household that moves (a household transfer) or that the person leaves (a person transfer;
    # empty only for transfers recorded before transfers were requests).
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="transfers", null=True
    )
    # The household's code when it left (its code may change on arrival).
    household_code = models.CharField(_("household code"), max_length=30, blank=True)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="transfers", null=True, blank=True
    )
    from_commune = models.ForeignKey(
        "geography.Commune", verbose_name=_("from commune"), on_delete=models.PROTECT, related_name="+"
    )
    to_commune = models.ForeignKey(
        "geography.Commune", verbose_name=_("to commune"), on_delete=models.PROTECT, related_name="+"
    )
    moved_on = models.DateField(_("moved on"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=255, blank=True)
    # Where an accepted person was placed.
    placed_in = models.ForeignKey(Household, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    members = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="pending"), name="transfer_one_pending_per_person"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="pending", kind="household"),
                name="transfer_one_pending_per_household",
            ),
            models.CheckConstraint(
                condition=Q(kind="person", person__isnull=False)
                | Q(kind="household", person__isnull=True, household__isnull=False),
                name="transfer_kind_names_its_subject",
            ),
            models.CheckConstraint(
                condition=~Q(from_commune=models.F("to_commune")), name="transfer_between_two_communes"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="transfer_decided_unless_pending",
            ),
        ]
        indexes = [
            models.Index(fields=["to_commune"], condition=Q(status="pending"), name="transfer_pending_arrivals"),
            models.Index(fields=["from_commune"], condition=Q(status="pending"), name="transfer_pending_departures"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_commune_id} → {self.to_commune_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
