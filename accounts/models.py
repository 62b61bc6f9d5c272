from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BaseModel


class Role(models.TextChoices):
    COMMUNE_OFFICER = "commune_officer", _("Commune social-affairs officer")
    COMMITTEE_MEMBER = "committee_member", _("Steering-committee member")
    COMMUNE_CHAIR = "commune_chair", _("Commune chair")
    PROVINCIAL_VIEWER = "provincial_viewer", _("Provincial viewer (read-only)")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """A member of staff. What they may do comes from ``role``; where, from their assignments."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.COMMUNE_OFFICER)
    # The account a system client of the API acts as (api.ApiClient): a role and admin units like a
    # person's, so every scoping door serves it unchanged, but it never signs in to the pages.
    is_service_account = models.BooleanField(
        _("system client account"), default=False, editable=False,
        help_text=_("The account of a system client of the API: it never signs in."),
    )  # fmt: skip
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    # Capabilities read by every app's access.py. Keep them here, one place per question.
    @property
    def has_national_scope(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.PROVINCIAL_VIEWER

    @property
    def can_manage_registry(self) -> bool:
        return self.role in (Role.COMMUNE_OFFICER, Role.ADMINISTRATOR)

    @property
    def can_run_poverty_review(self) -> bool:
        """Survey, village meetings, posting, complaints: the steering committee and the officer.
        The chair chairs the committee too; maker-checker stops them approving what they assessed."""
        return self.role in (Role.COMMUNE_OFFICER, Role.COMMITTEE_MEMBER, Role.COMMUNE_CHAIR, Role.ADMINISTRATOR)

    @property
    def can_sign_decisions(self) -> bool:
        return self.role == Role.COMMUNE_CHAIR

    @property
    def display_name(self) -> str:
        # Vietnamese order: family name first ("Lê Minh Hùng"), not Django's given-name first.
        return f"{self.last_name} {self.first_name}".strip() or self.username


class StaffAssignment(BaseModel):
    """Assigns a user to one admin unit: a commune, or a whole province (for provincial staff)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="assignments")
    province = models.ForeignKey(
        "geography.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        null=True,
        blank=True,
    )
    commune = models.ForeignKey(
        "geography.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        null=True,
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["user_id", "id"]
        verbose_name = _("unit assignment")
        verbose_name_plural = _("unit assignment")
        constraints = [
            models.CheckConstraint(
                condition=(Q(province__isnull=True) & Q(commune__isnull=False))
                | (Q(province__isnull=False) & Q(commune__isnull=True)),
                name="assignment_exactly_one_unit",
            ),
            models.UniqueConstraint(fields=["user", "commune"], name="assignment_unique_commune"),
            models.UniqueConstraint(fields=["user", "province"], name="assignment_unique_province"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.commune or self.province}"
