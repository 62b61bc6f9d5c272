"""Monthly social allowances (Decree 20/2021, amended by Decree 76/2024): rules as dated data,
cases from application to decision and after, and what the entitlement engine reads.

Conventions:
- A **month** is stored as its first day (check constraints say so).
- **Age in month M** is the number of completed years on the last day of M (rules.md §2): a person
  is 80 for the whole month of their 80th birthday.
- Money in integer đồng; coefficients as decimals with two places (2.5, 1.5 …).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import BaseModel, DomainEvent
from core.months import is_first_of_month_q
from core.text import in_language
from privacy.fields import BlindIndexedModel, BlindIndexField, EncryptedCharField, EncryptedKeysJSONField


class BaseLevel(BaseModel):
    """The base level (mức chuẩn trợ giúp xã hội) from a month on: national when ``province`` is
    empty, or a province's own higher level. The level of (province, M) is the higher of the
    province's latest row from M or before and the national one (a province may pay more, never
    less: Decree 20 Art. 4(3))."""

    province = models.ForeignKey(
        "geography.Province", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    effective_from = models.DateField(_("effective from (month)"))
    amount = models.PositiveIntegerField(_("base level (đồng per month)"))
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["province_id", "effective_from"]
        verbose_name = _("base level")
        verbose_name_plural = _("base levels")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "effective_from"], name="base_level_once_per_month", nulls_distinct=False
            ),
            models.CheckConstraint(condition=is_first_of_month_q("effective_from"), name="base_level_from_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="base_level_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id or 'VN'} {self.effective_from:%Y-%m}: {self.amount:,}"


def text_lines(text: str) -> list[str]:
    """The non-blank lines of a text field, stripped (one declaration per line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class Category(BaseModel):
    """A category of Decree 20 Art. 5 (rules.md §2), e.g. ``5.5a``, with its coefficient bands."""

    class Condition(models.TextChoices):
        """What the officer's checklist verifies in the registry (warnings, not refusals)."""

        POOR = "poor", _("The household is poor")
        POOR_OR_NEAR_POOR = "poor_or_near_poor", _("The household is poor or near-poor")
        SEVERE_DISABILITY = "severe_disability", _("Severe disability recorded")
        EXTREMELY_SEVERE_DISABILITY = "extremely_severe_disability", _("Extremely severe disability recorded")
        ETHNIC_MINORITY = "ethnic_minority", _("Belongs to an ethnic minority")

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    position = models.PositiveSmallIntegerField(_("position"))
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=100)
    # 5.4: paid per dependent child on top of the highest other category (Decree 20 Art. 6(2)).
    per_child_addition = models.BooleanField(_("paid per dependent child, in addition"), default=False)
    conditions = models.JSONField(_("registry checks"), default=list, blank=True)
    # Conditions the registry cannot know (no pension, still in school, no supporter…): the officer ticks them.
    declarations_vi = models.TextField(_("conditions to confirm (Vietnamese)"), blank=True)
    declarations_en = models.TextField(_("conditions to confirm (English)"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]
        verbose_name = _("allowance category")
        verbose_name_plural = _("allowance categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return in_language(self.name_vi, self.name_en)

    @property
    def declarations(self) -> list[str]:
        return text_lines(in_language(self.declarations_vi, self.declarations_en))


class CoefficientBand(BaseModel):
    """The coefficient of a category for ages ``min_age`` ≤ age < ``max_age`` (empty: no bound),
    from ``effective_from``. Outside every band the category pays nothing that month."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="bands")
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("below age"), null=True, blank=True)
    coefficient = models.DecimalField(_("coefficient"), max_digits=4, decimal_places=2)
    effective_from = models.DateField(_("effective from (month)"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["category_id", "effective_from", "min_age"]
        verbose_name = _("coefficient band")
        verbose_name_plural = _("coefficient bands")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gt=models.F("min_age")),
                name="band_ages_ordered",
            ),
            models.CheckConstraint(condition=Q(coefficient__gt=0), name="band_coefficient_positive"),
            models.CheckConstraint(condition=is_first_of_month_q("effective_from"), name="band_from_month"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} [{self.min_age}, {self.max_age}): {self.coefficient}"


class OneOffRate(BaseModel):
    """A one-off or caregiver support as a multiple of the base level (Decree 20 Art. 11, 20)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    coefficient = models.DecimalField(_("coefficient"), max_digits=5, decimal_places=2)
    monthly = models.BooleanField(_("monthly"), default=False)
    legal_basis = models.CharField(_("legal basis"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("support rate")
        verbose_name_plural = _("support rates")

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return in_language(self.name_vi, self.name_en)


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("Bank account")
    CASH = "cash", _("Cash (post office)")


class Case(BlindIndexedModel, BaseModel):
    """A person's social-allowance case (hồ sơ hưởng trợ cấp) in one commune.

    The account number is encrypted at rest (``privacy.fields``): read and written as plaintext,
    found by ``account_hash``; its digits are checked by ``services.payment_problems``, the one
    validator of the form, the change request and the import (the database cannot read it)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Application received")
        VERIFIED = "verified", _("Verified, awaiting decision")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REFUSED = "refused", _("Refused")
        TERMINATED = "terminated", _("Terminated")
        TRANSFERRED = "transferred", _("Transferred to another commune")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("households.Person", on_delete=models.PROTECT, related_name="allowance_cases")
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="allowance_cases")
    status = models.CharField(
        pgettext_lazy("allowance case", "status"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    applied_on = models.DateField(_("application date"))
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    checklist = models.JSONField(_("verification checklist"), default=dict, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Payable months: start_month .. end_month (inclusive), never after the month of death.
    start_month = models.DateField(_("first month paid"), null=True, blank=True)
    end_month = models.DateField(_("last month paid"), null=True, blank=True)
    # Months up to here were paid before the product took the case over (import): never arrears.
    paid_through_month = models.DateField(_("paid through (before this product)"), null=True, blank=True)
    # A case transferred in continues one transferred out: months the old commune paid stay paid.
    transferred_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, related_name="transferred_to", null=True, blank=True
    )
    payment_method = models.CharField(
        _("payment method"), max_length=4, choices=PaymentMethod.choices, default=PaymentMethod.BANK
    )
    bank_bin = models.CharField(_("bank (NAPAS BIN)"), max_length=6, blank=True)
    account_number = EncryptedCharField(_("account number"), max_length=19, blank=True)
    account_hash = BlindIndexField(source="account_number", purpose="account")
    account_name = models.CharField(_("account holder"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune_id", "-applied_on", "id"]
        verbose_name = _("allowance case")
        verbose_name_plural = _("allowance cases")
        constraints = [
            # One open case per person across the country: a second one would pay a month twice.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["applied", "verified", "active", "suspended"]),
                name="case_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(start_month__isnull=True) | is_first_of_month_q("start_month"), name="case_start_month"
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | is_first_of_month_q("end_month"), name="case_end_month"
            ),
            models.CheckConstraint(
                condition=Q(paid_through_month__isnull=True) | is_first_of_month_q("paid_through_month"),
                name="case_paid_through_month",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True)
                | Q(start_month__isnull=True)
                | Q(end_month__gte=models.F("start_month")),
                name="case_end_after_start",
            ),
            # The account is ciphertext: its 6 to 19 digits are checked before it is encrypted
            # (services.payment_problems); the database still refuses a bank case without an
            # account, or whose keyed hash is missing.
            models.CheckConstraint(
                condition=Q(payment_method="cash")
                | (Q(bank_bin__regex=r"^[0-9]{6}$", account_hash__regex=r"^[0-9a-f]{64}$") & ~Q(account_number="")),
                name="case_bank_account_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "status"], name="case_commune_status"),
            models.Index(fields=["account_hash"], condition=~Q(account_hash=""), name="case_account_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_status_display()})"


class CaseCategory(models.Model):
    """A category a case is decided under, from ``from_month`` (empty: the case's start) to
    ``to_month`` (empty: open). A change of category closes one row and opens another, so months
    before the change keep their category (arrears included). ``dependent_children`` for 5.4."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="categories")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    dependent_children = models.PositiveSmallIntegerField(_("dependent children"), default=0)
    from_month = models.DateField(_("from month"), null=True, blank=True)
    to_month = models.DateField(_("to month"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["case_id", "category__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "category", "from_month"], name="case_category_once", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=Q(from_month__isnull=True)
                | Q(to_month__isnull=True)
                | Q(to_month__gte=models.F("from_month")),
                name="case_category_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.category_id}"


class Suspension(BaseModel):
    """Months a case is not paid: from ``from_month`` to ``to_month`` (empty: still suspended).
    On resumption the chair decides whether the suspended months are paid as arrears."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255)
    arrears_on_resume = models.BooleanField(_("pay the suspended months on resumption"), default=False)

    class Meta:
        ordering = ["case_id", "from_month"]
        constraints = [
            models.CheckConstraint(condition=is_first_of_month_q("from_month"), name="suspension_from_month"),
            models.CheckConstraint(
                condition=Q(to_month__isnull=True) | Q(to_month__gte=models.F("from_month")),
                name="suspension_ordered",
            ),
        ]


class Document(BaseModel):
    """A file of the application (form, certificate, decision scan)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="beneficiaries/documents/%Y/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case_id", "created_at"]


class ImportBatch(BaseModel):
    """An imported allowance list (rules.md §4.1) awaiting the commune chair's confirmation.

    Importing writes nothing to cases: it stores what the file would do, line by line, with what each
    case would be owed on confirmation (``ImportBatchLine``). The commune chair, never the person who
    imported it, confirms the whole batch (its cases are written then, with the chair as decider) or
    rejects it (nothing is written). One batch is one commune's list."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting the chair's confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="allowance_imports")
    status = models.CharField(
        pgettext_lazy("allowance import", "status"), max_length=10, choices=Status.choices, default=Status.AWAITING
    )
    filename = models.CharField(_("file"), max_length=255, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    # What confirmation would do, as computed when the file was imported: amounts are for ``month``
    # (arrears = the months before it), lines flagged above ``arrears_warn_months`` months of arrears.
    month = models.DateField(_("amounts computed for (month)"))
    created_count = models.PositiveIntegerField(_("new cases"), default=0)
    updated_count = models.PositiveIntegerField(_("cases changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("cases unchanged"), default=0)
    arrears_total_vnd = models.PositiveBigIntegerField(_("arrears (đồng)"), default=0)
    month_total_vnd = models.PositiveBigIntegerField(_("this month (đồng)"), default=0)
    flagged_count = models.PositiveIntegerField(_("lines flagged"), default=0)
    arrears_warn_months = models.PositiveSmallIntegerField(_("arrears flagged beyond (months)"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("allowance import")
        verbose_name_plural = _("allowance imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["awaiting", "confirmed", "rejected"]), name="import_batch_status_valid"
            ),
            # Decided (by someone, at a time) exactly when no longer awaiting.
            models.CheckConstraint(
                condition=Q(status="awaiting", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="awaiting") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="import_batch_decided_when_done",
            ),
            # Maker-checker in the database too: the person who imported a list never decides it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("imported_by")),
                name="import_batch_decider_not_importer",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="import_batch_rejection_reason"
            ),
            models.CheckConstraint(condition=is_first_of_month_q("month"), name="import_batch_month"),
        ]
        indexes = [models.Index(fields=["commune", "status"], name="import_batch_commune_status")]

    def __str__(self) -> str:
        return f"{self.pk} {self.commune_id} ({self.status})"


class ImportBatchLine(models.Model):
    """One line of an imported list: the person, the open case it updates (or, for a new case, the
    case created on confirmation), the values it sets and, for a changed case, the values it
    replaces; with what the case would be owed on confirmation (arrears before the batch's month,
    and that month's amount)."""

    class Action(models.TextChoices):
        CREATE = "create", _("New case")
        UPDATE = "update", _("Case changed")
        UNCHANGED = "unchanged", _("Unchanged")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveIntegerField(_("line of the file"))
    person = models.ForeignKey("households.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    action = models.CharField(_("action"), max_length=9, choices=Action.choices)
    # The CASE_FIELDS of beneficiaries.importing (dates as YYYY-MM-DD), "categories" as [[code,
    # children], …], "phone" (None: left as it is) and "date_of_death" as the registry had it, or as
    # the file gives it when the list records the death (the registry had none: ``old`` then has
    # "date_of_death": None, and confirmation records it through the registry's service).
    proposed = EncryptedKeysJSONField(_("values in the file"), encrypted_keys=("account_number",))
    # For a changed case, each changed field's value before (the same keys), checked again on confirmation.
    old = EncryptedKeysJSONField(_("values replaced"), default=dict, blank=True, encrypted_keys=("account_number",))
    account_changed = models.BooleanField(_("account changes"), default=False)
    arrears_months = models.PositiveSmallIntegerField(_("months of arrears"), default=0)
    arrears_vnd = models.PositiveBigIntegerField(_("arrears (đồng)"), default=0)
    month_amount_vnd = models.PositiveBigIntegerField(_("this month (đồng)"), default=0)
    flagged = models.BooleanField(_("arrears beyond the warning"), default=False)

    class Meta:
        ordering = ["batch_id", "line"]
        verbose_name = _("allowance import line")
        verbose_name_plural = _("allowance import lines")
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="import_line_once"),
            models.UniqueConstraint(fields=["batch", "person"], name="import_line_person_once"),
            models.CheckConstraint(
                condition=Q(action__in=["create", "update", "unchanged"]), name="import_line_action_valid"
            ),
            # A line that changes or repeats a case names it; a new case's line names it once confirmed.
            models.CheckConstraint(condition=Q(action="create") | Q(case__isnull=False), name="import_line_case"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"


class HealthInsuranceCard(BaseModel):
    """A health-insurance (BHYT) card; beneficiaries are entitled to a free one (Decree 20 Art. 9)."""

    person = models.ForeignKey("households.Person", on_delete=models.CASCADE, related_name="health_cards")
    number = models.CharField(_("card number"), max_length=15)
    group = models.CharField(_("beneficiary group"), max_length=10, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["person_id", "-valid_to"]
        verbose_name = _("health-insurance card")
        verbose_name_plural = _("health-insurance cards")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="card_valid_ordered"),
            models.UniqueConstraint(fields=["number", "valid_from"], name="card_once"),
        ]
        indexes = [
            models.Index(fields=["valid_to"], name="card_valid_to"),
            # Coverage (is this person's card valid on a day?) reads the index only.
            models.Index(fields=["person", "valid_to"], name="card_person_valid", include=["valid_from"]),
        ]


class CaseEvent(DomainEvent):
    class Kind(models.TextChoices):
        APPLIED = "applied", _("Application received")
        VERIFIED = "verified", _("Verified")
        DECIDED = "decided", _("Decided by the chair")
        REFUSED = "refused", _("Refused")
        SUSPENDED = "suspended", _("Suspended")
        RESUMED = "resumed", _("Resumed")
        TERMINATED = "terminated", _("Terminated")
        CATEGORY_CHANGED = "category_changed", _("Category changed")
        TRANSFERRED_OUT = "transferred_out", _("Transferred to another commune")
        TRANSFERRED_IN = "transferred_in", _("Arrived from another commune")
        PAYMENT_CHANGED = "payment_changed", _("Payment details changed")
        IMPORTED = "imported", _("Imported")
        IMPORT_CONFIRMED = "import_confirmed", _("Import confirmed by the chair")
        DOCUMENT_ADDED = "document_added", _("Document added")
        # Maker-checker changes (ChangeRequest): applying one writes payment_changed,
        # category_changed, months_changed or birth_date_corrected with the requester and the
        # approver in its data.
        MONTHS_CHANGED = "months_changed", _("Months paid corrected")
        CHANGE_REQUESTED = "change_requested", _("Change requested")
        CHANGE_REJECTED = "change_rejected", _("Change request rejected")
        CHANGE_WITHDRAWN = "change_withdrawn", _("Change request withdrawn")
        BIRTH_DATE_CORRECTED = "birth_date_corrected", _("Date of birth corrected")

    kind = models.CharField(_("event kind"), max_length=40, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")

    class Meta(DomainEvent.Meta):
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "-occurred_at"], name="case_event_case")]


class ChangeRequest(BaseModel):
    """A change that moves money, proposed by one person and applied only when the commune chair
    (never its maker) approves it: a case's payment method or account, its categories from a month,
    its ``start_month`` / ``paid_through_month``, or its person's date of birth (the age bands set
    the amount; the registry applies it) (maker-checker, issue 14). Until then the case and the
    person are unchanged, so runs and the engine keep paying the current details.

    ``proposed`` holds the new values and ``before`` the values the maker saw; the approval
    re-reads the case and refuses when they are no longer its values (``beneficiaries.changes``
    documents both shapes). A case has at most one pending request of each kind."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment details")
        CATEGORIES = "categories", _("Categories")
        MONTHS = "months", _("Months paid")
        BIRTH_DATE = "birth_date", _("Date of birth")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the chair")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(_("change of"), max_length=12, choices=Kind.choices)
    # A payment change's account number is encrypted in both (privacy.fields).
    proposed = EncryptedKeysJSONField(_("proposed values"), encrypted_keys=("account_number",))
    before = EncryptedKeysJSONField(_("values before"), encrypted_keys=("account_number",))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        pgettext_lazy("change request", "status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(status="pending"), name="change_request_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["payment", "categories", "months", "birth_date"]), name="change_request_kind"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | Q(
                    status__in=["approved", "rejected", "withdrawn"], decided_by__isnull=False, decided_at__isnull=False
                ),
                name="change_request_decided",
            ),
            # The checker is never the maker (a withdrawal is the maker's own act).
            models.CheckConstraint(
                condition=~Q(status="approved") | ~Q(decided_by=models.F("requested_by")),
                name="change_request_other_approver",
            ),
        ]
        indexes = [models.Index(fields=["status", "case"], name="change_request_status")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} ({self.status})"
