"""Support in the administration: the donor registry can be corrected here (with history);
programmes, distributions, records and their events are shown read-only, because every change to
them goes through the services (checks, funding sums and an event row each) on the support pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from support.models import Distribution, Donor, Programme, Record, SupportEvent


@admin.register(Donor)
class DonorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "province", "contact"]
    list_filter = ["kind", "province"]
    list_select_related = ["province"]
    search_fields = ["name", "contact"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "year", "commune", "organiser"]
    list_filter = ["kind", "year"]
    list_select_related = ["commune"]
    search_fields = ["name", "organiser", "commune__name"]


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    list_display = ["name", "planned_on", "commune", "unit_value_vnd", "in_kind", "status"]
    list_filter = ["status"]
    list_select_related = ["commune"]
    search_fields = ["name", "commune__name"]


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ["household", "programme", "kind", "status", "planned_on", "delivered_on", "value_vnd"]
    list_filter = ["kind", "status"]
    list_select_related = ["household", "programme"]
    search_fields = ["household__code", "programme__name"]
    raw_id_fields = ["household", "person", "programme", "distribution"]


@admin.register(SupportEvent)
class SupportEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "commune", "actor", "programme", "distribution"]
    list_filter = ["kind"]
    list_select_related = ["commune", "actor", "programme", "distribution"]
