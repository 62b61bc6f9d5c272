"""The list of poor and near-poor households in force in a year, through the API: the registry's
statuses (the latest of the year or before), the chair's decision that recognised the list, 404s,
the access log and a fixed number of queries."""

from datetime import date, datetime

import pytest
from django.urls import reverse

from households.models import HouseholdYearStatus
from povertyreview.models import Assessment, Campaign, ReviewPeriod
from povertyreview.standard_data import load_standards
from privacy.models import AccessRecord
from tests.conftest import BINH_MINH, TAN_DONG, VIETNAM
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def url(code=TAN_DONG) -> str:
    return reverse("api:poverty_list", kwargs={"code": code})


@pytest.fixture
def review_2025(family, units, users):
    """Tân Đông's annual review of 2025, approved by the chair: TD-NEW is poor on the list of 2026, and
    the family (near-poor in 2025) was surveyed and left the list (none in 2026)."""
    load_standards()
    new = make_household(units.tan_dong, units.tan_dong_village, code="TD-NEW", members=(
        ("Phạm Thị Lan", "F", date(1960, 2, 2), "head"),))  # fmt: skip
    campaign = Campaign.objects.create(
        commune=units.tan_dong, year=2025, standard=ReviewPeriod.objects.get(year=2025).standard,
        status=Campaign.Status.APPROVED, decision_number="245/QĐ-UBND", decision_date=date(2025, 12, 12),
        approved_by=users["tandong_chair"], approved_at=datetime(2025, 12, 12, 9, 0, tzinfo=VIETNAM),
    )  # fmt: skip
    surveyed = {"surveyed_at": datetime(2025, 10, 1, 9, 0, tzinfo=VIETNAM), "income_per_capita": 1_000_000}
    Assessment.objects.create(campaign=campaign, household=new, village=units.tan_dong_village, area=new.area,
                              listed_reason="applied", classification="poor", **surveyed)  # fmt: skip
    Assessment.objects.create(campaign=campaign, household=family, village=units.tan_dong_village, area=family.area,
                              listed_reason="on_list", classification="none", previous_classification="near_poor",
                              **surveyed)  # fmt: skip
    HouseholdYearStatus.objects.create(household=new, year=2026, status="poor")
    HouseholdYearStatus.objects.create(household=family, year=2026, status="none")
    return new


def rows(client, **query) -> list:
    response = client.get(url(), query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_list_of_a_year_is_each_households_latest_status_of_that_year_or_before(family, client_for, units):
    client = client_for("tandong_officer")
    village = {"id": units.tan_dong_village.pk, "name": "Ấp Đông Hà"}
    row = {"uuid": str(family.uuid), "code": "TD-API", "village": village, "head_name": "Nguyễn Văn An"}

    assert rows(client, year=2024) == [{**row, "status": "poor", "list_year": 2024, "decision": None}]
    assert rows(client, year=2025) == [{**row, "status": "near_poor", "list_year": 2025, "decision": None}]
    # No list of 2026 yet: the list of 2025 stays in force (imported before the product: no decision).
    assert rows(client, year=2026) == [{**row, "status": "near_poor", "list_year": 2025, "decision": None}]
    assert rows(client, year=2023) == []


def test_the_approved_review_makes_the_next_years_list_with_its_decision(review_2025, family, client_for, units):
    client = client_for("tandong_officer")

    assert rows(client, year=2026) == [{
        "uuid": str(review_2025.uuid), "code": "TD-NEW", "village": {"id": units.tan_dong_village.pk,
        "name": "Ấp Đông Hà"}, "head_name": "Phạm Thị Lan", "status": "poor", "list_year": 2026,
        "decision": {"number": "245/QĐ-UBND", "date": "2025-12-12"},
    }]  # fmt: skip
    assert [row["code"] for row in rows(client, year=2025)] == ["TD-API"]
    assert [row["code"] for row in rows(client, year=2026, status="near_poor")] == []


def test_the_read_is_logged_with_the_heads_on_the_page(family, client_for):
    client_for("tandong_committee").get(url(), {"year": 2025})

    record = AccessRecord.objects.get()
    assert (record.purpose, record.what, record.person_ids, record.commune_ids) == (
        "api", "api:poverty_list", [family.head_id], [TAN_DONG],
    )  # fmt: skip


def test_another_communes_list_is_a_404_like_an_unknown_code(family, client_for):
    client = client_for("tandong_officer")

    answers = [client.get(url(BINH_MINH)), client.get(url("99999")), client.get(url("not-a-code"))]

    assert {response.status_code for response in answers} == {404}
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [({"year": "20x5"}, "year"), ({"year": "1999"}, "year"), ({"year": "-1"}, "year"), ({"status": "rich"}, "status"),
     ({"limit": "0"}, "limit"), ({"cursor": "garbage"}, "cursor")],
)  # fmt: skip
def test_a_bad_parameter_is_a_400_naming_it(query, field, family, client_for):
    response = client_for("tandong_officer").get(url(), query)

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_list_pages_by_code_and_costs_the_same_queries_for_1_row_as_for_12(
    family, client_for, units, django_assert_num_queries
):
    client = client_for("tandong_officer")
    client.get(url())  # the session is read once
    # session, user, the commune (in the user's scope), the page, the access log, the session saved (3)
    with django_assert_num_queries(8):
        assert len(client.get(url(), {"year": 2025}).json()["results"]) == 1
    for number in range(11):
        household = make_household(units.tan_dong, units.tan_dong_village, code=f"TD-{number:03d}")
        HouseholdYearStatus.objects.create(household=household, year=2025, status="poor")
    with django_assert_num_queries(8):
        assert len(client.get(url(), {"year": 2025}).json()["results"]) == 12

    first = client.get(url(), {"year": 2025, "limit": 5}).json()
    second = client.get(first["next"]).json()
    assert [row["code"] for row in first["results"] + second["results"]] == [
        *(f"TD-{number:03d}" for number in range(10)),
    ]
