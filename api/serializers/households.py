"""The registry's answers: households, their members and persons (masked by ``api.serializers.common``)."""

from rest_framework import serializers

from api.serializers.common import CommuneRef, DisabilityLevelField, MaskedIdentifier, VillageRef
from geography.models import Area
from households.models import PovertyStatus, Relationship, Sex


class PersonSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    full_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    ethnicity = serializers.CharField(help_text="The code of the ethnic group (01 Kinh, …).")
    national_id = MaskedIdentifier()
    phone = MaskedIdentifier(help_text="E.164 (+84…), masked for the roles that see identifiers masked.")
    disability_level = DisabilityLevelField()
    health_insurance_number = MaskedIdentifier()
    date_of_death = serializers.DateField(allow_null=True)


class MemberSerializer(serializers.Serializer):
    person = PersonSerializer()
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    joined_on = serializers.DateField(allow_null=True, help_text="Null when not known (the paper registers).")
    left_on = serializers.DateField(allow_null=True)
    left_reason = serializers.CharField()


class YearStatus(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PovertyStatus.choices, allow_null=True)


class MatchedMember(serializers.Serializer):
    full_name = serializers.CharField()
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    birth_year = serializers.IntegerField()


class HeadRef(serializers.Serializer):
    uuid = serializers.UUIDField()
    full_name = serializers.CharField()


class HouseholdRowSerializer(serializers.Serializer):
    """A row of the household list: what the list page's row shows."""

    uuid = serializers.UUIDField()
    code = serializers.CharField()
    commune = CommuneRef()
    village = VillageRef(allow_null=True)
    head_name = serializers.CharField(source="head.full_name", default="")
    member_count = serializers.IntegerField()
    has_disability = serializers.BooleanField()
    year_status = YearStatus(help_text="The status of the year asked for (?year=), else of last year.")
    matched_member = MatchedMember(
        allow_null=True, help_text="A name search: the member (not the head) whose name matched, else null."
    )


class HouseholdSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    code = serializers.CharField()
    commune = CommuneRef()
    village = VillageRef(allow_null=True)
    address = serializers.CharField()
    area = serializers.ChoiceField(choices=Area.choices)
    head = HeadRef(allow_null=True)
    member_count = serializers.IntegerField()
    has_disability = serializers.BooleanField()
    dissolved_on = serializers.DateField(allow_null=True)
    statuses = YearStatus(many=True, help_text="The poverty status of each year, newest first.")
    members = MemberSerializer(many=True, source="current_members")
    former_members = MemberSerializer(many=True)


class PersonHousehold(serializers.Serializer):
    uuid = serializers.UUIDField(source="household.uuid")
    code = serializers.CharField(source="household.code")
    commune = CommuneRef(source="household.commune")
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    joined_on = serializers.DateField(allow_null=True)
    left_on = serializers.DateField(allow_null=True)


class PersonDetailSerializer(PersonSerializer):
    households = PersonHousehold(
        many=True, help_text="The person's households (current and past) in the caller's communes, oldest first."
    )
