"""Admin units: communes and their villages."""

from rest_framework import serializers

from api.serializers.common import ProvinceRef
from geography.models import Area, Commune, Village


class CommuneSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    division_type = serializers.ChoiceField(choices=Commune.DivisionType.choices)
    area = serializers.ChoiceField(choices=Area.choices)
    province = ProvinceRef()
    village_count = serializers.IntegerField()


class VillageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Village.Kind.choices)
