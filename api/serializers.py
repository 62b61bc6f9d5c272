"""What the API answers, field by field. Read-only; the identifiers and health fields are masked by the
context ``api.scoping.visibility`` gives (the pages' rule, ``privacy.visibility``), never by a role test
here.
"""

from rest_framework import serializers

from geography.models import Area, Commune, Village
from households.models import DisabilityLevel, PovertyStatus, Relationship, Sex
from privacy.visibility import mask_value

# A disability's level as a role that may not see it reads it (the page's "with a disability").
WITH_DISABILITY = "with_disability"


class Problem(serializers.Serializer):
    """RFC 9457 problem details (documentation only: ``api.problems`` writes them)."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text='For a 400: [{"field": "q", "detail": "…"}]; "field" is absent for an error of the whole request.',
    )


class ProvinceRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CommuneRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class VillageRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


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


class MaskedIdentifier(serializers.CharField):
    """A national ID, phone (E.164) or card number: in full for the roles that see identifiers, else
    all but its last 3 characters masked ("•••••••••234"), as on the pages."""

    def to_representation(self, value) -> str:
        value = value or ""
        return value if self.context["full_identifiers"] else mask_value(value)


class DisabilityLevelField(serializers.ChoiceField):
    """The level for the roles that see health data; for the others only whether there is one."""

    def __init__(self, **kwargs):
        super().__init__(choices=[*DisabilityLevel.choices, (WITH_DISABILITY, "with a disability")], **kwargs)

    def to_representation(self, value) -> str:
        if value == DisabilityLevel.NONE or self.context["full_health"]:
            return value
        return WITH_DISABILITY


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


def page_of(serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The envelope of a list: the rows and the URL of the next page (null on the last)."""
    return type(
        f"{serializer.__name__.removesuffix('Serializer')}Page",
        (serializers.Serializer,),
        {"next": serializers.URLField(allow_null=True), "results": serializer(many=True)},
    )
