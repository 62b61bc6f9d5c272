"""The household list's filters that the dashboards link to: poor or near-poor on a year's list, the
year-on-year changes (exactly review_results'), households waiting for a village, members without a
valid health-insurance card on a day, a province; a filter that does not validate shows nothing;
the administrator's village filter; the count the list states; and its query counts."""

from datetime import date

import pytest
from django.urls import reverse

from beneficiaries.models import HealthInsuranceCard
from geography.models import Village
from households.models import Household, HouseholdYearStatus, Membership, Person
from households.selectors import YEAR_CHANGES, household_list_for_user, year_change_q
from povertyreview.selectors import review_results
from tests.households.factories import make_household, make_person

ONE = (("Chủ Hộ", "M", date(1970, 1, 1), "head"),)


def codes(client, **params) -> list[str]:
    """The codes of the households the list shows, in its order, checked against its stated count."""
    response = client.get(reverse("households:list"), params)
    assert response.status_code == 200
    rows = [household.code for household in response.context["households"]]
    assert response.context["count"] == len(rows)
    return rows


def statuses(household, **years) -> None:
    for year, status in years.items():
        HouseholdYearStatus.objects.create(household=household, year=int(year.removeprefix("y")), status=status)


@pytest.fixture
def changes(units):
    """Tân Đông's list of 2025 against 2024, with each kind of change once (and a non-change)."""
    td, village = units.tan_dong, units.tan_dong_village
    made = {code: make_household(td, village, code, ONE) for code in
            ("ESC", "ESC-N", "NEW", "BACK", "STAY", "ESC-NONE", "NO-ROW", "GONE")}  # fmt: skip
    statuses(made["ESC"], y2024="poor", y2025="near_poor")  # escaped poverty (and still listed)
    statuses(made["ESC-N"], y2024="near_poor", y2025="middle_income")  # escaped near-poverty
    statuses(made["NEW"], y2023="none", y2024="middle_income", y2025="poor")  # new
    statuses(made["BACK"], y2022="near_poor", y2024="none", y2025="near_poor")  # fell back
    statuses(made["STAY"], y2024="poor", y2025="poor")  # no change
    statuses(made["ESC-NONE"], y2024="poor", y2025="none")  # escaped poverty, off every list
    statuses(made["NO-ROW"], y2024="poor")  # not reviewed for 2025: no change counted
    statuses(made["GONE"], y2024="poor", y2025="middle_income")
    Household.objects.filter(pk=made["GONE"].pk).update(dissolved_on=date(2025, 3, 1))  # not a current household
    other = make_household(units.binh_minh, units.binh_minh_village, "BM-NEW", ONE)
    statuses(other, y2024="none", y2025="poor")
    return made


def test_poor_or_near_poor_on_a_year_s_list(client_for, changes):
    client = client_for("tandong_officer")
    assert codes(client, status="listed", year=2025) == ["BACK", "ESC", "NEW", "STAY"]
    assert codes(client, status="listed", year=2024) == ["ESC", "ESC-N", "ESC-NONE", "NO-ROW", "STAY"]
    assert codes(client, status="poor", year=2025) == ["NEW", "STAY"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [("escaped_poverty", ["ESC", "ESC-NONE"]), ("escaped_near_poverty", ["ESC-N"]), ("new_listed", ["NEW"]),
     ("fell_back", ["BACK"])],
)  # fmt: skip
def test_each_change_from_the_year_before(client_for, changes, change, expected):
    assert codes(client_for("tandong_officer"), change=change, year=2025) == expected


def test_the_changes_are_exactly_those_review_results_counts(changes, units, users):
    result = review_results(units.tan_dong, 2024)  # the review of 2024 writes the list of 2025
    officer = users["tandong_officer"]
    counted = {change: household_list_for_user(officer, change=change, year=2025).count() for change in YEAR_CHANGES}
    assert counted == {
        "escaped_poverty": result.escaped_poverty,
        "escaped_near_poverty": result.escaped_near_poverty,
        "new_listed": result.new_listed,
        "fell_back": result.fell_back,
    }
    assert counted == {"escaped_poverty": 2, "escaped_near_poverty": 1, "new_listed": 1, "fell_back": 1}
    assert household_list_for_user(officer, status="listed", year=2025).count() == (
        result.counts["poor"] + result.counts["near_poor"]
    )
    with pytest.raises(ValueError):
        year_change_q("nonsense", 2025)


def test_households_waiting_for_a_village(client_for, units):
    make_household(units.tan_dong, units.tan_dong_village, "PLACED", ONE)
    make_household(units.tan_dong, None, "ARRIVED", ONE)
    make_household(units.binh_minh, None, "BM-ARRIVED", ONE)
    client = client_for("tandong_officer")
    assert codes(client, village="none") == ["ARRIVED"]
    assert codes(client, village=units.tan_dong_village.pk) == ["PLACED"]
    assert codes(client_for("tayninh_province"), commune=units.tan_dong.code, village="none") == ["ARRIVED"]


def test_the_administrator_filters_by_village(client_for, units):
    """The administrator's village choices were empty, so ``?village=`` made the form invalid and the
    list showed every household of the country."""
    make_household(units.tan_dong, units.tan_dong_village, "TD-A", ONE)
    other = Village.objects.create(commune=units.tan_dong, name="Ấp Mới", kind="ap")
    make_household(units.tan_dong, other, "TD-B", ONE)
    make_household(units.binh_minh, units.binh_minh_village, "BM-A", ONE)
    admin = client_for("admin", language="en")
    assert codes(admin, commune=units.tan_dong.code, village=other.pk) == ["TD-B"]
    assert codes(admin, village=other.pk) == ["TD-B"]  # without a commune too

    def village_options(**params) -> str:
        return str(admin.get(reverse("households:list"), params).context["form"]["village"])

    options = village_options(commune=units.tan_dong.code)
    assert "Ấp Mới" in options and "Khu phố Ninh Phú" not in options  # the chosen commune's villages
    # Before a commune is chosen the administrator is not offered every village of the country, only
    # the one asked for.
    options = village_options()
    assert "Ấp Mới" not in options and "Waiting for a village" in options
    assert "Ấp Mới" in village_options(village=other.pk) and "Ấp Đông Hà" not in village_options(village=other.pk)


def test_a_filter_that_does_not_validate_shows_nothing_never_more(client_for, units):
    make_household(units.tan_dong, units.tan_dong_village, "TD-A", ONE)
    make_household(units.binh_minh, units.binh_minh_village, "BM-A", ONE)
    officer = client_for("tandong_officer")
    assert codes(officer) == ["TD-A"]
    assert codes(officer, commune=units.binh_minh.code) == []  # another commune: nothing, not all of mine
    assert codes(officer, village=units.binh_minh_village.pk) == []
    assert codes(officer, uninsured_on="30/11/2026x") == []
    assert codes(client_for("hcm_province"), province="80") == []  # a province out of scope
    viewer = client_for("tayninh_province")
    assert codes(viewer, province="80") == ["BM-A", "TD-A"]
    assert codes(client_for("admin"), province="79") == []


@pytest.fixture
def insured(units):
    """Tân Đông on 30 November 2026: who lives there that day, and whose card is valid that day."""
    td, village = units.tan_dong, units.tan_dong_village
    day = date(2026, 11, 30)
    covered = make_household(td, village, "COVERED", (("Có Thẻ", "M", date(1960, 1, 1), "head"),))
    make_household(td, village, "MIXED", (
        ("Hết Hạn", "M", date(1960, 1, 1), "head"), ("Đúng Ngày", "F", date(1962, 1, 1), "spouse"),
        ("Từ Ngày", "F", date(2000, 1, 1), "child"),
    ))  # fmt: skip
    people = {person.full_name: person for person in Person.objects.all()}

    def card(name, start, end):
        HealthInsuranceCard.objects.create(person=people[name], number=f"GD{people[name].pk:013d}", valid_from=start,
                                           valid_to=end)  # fmt: skip

    card("Có Thẻ", date(2026, 1, 1), date(2026, 12, 31))
    card("Hết Hạn", date(2025, 12, 1), day.replace(day=29))  # ended the day before
    card("Đúng Ngày", date(2025, 12, 1), day)  # valid to the day itself: covered
    card("Từ Ngày", day, date(2027, 11, 29))  # valid from the day itself: covered
    # Not living members that day: joined after it, left before it, died before it, born after it.
    late = make_person("Đến Sau", "M", date(1990, 1, 1))
    Membership.objects.create(person=late, household=covered, relationship="other", joined_on=date(2026, 12, 1))
    gone = make_person("Đã Đi", "M", date(1990, 1, 1))
    Membership.objects.create(person=gone, household=covered, relationship="other", joined_on=date(2020, 1, 1),
                              left_on=date(2026, 11, 30))  # fmt: skip
    dead = make_person("Đã Mất", "M", date(1940, 1, 1), date_of_death=date(2026, 11, 2))
    Membership.objects.create(person=dead, household=covered, relationship="other", joined_on=date(2020, 1, 1))
    # A household dissolved since (its only member died in December): counted on 30 November.
    dissolved = make_household(td, village, "DISSOLVED", (("Mất Sau", "M", date(1930, 1, 1), "head"),))
    Membership.objects.filter(household=dissolved).update(left_on=date(2026, 12, 2))
    Person.objects.filter(full_name="Mất Sau").update(date_of_death=date(2026, 12, 2))
    Household.objects.filter(pk=dissolved.pk).update(dissolved_on=date(2026, 12, 2))
    make_household(units.binh_minh, units.binh_minh_village, "BM-NONE", (("Không Thẻ", "M", date(1960, 1, 1), "head"),))
    return day


def test_members_without_a_valid_card_on_a_day(client_for, insured):
    client = client_for("tandong_officer", language="en")
    response = client.get(reverse("households:list"), {"uninsured_on": "2026-11-30"})
    rows = {household.code: household.uninsured_names for household in response.context["households"]}
    assert rows == {"DISSOLVED": ["Mất Sau"], "MIXED": ["Hết Hạn"]}
    assert (response.context["count"], response.context["uninsured_count"]) == (2, 2)
    page = response.content.decode()
    assert 'data-count="2" data-members="2"' in page and "dissolved 02/12/2026" in page
    # The day after the card ended for Đúng Ngày, before Mất Sau died.
    later = client.get(reverse("households:list"), {"uninsured_on": "2026-12-01"}).context
    assert {h.code: h.uninsured_names for h in later["households"]} == {
        "COVERED": ["Đến Sau"], "DISSOLVED": ["Mất Sau"], "MIXED": ["Hết Hạn", "Đúng Ngày"]
    }  # fmt: skip


def test_the_list_states_its_count_and_counts_in_one_query_past_a_page(client_for, units, insured,
                                                                        django_assert_num_queries):  # fmt: skip
    for number in range(60):
        make_household(units.tan_dong, units.tan_dong_village, f"TD-{number:03d}", ONE)
    client = client_for("tandong_officer")
    client.get(reverse("households:list"))
    # session, user, commune codes, villages (filter form), households page, statuses of the page,
    # the count (the list is longer than a page), the access-log row (1), then the sliding session
    # save (3) = 11.
    with django_assert_num_queries(11):
        response = client.get(reverse("households:list"))
    assert response.context["count"] == 62 and 'data-count="62"' in response.content.decode()
    # ... and one more for the members without a card (every new household's head has none).
    with django_assert_num_queries(12):
        response = client.get(reverse("households:list"), {"uninsured_on": "2026-11-30"})
    assert (response.context["count"], response.context["uninsured_count"]) == (62, 62)
    second = client.get(reverse("households:list"), {"uninsured_on": "2026-11-30", "page": 2}).context
    assert (second["count"], second["uninsured_count"], len(second["households"])) == (62, 62, 12)


def test_filters_of_the_dashboard_keep_the_query_count_of_a_page(client_for, units, changes,
                                                                django_assert_num_queries):  # fmt: skip
    client = client_for("tandong_officer")
    query = {"commune": "25522", "year": 2025, "change": "fell_back", "village": units.tan_dong_village.pk}
    assert codes(client, **query) == ["BACK"]
    # session, user, commune codes, the commune and the village (the form checks them), the villages
    # of the form, households page, statuses of the page, the access-log row (1), then the sliding
    # session save (3) = 12.
    with django_assert_num_queries(12):
        client.get(reverse("households:list"), query)


def test_the_export_follows_the_same_filters(client_for, changes):
    response = client_for("tandong_officer").get(
        reverse("households:export"), {"format": "csv", "change": "escaped_poverty", "year": 2025}
    )
    text = b"".join(response.streaming_content).decode()
    assert "ESC-NONE" in text and "STAY" not in text and "BACK" not in text


def test_the_province_filter_reads_the_province_s_communes_once(client_for, units, django_assert_num_queries):
    for number in range(3):
        make_household(units.tan_dong, units.tan_dong_village, f"TD-{number}", ONE)
        make_household(units.binh_minh, units.binh_minh_village, f"BM-{number}", ONE)
    client = client_for("tayninh_province")
    assert len(codes(client, province="80", status="listed", year=2025)) == 0
    client.get(reverse("households:list"), {"province": "80"})
    # session, user, commune codes, communes and villages (filter form), the province's communes
    # (one query: a list of constants plans far better than a join, see province_commune_codes),
    # households page, statuses of the page, the access-log row (1), then the sliding session save
    # (3) = 12.
    with django_assert_num_queries(12):
        response = client.get(reverse("households:list"), {"province": "80"})
    assert response.context["count"] == 6
