"""The SPDCI social-registry API (Social Registry API v1.0.0, ``spdci/standards``
``release/yaml/social_api_v1.0.0.yaml``): the envelope of its sync search and txn status, and our households
and persons as its Group and Member records (``docs/api-spdci.md`` says field by field what is mapped).

Identifiers are masked through ``api.serializers.common.MaskedIdentifier`` (the context of
``api.scoping.visibility``), as on the household endpoints; a disability is only "is_disabled", which every
role that reads the household sees.
"""

from django.core.validators import RegexValidator
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from api import spdci
from api.serializers.common import MaskedIdentifier
from households.models import DisabilityLevel, Relationship, Sex

VERSION = "1.0.0"
SEARCH_STATUS_REASON_CODES = [
    "rjct.reference_id.invalid", "rjct.reference_id.duplicate", "rjct.timestamp.invalid",
    "rjct.search_criteria.invalid", "rjct.filter.invalid", "rjct.sort.invalid", "rjct.pagination.invalid",
    "rjct.search.too_many_records_found",
]  # fmt: skip
MAX_BATCH = 10  # requests in one message: each is a search of its own
REQUEST_STATUSES = ["rcvd", "pdng", "succ", "rjct"]
SPDCI_SEX = ["male", "female"]
SEX = {Sex.MALE: "male", Sex.FEMALE: "female"}


# --- the request envelope ---------------------------------------------------------------------------


def only(value: str, **kwargs) -> serializers.ChoiceField:
    """A field of one allowed value, written in the schema as a pattern: an enum of one value would be an
    enum component named after the field, colliding with the other "action"s and "txn_type"s."""
    schema = {"type": "string", "pattern": f"^{value}$"}  # our values are letters and dashes
    field_class = extend_schema_field(schema)(type("Only", (serializers.ChoiceField,), {}))
    return field_class(choices=[value], **kwargs)


# A text PostgreSQL can hold: no NUL (said in the schema as a pattern, so that a client, and schemathesis,
# know it before asking); a lone surrogate is refused by DRF's CharField itself.
STORABLE = "^[^\\x00]*$"


class Text(serializers.CharField):
    """A string, and only a string (DRF's CharField would take 0 for "0", which the schema refuses), that
    PostgreSQL can hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)  # " " is a text of one character, as the schema says
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(STORABLE, message="A NUL is not a text."))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumber(serializers.IntegerField):
    """A JSON integer, not "1" nor 1.0 (as the schema says)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Boolean(serializers.BooleanField):
    """A JSON true or false, not "yes" nor 1."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


@extend_schema_field({"type": "boolean", "enum": [False], "description": "Encrypted messages are not supported."})
class NotEncrypted(Boolean):
    def to_internal_value(self, data):
        if super().to_internal_value(data):
            raise serializers.ValidationError("Encrypted messages are not supported: send the message in clear.")
        return False


class MsgHeaderSerializer(serializers.Serializer):
    """MsgHeader_V1.0.0, its ``action`` the endpoint's (``search`` or ``txn-status``). ``total_count`` is
    not compared with the number of requests (each request is answered for itself)."""

    version = Text(max_length=20, required=False, default=VERSION)
    message_id = Text(max_length=99)
    message_ts = serializers.DateTimeField()
    sender_id = Text(max_length=99)
    sender_uri = Text(max_length=500, required=False, allow_blank=True)
    receiver_id = Text(max_length=99, required=False, allow_blank=True)
    total_count = WholeNumber(min_value=0, max_value=1_000_000)
    is_msg_encrypted = NotEncrypted(required=False, default=False)
    meta = serializers.JSONField(required=False, allow_null=True)


class SearchHeaderSerializer(MsgHeaderSerializer):
    action = only("search")


class TxnStatusHeaderSerializer(MsgHeaderSerializer):
    action = only("txn-status")


class SearchCriteriaSerializer(serializers.Serializer):
    """``search_criteria``. Its shape is checked here (a wrong shape: a 400); what it asks is read by
    ``api.spdci.read_criteria`` (a question we do not answer: that request is "rjct" with a reason code)."""

    version = Text(max_length=20, required=False)
    reg_type = Text(
        max_length=200, required=False, allow_blank=True,
        help_text="Accepted for the registry core API's clients and not read: this API is one registry's.",
    )  # fmt: skip
    reg_event_type = Text(max_length=200, required=False, allow_blank=True, help_text="Not read.")
    query_type = serializers.ChoiceField(choices=["idtype-value", "expression", "predicate"])
    response_entity = serializers.ChoiceField(
        choices=["Group", "Member"], required=False, default="Group",
        help_text="Group: households with their members; Member: the persons found.",
    )  # fmt: skip
    query = serializers.JSONField(
        allow_null=True,
        help_text='idtype-value: {"type": "NATIONAL_ID" | "PHONE", "value": "…"}; predicate: '
        '[{"seq_num": 1, "expression1": {"attribute_name": "name" | "national_id" | "phone" | "birth_date", '
        '"operator": "eq", "attribute_value": "…"}, "condition": "and", "expression2": {…}}]; expression: refused.',
    )
    sort = serializers.JSONField(
        required=False, allow_null=True, help_text="Refused (rjct.sort.invalid) when not empty."
    )
    pagination = serializers.JSONField(
        required=False, allow_null=True, help_text="{page_size (1-200, 50), page_number (from 1)}."
    )
    consent = serializers.JSONField(required=False, allow_null=True, help_text="Accepted, not read.")
    authorize = serializers.JSONField(required=False, allow_null=True, help_text="Accepted, not read.")


class SearchRequestItemSerializer(serializers.Serializer):
    reference_id = Text(max_length=99)
    timestamp = Text(max_length=50, help_text="ISO 8601 with its time zone.")
    search_criteria = serializers.DictField(help_text="A SearchCriteria (see its schema).")
    locale = Text(max_length=20, required=False, allow_blank=True, allow_null=True)


class SearchRequestSerializer(serializers.Serializer):
    transaction_id = Text(max_length=99)
    search_request = serializers.ListField(child=SearchRequestItemSerializer(), min_length=1, max_length=MAX_BATCH)


class SearchEnvelopeSerializer(serializers.Serializer):
    """The body of ``sync/search``: ``signature`` (accepted, not verified), ``header``, ``message``."""

    signature = Text(required=False, allow_blank=True, help_text="Accepted, not verified.")
    header = SearchHeaderSerializer()
    message = SearchRequestSerializer()


REFERENCE = {"type": "string", "minLength": 1, "maxLength": 99, "pattern": STORABLE}


@extend_schema_field({"oneOf": [REFERENCE, {"type": "array", "items": REFERENCE, "minItems": 1, "maxItems": 100}]})
class AttributeValue(serializers.JSONField):
    """A string or a list of 1 to 100 strings, each of 1 to 99 characters."""

    def to_internal_value(self, data):
        def fits(item) -> bool:
            return isinstance(item, str) and 0 < len(item) <= 99

        if not (fits(data) or (isinstance(data, list) and 1 <= len(data) <= 100 and all(map(fits, data)))):
            raise serializers.ValidationError("A string, or a list of 1 to 100 strings (1 to 99 characters each).")
        return data


class TxnStatusRequestItemSerializer(serializers.Serializer):
    reference_id = Text(max_length=99)
    txn_type = only("search", help_text="Only searches are kept.")
    attribute_type = serializers.ChoiceField(choices=["transaction_id", "reference_id_list", "correlation_id"])
    attribute_value = AttributeValue(
        help_text="A transaction_id or correlation_id (a string), or a list of reference_ids (1 to 100); one "
        "that is not of its attribute_type names no transaction (404)."
    )
    locale = Text(max_length=20, required=False, allow_blank=True, allow_null=True)


class TxnStatusRequestSerializer(serializers.Serializer):
    transaction_id = Text(max_length=99)
    txnstatus_request = TxnStatusRequestItemSerializer()


class TxnStatusEnvelopeSerializer(serializers.Serializer):
    signature = Text(required=False, allow_blank=True, help_text="Accepted, not verified.")
    header = TxnStatusHeaderSerializer()
    message = TxnStatusRequestSerializer()


# --- the records ---------------------------------------------------------------------------------------


class Constant(serializers.CharField):
    """A field whose value is always the same (a JSON-LD ``@type``)."""

    def __init__(self, value: str, **kwargs):
        self.value = value
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, _instance) -> str:
        return self.value


class Typed(serializers.Serializer):
    """A JSON-LD object of the spec: its ``@type`` first."""

    json_type = ""

    def get_fields(self):
        return {"@type": Constant(self.json_type), **super().get_fields()}


class SpdciIdentifierSerializer(Typed):
    """One of our own ids (a uuid, a household code): shown to every role."""

    json_type = "Identifier"
    identifier_type = serializers.CharField()
    identifier_value = serializers.CharField()


class SpdciPersonIdentifierSerializer(SpdciIdentifierSerializer):
    """A person's national ID, phone or card number: masked for the roles that see them masked."""

    identifier_value = MaskedIdentifier()


class SpdciNameSerializer(Typed):
    """A Vietnamese full name, family name first: "Nguyễn Văn An" is surname Nguyễn, second_name Văn,
    given_name An. The full name is kept whole in ``full_name`` (names of one or two words, or more middle
    names, split the same way)."""

    json_type = "Name"
    surname = serializers.SerializerMethodField()
    second_name = serializers.SerializerMethodField()
    given_name = serializers.SerializerMethodField()
    full_name = serializers.CharField(help_text="Not of the spec: the name as registered, whole.")

    def get_surname(self, person) -> str:
        words = person.full_name.split()
        return words[0] if len(words) > 1 else ""

    def get_second_name(self, person) -> str:
        return " ".join(person.full_name.split()[1:-1])

    def get_given_name(self, person) -> str:
        words = person.full_name.split()
        return words[-1] if words else ""


class SpdciSRPersonSerializer(Typed):
    json_type = "SRPerson"
    identifier = serializers.SerializerMethodField()
    name = SpdciNameSerializer(source="*")
    sex = serializers.SerializerMethodField()
    birth_date = serializers.DateField(source="date_of_birth")

    @extend_schema_field(SpdciPersonIdentifierSerializer(many=True))
    def get_identifier(self, person) -> list:
        ids = [
            {"identifier_type": id_type, "identifier_value": value}
            for id_type, value in (
                (spdci.NATIONAL_ID, person.national_id),
                (spdci.PHONE, person.phone),
                (spdci.HEALTH_INSURANCE, person.health_insurance_number),
            )
            if value
        ]
        return SpdciPersonIdentifierSerializer(ids, many=True, context=self.context).data

    @extend_schema_field(serializers.ChoiceField(choices=SPDCI_SEX))
    def get_sex(self, person) -> str:
        return SEX.get(person.sex, "")


class SpdciMemberSerializer(Typed):
    """A current membership as the spec's Member."""

    json_type = "Member"
    member_identifier = serializers.SerializerMethodField()
    demographic_info = SpdciSRPersonSerializer(source="person")
    relationship_head = serializers.ChoiceField(
        source="relationship", choices=Relationship.choices, help_text="Our relationship to the head."
    )
    is_disabled = serializers.SerializerMethodField()
    registration_date = serializers.DateField(
        source="joined_on", allow_null=True, help_text="Member of the household since (null: not known)."
    )

    @extend_schema_field(SpdciIdentifierSerializer(many=True))
    def get_member_identifier(self, membership) -> list:
        return SpdciIdentifierSerializer(
            [{"identifier_type": spdci.PERSON_UUID, "identifier_value": str(membership.person.uuid)}], many=True
        ).data

    def get_is_disabled(self, membership) -> bool:
        return membership.person.disability_level != DisabilityLevel.NONE


class SpdciAttributeSerializer(serializers.Serializer):
    """AttributeNameValue."""

    name = serializers.CharField()
    value = serializers.JSONField()


class SpdciFoundMemberSerializer(SpdciMemberSerializer):
    """A person found by a Member search, with the household they are a member of."""

    additional_attributes = serializers.SerializerMethodField()

    @extend_schema_field(SpdciAttributeSerializer(many=True))
    def get_additional_attributes(self, membership) -> list:
        household = membership.household
        return [
            {"name": "household_uuid", "value": str(household.uuid)},
            {"name": "household_code", "value": household.code},
            {"name": "commune_code", "value": household.commune_id},
        ]


class SpdciPlaceSerializer(Typed):
    json_type = "Place"
    address = serializers.SerializerMethodField()

    def get_address(self, household) -> str:
        parts = [household.address, household.village.name if household.village else "", household.commune.name]
        return ", ".join(part for part in parts if part)


class SpdciGroupSerializer(Typed):
    """A current household as the spec's Group, with its current members."""

    json_type = "Group"
    group_identifier = serializers.SerializerMethodField()
    group_type = Constant("household")
    place = SpdciPlaceSerializer(source="*")
    group_size = serializers.IntegerField(source="member_count")
    group_head_info = serializers.SerializerMethodField()
    member_list = SpdciMemberSerializer(source="current_memberships", many=True)
    registration_date = serializers.DateTimeField(source="created_at", help_text="Registered in this system.")
    last_updated = serializers.DateTimeField(source="updated_at")
    additional_attributes = serializers.SerializerMethodField()

    @extend_schema_field(SpdciIdentifierSerializer(many=True))
    def get_group_identifier(self, household) -> list:
        return SpdciIdentifierSerializer(
            [
                {"identifier_type": spdci.HOUSEHOLD_UUID, "identifier_value": str(household.uuid)},
                {"identifier_type": spdci.HOUSEHOLD_CODE, "identifier_value": household.code},
            ],
            many=True,
        ).data

    @extend_schema_field(SpdciMemberSerializer(allow_null=True))
    def get_group_head_info(self, household) -> dict | None:
        head = next((m for m in household.current_memberships if m.person_id == household.head_id), None)
        return SpdciMemberSerializer(head, context=self.context).data if head else None

    @extend_schema_field(SpdciAttributeSerializer(many=True))
    def get_additional_attributes(self, household) -> list:
        year_status = household.year_status
        return [
            {"name": "commune_code", "value": household.commune_id},
            {"name": "village_id", "value": household.village_id},
            {"name": "area", "value": household.area},
            {"name": "has_disability", "value": household.has_disability},
            {"name": "poverty_status_year", "value": year_status["year"]},
            {"name": "poverty_status", "value": year_status["status"]},
        ]


# --- the response envelope (documentation: the view writes it) ------------------------------------------


class CallbackHeaderSerializer(serializers.Serializer):
    """MsgCallbackHeader_V1.0.0."""

    version = serializers.CharField()
    message_id = serializers.CharField()
    message_ts = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=["on-search", "txn-on-status"])
    status = serializers.ChoiceField(choices=REQUEST_STATUSES)
    total_count = serializers.IntegerField()
    completed_count = serializers.IntegerField()
    sender_id = serializers.CharField()
    receiver_id = serializers.CharField()
    is_msg_encrypted = serializers.BooleanField()


class PaginationSerializer(serializers.Serializer):
    page_size = serializers.IntegerField()
    page_number = serializers.IntegerField()
    total_count = serializers.IntegerField(help_text="Counted up to 100,001 (then: more than 100,000).")


RegRecord = PolymorphicProxySerializer(
    component_name="SpdciRegRecord", serializers=[SpdciGroupSerializer, SpdciFoundMemberSerializer],
    resource_type_field_name=None, many=True,
)  # fmt: skip


class SearchDataSerializer(serializers.Serializer):
    version = serializers.CharField()
    reg_type = serializers.CharField(help_text='Of the registry core API: "ns:org:RegistryType:Social".')
    reg_record_type = serializers.ChoiceField(choices=["Group", "Member"], help_text="Of the registry core API.")
    reg_records = RegRecord


class SearchResponseItemSerializer(serializers.Serializer):
    reference_id = serializers.CharField()
    timestamp = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=REQUEST_STATUSES)
    status_reason_code = serializers.ChoiceField(choices=SEARCH_STATUS_REASON_CODES, required=False)
    status_reason_message = serializers.CharField(required=False)
    data = SearchDataSerializer(required=False, help_text="A succeeded request's records (not in txn/status).")
    pagination = PaginationSerializer(required=False)
    locale = serializers.CharField(required=False)


class SearchResponseSerializer(serializers.Serializer):
    transaction_id = serializers.CharField()
    correlation_id = serializers.CharField()
    search_response = SearchResponseItemSerializer(many=True)


class SearchResultEnvelopeSerializer(serializers.Serializer):
    header = CallbackHeaderSerializer()
    message = SearchResponseSerializer()


class TxnStatusResponseItemSerializer(serializers.Serializer):
    txn_type = only("search")
    txn_status = SearchResponseSerializer()


class TxnStatusResponseSerializer(serializers.Serializer):
    transaction_id = serializers.CharField()
    correlation_id = serializers.CharField()
    txnstatus_response = TxnStatusResponseItemSerializer()


class TxnStatusResultEnvelopeSerializer(serializers.Serializer):
    header = CallbackHeaderSerializer()
    message = TxnStatusResponseSerializer()
