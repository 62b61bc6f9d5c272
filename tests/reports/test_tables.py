"""The official tables against figures counted by hand on a small fixture (exact values), their
scope (a commune, a province, never outside), their parameters and their pages.

The fixture, Tây Ninh (Tân Đông and Bình Minh) and one commune of Hồ Chí Minh City:

- poverty, review of 2024 (the list for 2025 against the list for 2024), Tân Đông:
  Ấp Đông Hà: 9 current households (and a dissolved one, poor, never counted):
    1 poor→poor, 2 poor→near-poor, 3 poor→middle-income, 4 near-poor→near-poor, 5 near-poor→none,
    6 none→poor (never listed: new), 7 none→near-poor (poor in 2022: fell back),
    8 no status in 2024→near-poor (new), 9 none→none;
  Ấp Bến Cừ: 11 near-poor→poor, 12 middle-income→middle-income, 13 no status at all;
  no village yet: 14 none→poor (new).
  Bình Minh: 2 households, one poor in 2025 (none in 2024: new). Bến Thành (HCM): 1 poor household.
- payments, by run (month, status) and line (case, category, amount, method, bank, status):
  Tân Đông 06/2026 reconciled: A 5.5a 750,000 bank 970436;
  Tân Đông 07/2026 reconciled: A 5.5a 750,000 bank 970436, B 5.6s 500,000 bank 970436,
    C 5.1 1,000,000 cash, D 5.5a 750,000 bank 970415 FAILED;
  Tân Đông 08/2026 exported: A 750,000, B 500,000, D 5.5a 1,500,000 bank 970415 (two months);
  Tân Đông 09/2026 computed (not approved): A 750,000; a cancelled 09/2026 run: B 500,000;
  Bình Minh 07/2026 approved: E 5.5a 750,000 cash, F 5.6s 500,000 bank 970415;
  Bến Thành 07/2026 reconciled: G 5.5a 750,000 bank 970436.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from beneficiaries.models import PaymentMethod
from beneficiaries.rule_data import load_rules
from disbursements.models import Run, RunLine
from geography.models import Village
from households.models import Household, HouseholdYearStatus
from povertyreview.selectors import review_results
from reports.models import OfficialTable
from reports.tables import build_table, parse_parameters, source_rows, table_scope
from tests.disbursements.conftest import Beneficiary, make_cases
from tests.factories import VillageFactory

YEAR = 2024
H2 = {"year": 2026, "half": 2}


# --- fixtures (imported by test_exports.py and test_export_jobs.py) ----------------------------------


def _household(commune, village, code, statuses: dict, *, dissolved=False) -> Household:
    household = Household.objects.create(
        commune=commune, village=village, code=code, area=commune.area,
        dissolved_on=date(2024, 6, 1) if dissolved else None,
    )  # fmt: skip
    HouseholdYearStatus.objects.bulk_create(
        HouseholdYearStatus(household=household, year=year, status=status) for year, status in statuses.items()
    )
    return household


@pytest.fixture
def poverty_households(units):
    dong_ha = units.tan_dong_village
    ben_cu = VillageFactory(commune=units.tan_dong, name="Ấp Bến Cừ", kind=Village.Kind.AP)
    td = units.tan_dong
    plan = [
        (dong_ha, "TD-01", {2024: "poor", 2025: "poor"}),
        (dong_ha, "TD-02", {2024: "poor", 2025: "near_poor"}),
        (dong_ha, "TD-03", {2024: "poor", 2025: "middle_income"}),
        (dong_ha, "TD-04", {2024: "near_poor", 2025: "near_poor"}),
        (dong_ha, "TD-05", {2024: "near_poor", 2025: "none"}),
        (dong_ha, "TD-06", {2023: "none", 2024: "none", 2025: "poor"}),
        (dong_ha, "TD-07", {2022: "poor", 2023: "none", 2024: "none", 2025: "near_poor"}),
        (dong_ha, "TD-08", {2025: "near_poor"}),
        (dong_ha, "TD-09", {2024: "none", 2025: "none"}),
        (ben_cu, "TD-11", {2024: "near_poor", 2025: "poor"}),
        (ben_cu, "TD-12", {2024: "middle_income", 2025: "middle_income"}),
        (ben_cu, "TD-13", {}),
        (None, "TD-14", {2024: "none", 2025: "poor"}),
    ]
    households = {code: _household(td, village, code, statuses) for village, code, statuses in plan}
    households["TD-10"] = _household(td, dong_ha, "TD-10", {2024: "poor", 2025: "poor"}, dissolved=True)
    households["BM-01"] = _household(units.binh_minh, units.binh_minh_village, "BM-01", {2024: "none", 2025: "poor"})
    households["BM-02"] = _household(units.binh_minh, units.binh_minh_village, "BM-02", {2024: "none", 2025: "none"})
    other_village = VillageFactory(commune=units.other_commune, name="Khu phố 1", kind=Village.Kind.KHU_PHO)
    households["BT-01"] = _household(units.other_commune, other_village, "BT-01", {2024: "none", 2025: "poor"})
    return {"ben_cu": ben_cu, **households}


def _run(commune, month, status, officer) -> Run:
    return Run.objects.create(commune=commune, month=month, status=status, prepared_by=officer)


def _line(run, case, category, amount, method="bank", bank_bin="970436", status="paid") -> RunLine:
    return RunLine.objects.create(
        run=run, case=case, reference=f"{run.pk}-{case.pk}", national_id=case.person.national_id,
        full_name=case.person.full_name, category=category, months=[f"{run.month:%Y-%m}"], amount=amount,
        payment_method=method, bank_bin=bank_bin if method == "bank" else "",
        account_number="0123456789" if method == "bank" else "", status=status,
    )  # fmt: skip


@pytest.fixture
def payment_runs(units, users):
    load_rules()
    officer = users["tandong_officer"]
    people = [Beneficiary(name, date(1950, 1, 1), date(2026, 1, 1)) for name in ("An", "Bình", "Cúc", "Dũng")]
    a, b, c, d = make_cases(units.tan_dong, officer, people)
    e, f = make_cases(units.binh_minh, officer, [Beneficiary(n, date(1950, 1, 1), date(2026, 1, 1)) for n in "EF"])
    (g,) = make_cases(units.other_commune, officer, [Beneficiary("G", date(1950, 1, 1), date(2026, 1, 1))])
    status = Run.Status
    june = _run(units.tan_dong, date(2026, 6, 1), status.RECONCILED, officer)
    _line(june, a, "5.5a", 750_000)
    july = _run(units.tan_dong, date(2026, 7, 1), status.RECONCILED, officer)
    _line(july, a, "5.5a", 750_000)
    _line(july, b, "5.6s", 500_000)
    _line(july, c, "5.1", 1_000_000, method=PaymentMethod.CASH)
    _line(july, d, "5.5a", 750_000, bank_bin="970415", status="failed")
    august = _run(units.tan_dong, date(2026, 8, 1), status.EXPORTED, officer)
    _line(august, a, "5.5a", 750_000, status="pending")
    _line(august, b, "5.6s", 500_000, status="pending")
    _line(august, d, "5.5a", 1_500_000, bank_bin="970415", status="pending")
    september = _run(units.tan_dong, date(2026, 9, 1), status.COMPUTED, officer)
    _line(september, a, "5.5a", 750_000, status="pending")
    cancelled = _run(units.tan_dong, date(2026, 9, 1), status.CANCELLED, officer)
    _line(cancelled, b, "5.6s", 500_000, status="pending")
    binh_minh = _run(units.binh_minh, date(2026, 7, 1), status.APPROVED, officer)
    _line(binh_minh, e, "5.5a", 750_000, method=PaymentMethod.CASH, status="pending")
    _line(binh_minh, f, "5.6s", 500_000, bank_bin="970415", status="pending")
    other = _run(units.other_commune, date(2026, 7, 1), status.RECONCILED, officer)
    _line(other, g, "5.5a", 750_000)
    return {"july": july, "august": august}


def table_dict(table) -> dict:
    """First cell -> the rest, totals under "TOTAL"."""
    rows = {row.values[0]: row.values[1:] for row in table.rows}
    rows["TOTAL"] = table.total.values[1:]
    return rows


def poverty_row(households, poor, near_poor, escaped_poverty, escaped_near, new, fell_back) -> list:
    listed = poor + near_poor
    return [
        households, poor, poor / households, near_poor, near_poor / households, listed, listed / households,
        escaped_poverty, escaped_near, new, fell_back,
    ]  # fmt: skip


# --- a. poverty-review summary ------------------------------------------------------------------------


def test_poverty_summary_of_a_commune_by_village(users, poverty_households):
    scope = table_scope(users["tandong_officer"], commune="25522")

    table = build_table(OfficialTable.POVERTY, scope, {"year": YEAR})

    assert [row.values[0] for row in table.rows] == ["Ấp Bến Cừ", "Ấp Đông Hà", "No village yet"]
    assert table_dict(table) == {
        "Ấp Bến Cừ": poverty_row(3, 1, 0, 0, 0, 0, 0),
        "Ấp Đông Hà": poverty_row(9, 2, 4, 2, 1, 2, 1),
        "No village yet": poverty_row(1, 1, 0, 0, 0, 1, 0),
        "TOTAL": poverty_row(13, 4, 4, 2, 1, 3, 1),
    }
    assert table.total.document_values()[0] == "Tổng cộng"
    assert table.rows[2].document_values()[0] == "Chưa xếp thôn/tổ dân phố"


def test_poverty_summary_total_agrees_with_the_review_results(users, units, poverty_households):
    table = build_table(OfficialTable.POVERTY, table_scope(users["admin"], commune="25522"), {"year": YEAR})
    results = review_results(units.tan_dong, YEAR)

    total = dict(zip([column.key for column in table.columns], table.total.values, strict=True))
    assert (total["households"], total["poor"], total["near_poor"]) == (
        results.total_households, results.counts["poor"], results.counts["near_poor"]
    )  # fmt: skip
    assert (total["escaped_poverty"], total["escaped_near_poverty"], total["new_listed"], total["fell_back"]) == (
        results.escaped_poverty, results.escaped_near_poverty, results.new_listed, results.fell_back
    )  # fmt: skip
    assert round(100 * total["listed_rate"], 2) == results.listed_rate


def test_poverty_summary_of_the_province_by_commune_holds_only_its_communes(users, poverty_households):
    scope = table_scope(users["tayninh_province"], province="80")

    table = build_table(OfficialTable.POVERTY, scope, {"year": YEAR})

    assert table_dict(table) == {
        "Phường Bình Minh": poverty_row(2, 1, 0, 0, 0, 1, 0),
        "Xã Tân Đông": poverty_row(13, 4, 4, 2, 1, 3, 1),
        "TOTAL": poverty_row(15, 5, 4, 2, 1, 4, 1),  # Bến Thành's poor household is not here
    }
    assert table.rows[1].links["name"] == reverse("reports:table_poverty") + "?commune=25522&year=2024"
    assert scope.label() == "Tây Ninh: the whole province (2 communes)"


def test_poverty_figures_link_to_the_households_behind_them(users, poverty_households):
    table = build_table(OfficialTable.POVERTY, table_scope(users["tandong_officer"]), {"year": YEAR})

    dong_ha = table.rows[1]
    village = poverty_households["TD-01"].village_id
    assert dong_ha.links["poor"] == f"/households/?commune=25522&village={village}&year=2025&status=poor"
    assert dong_ha.links["near_poor"].endswith("status=near_poor")


def test_a_province_is_for_provincial_viewers_and_administrators(users, poverty_households):
    for role in ("tandong_officer", "tandong_chair", "tandong_committee", "binhminh_officer"):
        with pytest.raises(PermissionDenied):
            table_scope(users[role], province="80")

    table = build_table(OfficialTable.POVERTY, table_scope(users["admin"], province="80"), {"year": YEAR})
    assert table.total.values[1:3] == [15, 5]


# --- b. allowances by category and month -------------------------------------------------------------

ZERO_MONTHS = [0, 0] * 4  # September to December: nothing approved


def allowance_values(table) -> dict:
    """Category code -> [people, amount] × 6 months, then [people, amount] of the half-year; only
    the categories with a payment, and the total."""
    rows = {row.key: row.values[1:] for row in table.rows if any(row.values[1:])}
    rows["TOTAL"] = table.total.values[1:]
    return rows


def test_allowances_of_a_commune_by_category_and_month(users, payment_runs):
    table = build_table(OfficialTable.ALLOWANCES, table_scope(users["tandong_officer"]), H2)

    assert [column.group for column in table.columns[1:13:2]] == [f"{m:02d}/2026" for m in range(7, 13)]
    assert allowance_values(table) == {
        # July: A (D failed, not paid); August: A and D (two months); half-year: A and D, 3,000,000
        "5.5a": [1, 750_000, 2, 2_250_000, *ZERO_MONTHS, 2, 3_000_000],
        "5.6s": [1, 500_000, 1, 500_000, *ZERO_MONTHS, 1, 1_000_000],
        "5.1": [1, 1_000_000, 0, 0, *ZERO_MONTHS, 1, 1_000_000],
        "TOTAL": [3, 2_250_000, 3, 2_750_000, *ZERO_MONTHS, 4, 5_000_000],
    }
    assert len(table.rows) == 12  # every category of the rules, in order, with or without payments
    # People read the decree's words, in the page's language and in Vietnamese in the documents.
    assert table.rows[0].key == "5.1"
    assert table.rows[0].values[0] == "Child without a source of support (cl. 1 Art. 5)"
    assert table.rows[0].document_values()[0] == "Trẻ em không có nguồn nuôi dưỡng (k.1 Đ.5)"
    assert table.total.links["amount_2026_07"] == "/payments/?month=2026-07"


def test_allowances_of_the_province_sum_its_communes_only(users, payment_runs):
    table = build_table(OfficialTable.ALLOWANCES, table_scope(users["tayninh_province"], province="80"), H2)

    assert allowance_values(table) == {
        "5.5a": [2, 1_500_000, 2, 2_250_000, *ZERO_MONTHS, 3, 3_750_000],  # + E (Bình Minh); never G
        "5.6s": [2, 1_000_000, 1, 500_000, *ZERO_MONTHS, 2, 1_500_000],  # + F
        "5.1": [1, 1_000_000, 0, 0, *ZERO_MONTHS, 1, 1_000_000],
        "TOTAL": [5, 3_500_000, 3, 2_750_000, *ZERO_MONTHS, 6, 6_250_000],
    }


def test_allowances_of_the_first_half_hold_june_only(users, payment_runs):
    table = build_table(OfficialTable.ALLOWANCES, table_scope(users["tandong_officer"]), {"year": 2026, "half": 1})

    assert allowance_values(table) == {
        "5.5a": [0] * 10 + [1, 750_000, 1, 750_000],
        "TOTAL": [0] * 10 + [1, 750_000, 1, 750_000],
    }


# --- c. payments by method and bank ----------------------------------------------------------------


def test_payments_by_method_and_bank_over_a_range(users, payment_runs):
    parameters = {"month_from": "2026-07", "month_to": "2026-08"}
    table = build_table(OfficialTable.PAYMENTS, table_scope(users["tandong_officer"]), parameters)

    assert [row.values for row in table.rows] == [
        ["Bank account", "", 5, 4_000_000, 0.8],
        ["", "VietinBank (970415)", 1, 1_500_000, 0.3],
        ["", "Vietcombank (970436)", 4, 2_500_000, 0.5],
        ["Cash (post office)", "", 1, 1_000_000, 0.2],
    ]
    assert table.total.values == ["Total", "", 6, 5_000_000, 1.0]
    assert [row.level for row in table.rows] == ["group", "data", "data", "group"]
    assert [row.document_values()[0] for row in table.rows[::3]] == ["Tài khoản ngân hàng", "Tiền mặt (qua bưu điện)"]


def test_payments_of_one_month_in_the_province(users, payment_runs):
    parameters = {"month_from": "2026-07", "month_to": "2026-07"}
    table = build_table(OfficialTable.PAYMENTS, table_scope(users["tayninh_province"], province="80"), parameters)

    assert [row.values[1:4] for row in table.rows] == [
        ["", 3, 1_750_000],  # A, B (Tân Đông), F (Bình Minh)
        ["VietinBank (970415)", 1, 500_000],
        ["Vietcombank (970436)", 2, 1_250_000],
        ["", 2, 1_750_000],  # C (Tân Đông), E (Bình Minh)
    ]
    assert table.total.values[2:] == [5, 3_500_000, 1.0]
    assert table.total.links == {"payments": "/payments/?month=2026-07"}


def test_a_period_without_payments_has_zero_totals_and_no_rates(users, payment_runs):
    parameters = {"month_from": "2025-01", "month_to": "2025-12"}
    table = build_table(OfficialTable.PAYMENTS, table_scope(users["tandong_officer"]), parameters)

    assert table.total.values == ["Total", "", 0, 0, None]
    assert [row.values[2:] for row in table.rows] == [[0, 0, None], [0, 0, None]]


# --- scope and parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "arguments"),
    [
        ("binhminh_officer", {"commune": "25522"}),  # same province, another commune
        ("hcm_province", {"commune": "25522"}),  # another province
        ("hcm_province", {"province": "80"}),
        ("tayninh_province", {"commune": "26734"}),
        ("tandong_officer", {"province": "79"}),
        ("tandong_officer", {"commune": "99999"}),  # does not exist: the same 404
        ("admin", {"province": "00"}),
    ],
)
def test_a_scope_outside_the_users_is_404(users, role, arguments):
    with pytest.raises(Http404):
        table_scope(users[role], **arguments)


def test_default_scopes(users):
    officer = table_scope(users["tandong_officer"])
    viewer = table_scope(users["tayninh_province"])
    admin = table_scope(users["admin"])

    assert (officer.commune.code, officer.commune_codes) == ("25522", ("25522",))
    assert (viewer.commune, viewer.province.code, viewer.commune_codes) == (None, "80", ("25480", "25522"))
    assert (admin.commune, admin.province.code, admin.commune_codes) == (None, "79", ("26734",))


def test_parameters_defaults_and_refusals():
    today = date(2026, 11, 29)
    assert parse_parameters("poverty", {}, today=today) == {"year": 2025}
    assert parse_parameters("allowances", {}, today=today) == {"year": 2026, "half": 2}
    assert parse_parameters("allowances", {}, today=date(2026, 7, 3)) == {"year": 2026, "half": 1}
    assert parse_parameters("payments", {}, today=today) == {"month_from": "2026-10", "month_to": "2026-10"}
    assert parse_parameters("payments", {"month_from": "2026-01", "month_to": "2026-03"}, today=today) == {
        "month_from": "2026-01", "month_to": "2026-03"
    }  # fmt: skip
    refusals = [
        ("payments", {"month_from": "2026-05", "month_to": "2026-04"}, "month_from"),
        ("payments", {"month_from": "2024-01", "month_to": "2026-01"}, "month_from"),  # 25 months
        ("payments", {"month_to": "May"}, "month_to"),
        ("poverty", {"year": "2027"}, "year"),
        ("allowances", {"half": "3"}, "half"),
    ]
    for table, data, field in refusals:
        with pytest.raises(ValidationError) as refused:
            parse_parameters(table, data, today=today)
        assert list(refused.value.error_dict) == [field], (table, data)
    with pytest.raises(Http404):
        parse_parameters("salaries", {}, today=today)


def test_source_rows_count_households_and_paid_lines(users, poverty_households, payment_runs):
    Run.objects.filter(line_count=0).update(line_count=10)  # the counters the runs keep
    officer = users["tandong_officer"]

    assert source_rows("poverty", table_scope(officer), {"year": YEAR}) == 13
    assert source_rows("allowances", table_scope(officer), H2) == 20  # July and August; not the computed run
    assert source_rows("payments", table_scope(users["admin"], province="80"), {
        "month_from": "2026-06", "month_to": "2026-07"
    }) == 30  # fmt: skip


# --- pages ---------------------------------------------------------------------------------------


def test_the_poverty_page_shows_the_table_in_a_fixed_number_of_queries(
    client_for, poverty_households, django_assert_num_queries
):
    client = client_for("tayninh_province", language="en")
    url = reverse("reports:table_poverty") + "?scope=commune:25522&year=2024"
    client.get(url)  # warm the session

    # session, user; the scope (commune), whether the chair recognised the review of 2024, the table,
    # its villages; the scope choices (provinces, communes); the session saved (a savepoint, an
    # UPDATE, its release)
    with django_assert_num_queries(11):
        response = client.get(url)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Poverty-review summary 2024" in text and "Xã Tân Đông" in text
    rows = response.context["rows"]
    assert [cell["text"] for cell in rows[-1]["cells"]] == [
        "Total", "13", "4", "30.77", "4", "30.77", "8", "61.54", "2", "1", "3", "1"
    ]  # fmt: skip
    assert f'href="/households/?commune=25522&amp;village={poverty_households["TD-01"].village_id}' in text


def test_the_allowance_and_payment_pages_of_the_province(client_for, payment_runs):
    client = client_for("tayninh_province", language="en")

    allowances = client.get(reverse("reports:table_allowances") + "?province=80&year=2026&half=2")
    payments = client.get(reverse("reports:table_payments") + "?scope=province:80&month_from=2026-07&month_to=2026-07")

    assert allowances.status_code == payments.status_code == 200
    total = [cell["text"] for cell in allowances.context["rows"][-1]["cells"]]
    assert total[:5] == ["Total", "5", "3,500,000", "3", "2,750,000"] and total[-2:] == ["6", "6,250,000"]
    assert [cell["text"] for cell in payments.context["rows"][-1]["cells"]] == [
        "Total", "", "5", "3,500,000", "100.00"
    ]  # fmt: skip


def test_a_page_out_of_scope_is_404_and_bad_parameters_fall_back_with_a_message(client_for, payment_runs):
    assert client_for("binhminh_officer").get(reverse("reports:table_poverty") + "?commune=25522").status_code == 404
    assert client_for("hcm_province").get(reverse("reports:table_payments") + "?province=80").status_code == 404
    assert client_for("tandong_officer").get(reverse("reports:table_payments") + "?province=80").status_code == 403

    response = client_for("tandong_officer", language="en").get(
        reverse("reports:table_payments") + "?month_from=2026-09&month_to=2026-07"
    )
    assert response.status_code == 200
    assert response.context["errors"] == ["The first month must not be after the last."]


def test_the_index_lists_the_three_tables(client_for):
    response = client_for("tandong_officer", language="en").get(reverse("reports:tables") + "?commune=25522")

    assert response.status_code == 200
    assert [table["url"] for table in response.context["tables"]] == [
        "/reports/tables/poverty/?commune=25522",
        "/reports/tables/allowances/?commune=25522",
        "/reports/tables/payments/?commune=25522",
    ]
