"""Export jobs in the admin: read only (who exported which table, when, and how it went)."""

from django.contrib import admin

from reports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "owner", "table", "file_format", "commune", "province", "status", "progress"]
    list_filter = ["table", "file_format", "status"]
    list_select_related = ["owner", "commune", "province"]
    search_fields = ["owner__username", "commune__name", "province__name"]
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
