"""Message templates and notice settings are edited here (with history); messages, their events
and opt-outs are shown read-only: they are records of what was sent."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from notifications.models import Message, MessageEvent, MessageTemplate, NoticeSettings, OptOut


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "enabled", "zns_template_id", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["code", "name", "body_vi", "body_en"]
    readonly_fields = ["code", "placeholders"]
    fieldsets = [
        (None, {"fields": [("code", "enabled"), "name", "description", "placeholders"]}),
        (None, {"fields": ["subject_vi", "body_vi", "subject_en", "body_en", "zns_template_id"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return False  # the code decides which templates exist; their wording is edited here

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NoticeSettings)
class NoticeSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["commune", "amount_paid_notice", "approval_notices", "committee_notices"]
    list_filter = ["amount_paid_notice"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
    search_fields = ["commune__name", "commune__code"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageEventInline(admin.TabularInline):
    model = MessageEvent
    extra = 0
    fields = ["occurred_at", "kind", "actor", "reason", "data"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "recipient", "template", "commune", "status", "attempts", "parts"]
    list_filter = ["status", "channel", "template"]
    list_select_related = ["template", "commune"]
    search_fields = ["recipient", "recipient_name", "gateway_message_id", "dedup_key"]
    date_hierarchy = "created_at"
    inlines = [MessageEventInline]


@admin.register(OptOut)
class OptOutAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "person", "phone", "channel", "commune", "revoked_at"]
    list_select_related = ["person", "commune"]
    search_fields = ["phone", "person__full_name"]
