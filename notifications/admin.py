"""Message templates and notice settings are edited here (with history); messages, their events
and opt-outs are shown read-only: they are records of what was sent. Webhook endpoints are
registered here (their secret is generated and shown once); their deliveries are a read-only log."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from notifications.models import (
    Message,
    MessageEvent,
    MessageTemplate,
    NoticeSettings,
    OptOut,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookKind,
    new_webhook_secret,
)


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


class WebhookEndpointForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("event kinds"), choices=WebhookKind.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "kinds", "province", "communes", "active"]

    def clean(self):
        data = super().clean()
        if not data.get("province") and not data.get("communes"):
            raise forms.ValidationError(_("Choose a province or communes."))
        return data


def _show_secret(request, endpoint: WebhookEndpoint) -> None:
    messages.warning(
        request, _("Signing secret of %(name)s (shown once, copy it now): %(secret)s")
        % {"name": endpoint.name, "secret": endpoint.secret},
    )  # fmt: skip


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "kinds", "province", "active", "created_by", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["communes"]
    readonly_fields = ["masked_secret", "created_by"]
    actions = ["rotate_secret"]

    @admin.display(description=_("signing secret"))
    def masked_secret(self, obj) -> str:
        return f"whsec_…{obj.secret[-4:]}" if obj and obj.secret else ""

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            _show_secret(request, obj)

    @admin.action(description=_("Generate a new signing secret"))
    def rotate_secret(self, request, queryset) -> None:
        for endpoint in queryset:
            endpoint.secret = new_webhook_secret()
            endpoint.save(update_fields=["secret", "updated_at"])
            _show_secret(request, endpoint)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event_id", "kind", "endpoint", "status", "attempts", "last_status_code",
                    "next_attempt_at", "sent_at"]  # fmt: skip
    list_filter = ["status", "kind", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["event_id"]
    date_hierarchy = "created_at"
