"""Pages of the poverty review: every page for each role, each action as a POST (success, and a
refusal that changes nothing), the village meeting's majority rule, maker-checker, the provincial
viewer's refused POSTs, and the query counts of the campaign page and the household list."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from geography.models import Village
from households.models import HouseholdYearStatus
from povertyreview import services
from povertyreview.models import (
    Assessment,
    Campaign,
    Complaint,
    ReductionTarget,
    ReviewEvent,
    VillageMeeting,
)
from povertyreview.standard_data import load_standards
from tests.households.factories import make_household

YEAR = 2025  # reviewed under the 2022–2025 standard: rural line 1,500,000
RUNNERS = ["tandong_committee", "tandong_chair", "tandong_officer"]
READERS = [*RUNNERS, "tayninh_province"]
TODAY = timezone.localdate


@pytest.fixture
def client_for(client_for, settings):
    """Pages in English (the source strings), as the service messages are asserted."""

    def make(role_key: str):
        client = client_for(role_key)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def url(name, review=None, **kwargs):
    if review is not None:
        kwargs["campaign_id"] = review.pk
    return reverse(f"povertyreview:{name}", kwargs=kwargs)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def villages(units):
    return [units.tan_dong_village, Village.objects.create(commune=units.tan_dong, name="Ấp Tân Hòa", kind="ap")]


@pytest.fixture
def listed(units, villages):
    """Four households of Tân Đông on the 2025 list (two poor, two near-poor) in two villages."""
    load_standards()
    households = []
    for number, (village, status) in enumerate(
        [(villages[0], "poor"), (villages[0], "near_poor"), (villages[1], "poor"), (villages[1], "near_poor")], 1
    ):
        household = make_household(units.tan_dong, village, code=f"TD-{number:04d}", members=(
            (f"Nguyễn Văn {number}", "M", date(1970, 1, 1), "head"), ("Lê Thị Hoa", "F", date(1975, 1, 1), "spouse"),
        ))  # fmt: skip
        HouseholdYearStatus.objects.create(household=household, year=YEAR, status=status)
        households.append(household)
    return households


@pytest.fixture
def review(listed, users) -> Campaign:
    return services.campaign_open(commune=listed[0].commune, year=YEAR, acting_user=users["tandong_committee"])


def assessments(review):
    return list(review.assessments.select_related("household").order_by("household__code"))


def survey_all(review, user, income=1_000_000, deprived=("employment", "nutrition", "water")):
    for assessment in assessments(review):
        services.assessment_record(assessment=assessment, area="rural", members=2, income_per_capita=income,
                                   deprived=list(deprived), acting_user=user)  # fmt: skip


def advance_to(review, status, user):
    """Move the campaign with the services (surveying everyone, agreeing every meeting, posting in the past)."""
    review.refresh_from_db()
    while review.status != status:
        if review.status == Campaign.Status.SURVEYING and review.assessments.filter(surveyed_at__isnull=True).exists():
            survey_all(review, user)
        if review.status == Campaign.Status.VILLAGE_MEETINGS:
            for village_id in set(review.assessments.values_list("village_id", flat=True)):
                pending = review.assessments.filter(village_id=village_id, meeting_result="pending")
                if pending.exists():
                    services.village_meeting_record(
                        campaign=review, village=Village.objects.get(pk=village_id), held_on=TODAY(),
                        chaired_by="Trưởng ấp", attendees=10, votes={a.pk: 10 for a in pending}, acting_user=user,
                    )  # fmt: skip
        posting = {}
        if review.status == Campaign.Status.VILLAGE_MEETINGS:
            posting = {"posting_starts_on": TODAY() - timedelta(days=12), "posting_ends_on": TODAY() - timedelta(days=2),
                       "posting_place": "UBND xã"}  # fmt: skip
        review = services.campaign_advance(campaign=review, acting_user=user, **posting)
    return review


# --- every page renders ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_every_reading_page_renders_for_each_role(role, client_for, review, users):
    review = advance_to(review, Campaign.Status.SURVEYING, users["tandong_officer"])
    survey_all(review, users["tandong_officer"])
    first = assessments(review)[0]
    client = client_for(role)

    pages = [
        url("list"),
        url("detail", review),
        url("assessments", review),
        url("assessments", review) + "?state=missing",
        url("survey", review, assessment_id=first.pk),
        url("meetings", review),
        url("complaints", review),
        url("whatif", review),
        url("results") + "?commune=25522&year=2025",
    ]
    for address in pages:
        assert client.get(address).status_code == 200, address


@pytest.mark.parametrize("role", RUNNERS)
def test_action_pages_render_for_those_who_run_the_review(role, client_for, review, listed, villages, users):
    complaint_review = advance_to(review, Campaign.Status.PUBLIC_POSTING, users["tandong_officer"])
    complaint = services.complaint_register(assessment=assessments(review)[0], complainant="Lê Thị Hoa",
                                            received_on=TODAY(), content="Sai thu nhập", acting_user=users[role])  # fmt: skip
    client = client_for(role)

    pages = [
        url("open"),
        url("advance", complaint_review),
        url("household_add", complaint_review),
        url("meeting_record", complaint_review, village_id=villages[0].pk),
        url("complaint_register", complaint_review),
        url("complaint_resolve", complaint_review, complaint_id=complaint.pk),
        url("regular_open") + f"?household={listed[0].uuid}",
        url("target") + "?commune=25522&year=2025",
    ]
    for address in pages:
        assert client.get(address).status_code == 200, address


def test_the_provincial_viewer_reads_without_action_buttons(client_for, review, users):
    review = advance_to(review, Campaign.Status.VILLAGE_MEETINGS, users["tandong_officer"])
    client = client_for("tayninh_province")

    campaign_page = page_of(client.get(url("detail", review)))
    survey_page = page_of(client.get(url("survey", review, assessment_id=assessments(review)[0].pk)))
    list_page = page_of(client.get(url("list")))

    assert url("advance", review) not in campaign_page and url("household_add", review) not in campaign_page
    assert url("export", review, fmt="csv") in campaign_page  # reading the data is allowed
    assert "Save the survey" not in survey_page and "disabled" in survey_page
    assert url("open") not in list_page and "Annual review 2025" in list_page


def test_the_nav_links_to_the_reviews(client_for, units):
    assert url("list") in page_of(client_for("tandong_committee").get(reverse("core:home")))


# --- query counts ---------------------------------------------------------------------------------


def _more_households(units, villages, count):
    for number in range(count):
        household = make_household(units.tan_dong, villages[number % 2], code=f"TD-X{number:03d}")
        HouseholdYearStatus.objects.create(household=household, year=YEAR, status="poor")


@pytest.mark.parametrize("extra", [0, 12])
def test_campaign_page_query_count_is_fixed(
    extra, client_for, units, villages, listed, users, django_assert_num_queries
):
    _more_households(units, villages, extra)
    review = services.campaign_open(commune=units.tan_dong, year=YEAR, acting_user=users["tandong_committee"])
    client = client_for("tandong_committee")
    client.get(url("detail", review))  # warm the session
    # session, user, the user's commune codes, the campaign, the progress by village,
    # then the sliding session save (3).
    with django_assert_num_queries(8):
        client.get(url("detail", review))


@pytest.mark.parametrize("extra", [0, 12])
def test_assessment_list_query_count_is_fixed(
    extra, client_for, units, villages, listed, users, django_assert_num_queries
):
    _more_households(units, villages, extra)
    review = services.campaign_open(commune=units.tan_dong, year=YEAR, acting_user=users["tandong_committee"])
    review = advance_to(review, Campaign.Status.VILLAGE_MEETINGS, users["tandong_officer"])
    client = client_for("tandong_committee")
    client.get(url("assessments", review))
    # session, user, commune codes, campaign, villages (filter form), the page of households with
    # their heads, villages and open complaints, then the session save (3).
    with django_assert_num_queries(9):
        response = client.get(url("assessments", review))
    assert response.content.decode().count("TD-") >= 4 + extra


# --- opening and listing ----------------------------------------------------------------------------


def test_committee_opens_the_annual_review_listing_the_current_list(client_for, listed):
    response = client_for("tandong_committee").post(url("open"), {"commune": "25522", "year": YEAR})

    review = Campaign.objects.get(year=YEAR)
    assert response.status_code == 302 and response["Location"] == url("detail", review)
    assert review.assessments.count() == 4


def test_opening_the_same_year_twice_is_refused_on_the_year_field(client_for, review):
    response = client_for("tandong_committee").post(url("open"), {"commune": "25522", "year": YEAR})

    assert "The 2025 review of this commune is already open." in page_of(response)
    assert response.context["form"].errors["year"]
    assert Campaign.objects.count() == 1


def test_a_household_that_applied_is_added(client_for, units, review):
    make_household(units.tan_dong, units.tan_dong_village, code="TD-0099")

    response = client_for("tandong_committee").post(
        url("household_add", review), {"household": "TD-0099", "reason": "applied"}
    )

    added = review.assessments.get(household__code="TD-0099")
    assert response.status_code == 302 and added.listed_reason == "applied"


def test_adding_an_unknown_or_listed_household_is_refused(client_for, review):
    client = client_for("tandong_committee")

    unknown = client.post(url("household_add", review), {"household": "NOPE", "reason": "applied"})
    twice = client.post(url("household_add", review), {"household": "TD-0001", "reason": "applied"})

    assert unknown.context["form"].errors["household"] == ["no household with this code in Xã Tân Đông"]
    assert twice.context["form"].errors["household"] == ["Household TD-0001 is already on the list."]
    assert review.assessments.count() == 4


# --- survey -------------------------------------------------------------------------------------------


def test_survey_form_is_prefilled_from_the_registry_with_definitions_as_help(client_for, review, users):
    review = advance_to(review, Campaign.Status.SURVEYING, users["tandong_committee"])
    first = assessments(review)[0]
    # A member aged 6 or more without a health-insurance card: the registry knows the deprivation.

    page = page_of(client_for("tandong_committee").get(url("survey", review, assessment_id=first.pk)))

    assert "Health insurance" in page
    assert "At least 1 member aged 6 or older has no health insurance." in page
    assert 'data-testid="from-registry"' in page
    assert 'id="id_deprived_health_insurance" checked' in page
    assert 'id="id_deprived_employment">' in page  # not known to the registry: left for the surveyor


def test_recording_a_survey_shows_the_classification_and_its_reason(client_for, review, users):
    review = advance_to(review, Campaign.Status.SURVEYING, users["tandong_committee"])
    first = assessments(review)[0]
    client = client_for("tandong_committee")

    response = client.post(url("survey", review, assessment_id=first.pk), {
        "area": "rural", "members": 2, "income_per_capita": 1_350_000,
        "deprived_employment": "on", "deprived_nutrition": "on", "deprived_water": "on", "deprived_latrine": "on",
    })  # fmt: skip

    first.refresh_from_db()
    assert response.status_code == 302 and first.classification == "poor"
    page = page_of(client.get(response["Location"]))
    assert (
        "income 1,350,000 ≤ 1,500,000 rural line; deprived on 4: Employment, Nutrition, Domestic water source" in page
    )
    assert "Household TD-0001 surveyed: Poor." in page


def test_household_income_is_divided_by_members(client_for, review, users):
    review = advance_to(review, Campaign.Status.SURVEYING, users["tandong_committee"])
    first = assessments(review)[0]

    client_for("tandong_committee").post(url("survey", review, assessment_id=first.pk),
                                         {"area": "rural", "members": 4, "household_income": 8_000_000})  # fmt: skip

    first.refresh_from_db()
    assert first.income_per_capita == 2_000_000 and first.classification == "middle_income"


def test_a_survey_without_income_is_refused_on_the_field_and_nothing_changes(client_for, review, users):
    review = advance_to(review, Campaign.Status.SURVEYING, users["tandong_committee"])
    first = assessments(review)[0]

    response = client_for("tandong_committee").post(
        url("survey", review, assessment_id=first.pk), {"area": "rural", "members": 2}
    )

    assert response.context["form"].errors["income_per_capita"] == [
        "enter the income per person or the household's income"
    ]
    first.refresh_from_db()
    assert not first.is_surveyed


def test_a_survey_before_the_surveying_step_is_refused_with_a_message(client_for, review):
    first = assessments(review)[0]

    response = client_for("tandong_committee").post(
        url("survey", review, assessment_id=first.pk), {"area": "rural", "members": 2, "income_per_capita": 1}
    )

    assert "cannot be surveyed at the step" in page_of(response)
    first.refresh_from_db()
    assert not first.is_surveyed


# --- moving forward --------------------------------------------------------------------------------------


def test_advancing_moves_one_step(client_for, review):
    response = client_for("tandong_committee").post(url("advance", review))

    review.refresh_from_db()
    assert response.status_code == 302 and review.status == "surveying"


def test_advancing_with_households_not_surveyed_is_refused_and_says_why(client_for, review, users):
    review = advance_to(review, Campaign.Status.SURVEYING, users["tandong_committee"])

    response = client_for("tandong_committee").post(url("advance", review))

    assert "4 listed households are not surveyed yet." in page_of(response)
    review.refresh_from_db()
    assert review.status == "surveying"


def test_entering_public_posting_asks_for_dates_and_place(client_for, review, users):
    review = advance_to(review, Campaign.Status.VILLAGE_MEETINGS, users["tandong_officer"])
    for village_id in {a.village_id for a in assessments(review)}:
        pending = review.assessments.filter(village_id=village_id)
        services.village_meeting_record(campaign=review, village=Village.objects.get(pk=village_id), held_on=TODAY(),
                                        chaired_by="Trưởng ấp", attendees=10, votes={a.pk: 9 for a in pending},
                                        acting_user=users["tandong_officer"])  # fmt: skip
    client = client_for("tandong_committee")

    form_page = page_of(client.get(url("advance", review)))
    missing = client.post(url("advance", review), {"posting_place": ""})
    posted = client.post(url("advance", review), {
        "posting_starts_on": "2025-11-01", "posting_ends_on": "2025-11-10", "posting_place": "Nhà văn hóa ấp",
    })  # fmt: skip

    assert 'name="posting_starts_on"' in form_page and 'name="posting_place"' in form_page
    assert set(missing.context["form"].errors) == {"posting_starts_on", "posting_ends_on", "posting_place"}
    review.refresh_from_db()
    assert posted.status_code == 302 and review.status == "public_posting"
    assert review.posting_place == "Nhà văn hóa ấp"


# --- village meetings ------------------------------------------------------------------------------------


def test_the_meeting_agrees_only_with_more_than_half(client_for, review, villages, users):
    review = advance_to(review, Campaign.Status.VILLAGE_MEETINGS, users["tandong_officer"])
    first, second = assessments(review)[:2]  # both in the first village
    client = client_for("tandong_committee")

    form_page = page_of(client.get(url("meeting_record", review, village_id=villages[0].pk)))
    response = client.post(url("meeting_record", review, village_id=villages[0].pk), {
        "held_on": TODAY().isoformat(), "chaired_by": "Trần Văn Ba", "attendees": 10,
        f"votes_{first.pk}": 6, f"votes_{second.pk}": 5,
    })  # fmt: skip

    assert "TD-0001" in form_page and "more than half of the attendees" in form_page
    first.refresh_from_db()
    second.refresh_from_db()
    assert response.status_code == 302
    assert (first.meeting_result, second.meeting_result) == ("agreed", "returned")
    meetings_page = page_of(client.get(response["Location"]))
    assert "returned to survey: TD-0002." in meetings_page
    assert "6 of 10 in favour" in meetings_page and "5 of 10 in favour" in meetings_page
    assert "Returned to survey" in meetings_page


def test_a_meeting_with_more_votes_than_attendees_is_refused_and_nothing_is_recorded(
    client_for, review, villages, users
):
    review = advance_to(review, Campaign.Status.VILLAGE_MEETINGS, users["tandong_officer"])
    first, second = assessments(review)[:2]

    response = client_for("tandong_committee").post(url("meeting_record", review, village_id=villages[0].pk), {
        "held_on": TODAY().isoformat(), "chaired_by": "Trần Văn Ba", "attendees": 10,
        f"votes_{first.pk}": 11, f"votes_{second.pk}": 5,
    })  # fmt: skip

    assert "TD-0001: 11 votes for, more than the 10 attendees" in page_of(response)
    assert not VillageMeeting.objects.exists()
    assert set(review.assessments.values_list("meeting_result", flat=True)) == {"pending"}


def test_a_meeting_minutes_file_is_kept(client_for, review, villages, users, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    review = advance_to(review, Campaign.Status.VILLAGE_MEETINGS, users["tandong_officer"])
    first, second = assessments(review)[:2]

    client_for("tandong_committee").post(url("meeting_record", review, village_id=villages[0].pk), {
        "held_on": TODAY().isoformat(), "chaired_by": "Trần Văn Ba", "attendees": 10,
        f"votes_{first.pk}": 8, f"votes_{second.pk}": 8,
        "minutes": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 minutes", content_type="application/pdf"),
    })  # fmt: skip

    meeting = VillageMeeting.objects.get()
    assert meeting.minutes.name.endswith(".pdf") and meeting.minutes.read() == b"%PDF-1.4 minutes"


# --- complaints ------------------------------------------------------------------------------------------


def test_a_complaint_is_registered_with_its_deadline_and_resolved(client_for, review, users):
    review = advance_to(review, Campaign.Status.PUBLIC_POSTING, users["tandong_officer"])
    first = assessments(review)[0]
    client = client_for("tandong_committee")
    received = TODAY() - timedelta(days=1)

    registered = client.post(url("complaint_register", review), {
        "assessment": first.pk, "complainant": "Phạm Văn Tư", "received_on": received.isoformat(),
        "content": "Hộ này có xe ô tô",
    })  # fmt: skip
    complaint = Complaint.objects.get()
    listing = page_of(client.get(registered["Location"]))
    resolved = client.post(url("complaint_resolve", review, complaint_id=complaint.pk), {
        "recheck_result": "Không có xe ô tô", "answer": "Giữ nguyên kết quả", "resolved_on": TODAY().isoformat(),
    })  # fmt: skip

    due = (received + timedelta(days=10)).strftime("%d/%m/%Y")
    assert f"the answer is due by {due}" in listing and due in listing
    assert url("survey", review, assessment_id=first.pk) in listing  # re-survey while open
    complaint.refresh_from_db()
    assert resolved.status_code == 302 and complaint.status == "resolved"
    assert complaint.answer == "Giữ nguyên kết quả"


def test_an_open_complaint_lets_the_household_be_surveyed_again(client_for, review, users):
    review = advance_to(review, Campaign.Status.PUBLIC_POSTING, users["tandong_officer"])
    first, second = assessments(review)[:2]
    services.complaint_register(assessment=first, complainant="Phạm Văn Tư", received_on=TODAY(), content="…",
                                acting_user=users["tandong_officer"])  # fmt: skip
    client = client_for("tandong_committee")

    disputed = page_of(client.get(url("survey", review, assessment_id=first.pk)))
    other = page_of(client.get(url("survey", review, assessment_id=second.pk)))

    assert "Save the survey" in disputed and "Save the survey" not in other


def test_resolving_with_a_date_before_receipt_is_refused_and_the_complaint_stays_open(client_for, review, users):
    review = advance_to(review, Campaign.Status.PUBLIC_POSTING, users["tandong_officer"])
    complaint = services.complaint_register(assessment=assessments(review)[0], complainant="Phạm Văn Tư",
                                            received_on=TODAY(), content="…", acting_user=users["tandong_officer"])  # fmt: skip

    response = client_for("tandong_committee").post(url("complaint_resolve", review, complaint_id=complaint.pk), {
        "recheck_result": "…", "answer": "…", "resolved_on": (TODAY() - timedelta(days=3)).isoformat(),
    })  # fmt: skip

    assert response.context["form"].errors["resolved_on"] == ["must be between the day it was received and today"]
    complaint.refresh_from_db()
    assert complaint.status == "open"


# --- approval ---------------------------------------------------------------------------------------------


def test_the_chair_approves_and_the_registry_gets_next_years_status(client_for, review, listed, users):
    review = advance_to(review, Campaign.Status.AWAITING_APPROVAL, users["tandong_committee"])
    client = client_for("tandong_chair")

    assert "Approve the review" in page_of(client.get(url("detail", review)))
    response = client.post(url("approve", review), {"decision_number": "123/QĐ-UBND", "decision_date": TODAY()})

    review.refresh_from_db()
    assert response.status_code == 302 and review.status == "approved"
    assert HouseholdYearStatus.objects.filter(year=YEAR + 1).count() == 4
    page = page_of(client.get(url("detail", review)))
    assert "123/QĐ-UBND" in page and url("decision_pdf", review) in page


def test_a_chair_who_surveyed_cannot_approve_and_sees_why(client_for, review, users):
    review = advance_to(review, Campaign.Status.AWAITING_APPROVAL, users["tandong_chair"])

    response = client_for("tandong_chair").post(
        url("approve", review), {"decision_number": "123/QĐ-UBND", "decision_date": TODAY()}
    )

    assert response.status_code == 200
    assert "You assessed households of this review; another person must approve it." in page_of(response)
    review.refresh_from_db()
    assert review.status == "awaiting_approval"
    assert not HouseholdYearStatus.objects.filter(year=YEAR + 1).exists()


def test_only_the_chair_may_approve(client_for, review, users):
    review = advance_to(review, Campaign.Status.AWAITING_APPROVAL, users["tandong_officer"])

    response = client_for("tandong_committee").post(
        url("approve", review), {"decision_number": "1", "decision_date": TODAY()}
    )

    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "awaiting_approval"


def test_approving_with_a_future_decision_date_is_refused_on_the_field(client_for, review, users):
    review = advance_to(review, Campaign.Status.AWAITING_APPROVAL, users["tandong_officer"])

    tomorrow = TODAY() + timedelta(days=1)
    response = client_for("tandong_chair").post(
        url("approve", review), {"decision_number": "1", "decision_date": tomorrow}
    )

    assert response.context["form"].errors["decision_date"] == ["must be a date not in the future"]
    review.refresh_from_db()
    assert review.status == "awaiting_approval"


# --- in-year review ----------------------------------------------------------------------------------------


def test_an_in_year_review_starts_from_the_household_page(client_for, listed):
    household = listed[0]
    client = client_for("tandong_committee")
    household_page = page_of(client.get(reverse("households:detail", kwargs={"household_uuid": household.uuid})))
    start = url("regular_open") + f"?household={household.uuid}"

    response = client.post(start, {"requested_on": TODAY().isoformat(), "reason": "Chủ hộ ốm nặng"})

    assert start in household_page
    regular = Campaign.objects.get(kind="regular")
    assert response.status_code == 302 and response["Location"] == url("detail", regular)
    assert regular.household == household and regular.status == "surveying" and regular.year == TODAY().year
    assert f"In-year review {TODAY().year} of household TD-0001" in page_of(client.get(url("list")))


def test_an_in_year_review_by_code_and_its_refusal(client_for, listed):
    client = client_for("tandong_officer")

    first = client.post(url("regular_open"), {"household": "TD-0002", "requested_on": TODAY(), "reason": "…"})
    again = client.post(url("regular_open"), {"household": "TD-0002", "requested_on": TODAY(), "reason": "…"})
    unknown = client.post(url("regular_open"), {"household": "NOPE", "requested_on": TODAY(), "reason": "…"})

    assert first.status_code == 302
    assert again.context["form"].errors["household"] == ["This household already has a review in progress."]
    assert unknown.context["form"].errors["household"] == ["no household with this code"]
    assert Campaign.objects.filter(kind="regular").count() == 1


def test_the_household_page_offers_no_review_to_those_who_cannot(client_for, listed):
    address = reverse("households:detail", kwargs={"household_uuid": listed[0].uuid})

    assert url("regular_open") not in page_of(client_for("tayninh_province").get(address))
    assert url("regular_open") in page_of(client_for("tandong_chair").get(address))


# --- results, targets and what-if ------------------------------------------------------------------------


def test_results_show_counts_rates_changes_and_the_plan(client_for, units, review, listed, users):
    for number in range(96):  # 100 current households in all
        make_household(units.tan_dong, units.tan_dong_village, code=f"TD-R{number:03d}")
    review = advance_to(review, Campaign.Status.AWAITING_APPROVAL, users["tandong_officer"])
    # Surveyed all poor; the re-checks say: TD-0001 and TD-0003 (poor in 2025) escape, TD-0004 stays near-poor.
    codes = {"TD-0001": "none", "TD-0003": "none", "TD-0004": "near_poor"}
    for code, classification in codes.items():
        Assessment.objects.filter(campaign=review, household__code=code).update(classification=classification)
    services.campaign_approve(campaign=review, decision_number="1", decision_date=TODAY(),
                              acting_user=users["tandong_chair"])  # fmt: skip
    client = client_for("tandong_committee")

    target = client.post(url("target") + "?commune=25522&year=2025", {"planned_reduction": 2})
    page = page_of(client.get(url("results") + "?commune=25522&year=2025"))

    assert target.status_code == 302 and ReductionTarget.objects.get().planned_reduction == 2
    # 100 households; 2026: 1 poor (TD-0002), 1 near-poor (TD-0004); 2025 had 2 poor: 1 fewer of 2 planned.
    counts = page.split('data-testid="results-counts"')[1].split("</table>")[0]
    assert counts.count(">1 household</td>") == 2  # one poor, one near-poor
    assert "1.00 %" in counts and "2.00 %" in counts
    changes = page.split('data-testid="results-changes"')[1].split("</dl>")[0]
    assert 'data-testid="plan-percent">50.00 %' in changes
    assert 'Escaped poverty</dt><dd class="col-4 text-end">2</dd>' in changes


def test_a_target_below_one_is_refused_and_nothing_is_saved(client_for, review):
    response = client_for("tandong_committee").post(url("target") + "?commune=25522&year=2025",
                                                     {"planned_reduction": 0})  # fmt: skip

    assert response.context["form"].errors["planned_reduction"] == ["must be at least 1"]
    assert not ReductionTarget.objects.exists()


def test_whatif_shows_the_matrix_and_the_households_that_would_change(client_for, review, users):
    review = advance_to(review, Campaign.Status.SURVEYING, users["tandong_officer"])
    survey_all(review, users["tandong_officer"], income=1_800_000)  # middle-income under 2022–2025

    page = page_of(client_for("tandong_committee").get(url("whatif", review) + "?standard=2027-2030"))

    # Under 2027–2030 (rural line 2,200,000) all four fall below the line: poor with 3 deprivations.
    assert "4 households would change class" in page
    assert "income 1,800,000 ≤ 2,200,000 rural line; deprived on 3" in page


# --- the provincial viewer changes nothing ---------------------------------------------------------------


def test_every_post_of_the_provincial_viewer_is_refused_and_changes_nothing(
    client_for, review, listed, villages, users
):
    review = advance_to(review, Campaign.Status.PUBLIC_POSTING, users["tandong_officer"])
    first = assessments(review)[0]
    complaint = services.complaint_register(assessment=first, complainant="Phạm Văn Tư", received_on=TODAY(),
                                            content="…", acting_user=users["tandong_officer"])  # fmt: skip
    events = ReviewEvent.objects.count()
    client = client_for("tayninh_province")

    posts = {
        url("open"): {"commune": "25522", "year": 2026},
        url("advance", review): {},
        url("household_add", review): {"household": "TD-0001", "reason": "applied"},
        url("survey", review, assessment_id=first.pk): {"area": "rural", "members": 2, "income_per_capita": 1},
        url("meeting_record", review, village_id=villages[0].pk): {"held_on": TODAY(), "chaired_by": "x", "attendees": 1},
        url("complaint_register", review): {"assessment": first.pk, "complainant": "x", "received_on": TODAY(),
                                            "content": "x"},
        url("complaint_resolve", review, complaint_id=complaint.pk): {"recheck_result": "x", "answer": "x",
                                                                     "resolved_on": TODAY()},
        url("approve", review): {"decision_number": "1", "decision_date": TODAY()},
        url("regular_open") + f"?household={listed[0].uuid}": {"requested_on": TODAY(), "reason": "x"},
        url("target") + "?commune=25522&year=2025": {"planned_reduction": 3},
    }  # fmt: skip
    for address, data in posts.items():
        assert client.post(address, data).status_code == 403, address

    assert ReviewEvent.objects.count() == events
    assert Campaign.objects.count() == 1 and not ReductionTarget.objects.exists()
    complaint.refresh_from_db()
    assert complaint.status == "open"


def test_the_binh_minh_officer_gets_404_on_tan_dong_reviews(client_for, review):
    client = client_for("binhminh_officer")

    assert client.get(url("detail", review)).status_code == 404
    assert client.post(url("advance", review)).status_code == 404
    assert "Annual review 2025" not in page_of(client.get(url("list")))
    review.refresh_from_db()
    assert review.status == "preparing"


# --- the Django admin: standards and periods with history; campaigns read-only ---------------------------


def test_the_administrator_edits_standards_with_their_lines_and_indicators(client_for, review):
    from povertyreview.models import PovertyStandard

    standard = PovertyStandard.objects.get(code="2022-2025")
    client = client_for("admin")

    change = page_of(client.get(reverse("admin:povertyreview_povertystandard_change", args=[standard.pk])))
    history = client.get(reverse("admin:povertyreview_povertystandard_history", args=[standard.pk]))
    periods = client.get(reverse("admin:povertyreview_reviewperiod_changelist"))
    campaign = client.get(reverse("admin:povertyreview_campaign_change", args=[review.pk]))

    assert "1500000" in change and "health_insurance" in change  # income lines and indicators inline
    assert history.status_code == 200 and periods.status_code == 200
    assert campaign.status_code == 200 and 'name="_save"' not in campaign.content.decode()
