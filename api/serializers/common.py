"""What every part of the API answers alike: problem details, references to admin units, the identifier
and health masks (the context ``api.scoping.visibility`` gives, the pages' rule ``privacy.visibility``,
never a role test here) and the envelope of a list.
"""

from rest_framework import serializers

from households.models import DisabilityLevel
from privacy.visibility import HEALTH_CATEGORIES, mask_account, mask_value

# A disability's level as a role that may not see it reads it (the page's "with a disability").
WITH_DISABILITY = "with_disability"
DISABILITY_LEVELS_SHOWN = [*DisabilityLevel.choices, (WITH_DISABILITY, "with a disability")]
# A health-related allowance category as a role that may not see it reads it (the pages'
# "health-related category": the code alone tells HIV or a disability's level).
HEALTH_RELATED = "health_related"


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


class MaskedIdentifier(serializers.CharField):
    """A national ID, phone (E.164) or card number: in full for the roles that see identifiers, else
    all but its last 3 characters masked ("•••••••••234"), as on the pages."""

    def to_representation(self, value) -> str:
        value = value or ""
        return value if self.context["full_identifiers"] else mask_value(value)


class MaskedAccount(serializers.CharField):
    """A bank account number: in full for the roles that see identifiers, else by its last 4 digits
    ("••••6789"), as the run page shows it (a payer checks the end of a number)."""

    def to_representation(self, value) -> str:
        value = value or ""
        return value if self.context["full_identifiers"] else mask_account(value)


class CategoryField(serializers.CharField):
    """An allowance category's code ("5.5a"); a health-related one ("5.6s", HIV) reads
    ``health_related`` for the roles that may not see health data, as the pages generalise it."""

    def to_representation(self, value) -> str:
        return category_for(value, self.context)


def category_for(code: str, context: dict) -> str:
    """An allowance category's code as the serializers' ``context`` lets the reader see it."""
    return HEALTH_RELATED if code in HEALTH_CATEGORIES and not context["full_health"] else code


class DisabilityLevelField(serializers.ChoiceField):
    """The level for the roles that see health data; for the others only whether there is one."""

    def __init__(self, **kwargs):
        super().__init__(choices=DISABILITY_LEVELS_SHOWN, **kwargs)

    def to_representation(self, value) -> str:
        if value == DisabilityLevel.NONE or self.context["full_health"]:
            return value
        return WITH_DISABILITY


def page_of(serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The envelope of a list: the rows and the URL of the next page (null on the last)."""
    return type(
        f"{serializer.__name__.removesuffix('Serializer')}Page",
        (serializers.Serializer,),
        {"next": serializers.URLField(allow_null=True), "results": serializer(many=True)},
    )
