"""The review's calendar: by which day each step of a review should be over.

The periodic review of year Y runs from 1 September to 14 December of Y (QĐ 24/2021 Art. 4). The law
fixes only those two ends; the days in between are the commune's plan, the one most provincial
plans follow (list in September, survey in October, village meetings by 20 November, posting and
complaints by 10 December, the chair's recognition by 14 December). The home page's work list
calls a review late when it is still at a step after that step's day, or not opened after
``OPEN_BY`` (``reports.figures`` reads the same two ends: REVIEW_OPEN_BY, REVIEW_APPROVED_BY).

An in-year review on a household's request ends with the chair's decision within
``REGULAR_REVIEW_DAYS`` days of the request (QĐ 24 Art. 5).
"""

from datetime import date, timedelta

from povertyreview.models import Campaign

Status = Campaign.Status

OPEN_BY = (9, 30)  # (month, day) of the review year
# The last day a periodic review may still be at each step.
STEP_ENDS_BY = {
    Status.PREPARING: (9, 30),
    Status.SURVEYING: (10, 31),
    Status.VILLAGE_MEETINGS: (11, 20),
    Status.PUBLIC_POSTING: (12, 5),
    Status.COMPLAINTS: (12, 10),
    Status.AWAITING_APPROVAL: (12, 14),
}
REGULAR_REVIEW_DAYS = 15


def open_by(year: int) -> date:
    return date(year, *OPEN_BY)


def step_ends_by(campaign: Campaign) -> date | None:
    """The last day ``campaign`` may stay at its current step; None once approved."""
    if campaign.status == Status.APPROVED:
        return None
    if campaign.kind == Campaign.Kind.REGULAR:
        return campaign.requested_on + timedelta(days=REGULAR_REVIEW_DAYS) if campaign.requested_on else None
    return date(campaign.year, *STEP_ENDS_BY[campaign.status])


def recognise_by(campaign: Campaign) -> date | None:
    """The day by which the chair should recognise the review's result."""
    if campaign.kind == Campaign.Kind.REGULAR:
        return step_ends_by(campaign)
    return date(campaign.year, *STEP_ENDS_BY[Status.AWAITING_APPROVAL])
