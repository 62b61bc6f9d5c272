from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.text import fold_vietnamese
from geography.models import Commune, Province, Village, VillageEvent


def _padded(code, width: int) -> str:
    return str(int(code)).zfill(width)


@transaction.atomic
def admin_units_load() -> tuple[int, int]:
    """Insert or update the 34 provinces and 3,321 communes of the ``vietnam-provinces`` package.

    Idempotent: codes are the keys, so a second run updates names in place and adds nothing.
    A commune's area is set from its type only when the commune is new, so an administrator's
    correction of a đặc khu survives a reload. Returns (provinces, communes) in the package.
    """
    from vietnam_provinces import Province as SourceProvince
    from vietnam_provinces import Ward as SourceWard

    province_types = {"tỉnh": Province.DivisionType.PROVINCE, "thành phố trung ương": Province.DivisionType.CITY}
    commune_types = {
        "xã": Commune.DivisionType.XA,
        "phường": Commune.DivisionType.PHUONG,
        "đặc khu": Commune.DivisionType.DAC_KHU,
    }

    provinces = [
        Province(
            code=_padded(p.code, 2),
            name=p.name,
            division_type=province_types.get(p.division_type.value, Province.DivisionType.PROVINCE),
        )
        for p in SourceProvince.iter_all()
    ]
    Province.objects.bulk_create(
        provinces, update_conflicts=True, unique_fields=["code"], update_fields=["name", "division_type"]
    )

    communes = []
    for ward in SourceWard.iter_all():
        division_type = commune_types[ward.division_type.value]
        communes.append(
            Commune(
                code=_padded(ward.code, 5),
                name=ward.name,
                division_type=division_type,
                province_id=_padded(ward.province_code, 2),
                area=Commune.default_area(division_type),
            )
        )
    Commune.objects.bulk_create(
        communes,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "division_type", "province"],
        batch_size=1000,
    )
    return len(provinces), len(communes)


@transaction.atomic
def village_create(*, commune: Commune, name: str, kind: str, acting_user) -> Village:
    name = " ".join(name.split())
    folded = fold_vietnamese(name)
    if any(fold_vietnamese(existing) == folded for existing in commune.villages.values_list("name", flat=True)):
        raise ValidationError(
            {"name": _("%(commune)s already has a village named “%(name)s”.") % {"commune": commune.name, "name": name}}
        )
    village = Village(commune=commune, name=name, kind=kind)
    village.full_clean()
    village.save()
    VillageEvent.objects.create(
        village=village, kind=VillageEvent.Kind.CREATED, actor=acting_user, data={"name": name, "kind": kind}
    )
    return village
