"""The Digital Convergence Initiative's social-registry API (SPDCI Social Registry API v1.0.0): the sync
search of households (Group) and persons (Member) by identifier, name and birth date, and the status of an
earlier search (``sync/txn/status``). docs/api-spdci.md says what is mapped and what is not.

A search is a read: it needs ``registry:read`` although it is a POST, and it reads through the household
list's door (``api.scoping``: the actor's communes, the list's search, the refusal of part of a number for
the roles that see identifiers masked), masks as the household endpoints do, and is recorded in the access
log (purpose "api") with its query and count, one row for each request of the batch that was answered.

An envelope that is not the spec's (a missing header field, the wrong action, an encrypted message) is a
400 problem; a request of the batch whose criteria we do not answer is "rjct" with the spec's reason code,
the others of the batch answered.
"""

import uuid

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api import scoping, spdci
from api.models import SpdciTransaction
from api.serializers.common import Problem
from api.serializers.spdci import (
    VERSION,
    SearchCriteriaSerializer,
    SearchEnvelopeSerializer,
    SearchResultEnvelopeSerializer,
    SpdciFoundMemberSerializer,
    SpdciGroupSerializer,
    TxnStatusEnvelopeSerializer,
    TxnStatusResultEnvelopeSerializer,
)
from api.views.base import ERRORS, INVALID, PROBLEM_JSON, ApiView
from households.selectors import count_up_to, status_for_year
from privacy.log import Purpose, record_view

# Who answers (the header's sender_id) and which registry (the core API's reg_type).
SENDER_ID = "casework"
REG_TYPE = "ns:org:RegistryType:Social"
# The envelope is JSON only (the spec's multipart file upload is not supported).
NOT_JSON = {(415, PROBLEM_JSON): Problem}

SEARCH_EXAMPLE = {
    "signature": "",
    "header": {
        "version": "1.0.0", "message_id": "m-1", "message_ts": "2026-03-01T10:00:00+07:00", "action": "search",
        "sender_id": "spmis.example.org", "total_count": 1,
    },
    "message": {
        "transaction_id": "t-1",
        "search_request": [{
            "reference_id": "r-1", "timestamp": "2026-03-01T10:00:00+07:00",
            "search_criteria": {
                "query_type": "predicate", "response_entity": "Group",
                "query": [{"seq_num": 1, "expression1": {"attribute_name": "name", "operator": "eq",
                                                        "attribute_value": "tran thi binh"}}],
                "pagination": {"page_size": 10, "page_number": 1},
            },
        }],
    },
}  # fmt: skip


def _now() -> str:
    return timezone.localtime().isoformat()


def _callback_header(header: dict, action: str, count: int) -> dict:
    """MsgCallbackHeader: the message was processed (each request says its own status)."""
    return {
        "version": VERSION,
        "message_id": str(uuid.uuid4()),
        "message_ts": _now(),
        "action": action,
        "status": "succ",
        "total_count": count,
        "completed_count": count,
        "sender_id": SENDER_ID,
        "receiver_id": header["sender_id"],
        "is_msg_encrypted": False,
    }


def _first_error(errors) -> str:
    """The first message of a serializer's errors, named by its field: "query_type: …"."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            inner = _first_error(value)
            return inner if key == "non_field_errors" else f"{key}: {inner}"
    if isinstance(errors, list) and errors:
        return _first_error(errors[0])
    return str(errors)


@extend_schema(tags=["spdci"])
class SyncSearch(ApiView):
    """``POST registry/sync/search``: a batch of searches answered at once."""

    scope_area = "registry"
    write_scope = "registry:read"  # a search is a read, whatever its method

    @extend_schema(
        operation_id="spdci_sync_search",
        summary="Search households (Group) or persons (Member) by identifier, name and birth date",
        request=SearchEnvelopeSerializer,
        responses={200: SearchResultEnvelopeSerializer, **INVALID, **ERRORS, **NOT_JSON},
        examples=[OpenApiExample("A name, as a predicate", value=SEARCH_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        actor = scoping.actor(request)
        envelope = SearchEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        header, message = envelope.validated_data["header"], envelope.validated_data["message"]
        context = scoping.visibility(actor)
        seen: set[str] = set()
        answers = [self._answer(request, actor, item, seen, context) for item in message["search_request"]]
        succeeded = any(answer["status"] == "succ" for answer in answers)
        transaction = SpdciTransaction.objects.create(
            transaction_id=message["transaction_id"],
            message_id=header["message_id"],
            actor=actor,
            status=SpdciTransaction.Status.SUCCEEDED if succeeded else SpdciTransaction.Status.REJECTED,
            reference_ids=[item["reference_id"] for item in message["search_request"]],
            # What txn/status answers later: each request's outcome without its records (see the model).
            responses=[{key: value for key, value in answer.items() if key != "data"} for answer in answers],
        )
        return Response({
            "header": _callback_header(header, "on-search", len(answers)),
            "message": {
                "transaction_id": message["transaction_id"],
                "correlation_id": str(transaction.correlation_id),
                "search_response": answers,
            },
        })  # fmt: skip

    def _answer(self, request, actor, item: dict, seen: set[str], context: dict) -> dict:
        answer = {"reference_id": item["reference_id"], "timestamp": _now()}
        try:
            criteria = self._criteria(actor, item, seen)
        except spdci.Rejected as rejected:
            return {
                **answer, "status": "rjct", "status_reason_code": rejected.code,
                "status_reason_message": rejected.message,
            }  # fmt: skip
        records, total, person_ids, commune_ids = self._search(actor, criteria, context)
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=person_ids,
            commune_ids=commune_ids,
            count=total,
            filters=criteria.log,
        )
        return {
            **answer,
            "status": "succ",
            "data": {"version": VERSION, "reg_type": REG_TYPE, "reg_record_type": criteria.entity,
                     "reg_records": records},
            "pagination": {"page_size": criteria.page_size, "page_number": criteria.page_number, "total_count": total},
        }  # fmt: skip

    def _criteria(self, actor, item: dict, seen: set[str]) -> spdci.Criteria:
        """The request's criteria as the list's filters, or ``Rejected``: a repeated reference id, a
        timestamp that is not one, criteria of the wrong shape, part of a number searched by a masked role
        (the list's own refusal and message), or a question we do not answer (``api.spdci``)."""
        if item["reference_id"] in seen:
            raise spdci.Rejected(spdci.REFERENCE_DUPLICATE, "This reference_id is already in the batch.")
        seen.add(item["reference_id"])
        try:
            stamp = parse_datetime(item["timestamp"])
        except ValueError:
            stamp = None
        if stamp is None:
            raise spdci.Rejected(spdci.TIMESTAMP_INVALID, "The timestamp is an ISO 8601 date and time.")
        if spdci.unstorable_text(item["search_criteria"]):
            raise spdci.Rejected(spdci.CRITERIA_INVALID, "A text holds a NUL or a lone surrogate character.")
        shape = SearchCriteriaSerializer(data=item["search_criteria"])
        if not shape.is_valid():
            raise spdci.Rejected(spdci.CRITERIA_INVALID, _first_error(shape.errors))
        text = spdci.raw_search_text(shape.validated_data)
        if text:
            form = scoping.household_filters(actor, {"q": text})
            if not form.is_valid():
                raise spdci.Rejected(spdci.CRITERIA_INVALID, " ".join(form.errors.get("q", [])))
        return spdci.read_criteria(shape.validated_data)

    def _search(self, actor, criteria: spdci.Criteria, context: dict) -> tuple[list, int, list, list]:
        """One page of the records found, how many were found, and the persons and communes shown."""
        start = criteria.page_size * (criteria.page_number - 1)
        if criteria.entity == "Group":
            found = scoping.households_with_members(actor, **criteria.filters())
            rows = list(found[start : start + criteria.page_size])
            year = timezone.localdate().year - 1  # the household list's year
            statuses = status_for_year([household.pk for household in rows], year)
            for household in rows:
                household.year_status = {"year": year, "status": statuses.get(household.pk)}
            records = SpdciGroupSerializer(rows, many=True, context=context).data
            person_ids = [member.person_id for household in rows for member in household.current_memberships]
            commune_ids = [household.commune_id for household in rows]
        else:
            found = scoping.members(actor, **criteria.filters())
            rows = list(found[start : start + criteria.page_size])
            records = SpdciFoundMemberSerializer(rows, many=True, context=context).data
            person_ids = [membership.person_id for membership in rows]
            commune_ids = [membership.household.commune_id for membership in rows]
        # A page that is not full is the last: its rows tell the count without asking again.
        total = start + len(rows) if 0 < len(rows) < criteria.page_size else count_up_to(found)
        return records, total, person_ids, commune_ids


@extend_schema(tags=["spdci"])
class SyncTxnStatus(ApiView):
    """``POST registry/sync/txn/status``: the outcome of one of the caller's own earlier searches, found by
    its transaction_id, our correlation_id, or its reference ids. Another caller's is 404, as a missing one.
    The records themselves are not kept (``api.models.SpdciTransaction``): search again to read them."""

    scope_area = "registry"
    write_scope = "registry:read"

    @extend_schema(
        operation_id="spdci_sync_txn_status",
        summary="The status of one of the caller's earlier searches",
        request=TxnStatusEnvelopeSerializer,
        responses={200: TxnStatusResultEnvelopeSerializer, **INVALID, **ERRORS, **NOT_JSON},
    )
    def post(self, request):
        actor = scoping.actor(request)
        envelope = TxnStatusEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        header, message = envelope.validated_data["header"], envelope.validated_data["message"]
        asked = message["txnstatus_request"]
        kind, value = asked["attribute_type"], asked["attribute_value"]
        mine = SpdciTransaction.objects.filter(actor=actor).order_by("-created_at", "-id")
        if (kind == "reference_id_list") != isinstance(value, list) or spdci.unstorable_text(value):
            transaction = None  # a value not of its type, or one no text of ours can hold, names nothing
        elif kind == "transaction_id":
            transaction = mine.filter(transaction_id=value).first()
        elif kind == "correlation_id":
            try:
                transaction = mine.filter(correlation_id=uuid.UUID(value)).first()
            except ValueError:
                transaction = None
        else:
            any_of = Q()
            for reference_id in value:
                any_of |= Q(reference_ids__contains=[reference_id])
            transaction = mine.filter(any_of).first()
        if transaction is None:
            raise NotFound
        responses = transaction.responses
        if kind == "reference_id_list":
            responses = [response for response in responses if response["reference_id"] in value]
        correlation_id = str(transaction.correlation_id)
        return Response({
            "header": _callback_header(header, "txn-on-status", 1),
            "message": {
                "transaction_id": message["transaction_id"],
                "correlation_id": correlation_id,
                "txnstatus_response": {
                    "txn_type": "search",
                    "txn_status": {
                        "transaction_id": transaction.transaction_id,
                        "correlation_id": correlation_id,
                        "search_response": responses,
                    },
                },
            },
        })  # fmt: skip
