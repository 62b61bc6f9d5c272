"""Allowance cases: the list page's rows, the case page's data with this month's amount explained,
and the filing form's fields (masked by ``api.serializers.common``)."""

from rest_framework import serializers

from api.serializers.common import (
    CategoryCodeField,
    CommuneRef,
    DisabilityLevelField,
    MaskedAccount,
    MaskedIdentifier,
    VillageRef,
)
from beneficiaries.models import Case, PaymentMethod
from households.models import Sex


class CasePersonRef(serializers.Serializer):
    uuid = serializers.UUIDField()
    full_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    national_id = MaskedIdentifier()


class CaseRowSerializer(serializers.Serializer):
    """A row of the case list: what the list page's row shows."""

    uuid = serializers.UUIDField()
    person = CasePersonRef()
    commune = CommuneRef()
    household_uuid = serializers.UUIDField(allow_null=True, help_text="The person's current household, if any.")
    village_name = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Case.Status.choices)
    applied_on = serializers.DateField()
    categories = serializers.ListField(
        child=CategoryCodeField(),
        source="category_codes",
        help_text='The categories held now (or in `month` when filtered by it); "health_related" for the roles '
        "that may not see health data.",
    )
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)


class CasePerson(CasePersonRef):
    sex = serializers.ChoiceField(choices=Sex.choices)
    disability_level = DisabilityLevelField()
    date_of_death = serializers.DateField(allow_null=True)


class CaseHousehold(serializers.Serializer):
    uuid = serializers.UUIDField()
    code = serializers.CharField()
    village = VillageRef(allow_null=True)


class CaseCategoryRow(serializers.Serializer):
    code = CategoryCodeField(source="category_id")
    dependent_children = serializers.IntegerField(help_text="For 5.4 (paid per dependent child); else 0.")
    from_month = serializers.DateField(allow_null=True, help_text="Null: from the case's first month paid.")
    to_month = serializers.DateField(allow_null=True, help_text="Null: still held.")


class Decision(serializers.Serializer):
    number = serializers.CharField(source="decision_number")
    date = serializers.DateField(source="decision_date")


class Payment(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices, source="payment_method")
    bank_bin = serializers.CharField(help_text="The bank's NAPAS BIN; empty for cash.")
    account_number = MaskedAccount(help_text="Masked (last 4 digits) for the roles that see identifiers masked.")
    account_name = serializers.CharField()


class MonthLine(serializers.Serializer):
    """One month owed, as the case page explains it: base level × the highest coefficient payable at
    the person's age that month, plus base × the 5.4 coefficient × dependent children."""

    month = serializers.DateField()
    arrears = serializers.BooleanField(help_text="A month before this one, not yet paid.")
    age = serializers.IntegerField(help_text="Completed years on the month's last day.")
    base = serializers.IntegerField(help_text="The base level of the month (đồng).")
    category = CategoryCodeField(help_text="The category whose coefficient is paid; empty when none.")
    coefficient = serializers.DecimalField(max_digits=4, decimal_places=2)
    per_child_category = CategoryCodeField()
    per_child_coefficient = serializers.DecimalField(max_digits=4, decimal_places=2)
    dependent_children = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="đồng")


class MonthAmount(serializers.Serializer):
    month = serializers.DateField(help_text="This month (its first day).")
    amount = serializers.IntegerField(help_text="What this month itself is owed (đồng); 0 when paid or not payable.")
    owed = serializers.IntegerField(help_text="This month and the months of arrears together (đồng).")
    month_paid = serializers.BooleanField(help_text="This month is already paid (by a run, or before the product).")
    lines = MonthLine(many=True, help_text="The months owed, arrears (oldest first) then this month.")


class CaseSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    commune = CommuneRef()
    applied_on = serializers.DateField()
    person = CasePerson()
    household = CaseHousehold(allow_null=True, source="page.household", help_text="The person's current household.")
    categories = CaseCategoryRow(
        many=True, source="page.categories", help_text="Every category row, by from-month then the decree's order."
    )
    decision = Decision(allow_null=True, help_text="The chair's decision; null until decided.")
    start_month = serializers.DateField(allow_null=True)
    end_month = serializers.DateField(allow_null=True)
    payment = Payment(source="*")
    this_month = MonthAmount()


def case_answer(case: Case, page, month) -> Case:
    """The case with what the case page shows beside it (``beneficiaries.selectors.case_page`` of
    ``month``), in the shape ``CaseSerializer`` reads."""
    case.page = page
    case.decision = case if case.decision_number else None
    case.this_month = {
        "month": month,
        "amount": page.current.amount if page.current else 0,
        "owed": page.total,
        "month_paid": page.month_paid,
        "lines": [
            {**{name: getattr(line, name) for name in MONTH_LINE_FIELDS}, "arrears": line.month < month}
            for line in page.months
        ],
    }
    return case


MONTH_LINE_FIELDS = (
    "month", "age", "base", "category", "coefficient", "per_child_category", "per_child_coefficient",
    "dependent_children", "amount",
)  # fmt: skip


class CaseFileSerializer(serializers.Serializer):
    """What the case form asks (its document aside: add it on the case page)."""

    person = serializers.UUIDField(help_text="A person living in a household of the caller's communes.")
    categories = serializers.ListField(child=serializers.CharField(max_length=8), help_text='e.g. ["5.5a"]')
    dependent_children = serializers.IntegerField(
        min_value=0, max_value=30, required=False, allow_null=True, help_text="Only for 5.4: dependent children."
    )
    applied_on = serializers.DateField()
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    bank_bin = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    account_number = serializers.CharField(max_length=19, required=False, allow_blank=True, default="")
    account_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
