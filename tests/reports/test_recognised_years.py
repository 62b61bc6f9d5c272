"""The poverty summary and the review results exist only for a year whose review the chair recognised
(issue 16, item 3): the pages open on the latest recognised year (the list in force), a year not yet
recognised shows a warning and no table of zeros, and no door (page, download, export job, worker)
makes a file of it. A province sums its recognised communes and names the others.

The fixture is ``poverty_households`` (tests/reports/test_tables.py): Tân Đông and Bình Minh hold lists
of 2024 and 2025 kept before the product (no review: imported lists, so the reviews of 2023 and 2024
are recognised); here Tân Đông's review of 2025 is open, at public posting, so it has no list of 2026.
"""

from datetime import date, datetime

import pytest
from django.urls import reverse

from households.models import HouseholdYearStatus
from povertyreview.models import Campaign, PovertyStandard
from povertyreview.selectors import latest_recognised_year, review_states
from povertyreview.standard_data import load_standards
from reports import exports
from reports.models import ExportJob, OfficialTable
from reports.tables import NotRecognised, build_table, parse_parameters, table_scope
from tests.conftest import VIETNAM, on_day
from tests.reports.test_tables import poverty_households, poverty_row, table_dict  # noqa: F401 (fixture)

TODAY = datetime(2026, 12, 7, 10, 0, tzinfo=VIETNAM)
WARNING_VI = (
    "Kết quả rà soát năm 2025 của Xã Tân Đông chưa được công nhận (cuộc rà soát đang ở bước: Niêm yết công khai)."
)


@pytest.fixture
def open_review(units, poverty_households):  # noqa: F811
    load_standards()
    return Campaign.objects.create(
        commune=units.tan_dong,
        year=2025,
        standard=PovertyStandard.objects.order_by("code").first(),
        status=Campaign.Status.PUBLIC_POSTING,
    )


@pytest.fixture(autouse=True)
def today():
    with on_day(TODAY):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_state_of_a_year_s_review_in_each_commune(units, open_review):
    states = review_states(["25522", "25480"], 2025)
    assert [(s.code, s.campaign_status, s.has_list, s.recognised) for s in states.values()] == [
        ("25480", "", False, False),  # no review, no list of 2026
        ("25522", "public_posting", False, False),
    ]
    assert review_states(["25522"], 2024)["25522"].recognised  # the list of 2025 kept before the product
    assert latest_recognised_year(["25522"], up_to=2026)[0] == 2024
    Campaign.objects.filter(pk=open_review.pk).update(status=Campaign.Status.APPROVED)
    assert latest_recognised_year(["25522"], up_to=2026)[0] == 2025


def test_the_poverty_page_opens_on_the_latest_recognised_year(client_for, users, open_review):
    response = client_for("tandong_officer").get(reverse("reports:table_poverty") + "?commune=25522")

    assert response.status_code == 200
    assert response.context["table"].parameters == {"year": 2024}
    assert [cell["text"] for cell in response.context["rows"][-1]["cells"]][:3] == [
        "Tổng cộng",
        "13",
        "4",
    ]  # the page says what the PDF says
    assert response.context["warnings"] == []
    scope = table_scope(users["tandong_officer"], commune="25522")
    assert parse_parameters("poverty", {}, scope=scope) == {"year": 2024}
    assert parse_parameters("poverty", {}) == {"year": 2025}  # without a scope: last year's review


def test_a_year_not_recognised_shows_a_warning_and_no_table_of_zeros(client_for, open_review):
    response = client_for("tandong_officer").get(reverse("reports:table_poverty") + "?commune=25522&year=2025")

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["table"] is None and response.context["rows"] == []
    assert response.context["warnings"][0].startswith(WARNING_VI)
    assert 'data-testid="table-warning"' in html
    assert 'data-testid="official-table"' not in html and 'data-testid="downloads"' not in html


@pytest.mark.parametrize("file_format", ["pdf", "xlsx"])
def test_the_file_of_a_year_not_recognised_is_refused_and_nothing_is_written(client_for, open_review, file_format):
    client = client_for("tandong_officer")
    response = client.post(
        reverse("reports:table_export"), {"table": "poverty", "format": file_format, "commune": "25522", "year": 2025}
    )

    assert response.status_code == 302
    assert response.url == reverse("reports:table_poverty") + "?commune=25522&year=2025"
    assert "Content-Disposition" not in response
    assert not ExportJob.objects.exists()
    page = client.get(response.url).content.decode()
    assert WARNING_VI in page  # the message, and the page's own warning


def test_no_export_job_is_queued_or_built_for_a_year_not_recognised(users, open_review, media):
    officer = users["tandong_officer"]
    wanted = exports.ExportRequest(
        table=OfficialTable.POVERTY, file_format="pdf", scope=table_scope(officer, commune="25522"),
        parameters={"year": 2025},
    )  # fmt: skip
    with pytest.raises(NotRecognised):
        exports.export_job_create(request=wanted, acting_user=officer)
    with pytest.raises(NotRecognised):
        exports.export_now(wanted)
    assert not ExportJob.objects.exists()

    # A job queued through a side door (or before a rule changed) is refused by the worker: no file.
    job = ExportJob.objects.create(owner=officer, table="poverty", file_format="pdf", commune=open_review.commune,
                                   parameters={"year": 2025})  # fmt: skip
    assert exports.export_job_run(job.pk) == "failed"
    job.refresh_from_db()
    assert (job.status, job.file.name, job.filename) == ("failed", "", "")
    assert job.error.startswith("The result of the 2025 review of Xã Tân Đông is not yet recognised")
    assert not media.exists() or not list(media.rglob("*.pdf"))


def test_a_recognised_year_still_downloads(client_for, open_review):
    response = client_for("tandong_officer").post(
        reverse("reports:table_export"), {"table": "poverty", "format": "pdf", "commune": "25522", "year": 2024}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_province_sums_its_recognised_communes_and_names_the_others(users, client_for, open_review,
                                                                      poverty_households):  # noqa: F811  # fmt: skip
    for code, status in (("BM-01", "near_poor"), ("BM-02", "none")):  # Bình Minh's list of 2026: recognised
        HouseholdYearStatus.objects.create(household=poverty_households[code], year=2026, status=status)
    scope = table_scope(users["tayninh_province"], province="80")

    table = build_table(OfficialTable.POVERTY, scope, {"year": 2025})

    assert table_dict(table) == {
        "Phường Bình Minh": poverty_row(2, 0, 1, 1, 0, 0, 0),  # escaped poverty (poor → near-poor)
        "TOTAL": poverty_row(2, 0, 1, 1, 0, 0, 0),  # Tân Đông's 13 households are not summed
    }
    assert table.warnings == [
        "The result of the 2025 poverty review is not yet recognised in these communes (1): Xã Tân Đông "
        "(Public posting). The table sums only the communes whose result is recognised."
    ]
    assert table.notes_vi[-1] == (
        "Chưa tổng hợp 1 xã, phường, đặc khu chưa được Chủ tịch UBND công nhận kết quả rà soát năm 2025: "
        "Xã Tân Đông (Niêm yết công khai)."
    )
    # The province's default: the latest year recognised in every commune keeping records (2024).
    assert parse_parameters("poverty", {}, scope=scope) == {"year": 2024}
    page = client_for("tayninh_province").get(reverse("reports:table_poverty") + "?province=80&year=2025")
    assert "chưa được công nhận ở 1 xã, phường: Xã Tân Đông (Niêm yết công khai)" in page.content.decode()


def test_a_province_where_no_commune_recognised_the_year_has_no_table_and_no_file(client_for, open_review):
    client = client_for("tayninh_province")
    page = client.get(reverse("reports:table_poverty") + "?province=80&year=2025")
    refused = client.post(
        reverse("reports:table_export"), {"table": "poverty", "format": "pdf", "province": "80", "year": 2025}
    )

    assert page.context["table"] is None
    assert page.context["warnings"] == [
        "Kết quả rà soát năm 2025 chưa được công nhận ở xã, phường nào trong phạm vi này: chưa có danh sách năm "
        "2026 để tổng hợp."
    ]
    assert refused.status_code == 302 and "Content-Disposition" not in refused
    assert not ExportJob.objects.exists()


def test_the_review_results_open_on_the_recognised_year_and_warn_for_an_open_one(client_for, open_review):
    client = client_for("tandong_committee")
    default = client.get(reverse("povertyreview:results") + "?commune=25522")
    chosen = client.get(reverse("povertyreview:results") + "?commune=25522&year=2025")

    assert (default.context["year"], default.context["result"].counts["poor"]) == (2024, 4)
    assert default.context["not_recognised"] == ""
    html = chosen.content.decode()
    assert chosen.context["result"] is None
    assert WARNING_VI in html and 'data-testid="results-not-recognised"' in html
    assert 'data-testid="results-counts"' not in html  # never "Hộ nghèo 0 hộ"


def test_an_approved_review_is_recognised_from_the_day_of_its_approval(client_for, open_review, poverty_households):  # noqa: F811
    Campaign.objects.filter(pk=open_review.pk).update(status=Campaign.Status.APPROVED, decision_date=date(2026, 12, 5))
    HouseholdYearStatus.objects.create(household=poverty_households["TD-01"], year=2026, status="near_poor")

    response = client_for("tandong_officer").get(reverse("reports:table_poverty") + "?commune=25522")

    assert response.context["table"].parameters == {"year": 2025}
    assert response.context["warnings"] == []
