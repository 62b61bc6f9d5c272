"""Standards and review periods are rules as data: an administrator edits them here, with history.
Campaigns are worked in the review's own pages; the admin shows them read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from povertyreview.models import Campaign, IncomeLine, Indicator, PovertyStandard, ReductionTarget, ReviewPeriod


class IncomeLineInline(admin.TabularInline):
    model = IncomeLine
    extra = 0
    fields = ["area", "poverty_line", "middle_income_ceiling"]


class IndicatorInline(admin.StackedInline):
    model = Indicator
    extra = 0
    fields = [
        ("position", "code", "dimension", "registry_source"),
        ("name_vi", "name_en"),
        "definition_vi",
        "definition_en",
    ]
    ordering = ["position"]


@admin.register(PovertyStandard)
class PovertyStandardAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "legal_basis", "poor_min_deprivations"]
    search_fields = ["code", "name"]
    inlines = [IncomeLineInline, IndicatorInline]


@admin.register(ReviewPeriod)
class ReviewPeriodAdmin(SimpleHistoryAdmin):
    list_display = ["year", "standard"]
    list_select_related = ["standard"]
    ordering = ["-year"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the review's services (which record who and why): read here, never edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["commune", "year", "kind", "standard", "status", "decision_number", "approved_at"]
    list_filter = ["kind", "status", "year", "standard"]
    search_fields = ["commune__name", "commune__code", "household__code", "decision_number"]
    list_select_related = ["commune", "standard"]


@admin.register(ReductionTarget)
class ReductionTargetAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["commune", "year", "planned_reduction"]
    list_select_related = ["commune"]
    search_fields = ["commune__name", "commune__code"]
