"""The annual poverty review as the steering committee and the chair click it (Vietnamese UI).

The committee member opens the 2025 review, adds a household that applied and surveys it, holds
the village meeting, posts the list (dates in the past, so the posting is over), registers and
resolves a complaint and sends the review to the chair, who approves it; the household's page
then shows the recognition in its timeline. The review's pages are located by their addresses and
field names, so the flow holds whether or not a label is translated yet.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from geography.models import Commune
from households.models import HouseholdYearStatus
from povertyreview import services
from povertyreview.models import Campaign, Complaint
from povertyreview.standard_data import load_standards
from tests.households.factories import make_household

pytestmark = pytest.mark.browser

YEAR = 2025
FAMILY = (("Trần Văn Hải", "M", date(1960, 2, 2), "head"), ("Đỗ Thị Hương", "F", date(1962, 3, 3), "spouse"))


@pytest.fixture
def households(demo):
    """Three households of Xã Tân Đông on the 2025 list and one that will apply."""
    load_standards()
    commune = Commune.objects.get(code="25522")
    village = commune.villages.get(name="Ấp Đông Hà")
    found = {}
    for code, status in [("TD-FLOW-1", "poor"), ("TD-FLOW-2", "near_poor"), ("TD-FLOW-3", "poor"), ("TD-FLOW-4", "")]:
        found[code] = make_household(commune, village, code=code, members=FAMILY)
        if status:
            HouseholdYearStatus.objects.create(household=found[code], year=YEAR, status=status)
    return found


def submit(page):
    page.locator("main form[method=post] button[type=submit]").click()


def advance(page, live_server, campaign_id: int, **fields):
    page.goto(f"{live_server.url}/reviews/{campaign_id}/")
    page.locator(f"a[href='/reviews/{campaign_id}/advance/']").first.click()
    for name, value in fields.items():
        page.locator(f"[name='{name}']").fill(value)
    submit(page)
    expect(page.get_by_role("alert")).to_be_visible()


def test_committee_runs_the_review_and_the_chair_approves_it(households, login, live_server, page):
    today = timezone.localdate()
    page = login("tandong.committee")

    # Open the 2025 review from the menu.
    page.locator("nav a[href='/reviews/']").click()
    page.locator("a[href='/reviews/open/']").click()
    page.locator("[name='year']").fill(str(YEAR))
    submit(page)
    campaign = Campaign.objects.get(commune_id="25522", year=YEAR)
    expect(page).to_have_url(f"{live_server.url}/reviews/{campaign.pk}/")
    expect(page.get_by_test_id("progress-table")).to_contain_text("Ấp Đông Hà")
    assert campaign.assessments.count() == 3

    advance(page, live_server, campaign.pk)  # preparing -> surveying

    # TD-FLOW-4 applied: add it, and survey it (the form opens on it).
    page.locator(f"a[href='/reviews/{campaign.pk}/households/add/']").first.click()
    page.locator("[name='household']").fill("TD-FLOW-4")
    page.locator("[name='reason']").select_option("applied")
    submit(page)
    page.locator("[name='members']").fill("2")
    page.locator("[name='income_per_capita']").fill("1000000")
    for code in ("employment", "nutrition", "water"):
        page.locator(f"[name='deprived_{code}']").check()
    page.locator("[name='deprived_health_insurance']").uncheck()
    submit(page)
    expect(page.get_by_test_id("explanation")).to_contain_text("1.000.000 ≤ 1.500.000")
    expect(page.get_by_test_id("classification")).to_contain_text(re.compile("poor|nghèo", re.IGNORECASE))

    # The other three are surveyed by the same member (their forms, filled the same way, via the service).
    committee = campaign.assessments.get(household__code="TD-FLOW-4").assessed_by
    for assessment in campaign.assessments.filter(surveyed_at__isnull=True):
        services.assessment_record(assessment=assessment, area="rural", members=2, income_per_capita=1_200_000,
                                   deprived=["employment", "nutrition", "water"], acting_user=committee)  # fmt: skip
    page.goto(f"{live_server.url}/reviews/{campaign.pk}/")
    expect(page.get_by_test_id("progress-table")).to_contain_text("4")

    advance(page, live_server, campaign.pk)  # surveying -> village meetings

    # The village meeting: 10 attend, 8 in favour of each proposed household.
    page.goto(f"{live_server.url}/reviews/{campaign.pk}/meetings/")
    village = households["TD-FLOW-1"].village
    page.locator(f"a[href='/reviews/{campaign.pk}/meetings/{village.pk}/new/']").click()
    page.locator("[name='held_on']").fill(f"{today:%d/%m/%Y}")
    page.locator("[name='chaired_by']").fill("Nguyễn Văn Trưởng")
    page.locator("[name='attendees']").fill("10")
    votes = page.locator("input[name^='votes_']")
    expect(votes).to_have_count(4)
    for index in range(4):
        votes.nth(index).fill("8")
    submit(page)
    expect(page.get_by_test_id("meeting")).to_contain_text("8")
    expect(page.get_by_test_id("meeting")).to_contain_text("TD-FLOW-4")

    # Public posting, with dates in the past so that the posting is over, then the complaints step.
    advance(page, live_server, campaign.pk, posting_starts_on=f"{today - timedelta(days=12):%d/%m/%Y}",
            posting_ends_on=f"{today - timedelta(days=2):%d/%m/%Y}", posting_place="Nhà văn hóa ấp Đông Hà")  # fmt: skip
    expect(page.get_by_test_id("posting")).to_contain_text("Nhà văn hóa ấp Đông Hà")
    advance(page, live_server, campaign.pk)  # public posting -> complaints

    # A neighbour complains about TD-FLOW-3; the deadline is shown; the re-check keeps the result.
    disputed = campaign.assessments.get(household__code="TD-FLOW-3")
    page.goto(f"{live_server.url}/reviews/{campaign.pk}/complaints/new/")
    page.locator("[name='assessment']").select_option(str(disputed.pk))
    page.locator("[name='complainant']").fill("Phạm Văn Tư")
    page.locator("[name='received_on']").fill(f"{today:%d/%m/%Y}")
    page.locator("[name='content']").fill("Hộ này mới mua xe máy")
    submit(page)
    due = (today + timedelta(days=10)).strftime("%d/%m/%Y")
    expect(page.get_by_test_id("complaint-table")).to_contain_text(due)
    expect(page.locator(f"a[href='/reviews/{campaign.pk}/households/{disputed.pk}/']")).to_be_visible()  # re-survey
    complaint = Complaint.objects.get()
    page.locator(f"a[href='/reviews/{campaign.pk}/complaints/{complaint.pk}/resolve/']").click()
    page.locator("[name='recheck_result']").fill("Xe máy cũ, thu nhập không đổi")
    page.locator("[name='answer']").fill("Giữ nguyên kết quả rà soát")
    page.locator("[name='resolved_on']").fill(f"{today:%d/%m/%Y}")
    submit(page)
    expect(page.get_by_test_id("complaint-table")).to_contain_text("Giữ nguyên kết quả rà soát")

    advance(page, live_server, campaign.pk)  # complaints -> awaiting approval
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.AWAITING_APPROVAL

    # The chair approves.
    page.context.clear_cookies()
    page = login("tandong.chair")
    page.goto(f"{live_server.url}/reviews/{campaign.pk}/")
    page.locator(f"a[href='/reviews/{campaign.pk}/approve/']").click()
    page.locator("[name='decision_number']").fill("125/QĐ-UBND")
    page.locator("[name='decision_date']").fill(f"{today:%d/%m/%Y}")
    submit(page)
    expect(page.get_by_test_id("decision")).to_contain_text("125/QĐ-UBND")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.APPROVED

    # The household's page: its 2026 status and the recognition in the timeline.
    page.goto(f"{live_server.url}/households/{households['TD-FLOW-4'].uuid}/")
    expect(page.get_by_test_id("timeline")).to_contain_text(re.compile("recognised|công nhận", re.IGNORECASE))
    expect(page.get_by_test_id("timeline")).to_contain_text("125/QĐ-UBND")
