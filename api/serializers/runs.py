"""Payment runs as the run pages show them: the runs, a run with its totals and reconciliation, its lines
(identifiers, accounts and health categories masked by ``api.serializers.common``), and the payer's
report a client posts (rules.md §4.3, the columns of the CSV report) with what reconciling it did."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import CategoryField, CommuneRef, MaskedAccount, MaskedIdentifier, category_for
from beneficiaries.models import PaymentMethod
from disbursements.models import Run, RunLine

# The months of runs and reports the API takes: 2000-01 to 2100-12.
MONTH_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])$"
# What a payer's report says of a line (the run's lines start "pending").
REPORTED_STATUSES = [RunLine.Status.PAID.value, RunLine.Status.FAILED.value]


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-05"})
class MonthField(serializers.Field):
    """A month as "YYYY-MM" (a run's month is stored as its first day)."""

    def to_representation(self, value) -> str:
        return f"{value:%Y-%m}"


class StaffRef(serializers.Serializer):
    """A member of staff who acted on the run, by the name the pages show."""

    name = serializers.CharField(source="display_name")


class RunRowSerializer(serializers.Serializer):
    """A row of the run list: what the list page's row shows."""

    id = serializers.IntegerField()
    commune = CommuneRef()
    month = MonthField()
    status = serializers.ChoiceField(choices=Run.Status.choices)
    people = serializers.IntegerField(source="line_count")
    total_amount = serializers.IntegerField(help_text="Whole đồng.")
    bank_amount = serializers.IntegerField(help_text="Whole đồng paid through bank accounts.")
    cash_amount = serializers.IntegerField(help_text="Whole đồng paid in cash (the post office).")


class TotalRow(serializers.Serializer):
    people = serializers.IntegerField()
    amount = serializers.IntegerField(source="total", help_text="Whole đồng.")


class MethodTotal(TotalRow):
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, source="key")


class CategoryTotal(TotalRow):
    category = CategoryField(source="key", help_text='"" for lines without a category; health ones generalised.')


class RunTotals(serializers.Serializer):
    people = serializers.IntegerField()
    amount = serializers.IntegerField(source="total", help_text="Whole đồng.")
    by_method = MethodTotal(many=True)
    by_category = CategoryTotal(many=True)
    failed_before = serializers.IntegerField(help_text="Lines paying months a payer reported failed before.")
    long_arrears = serializers.IntegerField(help_text="Lines with more months of arrears than the warning level.")


class PayerReportSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField(source="created_at")
    uploaded_by = StaffRef()
    file_name = serializers.CharField(help_text='"" for a report posted through the API.')
    sha256 = serializers.CharField()
    lines = serializers.IntegerField(source="line_count")
    paid = serializers.IntegerField(source="paid_count")
    failed = serializers.IntegerField(source="failed_count")
    settled = serializers.IntegerField(source="settled_count", help_text="Lines this report settled.")


class Reported(serializers.Serializer):
    people = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Whole đồng.")


class Reconciliation(serializers.Serializer):
    """What the payer's reports have settled so far (all of them), as the run page counts it."""

    reported = serializers.IntegerField(help_text="Lines a payer's report has settled.")
    pending = serializers.IntegerField(help_text="Lines not yet reported.")
    paid = Reported()
    failed = Reported(help_text="Their months are owed again: the next run pays them as arrears.")
    reconciled_at = serializers.DateTimeField(allow_null=True)
    reports = PayerReportSerializer(many=True, help_text="The payer's reports, in the order they came.")


class RunSerializer(RunRowSerializer):
    """The run page: who prepared, approved and sent it, its totals and its reconciliation."""

    province = serializers.CharField(source="commune.province_id", help_text="The province's code.")
    prepared_by = StaffRef(allow_null=True, help_text="Null for a run beat prepared.")
    computed_at = serializers.DateTimeField(allow_null=True)
    approved_by = StaffRef(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    sent_by = StaffRef(source="exported_by", allow_null=True)
    sent_at = serializers.DateTimeField(source="exported_at", allow_null=True)
    totals = RunTotals()
    reconciliation = Reconciliation()


class BeneficiaryRef(serializers.Serializer):
    """Whom the line pays, as the run computed it (a snapshot: later edits of the case do not change it)."""

    case_uuid = serializers.UUIDField(source="case.uuid")
    person_uuid = serializers.UUIDField(source="case.person.uuid")
    full_name = serializers.CharField()
    national_id = MaskedIdentifier()


class AccountSerializer(serializers.Serializer):
    bank_bin = serializers.CharField(help_text="The bank's NAPAS BIN.")
    number = MaskedAccount(source="account_number", help_text="By its last 4 digits for the masked roles.")


class RunLineSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text='"<run>-<case>": the payer reports the line by it.')
    beneficiary = BeneficiaryRef(source="*")
    category = CategoryField()
    amount = serializers.IntegerField(help_text="Whole đồng: every month the line pays.")
    months = serializers.ListField(
        child=serializers.CharField(), help_text='The months it pays, "YYYY-MM", oldest first.'
    )
    arrears_months = serializers.IntegerField(help_text="Of those, months before the run's month (arrears).")
    months_failed_before = serializers.ListField(
        child=serializers.CharField(), help_text="Months a payer reported failed on an earlier line of the person."
    )
    breakdown = serializers.SerializerMethodField(
        help_text="The amount of each month and how it was computed, as the run computed it; null where it would "
        "tell a health-related category to a role that may not see it."
    )
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    account = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=RunLine.Status.choices)
    paid_on = serializers.DateField(allow_null=True)
    note = serializers.CharField(help_text="The payer's note (a failed line's reason).")

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_breakdown(self, line) -> list[str] | None:
        # Each month's explanation names the category ("… (5.6s, age 40)"): hidden where the category is.
        return None if category_for(line.category, self.context) != line.category else line.breakdown

    @extend_schema_field(AccountSerializer(allow_null=True))
    def get_account(self, line) -> dict | None:
        if line.payment_method != PaymentMethod.BANK:
            return None
        return AccountSerializer(line, context=self.context).data


# --- the payer's report -------------------------------------------------------------------------------


class ReportLine(serializers.Serializer):
    """One line of the payer's report: the columns of the CSV report (§4.3), and optionally the amount paid."""

    reference = serializers.CharField(max_length=32)
    status = serializers.ChoiceField(choices=REPORTED_STATUSES)
    paid_on = serializers.DateField(required=False, allow_null=True, help_text="Required for a paid line.")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default="",
        help_text="The payer's reason, required for a failed line.",
    )  # fmt: skip
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="Whole đồng; when given it must be the line's."
    )


class PayerReportBody(serializers.Serializer):
    lines = ReportLine(many=True, allow_empty=False, max_length=100_000)


class ReconcileResult(serializers.Serializer):
    report = serializers.IntegerField(help_text="The id of the payer's report recorded.")
    paid = serializers.IntegerField(help_text="Lines this report settled as paid.")
    failed = serializers.IntegerField(help_text="Lines this report settled as failed (their months owed again).")
    unchanged = serializers.IntegerField(help_text="Lines repeated with the status an earlier report gave them.")
    pending = serializers.IntegerField(help_text="Lines of the run still unreported.")
    reconciled = serializers.BooleanField(help_text="Whether every line is now reported (the run is reconciled).")
    run = RunRowSerializer()
    reconciliation = Reconciliation(help_text="The run's reconciliation after this report (all reports).")
