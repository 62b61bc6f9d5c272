"""Payment runs through the API: the run pages' runs, totals and lines as JSON (scoped, masked and logged
as there), and the payer's report posted as JSON, reconciled exactly as the CSV report of the upload
page, refused line by line with nothing changed."""

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from api import services
from disbursements.importing import reconcile
from disbursements.models import PaidMonth, Run
from privacy.models import AccessRecord
from tests.api.test_oauth import bearer, token_for
from tests.conftest import BINH_MINH, TAN_DONG
from tests.disbursements.test_exports import approved_run, exported_run, make_cases, prepare
from tests.disbursements.test_reconcile import state
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """A payer's report uploaded as a file is kept: under the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cases(units, users):
    """Five cases of Tân Đông (tests/disbursements/test_exports.py): Hoa (bank, owed April), Đức (bank),
    Ánh (cash), Bảy (cash, owed April), Én (bank)."""
    return make_cases(units, users["tandong_officer"])


@pytest.fixture
def run(cases, units, users) -> Run:
    """May 2026, sent to the payer."""
    return exported_run(units, users)


def when(moment) -> str:
    """A moment as the API writes it: in the site's time zone (Asia/Ho_Chi_Minh), ISO 8601."""
    return timezone.localtime(moment).isoformat()


def run_url(name: str, run: Run) -> str:
    return reverse(f"api:{name}", kwargs={"run_id": run.pk})


def refs(run: Run) -> list[str]:
    return list(run.lines.order_by("case_id").values_list("reference", flat=True))


def post_report(client, run: Run, lines: list[dict]):
    return client.post(run_url("run_report", run), {"lines": lines}, content_type="application/json")


# --- the runs -------------------------------------------------------------------------------------------


def test_the_officer_lists_the_runs_as_the_list_page(run, client_for):
    response = client_for("tandong_officer").get(reverse("api:run_list"))

    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "results": [
            {"id": run.pk, "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"}, "month": "2026-05",
             "status": "exported", "people": 5, "total_amount": 3_750_000, "bank_amount": 2_250_000,
             "cash_amount": 1_500_000},
        ],
    }  # fmt: skip


def test_the_list_filters_by_commune_month_and_status(run, units, users, client_for):
    other = Run.objects.create(commune=units.binh_minh, month=date(2026, 4, 1), status=Run.Status.COMPUTED)
    province = client_for("tayninh_province")

    def ids(**query) -> list[int]:
        response = province.get(reverse("api:run_list"), query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [run.pk, other.pk]  # newest month first
    assert ids(commune=BINH_MINH) == [other.pk]
    assert ids(month="2026-05") == [run.pk]
    assert ids(status="computed") == [other.pk]
    assert ids(status=["computed", "exported"], month="2026-04") == [other.pk]
    # and the Tân Đông officer sees only Tân Đông's: Bình Minh is 404, as a commune that does not exist
    assert client_for("tandong_officer").get(reverse("api:run_list"), {"commune": BINH_MINH}).status_code == 404
    assert [row["id"] for row in client_for("tandong_officer").get(reverse("api:run_list")).json()["results"]] == [
        run.pk
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"month": "2026-13"}, "month"), ({"month": "0000-01"}, "month"), ({"status": "lost"}, "status"),
     ({"cursor": "bm90IG91cnM"}, "cursor"), ({"limit": "0"}, "limit")],
)  # fmt: skip
def test_a_filter_the_caller_may_not_use_is_a_400_naming_it(query, field, client_for, units):
    response = client_for("tandong_officer").get(reverse("api:run_list"), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_runs_come_in_cursor_pages_newest_month_first(units, client_for):
    made = [
        Run.objects.create(commune=commune, month=date(2026, month, 1), status=Run.Status.COMPUTED)
        for month in (1, 2, 3) for commune in (units.tan_dong, units.binh_minh)
    ]  # fmt: skip
    client = client_for("tayninh_province")
    url, seen = reverse("api:run_list") + "?limit=4", []
    while url:
        body = client.get(url).json()
        seen += [(row["month"], row["commune"]["name"]) for row in body["results"]]
        url = body["next"]

    assert len(made) == 6
    assert seen == [
        ("2026-03", "Phường Bình Minh"), ("2026-03", "Xã Tân Đông"), ("2026-02", "Phường Bình Minh"),
        ("2026-02", "Xã Tân Đông"), ("2026-01", "Phường Bình Minh"), ("2026-01", "Xã Tân Đông"),
    ]  # fmt: skip


def test_the_list_costs_the_same_queries_for_2_runs_as_for_12(units, client_for, django_assert_num_queries):
    client = client_for("tayninh_province")

    def make(months):
        for month in months:
            for commune in (units.tan_dong, units.binh_minh):
                Run.objects.create(commune=commune, month=date(2025, month, 1), status=Run.Status.COMPUTED)

    make([1])
    # session, user, the user's communes, the page of runs, the session saved (savepoint, UPDATE, release)
    with django_assert_num_queries(7):
        assert len(client.get(reverse("api:run_list")).json()["results"]) == 2
    make(range(2, 7))
    with django_assert_num_queries(7):
        assert len(client.get(reverse("api:run_list")).json()["results"]) == 12


def test_the_run_reads_as_its_page_with_totals_and_reconciliation(run, users, client_for):
    a, b, *_ = refs(run)
    reconcile(run, io.BytesIO(f"reference,status,paid_on,note\n{a},failed,,Tài khoản bị khóa\n{b},paid,2026-05-20,\n"
                              .encode()), "report.csv", acting_user=users["tandong_officer"])  # fmt: skip
    run.refresh_from_db()
    report = run.reports.get()

    response = client_for("tandong_committee").get(run_url("run_detail", run))

    assert response.status_code == 200
    chair, officer = users["tandong_chair"].display_name, users["tandong_officer"].display_name
    assert response.json() == {
        "id": run.pk, "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"}, "province": "80", "month": "2026-05",
        "status": "exported", "people": 5, "total_amount": 3_750_000, "bank_amount": 2_250_000,
        "cash_amount": 1_500_000,
        "prepared_by": {"name": officer}, "computed_at": when(run.computed_at),
        "approved_by": {"name": chair}, "approved_at": when(run.approved_at),
        "sent_by": {"name": officer}, "sent_at": when(run.exported_at),
        "totals": {
            "people": 5, "amount": 3_750_000,
            "by_method": [{"payment_method": "bank", "people": 3, "amount": 2_250_000},
                          {"payment_method": "cash", "people": 2, "amount": 1_500_000}],
            "by_category": [{"category": "5.5a", "people": 1, "amount": 750_000},
                            {"category": "5.5c", "people": 4, "amount": 3_000_000}],
            "failed_before": 0, "long_arrears": 0,
        },
        "reconciliation": {
            "reported": 2, "pending": 3,
            "paid": {"people": 1, "amount": 750_000}, "failed": {"people": 1, "amount": 1_000_000},
            "reconciled_at": None,
            "reports": [{
                "received_at": when(report.created_at), "uploaded_by": {"name": officer},
                "file_name": "report.csv", "sha256": report.sha256, "lines": 2, "paid": 1, "failed": 1, "settled": 2,
            }],
        },
    }  # fmt: skip


# --- its lines ------------------------------------------------------------------------------------------


def test_the_officer_reads_the_lines_in_full_and_the_read_is_logged(run, cases, client_for, users):
    hoa, duc, anh, bay, en = cases
    run_id = run.pk

    response = client_for("tandong_officer").get(run_url("run_lines", run), {"limit": 3})

    assert response.status_code == 200
    body = response.json()
    # By name, as the run page: Lê Thị Ánh, Nguyễn Thị Hoa, Phạm Văn Bảy, then (page 2) Trần Văn Đức, Võ Thị Én
    assert [line["beneficiary"]["full_name"] for line in body["results"]] == [
        "Lê Thị Ánh", "Nguyễn Thị Hoa", "Phạm Văn Bảy",
    ]  # fmt: skip
    assert body["results"][1] == {
        "reference": f"{run_id}-{hoa.pk}",
        "beneficiary": {"case_uuid": str(hoa.uuid), "person_uuid": str(hoa.person.uuid), "full_name": "Nguyễn Thị Hoa",
                        "national_id": hoa.person.national_id},
        "category": "5.5c",
        "amount": 1_000_000,
        "months": ["2026-04", "2026-05"],
        "arrears_months": 1,
        "months_failed_before": [],
        "breakdown": run.lines.get(case=hoa).breakdown,
        "payment_method": "bank",
        "account": {"bank_bin": "970436", "number": "0011001234567"},
        "status": "pending",
        "paid_on": None,
        "note": "",
    }  # fmt: skip
    assert body["results"][0]["account"] is None  # cash, at the post office
    assert len(run.lines.get(case=hoa).breakdown) == 2
    record = AccessRecord.objects.get()
    assert (record.user, record.purpose, record.what) == (users["tandong_officer"], "api", "api:run_lines")
    assert sorted(record.person_ids) == sorted([anh.person_id, hoa.person_id, bay.person_id])
    assert record.commune_ids == [TAN_DONG]
    # and the second page holds the other two
    rest = client_for("tandong_officer").get(body["next"]).json()
    assert [line["reference"] for line in rest["results"]] == [f"{run_id}-{duc.pk}", f"{run_id}-{en.pk}"]
    assert rest["next"] is None


def test_a_committee_member_reads_identifiers_and_accounts_masked_as_on_the_page(run, cases, client_for):
    lines = client_for("tandong_committee").get(run_url("run_lines", run), {"payment_method": "bank"}).json()
    hoa = next(line for line in lines["results"] if line["beneficiary"]["full_name"] == "Nguyễn Thị Hoa")

    assert hoa["beneficiary"]["national_id"] == "•" * 9 + cases[0].person.national_id[-3:]
    assert hoa["account"] == {"bank_bin": "970436", "number": "••••4567"}
    assert [line["payment_method"] for line in lines["results"]] == ["bank"] * 3
    # and the page shows the same
    page = client_for("tandong_committee").get(reverse("disbursements:detail", kwargs={"run_id": run.pk}))
    assert "••••4567" in page.content.decode() and "0011001234567" not in page.content.decode()


def test_a_health_category_reads_generalised_for_a_role_that_may_not_see_it(units, users, client_for):
    from tests.disbursements.test_exports import Person

    make_cases(units, users["tandong_officer"], [
        Person("Đinh Văn Tâm", "M", date(1980, 2, 2), "5.6s", date(2026, 5, 1), "cash"),
    ])  # fmt: skip
    run = approved_run(units, users)

    officer = client_for("tandong_officer").get(run_url("run_lines", run)).json()["results"][0]
    committee = client_for("tandong_committee").get(run_url("run_lines", run)).json()["results"][0]

    assert (officer["category"], len(officer["breakdown"])) == ("5.6s", 1)
    assert (committee["category"], committee["breakdown"]) == ("health_related", None)


def test_the_lines_cost_the_same_queries_for_1_line_as_for_5(run, client_for, django_assert_num_queries):
    client = client_for("tandong_officer")
    # session, user, the user's communes, the run, the page of lines with cases and persons, the access
    # log's row, the session saved (savepoint, UPDATE, release)
    with django_assert_num_queries(9):
        assert len(client.get(run_url("run_lines", run), {"limit": 1}).json()["results"]) == 1
    with django_assert_num_queries(9):
        assert len(client.get(run_url("run_lines", run), {"limit": 5}).json()["results"]) == 5


@pytest.mark.parametrize("name", ["run_detail", "run_lines"])
def test_another_communes_run_is_404_as_a_missing_one(name, run, client_for):
    assert client_for("binhminh_officer").get(run_url(name, run)).status_code == 404
    assert client_for("hcm_province").get(run_url(name, run)).status_code == 404
    assert client_for("tandong_officer").get(reverse(f"api:{name}", kwargs={"run_id": 99_999_999})).status_code == 404
    assert client_for("tayninh_province").get(run_url(name, run)).status_code == 200


# --- the payer's report ---------------------------------------------------------------------------------


def test_a_report_through_the_api_reconciles_as_the_csv_report(run, cases, units, users, client_for):
    # Given the run's five lines, the first reported failed (as tests/disbursements/test_reconcile.py's CSV)
    a, b, c, d, e = refs(run)

    response = post_report(client_for("tandong_officer"), run, [
        {"reference": a, "status": "failed", "note": "Tài khoản bị khóa"},
        {"reference": b, "status": "paid", "paid_on": "2026-05-20", "amount": 750_000},
        {"reference": c, "status": "paid", "paid_on": "2026-05-21", "note": "Bưu điện"},
        {"reference": d, "status": "paid", "paid_on": "2026-05-21"},
        {"reference": e, "status": "paid", "paid_on": "2026-05-20"},
    ])  # fmt: skip

    assert response.status_code == 200, response.json()
    run.refresh_from_db()
    report = run.reports.get()
    body = response.json()
    assert body["reconciliation"]["reports"][0]["sha256"] == report.sha256
    body["reconciliation"]["reports"] = []
    assert body == {
        "report": report.pk, "paid": 4, "failed": 1, "unchanged": 0, "pending": 0, "reconciled": True,
        "run": {"id": run.pk, "commune": {"code": TAN_DONG, "name": "Xã Tân Đông"}, "month": "2026-05",
                "status": "reconciled", "people": 5, "total_amount": 3_750_000, "bank_amount": 2_250_000,
                "cash_amount": 1_500_000},
        "reconciliation": {
            "reported": 5, "pending": 0, "paid": {"people": 4, "amount": 2_750_000},
            "failed": {"people": 1, "amount": 1_000_000},
            "reconciled_at": when(run.reconciled_at), "reports": [],
        },
    }  # fmt: skip
    # Then exactly what the CSV report does (test_a_clean_report_reconciles_and_failed_months_are_owed_again)
    assert list(run.lines.order_by("case_id").values_list("status", "paid_on", "note")) == [
        ("failed", None, "Tài khoản bị khóa"),
        ("paid", date(2026, 5, 20), ""),
        ("paid", date(2026, 5, 21), "Bưu điện"),
        ("paid", date(2026, 5, 21), ""),
        ("paid", date(2026, 5, 20), ""),
    ]
    assert (report.uploaded_by, report.file_name, report.line_count, report.settled_count) == (
        users["tandong_officer"], "", 5, 5,
    )  # fmt: skip
    assert not PaidMonth.objects.filter(case=cases[0]).exists()
    june = prepare(units.tan_dong, users["tandong_officer"], date(2026, 6, 1))
    assert june.lines.get(case=cases[0]).months == ["2026-04", "2026-05", "2026-06"]
    assert june.lines.get(case=cases[1]).months == ["2026-06"]


def test_the_banks_client_reads_its_communes_run_and_posts_its_report_with_its_scope(run, units, users, family):
    """The issue's scenario: a client the administrator made for Tân Đông reads the households and the
    run's lines, posts the payer's report with payments:report, and is refused Bình Minh's household."""
    client, secret = services.client_create(
        name="Ngân hàng CSXH Tây Ninh", role=Role.COMMUNE_OFFICER, communes=[units.tan_dong],
        scopes=["registry:read", "payments:read", "payments:report"], acting_user=users["admin"],
    )  # fmt: skip
    token = token_for(client, secret)
    bank = bearer(token)
    binh_minh = make_household(units.binh_minh, units.binh_minh_village, code="BM-BANK")
    a, b, *rest = refs(run)

    households = bank.get(reverse("api:household_list"))
    lines = bank.get(run_url("run_lines", run))
    report = bank.post(run_url("run_report", run), {"lines": [
        {"reference": a, "status": "paid", "paid_on": "2026-05-20"},
        {"reference": b, "status": "failed", "note": "Tài khoản đã đóng"},
    ]}, content_type="application/json", headers={"Idempotency-Key": "bank-2026-05-1"})  # fmt: skip
    refused = bank.get(reverse("api:household_detail", kwargs={"household_uuid": binh_minh.uuid}))

    assert [row["code"] for row in households.json()["results"]] == [
        "TD-API", "TD-PAY0", "TD-PAY1", "TD-PAY2", "TD-PAY3", "TD-PAY4",
    ]  # fmt: skip
    assert sorted(line["reference"] for line in lines.json()["results"]) == sorted(refs(run))
    assert report.status_code == 200
    assert (report.json()["paid"], report.json()["failed"], report.json()["pending"]) == (1, 1, 3)
    assert run.reports.get().uploaded_by == client.account
    assert refused.status_code == 404


def test_a_report_in_parts_and_a_line_repeated_with_its_status(run, client_for):
    a, b, *rest = refs(run)
    client = client_for("tandong_officer")

    first = post_report(client, run, [{"reference": a, "status": "paid", "paid_on": "2026-05-20"}]).json()
    second = post_report(client, run, [
        {"reference": a, "status": "paid", "paid_on": "2026-05-20"},
        {"reference": b, "status": "failed", "note": "Sai tên"},
    ]).json()  # fmt: skip

    assert (first["paid"], first["failed"], first["pending"], first["reconciled"]) == (1, 0, 4, False)
    assert (second["paid"], second["failed"], second["unchanged"], second["pending"]) == (0, 1, 1, 3)
    assert second["run"]["status"] == "exported"


def test_a_report_retried_with_its_idempotency_key_is_kept_once(run, client_for):
    """A payer's system that lost the answer sends the same report again with the same key: one report,
    the first answer again; the same key with another report is refused and changes nothing."""
    a, b, *rest = refs(run)
    client = client_for("tandong_officer")
    lines = [{"reference": a, "status": "paid", "paid_on": "2026-05-20"}, {"reference": b, "status": "failed",
             "note": "Sai tên"}]  # fmt: skip
    url, key = run_url("run_report", run), "bcsp-2026-05-report-1"

    first = client.post(url, {"lines": lines}, content_type="application/json", headers={"Idempotency-Key": key})
    again = client.post(url, {"lines": lines}, content_type="application/json", headers={"Idempotency-Key": key})
    other = client.post(url, {"lines": lines[:1]}, content_type="application/json", headers={"Idempotency-Key": key})

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 422)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert run.reports.count() == 1
    assert (first.json()["paid"], first.json()["failed"], first.json()["pending"]) == (1, 1, 3)


def test_a_bad_report_is_refused_line_by_line_and_nothing_changes(run, client_for):
    a, b, c, d, e = refs(run)
    before = state(run)

    response = post_report(client_for("tandong_officer", language="en"), run, [
        {"reference": a, "status": "paid", "paid_on": "2026-05-20"},
        {"reference": "999-1", "status": "paid", "paid_on": "2026-05-20"},
        {"reference": b, "status": "paid", "paid_on": "2026-05-20", "amount": 700_000},
        {"reference": c, "status": "failed"},
        {"reference": a, "status": "paid", "paid_on": "2026-05-21"},
    ])  # fmt: skip

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "lines.1.reference", "detail": "unknown reference 999-1"},
        {"field": "lines.2.amount", "detail": "700000, the line pays 750000 đồng"},
        {"field": "lines.3.note", "detail": "the payer's reason is required for a failed line"},
        {"field": "lines.4.reference", "detail": f"{a} is also on line 2"},
    ]
    assert state(run) == before


def test_a_body_that_does_not_validate_names_its_fields(run, client_for):
    before = state(run)

    response = post_report(client_for("tandong_officer"), run, [{"reference": refs(run)[0], "status": "lost"}])

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["lines.0.status"]
    assert post_report(client_for("tandong_officer"), run, []).status_code == 400
    assert state(run) == before


def test_a_reported_status_is_final(run, client_for):
    a, *rest = refs(run)
    client = client_for("tandong_officer", language="en")
    post_report(client, run, [{"reference": a, "status": "paid", "paid_on": "2026-05-20"}])
    before = state(run)

    response = post_report(client, run, [{"reference": a, "status": "failed", "note": "Trả lại"}])

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "lines.0.status" and "a reported status is final" in error["detail"]
    assert state(run) == before


def test_a_run_not_sent_to_the_payer_is_409_and_nothing_changes(cases, units, users, client_for):
    run = approved_run(units, users)
    before = state(run)

    response = post_report(
        client_for("tandong_officer", language="en"),
        run,
        [{"reference": refs(run)[0], "status": "paid", "paid_on": "2026-05-20"}],
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "The run is “Approved”; this is not possible now."
    assert state(run) == before


@pytest.mark.parametrize(("role", "status"), [("tandong_committee", 403), ("tandong_chair", 403),
                                              ("binhminh_officer", 404), ("anonymous", 401)])  # fmt: skip
def test_only_the_communes_officer_posts_the_report(role, status, run, client_for):
    before = state(run)

    response = post_report(client_for(role), run, [{"reference": refs(run)[0], "status": "paid",
                                                    "paid_on": "2026-05-20"}])  # fmt: skip

    assert response.status_code == status
    assert state(run) == before


def test_a_path_no_endpoint_matches_is_the_apis_404_and_a_pages_stays_the_sites(client_for):
    client = client_for("tandong_officer")

    api = client.get("/api/v1/runs/not-a-number/")
    page = client.get("/payments/not-a-number/")

    assert (api.status_code, api["Content-Type"]) == (404, "application/problem+json")
    assert api.json() == {
        "type": "about:blank", "title": "Not Found", "status": 404, "detail": "Nothing here: no such URL in this API (see its schema).",
    }  # fmt: skip
    assert (page.status_code, page["Content-Type"]) == (404, "text/html; charset=utf-8")
