"""The case list's filters that the dashboards link to: a commune and a province (within the user's
scope: out of scope shows nothing), a clause of Decree 20 Art. 5 (as the dashboard groups
categories), the cases paid for a month (the dashboard's beneficiaries of the month, rule by rule),
categories held in that month, people without a valid card on a day; a filter that does not
validate shows nothing; the administrator's village filter; the stated count; query counts."""

from datetime import date

import pytest
from django.urls import reverse

from beneficiaries.models import Case, CaseCategory, Category, HealthInsuranceCard, Suspension
from beneficiaries.selectors import clause_of, paid_in_month_q
from geography.models import Village
from households.models import Person
from reports import figures
from tests.households.factories import make_household

NOVEMBER = date(2026, 11, 1)


def case(officer, commune, village, name, status, start, categories, *, end=None, born=date(1950, 1, 1)):
    person = make_household(commune, village, f"H-{name}", ((name, "M", born, "head"),)).head
    made = Case.objects.create(person=person, commune=commune, status=status, applied_on=start or NOVEMBER,
                               prepared_by=officer, start_month=start, end_month=end, payment_method="cash")  # fmt: skip
    for code, months in categories:
        CaseCategory.objects.create(case=made, category_id=code, **months)
    return made


@pytest.fixture
def cases(units, users):
    """Tân Đông's cases, each paid or not for November 2026 for one reason; two in Bình Minh."""
    officer, td, village = users["tandong_officer"], units.tan_dong, units.tan_dong_village
    made = {
        "paid": case(officer, td, village, "Được Trả", "active", date(2025, 1, 1), [("5.5a", {})]),
        "last": case(
            officer, td, village, "Tháng Cuối", "terminated", date(2025, 1, 1), [("5.5c", {})], end=NOVEMBER
        ),  # fmt: skip
        "ended": case(
            officer, td, village, "Đã Dừng", "terminated", date(2025, 1, 1), [("5.5c", {})], end=date(2026, 10, 1)
        ),  # fmt: skip
        "later": case(officer, td, village, "Bắt Đầu Sau", "active", date(2026, 12, 1), [("5.6s", {})]),
        "suspended": case(officer, td, village, "Tạm Dừng", "suspended", date(2025, 1, 1), [("5.6es", {})]),
        "resumed": case(officer, td, village, "Tiếp Tục", "active", date(2025, 1, 1), [("5.6s", {})]),
        "died_before": case(officer, td, village, "Mất Trước", "active", date(2025, 1, 1), [("5.5c", {})]),
        "died_during": case(officer, td, village, "Mất Trong Tháng", "active", date(2025, 1, 1), [("5.6s", {})]),
        "changed": case(
            officer,
            td,
            village,
            "Đổi Diện",
            "active",
            date(2025, 1, 1),
            [("5.5a", {"to_month": date(2026, 8, 1)}), ("5.5c", {"from_month": date(2026, 9, 1)})],
        ),
        "no_category": case(
            officer, td, village, "Hết Diện", "active", date(2025, 1, 1), [("5.1", {"to_month": date(2026, 6, 1)})]
        ),  # fmt: skip
        "applied": case(officer, td, village, "Mới Nộp", "applied", None, [("5.5a", {})]),
        "bm": case(
            officer, units.binh_minh, units.binh_minh_village, "Bình Minh", "active", date(2025, 1, 1), [("5.5a", {})]
        ),  # fmt: skip
    }
    Suspension.objects.create(case=made["suspended"], from_month=date(2026, 10, 1), reason="…")
    Suspension.objects.create(case=made["resumed"], from_month=date(2026, 6, 1), to_month=date(2026, 9, 1), reason="…")
    Person.objects.filter(pk=made["died_before"].person_id).update(date_of_death=date(2026, 10, 31))
    Person.objects.filter(pk=made["died_during"].person_id).update(date_of_death=date(2026, 11, 1))
    return made


def names(client, **params) -> list[str]:
    """The people the list shows, sorted, checked against the count it states."""
    response = client.get(reverse("beneficiaries:list"), params)
    assert response.status_code == 200
    shown = [case.person.full_name for case in response.context["cases"]]
    assert response.context["count"] == len(shown)
    assert f'data-count="{len(shown)}"' in response.content.decode()
    return sorted(shown)


def test_the_cases_paid_for_a_month_follow_every_rule_of_the_dashboard(client_for, cases):
    paid = names(client_for("tandong_officer"), month="2026-11")
    assert paid == sorted(["Được Trả", "Tháng Cuối", "Tiếp Tục", "Mất Trong Tháng", "Đổi Diện"])
    # The suspension of June–September, the end in October, the death on 31 October, the 5.1 held
    # until June: each one decides another month.
    assert "Tạm Dừng" in names(client_for("tandong_officer"), month="2026-09")
    assert "Tiếp Tục" not in names(client_for("tandong_officer"), month="2026-07")
    assert "Đã Dừng" in names(client_for("tandong_officer"), month="2026-10")
    assert "Mất Trước" in names(client_for("tandong_officer"), month="2026-10")
    assert "Hết Diện" in names(client_for("tandong_officer"), month="2026-06")


def test_the_list_of_a_month_is_the_dashboard_s_beneficiaries(cases, units):
    board = figures.dashboard([units.tan_dong.code, units.binh_minh.code], year=2026, month=11,
                              today=date(2026, 11, 20))  # fmt: skip
    rows = {row.code: row for row in board.communes}
    for code in (units.tan_dong.code, units.binh_minh.code):
        paid = Case.objects.filter(commune_id=code).filter(paid_in_month_q(NOVEMBER))
        assert paid.count() == rows[code].beneficiaries
    assert rows[units.tan_dong.code].beneficiaries == 5


def test_categories_and_clauses_in_the_month(client_for, cases):
    client = client_for("tandong_officer", language="en")
    # In November Đổi Diện holds 5.5c (from September), no longer 5.5a.
    assert names(client, month="2026-11", category="5.5a") == ["Được Trả"]
    assert names(client, month="2026-11", category="5.5c") == sorted(["Tháng Cuối", "Đổi Diện"])
    assert names(client, month="2026-11", clause="5.5") == sorted(["Được Trả", "Tháng Cuối", "Đổi Diện"])
    assert names(client, month="2026-07", category="5.5a") == sorted(["Được Trả", "Đổi Diện"])
    # Without a month: the categories held now, whatever the status.
    assert names(client, category="5.5a") == sorted(["Mới Nộp", "Được Trả"])
    assert names(client, clause="5.6") == sorted(["Bắt Đầu Sau", "Tạm Dừng", "Tiếp Tục", "Mất Trong Tháng"])
    assert names(client, clause="5.5", category="5.6s") == []  # a category of another clause
    # The rows show the categories of the month asked for.
    response = client.get(reverse("beneficiaries:list"), {"month": "2026-07", "category": "5.5a"})
    shown = {case.person.full_name: [row.category_id for row in case.current_categories]
             for case in response.context["cases"]}  # fmt: skip
    assert shown["Đổi Diện"] == ["5.5a"]
    assert "Categories in 07/2026" in response.content.decode()


@pytest.mark.django_db
def test_clauses_are_grouped_as_the_dashboard_groups_them():
    assert figures.clause_of is clause_of  # one definition, read by the dashboard
    grouped = {}
    for code in Category.objects.order_by("position").values_list("code", flat=True):
        grouped.setdefault(clause_of(code), []).append(code)
    assert grouped["5.5"] == ["5.5a", "5.5b", "5.5c", "5.5d"] and grouped["5.6"] == ["5.6es", "5.6s"]


def test_people_without_a_valid_card_on_a_day(client_for, cases):
    for key, start, end in [("paid", date(2026, 1, 1), date(2026, 11, 30)), ("last", date(2026, 1, 1),
                                                                              date(2026, 11, 29))]:  # fmt: skip
        HealthInsuranceCard.objects.create(person=cases[key].person, number=f"GD{cases[key].pk:013d}",
                                           valid_from=start, valid_to=end)  # fmt: skip
    client = client_for("tandong_officer")
    assert names(client, month="2026-11", uninsured_on="2026-11-30") == sorted(
        ["Tháng Cuối", "Tiếp Tục", "Mất Trong Tháng", "Đổi Diện"]
    )
    # The day after Được Trả's card ended; Tháng Cuối's ended the day before the 30th.
    assert "Được Trả" in names(client, month="2026-11", uninsured_on="2026-12-01")
    assert "Tháng Cuối" in names(client, uninsured_on="2026-11-30")
    assert "Được Trả" not in names(client, uninsured_on="2026-01-01")  # the first day of the card


def test_commune_and_province_keep_the_scope(client_for, cases, units):
    viewer = client_for("tayninh_province")
    assert names(viewer, commune=units.binh_minh.code) == ["Bình Minh"]
    assert len(names(viewer, province="80")) == 12
    officer = client_for("tandong_officer")
    assert names(officer, commune=units.binh_minh.code) == []  # another commune: nothing, not all of mine
    assert len(names(officer, commune=units.tan_dong.code)) == 11
    assert names(client_for("hcm_province"), province="80") == []
    assert names(client_for("admin"), province="79") == []
    assert names(officer, month="2026-13") == []  # a filter that does not validate shows nothing


def test_the_administrator_filters_by_village(client_for, cases, units):
    other = Village.objects.create(commune=units.tan_dong, name="Ấp Mới", kind="ap")
    case(cases["paid"].prepared_by, units.tan_dong, other, "Ấp Mới Một", "active", date(2025, 1, 1), [("5.1", {})])
    admin = client_for("admin", language="en")
    assert names(admin, village=other.pk) == ["Ấp Mới Một"]
    assert names(admin, commune=units.tan_dong.code, village=other.pk) == ["Ấp Mới Một"]
    options = str(admin.get(reverse("beneficiaries:list")).context["form"]["village"])
    assert "Ấp Mới" not in options  # not every village of the country before a commune is chosen
    options = str(admin.get(reverse("beneficiaries:list"), {"commune": units.tan_dong.code}).context["form"]["village"])
    assert "Ấp Mới" in options and "Khu phố Ninh Phú" not in options


@pytest.mark.parametrize("extra", [0, 12])
def test_the_dashboard_s_filters_keep_the_query_count_of_a_page(extra, client_for, cases, units, users,
                                                               django_assert_num_queries):  # fmt: skip
    officer = users["tandong_officer"]
    for number in range(extra):
        case(officer, units.tan_dong, units.tan_dong_village, f"Thêm {number}", "active", date(2025, 1, 1),
             [("5.5c", {})])  # fmt: skip
    client = client_for("tandong_officer")
    query = {"commune": units.tan_dong.code, "month": "2026-11", "clause": "5.5"}
    client.get(reverse("beneficiaries:list"), query)
    # session, user, commune codes, categories, the commune (the form checks it), villages (filter
    # form), the cases of the page, their categories of the month, the access-log row (1), then the
    # sliding session save (3) = 12, whatever the number of cases.
    with django_assert_num_queries(12):
        response = client.get(reverse("beneficiaries:list"), query)
    assert response.context["count"] == 3 + extra


def test_past_a_page_the_count_is_one_more_query(client_for, cases, units, users, django_assert_num_queries):
    officer = users["tandong_officer"]
    for number in range(55):
        case(officer, units.tan_dong, units.tan_dong_village, f"Thêm {number}", "applied", None, [("5.5c", {})])
    client = client_for("tandong_officer")
    client.get(reverse("beneficiaries:list"))
    # As the list's own pinned count (11), and the count of the cases (more than a page) = 12.
    with django_assert_num_queries(12):
        response = client.get(reverse("beneficiaries:list"))
    assert response.context["count"] == 66 and len(response.context["cases"]) == 50


def test_the_province_filter_reads_the_province_s_communes_once(client_for, cases, django_assert_num_queries):
    client = client_for("tayninh_province")
    query = {"province": "80", "month": "2026-11"}
    client.get(reverse("beneficiaries:list"), query)
    # session, user, commune codes, categories, communes and villages (filter form), the province's
    # communes (one query: see households.selectors.province_commune_codes), the cases of the page,
    # their categories of the month, the access-log row (1), then the sliding session save (3) = 13.
    with django_assert_num_queries(13):
        response = client.get(reverse("beneficiaries:list"), query)
    assert response.context["count"] == 6
