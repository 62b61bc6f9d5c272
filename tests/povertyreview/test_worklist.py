"""The review's items on the home page (povertyreview.selectors.review_worklist, registered in
core.worklists): what the committee, the officer and the chair have to do, within their communes,
with its due day, late against the review's calendar (povertyreview.deadlines)."""

import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.worklists import WorkItem
from demo.accounts import load_demo
from povertyreview import selectors, services
from povertyreview.models import Campaign
from tests.clock import VIETNAM
from tests.conftest import on_day
from tests.povertyreview.conftest import SURVEYS

Status = Campaign.Status


def home_of(username: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.get(reverse("core:home")).content.decode()


def work_list(page: str) -> list[str]:
    """The home page's work items as their text reads, one line each (title, due day, count)."""
    section = page.split('id="worklist-heading"')[1].split("</section>")[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_the_committee_s_home_on_the_demo_lists_the_open_complaints_and_the_posting_s_last_days(
    db, on_demo_day, django_assert_num_queries
):
    """20 November 2026: Tân Đông's 2026 review is at public posting (16–23 November) with the two
    complaints of 18 and 19 November open, answers due 28 and 29 November."""
    load_demo()
    review = Campaign.objects.get(commune_id="25522", year=2026)
    binh_minh = Campaign.objects.get(commune_id="25480", year=2026)
    committee = User.objects.get(username="tandong.committee")

    assert selectors.review_worklist(committee) == [
        WorkItem(title="Complaints awaiting an answer (review 2026, Xã Tân Đông)",
                 url=f"/reviews/{review.pk}/complaints/", count=2, due="28/11/2026"),
        WorkItem(title="Public posting ends in 3 days (review 2026, Xã Tân Đông)",
                 url=f"/reviews/{review.pk}/", due="23/11/2026"),
    ]  # fmt: skip
    # Another commune's staff never see them: Bình Minh's own review is at posting, with no complaint.
    assert selectors.review_worklist(User.objects.get(username="binhminh.officer")) == [
        WorkItem(title="Public posting ends in 3 days (review 2026, Phường Bình Minh)",
                 url=f"/reviews/{binh_minh.pk}/", due="23/11/2026"),
    ]  # fmt: skip
    assert selectors.review_worklist(User.objects.get(username="tayninh.province")) == []

    tan_dong_items = [
        "Khiếu nại chờ trả lời (rà soát năm 2026, Xã Tân Đông) hạn 28/11/2026 2",
        "Niêm yết công khai kết thúc sau 3 ngày (rà soát năm 2026, Xã Tân Đông) hạn 23/11/2026",
    ]
    committee_page = home_of("tandong.committee")
    assert work_list(committee_page) == tan_dong_items
    assert f'href="/reviews/{review.pk}/complaints/"' in committee_page
    assert "Không có việc nào đang chờ." not in committee_page
    # The officer and the chair run the review too: the same two items among their others.
    for username in ("tandong.officer", "tandong.chair"):
        items = work_list(home_of(username))
        assert [item for item in items if "rà soát năm" in item] == tan_dong_items
    assert "Xã Tân Đông" not in " ".join(work_list(home_of("binhminh.officer")))

    # The committee's home in a fixed number of queries: session, user, the user's communes, the
    # review's one query (its counts are subqueries; the other apps have no item for the committee
    # and ask nothing), the units table, then the session's sliding save (3) = 8.
    client = Client()
    client.force_login(committee)
    client.get(reverse("core:home"))
    with django_assert_num_queries(8):
        client.get(reverse("core:home"))


def on(year: int, month: int, day: int):
    return on_day(datetime(year, month, day, 10, 0, tzinfo=VIETNAM))


@pytest.fixture
def on_15_october_2024():
    """The 2024 review's fixtures are made on 15 October 2024, during its survey."""
    with on(2024, 10, 15):
        yield


def test_households_still_to_survey_late_against_the_calendar(
    on_15_october_2024, campaign, review_households, drive, users
):
    campaign = drive.advance(campaign)  # to the survey: TD-P1, TD-N1 and TD-N2 are listed
    drive.survey(drive.assessment(campaign, review_households.poor), *SURVEYS["TD-P1"])
    to_survey = WorkItem(title="Households still to survey (review 2024, Xã Tân Đông)",
                         url=f"/reviews/{campaign.pk}/households/?state=missing", count=2, due="31/10/2024")  # fmt: skip

    assert selectors.review_worklist(users["tandong_committee"]) == [to_survey]
    assert selectors.review_worklist(users["binhminh_officer"]) == []
    with on(2024, 10, 31):  # the survey's last day
        assert selectors.review_worklist(users["tandong_officer"]) == [to_survey]
    with on(2024, 11, 1):
        assert selectors.review_worklist(users["tandong_committee"]) == [replace(to_survey, late=True)]
        assert selectors.review_worklist(users["binhminh_officer"]) == []


def test_village_meetings_still_to_hold_and_households_returned_to_survey(
    on_15_october_2024, campaign, review_households, drive, users, units
):
    campaign = drive.to_step(campaign, Status.VILLAGE_MEETINGS)
    meetings = WorkItem(title="Village meetings still to hold (review 2024, Xã Tân Đông)",
                        url=f"/reviews/{campaign.pk}/meetings/", count=2, due="20/11/2024")  # fmt: skip
    assert selectors.review_worklist(users["tandong_committee"]) == [meetings]

    # Ấp Đông Hà meets; half of the votes is not enough for its poor household: back to survey.
    drive.meet(campaign, units.tan_dong_village, attendees=40, votes_for=20)

    assert selectors.review_worklist(users["tandong_committee"]) == [
        WorkItem(title="Households returned to survey by a village meeting (review 2024, Xã Tân Đông)",
                 url=f"/reviews/{campaign.pk}/households/?state=returned", count=2, due="20/11/2024"),
        replace(meetings, count=1),
    ]  # fmt: skip
    assert selectors.review_worklist(users["binhminh_officer"]) == []


def test_a_review_not_opened_by_30_september_is_late(review_households, users):
    """Tân Đông keeps households and has no review of 2025: from 1 October its staff are told."""
    with on(2025, 9, 30):
        assert selectors.review_worklist(users["tandong_officer"]) == []
    with on(2025, 10, 1):
        not_opened = WorkItem(title="The poverty review 2025 of Xã Tân Đông is not opened", url="/reviews/open/",
                              due="30/09/2025", late=True)  # fmt: skip
        assert selectors.review_worklist(users["tandong_officer"]) == [not_opened]
        assert selectors.review_worklist(users["tandong_committee"]) == [not_opened]
        # Bình Minh keeps no household here: nothing to open; the administrator's scope is the country.
        assert selectors.review_worklist(users["binhminh_officer"]) == []
        assert selectors.review_worklist(users["admin"]) == []
        assert selectors.review_worklist(users["tayninh_province"]) == []


def test_the_home_page_shows_the_due_day_and_marks_what_is_late(on_15_october_2024, campaign, drive, client_for):
    drive.advance(campaign)
    with on(2024, 11, 1):
        page = client_for("tandong_committee").get(reverse("core:home")).content.decode()

    assert work_list(page) == [
        "Hộ chưa nhập phiếu rà soát (rà soát năm 2024, Xã Tân Đông) Quá hạn · hạn 31/10/2024 3",
    ]


def test_an_in_year_review_is_due_15_days_after_the_request(review_households, users, officer):
    """QĐ 24 Art. 5: the chair decides within 15 days of the household's request (form 04)."""
    with on(2025, 3, 16):
        review = services.regular_review_open(household=review_households.applicant, requested_on=date(2025, 3, 16),
                                              reason="Mẫu số 04", acting_user=officer)  # fmt: skip
    to_survey = WorkItem(title="Households still to survey (in-year review of household TD-X1, Xã Tân Đông)",
                         url=f"/reviews/{review.pk}/households/?state=missing", count=1, due="31/03/2025")  # fmt: skip

    with on(2025, 3, 31):
        assert selectors.review_worklist(users["tandong_committee"]) == [to_survey]
    with on(2025, 4, 1):
        assert selectors.review_worklist(users["tandong_committee"]) == [replace(to_survey, late=True)]
        assert selectors.review_worklist(users["binhminh_officer"]) == []


def test_each_step_done_says_what_comes_next(on_15_october_2024, campaign, review_households, drive, users):
    def items():
        return [(item.title, item.due, item.late) for item in selectors.review_worklist(users["tandong_committee"])]

    assert items() == [("Households listed (review 2024, Xã Tân Đông): add those who applied, then start the survey",
                        "30/09/2024", True)]  # fmt: skip
    campaign = drive.advance(campaign)
    drive.survey_all(campaign)
    assert items() == [("Every household surveyed (review 2024, Xã Tân Đông): move on to the village meetings",
                        "31/10/2024", False)]  # fmt: skip
    campaign = drive.advance(campaign)
    drive.meet_all(campaign)
    assert items() == [("Every village has met (review 2024, Xã Tân Đông): post the list publicly",
                        "20/11/2024", False)]  # fmt: skip
    campaign = drive.advance(campaign, **drive.posting(starts=-5, ends=-1))
    campaign = drive.advance(campaign)
    assert items() == [("Every complaint answered (review 2024, Xã Tân Đông): send the review to the chair",
                        "10/12/2024", False)]  # fmt: skip
    drive.advance(campaign)
    assert items() == []  # the chair's now


REVIEW_2026 = "review 2026, Xã Tân Đông"


@pytest.mark.parametrize(
    ("day", "committee_items", "chair_items"),
    [
        # 3 December: the demo's posting (26 November – 3 December) ends today; its two complaints
        # (28 and 29 November) are due by 8 and 9 December. Nothing is late.
        (
            (2026, 12, 3),
            [(f"Complaints awaiting an answer ({REVIEW_2026})", "08/12/2026", False),
             (f"Public posting ends today ({REVIEW_2026})", "03/12/2026", False)],
            [(f"Complaints awaiting an answer ({REVIEW_2026})", "08/12/2026", False),
             (f"Public posting ends today ({REVIEW_2026})", "03/12/2026", False)],
        ),
        # 15 December: the demo never recognises this year's review: late, for the chair to act.
        (
            (2026, 12, 15),
            [(f"Late: {REVIEW_2026} is still at the step “Awaiting approval”", "14/12/2026", True)],
            [(f"Review results awaiting your recognition ({REVIEW_2026})", "14/12/2026", True)],
        ),
    ],
)  # fmt: skip
def test_the_demo_is_late_only_after_14_december(db, day, committee_items, chair_items):
    with on(*day):
        load_demo()

        def items(username):
            user = User.objects.get(username=username)
            return [(item.title, item.due, item.late) for item in selectors.review_worklist(user)]

        assert items("tandong.committee") == committee_items
        assert items("tandong.chair") == chair_items
