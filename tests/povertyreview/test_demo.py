"""The demo reviews, loaded on DEMO_DAY (20 November 2026; their years move with the day of loading,
see test_demo_calendar.py): Xã Tân Đông's 2025 review approved with 43 households on the 2026 list
(0.91 %), and its 2026 review at public posting with two open complaints; Phường Bình Minh's 2025
review approved (1 poor, 5 near-poor) and its 2026 review at public posting."""

from datetime import date, timedelta

from django.utils import timezone

from demo.accounts import load_demo
from geography.models import Village
from households.models import HouseholdYearStatus
from povertyreview.models import (
    Assessment,
    Campaign,
    Complaint,
    MeetingVote,
    ReductionTarget,
    ReviewEvent,
    VillageMeeting,
)
from povertyreview.selectors import campaign_progress, review_results


def everything() -> dict:
    return {
        "campaigns": sorted(Campaign.objects.values_list("commune_id", "year", "status", "decision_number")),
        "assessments": sorted(
            Assessment.objects.values_list("campaign__year", "household__code", "classification", "income_per_capita")
        ),
        "meetings": VillageMeeting.objects.count(),
        "votes": MeetingVote.objects.count(),
        "complaints": sorted(Complaint.objects.values_list("campaign__year", "status", "received_on")),
        "events": ReviewEvent.objects.count(),
        "statuses": HouseholdYearStatus.objects.count(),
        "targets": list(ReductionTarget.objects.values_list("commune_id", "year", "planned_reduction")),
    }


def test_demo_reviews_of_tan_dong(db, on_demo_day):
    today = timezone.localdate()

    load_demo()

    approved = Campaign.objects.get(commune_id="25522", year=2025, kind="periodic")
    assert (approved.status, approved.decision_number, approved.decision_date, approved.approved_by.username) == (
        "approved",
        "1286/QĐ-UBND",
        date(2025, 12, 10),
        "tandong.chair",
    )
    assert set(approved.assessments.values_list("assessed_by__username", flat=True)) == {"tandong.committee"}
    assert approved.assessments.count() == 53  # the 43 of the 2025 list and 10 applicants
    assert not approved.complaints.filter(status="open").exists()
    assert approved.complaints.count() == 1

    result = review_results(approved.commune, 2025)
    assert result.total_households == 4_700
    assert result.counts["poor"] + result.counts["near_poor"] == 43
    assert (result.counts["poor"], result.counts["near_poor"], result.listed_rate) == (13, 30, 0.91)
    assert (result.previous_counts["poor"], result.previous_counts["near_poor"]) == (18, 25)
    assert (result.escaped_poverty, result.escaped_near_poverty, result.new_listed, result.fell_back) == (6, 5, 8, 0)
    assert (result.planned_reduction, result.achieved_reduction, result.plan_percent) == (4, 5, 125.0)

    # One meeting per village with proposed households, and a second one for the household that
    # got exactly half of the votes.
    villages = Village.objects.filter(commune_id="25522").count()
    assert approved.meetings.count() == villages + 1
    assert list(MeetingVote.objects.filter(meeting__campaign=approved, agreed=False).values_list("votes_for")) == [
        (21,)
    ]
    assert approved.meetings.filter(votes__agreed=False).get().attendees == 42
    assert not approved.assessments.filter(meeting_result__in=["pending", "returned"]).exists()
    # Each step is dated when it happened, in the autumn of 2025.
    days = approved.events.values_list("occurred_at__date", flat=True)
    assert (min(days), max(days)) == (date(2025, 9, 3), date(2025, 12, 10))

    posting = Campaign.objects.get(commune_id="25522", year=2026, kind="periodic")
    assert (posting.status, posting.posting_starts_on, posting.posting_ends_on) == (
        "public_posting",
        today - timedelta(days=4),
        today + timedelta(days=3),
    )
    assert set(posting.assessments.values_list("assessed_by__username", flat=True)) == {"tandong.committee"}
    assert posting.assessments.filter(listed_reason="on_list").count() == 43
    open_complaints = posting.complaints.filter(status="open")
    assert open_complaints.count() == 2
    assert sorted(open_complaints.values_list("received_on", flat=True)) == [
        today - timedelta(days=2),
        today - timedelta(days=1),
    ]
    total = campaign_progress(posting)[-1]
    assert (total["listed"], total["surveyed"], total["agreed"], total["disputed_count"]) == (46, 46, 44, 2)
    # The 2026 review is not approved: nothing written for 2027.
    assert not HouseholdYearStatus.objects.filter(year=2027).exists()


def test_loading_the_demo_twice_changes_nothing(db, on_demo_day):
    load_demo()
    first = everything()

    load_demo()

    assert everything() == first
    assert first["campaigns"] == [
        ("25480", 2025, "approved", "215/QĐ-UBND"),
        ("25480", 2026, "public_posting", ""),
        ("25522", 2025, "approved", "1286/QĐ-UBND"),
        ("25522", 2026, "public_posting", ""),
    ]
