from django.contrib import admin

from disbursements.models import PayingAccount


@admin.register(PayingAccount)
class PayingAccountAdmin(admin.ModelAdmin):
    """The dated accounts payment runs are paid from (the debtor of the ISO 20022 bank file)."""

    list_display = ["province", "commune", "valid_from", "unit_name", "bank_bin", "account_number"]
    list_filter = ["province"]
    search_fields = ["unit_name", "commune__name", "account_number"]
    list_select_related = ["province", "commune"]
    autocomplete_fields = ["commune"]
