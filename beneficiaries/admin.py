"""Allowance rules are data: an administrator edits base levels, categories with their coefficient
bands and the one-off support rates here, with history. Cases are worked in the allowance pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from beneficiaries.models import BaseLevel, Category, CoefficientBand, OneOffRate


@admin.register(BaseLevel)
class BaseLevelAdmin(SimpleHistoryAdmin):
    list_display = ["effective_from", "province", "amount", "legal_basis"]
    list_filter = ["province"]
    list_select_related = ["province"]
    ordering = ["province_id", "-effective_from"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["help_texts"] = {
            "effective_from": _(
                "The first day of the month the level applies from. To raise the level, add a new row from "
                "that month; do not edit the old one. Arrears follow automatically: the next payment run pays "
                "each month already passed at its own level."
            ),
            "province": _("Empty for the national level; a province's own higher level otherwise."),
            "amount": _("In đồng per month, e.g. 500000."),
        }
        return super().get_form(request, obj, change=change, **kwargs)


class CoefficientBandInline(admin.TabularInline):
    model = CoefficientBand
    extra = 0
    fields = ["effective_from", "min_age", "max_age", "coefficient"]
    ordering = ["effective_from", "min_age"]


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_vi", "name_en", "legal_basis", "per_child_addition"]
    search_fields = ["code", "name_vi", "name_en"]
    ordering = ["position"]
    inlines = [CoefficientBandInline]
    fieldsets = [
        (None, {"fields": [("code", "position"), "name_vi", "name_en", "legal_basis", "per_child_addition"]}),
        (_("Checks"), {"fields": ["conditions", "declarations_vi", "declarations_en"]}),
    ]


@admin.register(OneOffRate)
class OneOffRateAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_vi", "coefficient", "monthly", "legal_basis"]
    search_fields = ["code", "name_vi", "name_en"]
