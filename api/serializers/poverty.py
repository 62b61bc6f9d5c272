"""The list of poor and near-poor households in force in a year, as the registry keeps it."""

from rest_framework import serializers

from api.serializers.common import VillageRef
from povertyreview.selectors import LISTED


class ListDecision(serializers.Serializer):
    number = serializers.CharField(source="decision_number")
    date = serializers.DateField(source="decision_date", allow_null=True)


class PovertyListRowSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    code = serializers.CharField()
    village = VillageRef(allow_null=True)
    head_name = serializers.CharField(source="head.full_name", default="")
    status = serializers.ChoiceField(choices=[(status, status) for status in LISTED], source="list_status")
    list_year = serializers.IntegerField(
        help_text="The year of the list the status comes from: earlier than `year` while that year's list is not "
        "yet recognised (the list before it stays in force)."
    )
    decision = ListDecision(
        allow_null=True,
        source="list_decision",
        help_text="The chair's decision recognising the review that made this list; null for a list kept before "
        "the product (imported).",
    )
