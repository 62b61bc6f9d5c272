from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from geography.models import Commune, LegacyDistrict, Province, Village, VillageEvent


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["code", "name"]


@admin.register(LegacyDistrict)
class LegacyDistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "abolished_on"]
    search_fields = ["code", "name"]
    list_select_related = ["province"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "area", "province"]
    list_filter = ["division_type", "area", "province"]
    search_fields = ["code", "name"]
    list_select_related = ["province"]
    readonly_fields = ["code", "name", "division_type", "province"]


@admin.register(Village)
class VillageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "commune"]
    search_fields = ["name", "commune__name"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]


@admin.register(VillageEvent)
class VillageEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "village", "actor"]
    list_select_related = ["village", "actor"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
