"""The dashboards' figures of a month (``reports.figures``): counts, đồng and rates, never a person."""

from rest_framework import serializers

from api.serializers.common import CommuneRef, ProvinceRef
from disbursements.models import Run


class Registry(serializers.Serializer):
    households = serializers.IntegerField(help_text="Households not dissolved, now.")
    members = serializers.IntegerField(help_text="Their living current members.")


class Poverty(serializers.Serializer):
    """The list in force in the month's year (the statuses of ``status_year``; null: no list yet)."""

    status_year = serializers.IntegerField(allow_null=True)
    poor = serializers.IntegerField()
    near_poor = serializers.IntegerField()
    middle_income = serializers.IntegerField()
    listed = serializers.IntegerField(help_text="Poor and near-poor.")
    listed_rate = serializers.FloatField(help_text="Percent of the households.")
    poor_rate = serializers.FloatField()
    near_poor_rate = serializers.FloatField()
    previous_poor = serializers.IntegerField(help_text="On the list of the year before.")
    previous_near_poor = serializers.IntegerField()
    escaped_poverty = serializers.IntegerField()
    escaped_near_poverty = serializers.IntegerField()
    new_listed = serializers.IntegerField()
    fell_back = serializers.IntegerField()
    planned_reduction = serializers.IntegerField(allow_null=True, help_text="The review's target, if any.")
    plan_achieved = serializers.IntegerField()
    plan_percent = serializers.FloatField(allow_null=True)


class Beneficiaries(serializers.Serializer):
    """People paid for the month: in all (each once), by clause of Decree 20 Art. 5 and by category."""

    people = serializers.IntegerField(source="beneficiaries")
    by_clause = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())


class MonthRun(serializers.Serializer):
    """The month's run (of a province: the sums of its communes' runs; ``id`` and ``status`` null)."""

    id = serializers.IntegerField(source="run_id", allow_null=True)
    status = serializers.ChoiceField(
        source="run_status", choices=Run.Status.choices, allow_blank=True, help_text='"": no run this month.'
    )
    people = serializers.IntegerField(source="run_people")
    bank_people = serializers.IntegerField(source="run_bank_people")
    cash_people = serializers.IntegerField(source="run_cash_people")
    total_amount = serializers.IntegerField(source="run_total_vnd", help_text="Whole đồng.")
    bank_amount = serializers.IntegerField(source="run_bank_vnd")
    cash_amount = serializers.IntegerField(source="run_cash_vnd")
    bank_share = serializers.FloatField(help_text="Percent of the people paid through a bank account.")


class HealthInsurance(serializers.Serializer):
    """Holders of a valid card on the month's coverage day (its last day, or today while it runs)."""

    living_members = serializers.IntegerField()
    members_covered = serializers.IntegerField()
    member_coverage = serializers.FloatField()
    beneficiaries = serializers.IntegerField()
    beneficiaries_covered = serializers.IntegerField()
    beneficiary_coverage = serializers.FloatField()


class OpenWork(serializers.Serializer):
    """As of today."""

    cases_applied = serializers.IntegerField()
    cases_verified = serializers.IntegerField()
    cases_suspended = serializers.IntegerField()
    complaints_open = serializers.IntegerField()
    complaints_overdue = serializers.IntegerField()
    cards_expiring = serializers.IntegerField()


class Figures(serializers.Serializer):
    registry = Registry(source="*")
    poverty = Poverty(source="*")
    beneficiaries = Beneficiaries(source="*")
    run = MonthRun(source="*")
    health_insurance = HealthInsurance(source="*")
    open_work = OpenWork(source="*")
    late_run = serializers.BooleanField()
    late_review = serializers.BooleanField()


class CommuneFiguresSerializer(Figures):
    commune = CommuneRef(source="*")


class YearRate(serializers.Serializer):
    year = serializers.IntegerField()
    households = serializers.IntegerField()
    poor = serializers.IntegerField()
    near_poor = serializers.IntegerField()
    rate = serializers.FloatField()


class MonthPayments(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    bank_amount = serializers.IntegerField(source="bank_vnd")
    cash_amount = serializers.IntegerField(source="cash_vnd")
    total_amount = serializers.IntegerField(source="total_vnd")


class MonthCoverage(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    day = serializers.DateField()
    living_members = serializers.IntegerField()
    members_covered = serializers.IntegerField()
    beneficiaries = serializers.IntegerField()
    beneficiaries_covered = serializers.IntegerField()


class Report(serializers.Serializer):
    month = serializers.DateField(source="period.month", format="%Y-%m")
    computed_at = serializers.DateTimeField()
    total = Figures()
    poverty_years = YearRate(many=True, help_text="The poverty rate of the last years, oldest first.")
    payment_months = MonthPayments(many=True, help_text="Đồng paid by the runs of the twelve months to this one.")


class CommuneReportSerializer(Report):
    commune = CommuneRef()
    coverage_trend = MonthCoverage(many=True, help_text="Health-insurance coverage, the twelve months to this one.")


class ProvinceReportSerializer(Report):
    province = ProvinceRef()
    communes = CommuneFiguresSerializer(many=True, help_text="The caller's communes of the province, by name.")
