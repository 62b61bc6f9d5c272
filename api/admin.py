"""The system clients in Django's admin: read-only, with their history. They are created, rotated and
revoked on the administrator's page (``api/pages.py``) or the command line, through ``api.services``,
which keep the client, its OAuth2 application and its service account together."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from api.models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "account", "scopes", "created_by", "created_at", "rotated_at", "revoked_at"]
    list_select_related = ["account", "created_by"]
    search_fields = ["name", "account__username", "application__client_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
