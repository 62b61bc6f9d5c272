"""The dashboards' figures through the API: the numbers of tests/reports/test_figures.py's world (written
down there), the dashboards' doors (a commune out of scope 404; a province for its viewers, 403 for the
commune staff), only the caller's communes in a province's sums, and a month that is none is a 400."""

from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from disbursements.models import Run
from privacy.models import AccessRecord
from tests.conftest import BINH_MINH, TAN_DONG, VIETNAM, on_day
from tests.reports.test_figures import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test computes its own figures (the province's are cached, and the cache outlives a test)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(units, users):
    """The reports' world, read on 20 November 2026 (lateness and coverage depend on the day)."""
    with on_day(datetime(2026, 11, 20, 10, 0, tzinfo=VIETNAM)):
        yield build_world(units, users)


def commune_url(code=TAN_DONG, year=2026, month=11) -> str:
    return reverse("api:commune_report", kwargs={"code": code, "year": year, "month": month})


def province_url(code="80", year=2026, month=11) -> str:
    return reverse("api:province_report", kwargs={"code": code, "year": year, "month": month})


TAN_DONG_FIGURES = {
    "registry": {"households": 6, "members": 10},
    "poverty": {
        "status_year": 2025, "poor": 1, "near_poor": 4, "middle_income": 1, "listed": 5, "listed_rate": 83.33,
        "poor_rate": 16.67, "near_poor_rate": 66.67, "previous_poor": 2, "previous_near_poor": 1,
        "escaped_poverty": 2, "escaped_near_poverty": 1, "new_listed": 2, "fell_back": 1,
        "planned_reduction": 2, "plan_achieved": 1, "plan_percent": 50.0,
    },
    "beneficiaries": {
        "people": 6, "by_clause": {"5.1": 1, "5.4": 1, "5.5": 3, "5.6": 2},
        "by_category": {"5.1": 1, "5.5c": 2, "5.6s": 2, "5.5a": 1, "5.4": 1},
    },
    "health_insurance": {
        "living_members": 10, "members_covered": 5, "member_coverage": 50.0, "beneficiaries": 6,
        "beneficiaries_covered": 3, "beneficiary_coverage": 50.0,
    },
    "open_work": {
        "cases_applied": 1, "cases_verified": 1, "cases_suspended": 1, "complaints_open": 2, "complaints_overdue": 1,
        "cards_expiring": 1,
    },
    "late_run": True,
    "late_review": False,
}  # fmt: skip


def test_the_officer_reads_the_communes_figures_as_its_dashboard(world, client_for):
    response = client_for("tandong_officer").get(commune_url())

    assert response.status_code == 200
    body = response.json()
    run = body["total"].pop("run")
    assert body["total"] == TAN_DONG_FIGURES
    assert (run["people"], run["bank_people"], run["cash_people"], run["bank_share"], run["total_amount"]) == (
        4, 3, 1, 75.0, 2_500_000,
    )  # fmt: skip
    november = Run.objects.get(commune_id=TAN_DONG, month=date(2026, 11, 1))
    assert (run["id"], run["status"], run["bank_amount"], run["cash_amount"]) == (
        november.pk, "computed", 2_000_000, 500_000,
    )  # fmt: skip
    assert (body["commune"], body["month"]) == ({"code": TAN_DONG, "name": "Xã Tân Đông"}, "2026-11")
    assert [row["month"] for row in body["payment_months"]][-1] == "2026-11"
    assert len(body["coverage_trend"]) == 12 and body["coverage_trend"][-1]["day"] == "2026-11-20"
    # numbers only: nothing names a person, and nothing is written to the access log
    assert not AccessRecord.objects.exists()
    assert "Nguyễn" not in response.content.decode()


def test_the_provincial_viewer_reads_the_province_rolled_up_from_its_communes(world, client_for):
    response = client_for("tayninh_province").get(province_url())

    assert response.status_code == 200
    body = response.json()
    total = body["total"]
    assert (total["registry"]["households"], total["poverty"]["poor"], total["poverty"]["near_poor"]) == (8, 2, 4)
    assert (total["beneficiaries"]["people"], total["run"]["people"], total["run"]["total_amount"]) == (8, 6, 3_750_000)
    assert (total["run"]["id"], total["poverty"]["status_year"]) == (None, None)  # many runs; lists of 2025 and 2024
    assert body["province"] == {"code": "80", "name": "Tây Ninh"}
    assert [(row["commune"]["code"], row["late_review"]) for row in body["communes"]] == [
        (BINH_MINH, True), (TAN_DONG, False),
    ]  # fmt: skip
    td = body["communes"][1]
    td.pop("commune")
    td_run = td.pop("run")
    assert td_run["people"] == 4
    # the province's row of Tân Đông is its dashboard's total (no twelve-month trend: the snapshot's rule)
    assert td == TAN_DONG_FIGURES


def test_an_administrator_reads_any_province(world, client_for):
    assert client_for("admin").get(province_url("79")).status_code == 200


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("binhminh_officer", commune_url(TAN_DONG), 404),  # Tân Đông is not Bình Minh's
        ("hcm_province", commune_url(TAN_DONG), 404),
        ("tayninh_province", commune_url(TAN_DONG), 200),
        ("tandong_officer", commune_url("99999"), 404),
        ("tandong_officer", province_url("80"), 403),  # its province, but the commune staff read their communes
        ("hcm_province", province_url("80"), 404),
        ("tayninh_province", province_url("79"), 404),
        ("tayninh_province", province_url("00"), 404),
        ("anonymous", commune_url(TAN_DONG), 401),
    ],
)
def test_the_dashboards_doors(role, url, status, units, users, client_for):
    response = client_for(role).get(url)

    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("year", "month", "fields"),
    [(2026, 13, ["month"]), (2026, 0, ["month"]), (0, 5, ["year"]), (99999, 99, ["year", "month"])],
)
def test_a_month_that_is_none_is_a_400_naming_it(year, month, fields, units, users, client_for):
    for url in (commune_url(year=year, month=month), province_url(year=year, month=month)):
        response = client_for("tayninh_province").get(url)

        assert response.status_code == 400
        assert [error["field"] for error in response.json()["errors"]] == fields
