"""The registry's writes as the API reads them: the shape of the input only, as the pages' forms
(``households.forms``) check it; the services (``households.services``) decide what is allowed and
name the field they refuse."""

from decimal import Decimal

from rest_framework import serializers

from geography.models import Area
from households.ethnicity import ETHNIC_GROUPS, KINH
from households.models import DisabilityLevel, Relationship, Sex
from households.services import PersonData

NON_HEAD_RELATIONSHIPS = [choice for choice in Relationship.choices if choice[0] != Relationship.HEAD]
BIGINT_MAX = 2**63 - 1  # an id beyond it is no id (and PostgreSQL would refuse the comparison)


class FloorArea(serializers.FloatField):
    """A floor area in m², kept to one decimal as the page's field keeps it (numeric(6, 1)): a client's
    42.25 is 42.2, not a refusal, since a float cannot promise its decimals."""

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)  # the float, its bounds checked as a float
        return None if value is None else Decimal(str(round(value, 1)))


class PersonInput(serializers.Serializer):
    """A person as the registration and member forms take them (``households.forms.PersonForm``)."""

    full_name = serializers.CharField(max_length=120)
    national_id = serializers.CharField(
        min_length=12, max_length=12, required=False, allow_blank=True, default="",
        help_text="The 12-digit personal ID number; required from the age of 14.",
    )  # fmt: skip
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    ethnicity = serializers.ChoiceField(choices=ETHNIC_GROUPS, default=KINH, help_text="The group's code (01 Kinh).")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    disability_level = serializers.ChoiceField(choices=DisabilityLevel.choices, default=DisabilityLevel.NONE)
    health_insurance_number = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")

    @staticmethod
    def person_data(data: dict) -> PersonData:
        return PersonData(
            national_id=data["national_id"],
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            ethnicity=data["ethnicity"],
            phone=data["phone"],
            disability_level=data["disability_level"],
            health_insurance_number=data["health_insurance_number"],
        )


class RegisterMemberInput(PersonInput):
    relationship = serializers.ChoiceField(choices=NON_HEAD_RELATIONSHIPS, help_text="To the head.")


class HouseholdRegisterInput(serializers.Serializer):
    """The registration page's form: the household, its head and its other members (up to 20)."""

    commune = serializers.CharField(max_length=10, help_text="The code of a commune of the caller's.")
    village = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, help_text="A village of that commune.")
    code = serializers.CharField(max_length=30, help_text="Unique in the commune.")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    area = serializers.ChoiceField(
        choices=Area.choices, required=False, allow_null=True, default=None, help_text="Null: the commune's."
    )
    housing_area_m2 = FloorArea(
        min_value=1, max_value=99999.9, required=False, allow_null=True, default=None,
        help_text="The dwelling's floor area (m²), kept to 0.1 m².",
    )  # fmt: skip
    head = PersonInput()
    members = RegisterMemberInput(many=True, required=False, default=list, max_length=20)


class MemberAddInput(RegisterMemberInput):
    """The household page's "add a member" form."""

    joined_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Null: today.")


class DeathInput(serializers.Serializer):
    """The death form of a member's row."""

    date_of_death = serializers.DateField()
    new_head = serializers.UUIDField(
        required=False, allow_null=True, default=None,
        help_text="A current member of the household (their person uuid): required when the head dies and others live on.",
    )  # fmt: skip
    reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="", help_text="The page's note."
    )
