"""The only doors to review campaigns: out of scope and missing are the same 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from geography.scoping import scope_to_user
from povertyreview.models import Assessment, Campaign, Complaint, VillageMeeting


def access_campaign(user, campaign_id: int, *, for_edit: bool = False) -> Campaign:
    campaign = (
        scope_to_user(Campaign.objects.all(), user)
        .select_related("commune__province", "standard", "household", "approved_by")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404("campaign")
    if for_edit and not user.can_run_poverty_review:
        raise PermissionDenied
    return campaign


def access_assessment(user, campaign: Campaign, assessment_id: int) -> Assessment:
    """An assessment of a campaign the user already has access to."""
    assessment = campaign.assessments.select_related("household__head", "village").filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("assessment")
    return assessment


def access_meeting_minutes(user, campaign_id: int, meeting_id: int) -> VillageMeeting:
    """A village meeting with minutes, of a campaign the user may see (404 otherwise)."""
    campaign = access_campaign(user, campaign_id)
    meeting = campaign.meetings.filter(pk=meeting_id).exclude(minutes="").first()
    if meeting is None:
        raise Http404("meeting minutes")
    return meeting


def access_complaint(user, campaign: Campaign, complaint_id: int) -> Complaint:
    complaint = campaign.complaints.select_related("assessment__household").filter(pk=complaint_id).first()
    if complaint is None:
        raise Http404("complaint")
    return complaint
