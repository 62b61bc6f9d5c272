from django.db.models import Count, QuerySet

from geography.models import Commune, Village
from geography.scoping import communes_for_user


def commune_list_for_user(user, *, search: str = "") -> QuerySet[Commune]:
    communes = communes_for_user(user).select_related("province").annotate(village_count=Count("villages"))
    if search:
        communes = communes.filter(name__unaccent__icontains=search) | communes.filter(code=search)
    return communes.order_by("province_id", "name")


def village_list_for_commune(commune: Commune) -> QuerySet[Village]:
    return commune.villages.order_by("name")
