"""A household's support records, as the records list and the record page show them."""

from rest_framework import serializers

from api.serializers.common import CommuneRef
from support.models import Kind, Record, Source


class ProgrammeRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()


class MemberRef(serializers.Serializer):
    uuid = serializers.UUIDField()
    full_name = serializers.CharField()


class FundingLine(serializers.Serializer):
    source = serializers.ChoiceField(choices=Source.choices)
    donor = serializers.CharField(source="donor.name", default=None, allow_null=True)
    amount_vnd = serializers.IntegerField()


class SupportRecordSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    programme = ProgrammeRef()
    commune = CommuneRef()
    kind = serializers.ChoiceField(choices=Kind.choices)
    status = serializers.ChoiceField(choices=Record.Status.choices)
    person = MemberRef(allow_null=True, help_text="The member it was for, when it was for one.")
    planned_on = serializers.DateField()
    delivered_on = serializers.DateField(allow_null=True)
    value_vnd = serializers.IntegerField(help_text="đồng (0 for support in kind only)")
    in_kind = serializers.CharField()
    fundings = FundingLine(many=True, help_text="Which source paid how much; the lines sum to the value.")
