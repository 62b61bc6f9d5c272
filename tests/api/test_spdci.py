"""The SPDCI social-registry API: the household list's search, scope, masking and access log, in the
spec's envelope; the status of one's own earlier searches; rejections in the spec's shape."""

import json
from datetime import date

import pytest
import time_machine
from django.test import RequestFactory

from api.models import SpdciTransaction
from api.permissions import required_scope
from api.views.spdci import SyncSearch, SyncTxnStatus
from privacy.models import AccessRecord
from tests.conftest import TAN_DONG
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db

SEARCH_URL = "/api/v1/spdci/registry/sync/search"
STATUS_URL = "/api/v1/spdci/registry/sync/txn/status"
NOW = "2026-03-01T03:00:00+00:00"  # 10:00 in Việt Nam


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def header(action="search", total_count=1, **changes) -> dict:
    return {
        "version": "1.0.0", "message_id": "m-1", "message_ts": "2026-03-01T10:00:00+07:00", "action": action,
        "sender_id": "spmis.example.org", "total_count": total_count, **changes,
    }  # fmt: skip


def criteria(query_type, query, entity="Group", **more) -> dict:
    return {"query_type": query_type, "query": query, "response_entity": entity, **more}


def by_id(id_type, value, entity="Group", **more) -> dict:
    return criteria("idtype-value", {"type": id_type, "value": value}, entity, **more)


def where(*pairs, entity="Group") -> dict:
    """A predicate query: each (attribute, value) compared by "eq", joined by "and"."""
    return criteria(
        "predicate",
        [{"seq_num": n, "expression1": {"attribute_name": name, "operator": "eq", "attribute_value": value},
          "condition": "and"} for n, (name, value) in enumerate(pairs, 1)],
        entity,
    )  # fmt: skip


def search(client, *criterias, transaction_id="t-1", references=None):
    references = references or [f"r-{n}" for n in range(1, len(criterias) + 1)]
    body = {
        "signature": "",
        "header": header(total_count=len(criterias)),
        "message": {
            "transaction_id": transaction_id,
            "search_request": [
                {"reference_id": reference, "timestamp": "2026-03-01T10:00:00+07:00", "search_criteria": c}
                for reference, c in zip(references, criterias, strict=True)
            ],
        },
    }
    return client.post(SEARCH_URL, json.dumps(body), content_type="application/json")


def answers(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["message"]["search_response"]


def records(response) -> list[dict]:
    [answer] = answers(response)
    assert answer["status"] == "succ", answer
    return answer["data"]["reg_records"]


def status_request(client, attribute_type, attribute_value, transaction_id="s-1"):
    body = {
        "header": header(action="txn-status"),
        "message": {
            "transaction_id": transaction_id,
            "txnstatus_request": {"reference_id": "q-1", "txn_type": "search", "attribute_type": attribute_type,
                                  "attribute_value": attribute_value},
        },
    }  # fmt: skip
    return client.post(STATUS_URL, json.dumps(body), content_type="application/json")


def members_of(family):
    """The head, the wife (current) and the son (left in 2024)."""
    return [m.person for m in family.memberships.order_by("person__date_of_birth")]


def identifier(id_type, value) -> dict:
    return {"@type": "Identifier", "identifier_type": id_type, "identifier_value": value}


def name(surname, second, given) -> dict:
    return {"@type": "Name", "surname": surname, "second_name": second, "given_name": given,
            "full_name": f"{surname} {second} {given}"}  # fmt: skip


def member_json(person, ids, relationship, joined, disabled) -> dict:
    surname, second, given = person.full_name.split()
    return {
        "@type": "Member",
        "member_identifier": [identifier("PERSON_UUID", str(person.uuid))],
        "demographic_info": {
            "@type": "SRPerson", "identifier": ids, "name": name(surname, second, given),
            "sex": {"M": "male", "F": "female"}[person.sex], "birth_date": person.date_of_birth.isoformat(),
        },
        "relationship_head": relationship, "is_disabled": disabled, "registration_date": joined,
    }  # fmt: skip


# --- searches ------------------------------------------------------------------------------------------


def test_a_national_id_finds_the_household_with_its_members_in_the_specs_group_record(family, client_for, units):
    head, wife, _son = members_of(family)

    response = search(client_for("tandong_officer"), by_id("NATIONAL_ID", "072 172 000 102"))

    body = response.json()
    transaction = SpdciTransaction.objects.get()
    assert body["header"] == {
        "version": "1.0.0", "message_id": body["header"]["message_id"], "message_ts": "2026-03-01T10:00:00+07:00",
        "action": "on-search", "status": "succ", "total_count": 1, "completed_count": 1, "sender_id": "casework",
        "receiver_id": "spmis.example.org", "is_msg_encrypted": False,
    }  # fmt: skip
    head_json = member_json(head, [identifier("NATIONAL_ID", "072070000101"), identifier("PHONE", "+84987654321")],
                            "head", "2020-01-01", False)  # fmt: skip
    wife_json = member_json(wife, [identifier("NATIONAL_ID", "072172000102"),
                                   identifier("HEALTH_INSURANCE", "HN4797212345678")], "spouse", None, True)  # fmt: skip
    assert body["message"] == {
        "transaction_id": "t-1",
        "correlation_id": str(transaction.correlation_id),
        "search_response": [{
            "reference_id": "r-1", "timestamp": "2026-03-01T10:00:00+07:00", "status": "succ",
            "data": {
                "version": "1.0.0", "reg_type": "ns:org:RegistryType:Social", "reg_record_type": "Group",
                "reg_records": [{
                    "@type": "Group",
                    "group_identifier": [identifier("HOUSEHOLD_UUID", str(family.uuid)),
                                         identifier("HOUSEHOLD_CODE", "TD-API")],
                    "group_type": "household",
                    "place": {"@type": "Place", "address": "Tổ 3, ấp Đông Hà, Ấp Đông Hà, Xã Tân Đông"},
                    "group_size": 2,
                    "group_head_info": head_json,
                    "member_list": [wife_json, head_json],  # the household page's order: "member since"
                    "registration_date": "2026-03-01T10:00:00+07:00",
                    "last_updated": "2026-03-01T10:00:00+07:00",
                    "additional_attributes": [
                        {"name": "commune_code", "value": TAN_DONG},
                        {"name": "village_id", "value": units.tan_dong_village.pk},
                        {"name": "area", "value": units.tan_dong.area},
                        {"name": "has_disability", "value": True},
                        {"name": "poverty_status_year", "value": 2025},
                        {"name": "poverty_status", "value": "near_poor"},
                    ],
                }],
            },
            "pagination": {"page_size": 50, "page_number": 1, "total_count": 1},
        }],
    }  # fmt: skip


def test_persons_by_name_without_diacritics_by_birth_date_and_by_both(family, client_for):
    head, wife, _son = members_of(family)
    client = client_for("tandong_officer")

    def person_uuids(*pairs):
        return [
            r["member_identifier"][0]["identifier_value"]
            for r in records(search(client, where(*pairs, entity="Member")))
        ]

    assert person_uuids(("name", "tran thi binh")) == [str(wife.uuid)]
    assert person_uuids(("name", "Nguyen Van")) == [str(head.uuid)]  # the son left: not a current member
    assert person_uuids(("birth_date", "1970-01-01")) == [str(head.uuid)]
    assert person_uuids(("name", "binh"), ("birth_date", "1972-03-04")) == [str(wife.uuid)]
    assert person_uuids(("name", "binh"), ("birth_date", "1970-01-01")) == []
    assert person_uuids(("birth_date", "1995-06-07")) == []
    assert person_uuids(("phone", "0987 654 321")) == [str(head.uuid)]


def test_households_by_birth_date_and_by_name(family, client_for, units):
    make_household(units.tan_dong, units.tan_dong_village, code="TD-OTHER",
                   members=(("Lê Thị Hoa", "F", date(1972, 3, 4), "head"),))  # fmt: skip
    client = client_for("tandong_officer")

    def codes(*pairs):
        return [r["group_identifier"][1]["identifier_value"] for r in records(search(client, where(*pairs)))]

    assert codes(("birth_date", "1972-03-04")) == ["TD-API", "TD-OTHER"]
    assert codes(("birth_date", "1972-03-04"), ("name", "hoa")) == ["TD-OTHER"]
    assert codes(("name", "bình")) == ["TD-API"]


def test_pages_are_counted_from_one_with_the_total(units, client_for):
    for number in range(3):
        make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{number}",
                       members=((f"Lê Văn Tư {number}", "M", date(1980, 1, 1), "head"),))  # fmt: skip
    asked = where(("birth_date", "1980-01-01"))
    asked["pagination"] = {"page_size": 2, "page_number": 2}

    [answer] = answers(search(client_for("tandong_officer"), asked))

    assert [r["group_identifier"][1]["identifier_value"] for r in answer["data"]["reg_records"]] == ["TD-2"]
    assert answer["pagination"] == {"page_size": 2, "page_number": 2, "total_count": 3}


def test_bình_minhs_people_are_never_found_by_a_tân_đông_officer(family, client_for, units):
    other = make_household(units.binh_minh, units.binh_minh_village, code="BM-API",
                           members=(("Trần Thị Bình", "F", date(1972, 3, 4), "head"),))  # fmt: skip
    client = client_for("tandong_officer")

    by_number = answers(search(client, by_id("NATIONAL_ID", other.head.national_id)))
    by_name = records(search(client, where(("name", "tran thi binh"), entity="Member")))
    by_birth = records(search(client, where(("birth_date", "1972-03-04"))))

    assert (by_number[0]["status"], by_number[0]["data"]["reg_records"], by_number[0]["pagination"]["total_count"]) == (
        "succ", [], 0,
    )  # fmt: skip
    assert [r["demographic_info"]["birth_date"] for r in by_name] == ["1972-03-04"]  # the wife of TD-API only
    assert [r["group_identifier"][1]["identifier_value"] for r in by_birth] == ["TD-API"]
    assert records(search(client_for("binhminh_officer"), by_id("NATIONAL_ID", "072172000102"))) == []


def test_a_masked_role_reads_masked_identifiers_and_is_refused_part_of_a_number(family, client_for):
    client = client_for("tandong_committee", language="en")

    [group] = records(search(client, by_id("NATIONAL_ID", "072172000102")))
    refused = answers(search(client, by_id("NATIONAL_ID", "0721720"), transaction_id="t-2"))

    wife = group["member_list"][0]["demographic_info"]
    assert wife["identifier"] == [identifier("NATIONAL_ID", "•••••••••102"),
                                  identifier("HEALTH_INSURANCE", "••••••••••••678")]  # fmt: skip
    assert group["group_head_info"]["demographic_info"]["identifier"] == [
        identifier("NATIONAL_ID", "•••••••••101"), identifier("PHONE", "•••••••••321"),
    ]  # fmt: skip
    assert refused == [{
        "reference_id": "r-1", "timestamp": "2026-03-01T10:00:00+07:00", "status": "rjct",
        "status_reason_code": "rjct.search_criteria.invalid",
        "status_reason_message": "Search by national ID or phone with the whole number: the 12 digits of a national "
                                 "ID or the 10 digits of a phone. Part of a number is not searched.",
    }]  # fmt: skip
    # the refused search read nobody: one access-log row, the first search's
    assert AccessRecord.objects.count() == 1
    assert SpdciTransaction.objects.get(transaction_id="t-2").status == "rjct"


def test_an_officer_may_not_search_part_of_a_national_id_either(family, client_for):
    [answer] = answers(search(client_for("tandong_officer"), by_id("NATIONAL_ID", "0721720")))

    assert (answer["status"], answer["status_reason_code"], answer["status_reason_message"]) == (
        "rjct", "rjct.search_criteria.invalid", "A national ID is searched with its 12 digits.",
    )  # fmt: skip


def test_each_answered_search_is_logged_with_its_query_count_and_persons(family, client_for, users):
    head, wife, _son = members_of(family)

    search(client_for("tandong_officer"), where(("name", "binh")), where(("birth_date", "1990-01-01")))

    found, empty = AccessRecord.objects.order_by("id")
    assert (found.user, found.purpose, found.what, found.count, found.filters) == (
        users["tandong_officer"], "api", "api:spdci_sync_search", 1, {"name": "binh", "response_entity": "Group"},
    )  # fmt: skip
    assert (sorted(found.person_ids), found.commune_ids) == (sorted([head.pk, wife.pk]), [TAN_DONG])
    assert (empty.person_ids, empty.count, empty.filters) == (
        [], 0, {"birth_date": "1990-01-01", "response_entity": "Group"},
    )  # fmt: skip


def test_a_search_costs_the_same_queries_for_1_household_as_for_12(units, client_for, django_assert_num_queries):
    client = client_for("tandong_officer")
    make_household(units.tan_dong, units.tan_dong_village, code="TD-000",
                   members=(("Lê Văn Tư", "M", date(1980, 1, 1), "head"), ("Lê Thị Năm", "F", date(1982, 1, 1), "spouse")))  # fmt: skip
    asked = where(("birth_date", "1980-01-01"))
    asked["pagination"] = {"page_size": 10}
    # session, user, the user's communes, the page, its members, their statuses, the access log's row, the
    # transaction, the session saved (savepoint, UPDATE, release)
    with django_assert_num_queries(11):
        assert len(records(search(client, asked))) == 1
    for number in range(1, 12):
        make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{number:03d}",
                       members=((f"Lê Văn Tư {number}", "M", date(1980, 1, 1), "head"),))  # fmt: skip
    # a full page: one query more, the count
    with django_assert_num_queries(12):
        assert len(records(search(client, asked))) == 10


# --- rejections -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "code", "message"),
    [
        (criteria("expression", {"type": "ns:org:QueryType:NoSql", "value": {}}), "rjct.search_criteria.invalid",
         "Expression queries are not supported: use idtype-value or predicate."),
        (criteria("sql", "select 1"), "rjct.search_criteria.invalid", 'query_type: "sql" is not a valid choice.'),
        (by_id("UIN", "1"), "rjct.search_criteria.invalid", "The identifier types searched are NATIONAL_ID, PHONE."),
        (by_id("PHONE", "12345"), "rjct.search_criteria.invalid",
         "A phone is searched with its whole number (0987654321 or +84987654321)."),
        (where(("birth_date", "04/03/1972")), "rjct.search_criteria.invalid", "A birth date is a date, YYYY-MM-DD."),
        (where(("name", "an"), ("phone", "0987654321")), "rjct.search_criteria.invalid",
         "One of name, national_id or phone, and one birth_date, at most."),
        (where(("age", 50)), "rjct.search_criteria.invalid",
         "The attributes searched are name, national_id, phone, birth_date."),
        (by_id("NATIONAL_ID", "072172000102", sort=[{"attribute_name": "name", "sort_order": "asc"}]),
         "rjct.sort.invalid", "Sorting is not supported: records come in the household list's order."),
        (by_id("NATIONAL_ID", "072172000102", pagination={"page_size": 0}), "rjct.pagination.invalid",
         "page_size is 1 to 200; page_number from 1."),
        (by_id("NATIONAL_ID", "072172000102", pagination="all"), "rjct.pagination.invalid",
         "Pagination is {page_size, page_number}."),
        (by_id("NATIONAL_ID", "0721\u0000"), "rjct.search_criteria.invalid",
         "A text holds a NUL or a lone surrogate character."),
        (by_id("NATIONAL_ID", "072172000102", pagination={"page_size": 2.5}), "rjct.pagination.invalid",
         "page_size and page_number are whole numbers."),
    ],
)  # fmt: skip
def test_a_question_we_do_not_answer_is_rejected_with_the_specs_reason_code(asked, code, message, family, client_for):
    [answer] = answers(search(client_for("tandong_officer"), asked))

    assert (answer["status"], answer["status_reason_code"], answer["status_reason_message"]) == ("rjct", code, message)
    assert "data" not in answer
    assert not AccessRecord.objects.exists()


def test_in_a_batch_each_request_answers_for_itself(family, client_for):
    body = search(
        client_for("tandong_officer"),
        by_id("NATIONAL_ID", "072172000102"), criteria("expression", {}), by_id("NATIONAL_ID", "072070000101"),
        references=["a", "b", "a"],
    ).json()  # fmt: skip

    assert [(a["reference_id"], a["status"], a.get("status_reason_code")) for a in body["message"]["search_response"]] == [
        ("a", "succ", None), ("b", "rjct", "rjct.search_criteria.invalid"), ("a", "rjct", "rjct.reference_id.duplicate"),
    ]  # fmt: skip
    assert (body["header"]["total_count"], body["header"]["completed_count"]) == (3, 3)


def envelope_with(**changes) -> dict:
    body = {
        "header": header(),
        "message": {"transaction_id": "t-1", "search_request": [
            {"reference_id": "r-1", "timestamp": "2026-03-01T10:00:00+07:00",
             "search_criteria": by_id("NATIONAL_ID", "072172000102")}]},
    }  # fmt: skip
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = body
        for parent in parents:
            target = target[parent]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "header"),
        ([], None),
        ("search", None),
        (envelope_with(header__message_id=None), "header.message_id"),
        (envelope_with(header__action="txn-status"), "header.action"),
        (envelope_with(header__is_msg_encrypted=True), "header.is_msg_encrypted"),
        (envelope_with(header__message_ts="yesterday"), "header.message_ts"),
        (envelope_with(header__total_count="1"), "header.total_count"),  # an integer, as the schema says
        (envelope_with(message__transaction_id=7), "message.transaction_id"),
        (envelope_with(message__search_request=[]), "message.search_request"),
        (
            envelope_with(
                header__total_count=11,
                message__search_request=[
                    {
                        "reference_id": f"r-{n}",
                        "timestamp": "2026-03-01T10:00:00+07:00",
                        "search_criteria": by_id("NATIONAL_ID", "072172000102"),
                    }
                    for n in range(11)
                ],
            ),
            "message.search_request",
        ),
        (envelope_with(message__search_request=[{"reference_id": "r-1"}]), "message.search_request.0.timestamp"),
        (envelope_with(message={"ciphertext": "…"}), "message.transaction_id"),
        (envelope_with(message__transaction_id="t\ud800"), "message.transaction_id"),  # PostgreSQL cannot hold it
    ],
)
def test_an_envelope_that_is_not_the_specs_is_a_400_problem(body, field, family, client_for):
    response = client_for("tandong_officer").post(SEARCH_URL, json.dumps(body), content_type="application/json")

    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    errors = response.json()["errors"]
    assert field is None or field in [error.get("field") for error in errors], errors
    assert not SpdciTransaction.objects.exists() and not AccessRecord.objects.exists()


def test_a_body_that_is_not_json_is_a_400_problem(client_for):
    response = client_for("tandong_officer").post(SEARCH_URL, "{not json", content_type="application/json")

    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")


@pytest.mark.parametrize(("view", "method"), [(SyncSearch, "post"), (SyncTxnStatus, "post")])
def test_a_search_and_its_status_need_registry_read_although_they_are_posts(view, method):
    request = getattr(RequestFactory(), method)("/")

    assert required_scope(request, view()) == "registry:read"


# --- transaction status -------------------------------------------------------------------------------


def test_the_status_of_ones_own_search_by_transaction_correlation_and_reference_ids(family, client_for):
    client = client_for("tandong_officer")
    search(client, by_id("NATIONAL_ID", "072172000102"), criteria("expression", {}), transaction_id="t-9")
    transaction = SpdciTransaction.objects.get()
    succeeded = {"reference_id": "r-1", "timestamp": "2026-03-01T10:00:00+07:00", "status": "succ",
                 "pagination": {"page_size": 50, "page_number": 1, "total_count": 1}}  # fmt: skip
    rejected = {"reference_id": "r-2", "timestamp": "2026-03-01T10:00:00+07:00", "status": "rjct",
                "status_reason_code": "rjct.search_criteria.invalid",
                "status_reason_message": "Expression queries are not supported: use idtype-value or predicate."}  # fmt: skip

    by_transaction = status_request(client, "transaction_id", "t-9")
    by_correlation = status_request(client, "correlation_id", str(transaction.correlation_id))
    by_reference = status_request(client, "reference_id_list", ["r-2"])

    assert by_transaction.status_code == 200
    body = by_transaction.json()
    assert (body["header"]["action"], body["header"]["status"]) == ("txn-on-status", "succ")
    assert body["message"] == {
        "transaction_id": "s-1",
        "correlation_id": str(transaction.correlation_id),
        "txnstatus_response": {"txn_type": "search", "txn_status": {
            "transaction_id": "t-9", "correlation_id": str(transaction.correlation_id),
            "search_response": [succeeded, rejected],
        }},
    }  # fmt: skip
    assert by_correlation.json()["message"] == body["message"]
    assert by_reference.json()["message"]["txnstatus_response"]["txn_status"]["search_response"] == [rejected]
    # a status holds no records: nothing more in the access log than the search's row
    assert AccessRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("attribute_type", "value"),
    [("transaction_id", "t-9"), ("correlation_id", "CORRELATION"), ("reference_id_list", ["r-1"]),
     ("correlation_id", "not-a-uuid"), ("transaction_id", "t-unknown"), ("reference_id_list", "r-1"),
     ("transaction_id", ["t-9"]), ("transaction_id", "t\u0000")],
)  # fmt: skip
def test_another_actors_transaction_is_404_as_a_missing_one(attribute_type, value, family, client_for):
    search(client_for("tandong_officer"), by_id("NATIONAL_ID", "072172000102"), transaction_id="t-9")
    if value == "CORRELATION":
        value = str(SpdciTransaction.objects.get().correlation_id)

    response = status_request(client_for("tandong_chair"), attribute_type, value)

    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")
    assert response.json()["detail"] == "Nothing here, or nothing you may read."


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"txn_type": "subscribe"}, "message.txnstatus_request.txn_type"),
     ({"attribute_type": "subscription_code_list"}, "message.txnstatus_request.attribute_type"),
     ({"attribute_value": 7}, "message.txnstatus_request.attribute_value"),
     ({"attribute_value": ["r-1", ""]}, "message.txnstatus_request.attribute_value")],
)  # fmt: skip
def test_a_malformed_status_request_is_a_400_problem(changes, field, client_for):
    body = {"header": header(action="txn-status"), "message": {"transaction_id": "s-1", "txnstatus_request": {
        "reference_id": "q-1", "txn_type": "search", "attribute_type": "transaction_id", "attribute_value": "t-9",
        **changes}}}  # fmt: skip

    response = client_for("tandong_officer").post(STATUS_URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert field in [error.get("field") for error in response.json()["errors"]]


def test_the_documented_example_a_masked_role_finds_a_person_by_name(family, client_for):
    """docs/api-spdci.md's example."""
    _head, wife, _son = members_of(family)

    [person] = records(search(client_for("tandong_committee"), where(("name", "tran thi binh"), entity="Member")))

    assert person == {
        **member_json(wife, [identifier("NATIONAL_ID", "•••••••••102"), identifier("HEALTH_INSURANCE", "••••••••••••678")],
                      "spouse", None, True),
        "additional_attributes": [
            {"name": "household_uuid", "value": str(family.uuid)}, {"name": "household_code", "value": "TD-API"},
            {"name": "commune_code", "value": TAN_DONG},
        ],
    }  # fmt: skip
