"""Allowance cases through the API: the list page's cases and filters, the case page's amount and its
breakdown, masking, 404s, the access log, and filing a case through the form's service."""

from datetime import date, datetime

import pytest
from django.urls import reverse

from beneficiaries import services
from beneficiaries.models import Case
from beneficiaries.services import CategoryChoice, PaymentDetails
from privacy.models import AccessRecord
from tests.conftest import BINH_MINH, TAN_DONG, VIETNAM, on_day
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 3, 15, 10, 0, tzinfo=VIETNAM)
BANK = PaymentDetails(method="bank", bank_bin="970436", account_number="0123456789", account_name="tran thi binh")


@pytest.fixture
def today():
    with on_day(TODAY):
        yield TODAY


@pytest.fixture
def wife(family):
    return family.memberships.get(relationship="spouse").person


@pytest.fixture
def active_case(family, wife, users, today):
    """The wife's 5.6s case (severe disability), paid by bank, decided on 10 January 2026."""
    case = services.case_apply(
        person=wife, commune=family.commune, categories=[CategoryChoice("5.6s")], applied_on=date(2026, 1, 5),
        payment=BANK, acting_user=users["tandong_officer"],
    )  # fmt: skip
    services.case_verify(case=case, confirmed=[], acting_user=users["tandong_officer"])
    return services.case_decide(
        case=case, decision_number="12/QĐ-UBND", decision_date=date(2026, 1, 10), acting_user=users["tandong_chair"]
    )


@pytest.fixture
def applied_case(family, users, today):
    """The head's 5.5a application (he is 56: no band pays him yet), in cash."""
    return services.case_apply(
        person=family.head, commune=family.commune, categories=[CategoryChoice("5.5a")], applied_on=date(2026, 2, 1),
        payment=PaymentDetails(method="cash"), acting_user=users["tandong_officer"],
    )  # fmt: skip


@pytest.fixture
def other_commune_case(units, users, today):
    household = make_household(units.binh_minh, units.binh_minh_village, code="BM-CASE", members=(
        ("Lê Văn Dũng", "M", date(1940, 5, 5), "head"),))  # fmt: skip
    return services.case_apply(
        person=household.head, commune=units.binh_minh, categories=[CategoryChoice("5.5a")],
        applied_on=date(2026, 2, 2), payment=PaymentDetails(method="cash"), acting_user=users["binhminh_officer"],
    )  # fmt: skip


def detail_url(case) -> str:
    return reverse("api:case_detail", kwargs={"case_uuid": case.uuid})


def test_the_officer_reads_the_case_with_this_months_amount_and_its_breakdown(
    active_case, family, wife, client_for, units
):
    response = client_for("tandong_officer").get(detail_url(active_case))

    assert response.status_code == 200, response.content
    line = {"age": 53, "base": 500000, "category": "5.6s", "coefficient": "1.50", "per_child_category": "",
            "per_child_coefficient": "0.00", "dependent_children": 0, "amount": 750000}  # fmt: skip
    assert response.json() == {
        "uuid": str(active_case.uuid),
        "status": "active",
        "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"},
        "applied_on": "2026-01-05",
        "person": {"uuid": str(wife.uuid), "full_name": "Trần Thị Bình", "date_of_birth": "1972-03-04",
                   "national_id": "072172000102", "sex": "F", "disability_level": "severe", "date_of_death": None},
        "household": {"uuid": str(family.uuid), "code": "TD-API",
                      "village": {"id": units.tan_dong_village.pk, "name": "Ấp Đông Hà"}},
        "categories": [{"code": "5.6s", "dependent_children": 0, "from_month": None, "to_month": None}],
        "decision": {"number": "12/QĐ-UBND", "date": "2026-01-10"},
        "start_month": "2026-01-01",
        "end_month": None,
        "payment": {"method": "bank", "bank_bin": "970436", "account_number": "0123456789",
                    "account_name": "TRAN THI BINH"},
        "this_month": {
            "month": "2026-03-01",
            "amount": 750000,
            "owed": 2250000,  # January and February are arrears: no run has paid them
            "month_paid": False,
            "lines": [
                {"month": "2026-01-01", "arrears": True, **line},
                {"month": "2026-02-01", "arrears": True, **line},
                {"month": "2026-03-01", "arrears": False, **line, "age": 54},  # her birthday is 4 March
            ],
        },
    }  # fmt: skip
    record = AccessRecord.objects.get()
    assert (record.purpose, record.what, record.person_ids, record.commune_ids) == (
        "api", "api:case_detail", [wife.pk], [TAN_DONG],
    )  # fmt: skip


def test_a_committee_member_reads_identifiers_account_and_health_category_masked(active_case, client_for):
    body = client_for("tandong_committee").get(detail_url(active_case)).json()

    assert body["person"]["national_id"] == "•••••••••102"
    assert body["person"]["disability_level"] == "with_disability"
    assert body["payment"]["account_number"] == "••••6789"
    assert body["categories"][0]["code"] == "health_related"
    assert {line["category"] for line in body["this_month"]["lines"]} == {"health_related"}


def test_the_provincial_viewer_reads_the_list_masked(active_case, client_for):
    row = client_for("tayninh_province").get(reverse("api:case_list")).json()["results"][0]

    assert (row["person"]["national_id"], row["categories"]) == ("•••••••••102", ["health_related"])


def test_another_communes_case_is_a_404_like_a_missing_one(other_commune_case, client_for):
    response = client_for("tandong_officer").get(detail_url(other_commune_case))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert not AccessRecord.objects.exists()


def test_the_list_holds_the_callers_cases_newest_application_first(
    active_case, applied_case, other_commune_case, family, wife, client_for, units
):
    response = client_for("tandong_officer").get(reverse("api:case_list"))

    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "results": [
            {"uuid": str(applied_case.uuid),
             "person": {"uuid": str(family.head.uuid), "full_name": "Nguyễn Văn An", "date_of_birth": "1970-01-01",
                        "national_id": "072070000101"},
             "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"}, "household_uuid": str(family.uuid),
             "village_name": "Ấp Đông Hà", "status": "applied", "applied_on": "2026-02-01", "categories": ["5.5a"],
             "payment_method": "cash"},
            {"uuid": str(active_case.uuid),
             "person": {"uuid": str(wife.uuid), "full_name": "Trần Thị Bình", "date_of_birth": "1972-03-04",
                        "national_id": "072172000102"},
             "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"}, "household_uuid": str(family.uuid),
             "village_name": "Ấp Đông Hà", "status": "active", "applied_on": "2026-01-05", "categories": ["5.6s"],
             "payment_method": "bank"},
        ],
    }  # fmt: skip


def codes(client, **query) -> list[str]:
    response = client.get(reverse("api:case_list"), query)
    assert response.status_code == 200, response.content
    return [row["person"]["full_name"] for row in response.json()["results"]]


def test_the_list_filters_as_the_page(active_case, applied_case, client_for):
    client = client_for("tandong_officer")

    assert codes(client, status="active") == ["Trần Thị Bình"]
    assert codes(client, category="5.5a") == ["Nguyễn Văn An"]
    assert codes(client, clause="5.6") == ["Trần Thị Bình"]
    assert codes(client, payment_method="cash") == ["Nguyễn Văn An"]
    assert codes(client, q="tran thi") == ["Trần Thị Bình"]
    assert codes(client, month="2026-02") == ["Trần Thị Bình"]  # paid for February
    assert codes(client, commune=TAN_DONG) == ["Nguyễn Văn An", "Trần Thị Bình"]


@pytest.mark.parametrize(
    ("role", "query", "field"),
    [
        ("tandong_officer", {"commune": BINH_MINH}, "commune"),
        ("tandong_officer", {"status": "lost"}, "status"),
        ("tandong_officer", {"month": "2026-13"}, "month"),
        ("tandong_committee", {"category": "5.6s"}, "category"),  # a health category: not the committee's filter
    ],
)
def test_a_filter_that_does_not_validate_is_a_400_naming_it(role, query, field, active_case, client_for):
    response = client_for(role).get(reverse("api:case_list"), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_list_pages_by_cursor_and_its_query_count_is_fixed(
    active_case, applied_case, client_for, users, units, django_assert_num_queries
):
    client = client_for("tandong_officer")
    client.get(reverse("api:case_list"))  # the session is read once

    first = client.get(reverse("api:case_list"), {"limit": 1}).json()
    second = client.get(first["next"]).json()
    assert [row["uuid"] for row in first["results"] + second["results"]] == [
        str(applied_case.uuid), str(active_case.uuid),
    ]  # fmt: skip
    assert second["next"] is None
    # session, user, communes, categories (the filter's), cases, their categories, the access log, the
    # session saved (savepoint, UPDATE, release)
    with django_assert_num_queries(10):
        assert len(client.get(reverse("api:case_list")).json()["results"]) == 2
    for number in range(5):
        household = make_household(units.tan_dong, units.tan_dong_village, code=f"TD-C{number}")
        services.case_apply(
            person=household.head, commune=units.tan_dong, categories=[CategoryChoice("5.5a"), CategoryChoice("5.6s")],
            applied_on=date(2026, 3, 1), payment=PaymentDetails(method="cash"), acting_user=users["tandong_officer"],
        )  # fmt: skip
    with django_assert_num_queries(10):
        assert len(client.get(reverse("api:case_list")).json()["results"]) == 7


# --- filing a case -----------------------------------------------------------------------------


def filing(who, **changes) -> dict:
    return {"person": str(who.uuid), "categories": ["5.6s"], "applied_on": "2026-03-10", "payment_method": "cash",
            **changes}  # fmt: skip


def test_the_officer_files_a_case_through_the_forms_service(wife, client_for, users, today):
    response = client_for("tandong_officer").post(
        reverse("api:case_list"), filing(wife), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/cases/{case.uuid}/"
    assert (case.person, case.commune_id, case.status, case.applied_on, case.prepared_by, case.payment_method) == (
        wife, TAN_DONG, "applied", date(2026, 3, 10), users["tandong_officer"], "cash",
    )  # fmt: skip
    assert list(case.categories.values_list("category_id", "dependent_children")) == [("5.6s", 0)]
    assert list(case.events.values_list("kind", flat=True)) == ["applied"]
    body = response.json()
    assert (body["status"], body["this_month"]["amount"], body["this_month"]["lines"]) == ("applied", 0, [])


def test_a_single_parent_files_with_dependent_children_only_on_5_4(wife, client_for, today):
    response = client_for("tandong_officer").post(
        reverse("api:case_list"), filing(wife, categories=["5.4", "5.6s"], dependent_children=2),
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    rows = Case.objects.get().categories.order_by("category__position").values_list("category_id", "dependent_children")
    assert list(rows) == [("5.4", 2), ("5.6s", 0)]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"categories": []}, ["categories"]),  # the service: choose at least one
        ({"categories": ["9.9"]}, ["categories"]),  # the service: unknown category
        ({"categories": ["5.4"]}, ["dependent_children"]),  # the service: 5.4 needs the children
        ({"applied_on": "2026-04-01"}, ["applied_on"]),  # the service: not in the future
        ({"payment_method": "bank", "bank_bin": "12"}, ["bank_bin", "account_number", "account_name"]),
        ({"categories": "5.6s"}, ["categories"]),  # not a list: the request's shape
        ({"person": "not-a-uuid"}, ["person"]),
    ],
)
def test_a_refused_filing_is_a_400_naming_the_fields_and_files_nothing(changes, fields, wife, client_for, today):
    response = client_for("tandong_officer").post(
        reverse("api:case_list"), filing(wife, **changes), content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert sorted({error["field"] for error in response.json()["errors"]}) == sorted(fields)
    assert not Case.objects.exists()


def test_a_second_open_case_is_refused_on_person(active_case, wife, client_for):
    response = client_for("tandong_officer").post(
        reverse("api:case_list"), filing(wife), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "person", "detail": "đã có hồ sơ đang xử lý hoặc đang hưởng"}]
    assert Case.objects.count() == 1


def test_a_person_of_another_commune_is_refused_and_nothing_filed(units, client_for, today):
    stranger = make_household(units.binh_minh, units.binh_minh_village, code="BM-X").head

    response = client_for("tandong_officer").post(
        reverse("api:case_list"), filing(stranger), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "person", "detail": "không có ai mang mã này ở các xã anh/chị phụ trách"}
    ]
    assert not Case.objects.exists()


@pytest.mark.parametrize("role", ["tandong_committee", "tayninh_province"])
def test_a_role_that_does_not_file_cases_is_forbidden_and_nothing_filed(role, wife, client_for, today):
    response = client_for(role).post(reverse("api:case_list"), filing(wife), content_type="application/json")

    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_search_is_logged_with_its_query_and_count_and_a_page_with_its_persons(
    active_case, applied_case, wife, family, client_for
):
    client = client_for("tandong_officer")
    client.get(reverse("api:case_list"), {"q": "tran thi"})
    client.get(reverse("api:case_list"))

    search, listing = AccessRecord.objects.order_by("id")
    assert (search.purpose, search.what, search.person_ids, search.count, search.filters) == (
        "api", "api:case_list", [wife.pk], 1, {"q": "tran thi"},
    )  # fmt: skip
    assert (sorted(listing.person_ids), listing.count, listing.filters) == (
        sorted([wife.pk, family.head_id]), None, None,
    )  # fmt: skip
