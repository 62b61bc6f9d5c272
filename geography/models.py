"""Administrative units: province → commune (two tiers since 1 July 2025) → village.

GSO codes are the keys (zero-padded strings: province "80", commune "25522"). Districts were
abolished by the 2025 reform; ``LegacyDistrict`` keeps them for history and old records.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BaseModel, DomainEvent


class Area(models.TextChoices):
    RURAL = "rural", _("Rural")
    URBAN = "urban", _("Urban")


class Province(models.Model):
    class DivisionType(models.TextChoices):
        PROVINCE = "tinh", _("Province")
        CITY = "thanh_pho_trung_uong", _("Centrally governed city")

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    division_type = models.CharField(_("type"), max_length=24, choices=DivisionType.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("province")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{2}$"), name="province_code_two_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class LegacyDistrict(models.Model):
    """A district (huyện/quận/thị xã) as it was before the 2025 reform; kept for history only."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="legacy_districts")
    abolished_on = models.DateField(_("abolished on"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district (before 2025)")
        verbose_name_plural = _("district (before 2025)")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    class DivisionType(models.TextChoices):
        XA = "xa", _("Commune (xã)")
        PHUONG = "phuong", _("Ward (phường)")
        DAC_KHU = "dac_khu", _("Special zone (đặc khu)")

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    division_type = models.CharField(_("type"), max_length=8, choices=DivisionType.choices)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="communes"
    )
    # A phường is urban and a xã rural by law; a đặc khu is set per unit (rules.md §3). Stored so
    # that an administrator can correct one unit without a code change.
    area = models.CharField(_("area"), max_length=5, choices=Area.choices)
    legacy_district = models.ForeignKey(
        LegacyDistrict,
        verbose_name=_("former district"),
        on_delete=models.PROTECT,
        related_name="communes",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["province_id", "name"]
        verbose_name = _("commune")
        verbose_name_plural = _("commune")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{5}$"), name="commune_code_five_digits"),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def default_area(division_type: str) -> str:
        return Area.URBAN if division_type == Commune.DivisionType.PHUONG else Area.RURAL


class Village(BaseModel):
    """A thôn, ấp or khu phố: entered per commune by its officers (there is no national list)."""

    class Kind(models.TextChoices):
        THON = "thon", _("Thôn (village)")
        AP = "ap", _("Ấp (hamlet)")
        KHU_PHO = "khu_pho", _("Khu phố (quarter)")
        TO_DAN_PHO = "to_dan_pho", _("Tổ dân phố (residential group)")

    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="villages")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune_id", "name"]
        verbose_name = _("village")
        verbose_name_plural = _("village")
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="village_name_unique_in_commune"),
        ]

    def __str__(self) -> str:
        return self.name


class VillageEvent(DomainEvent):
    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        RENAMED = "renamed", _("Renamed")

    kind = models.CharField(_("event kind"), max_length=40, choices=Kind.choices)
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="events")

    class Meta(DomainEvent.Meta):
        verbose_name = _("village event")
        verbose_name_plural = _("village event")
