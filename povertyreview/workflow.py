"""The steps of a poverty review campaign: who may act at which step (QĐ 24/2021 Art. 4–5).

The services check each act here (``WORKFLOW.check``: the role and the commune, then the step) and
the campaign's pages offer ``WORKFLOW.available``. The steering committee and the officer
(``can_run_poverty_review``) list, survey, record the village meetings and the complaints and move
the review forward one step at a time (each step's condition: ``services._ADVANCE_CHECKS``); the
commune chair recognises the result. A household's own survey also depends on the household
(``services.is_surveyable``).
"""

from django.utils.translation import gettext as _

from core.workflow import Transition, Workflow
from geography.scoping import require
from povertyreview.models import Campaign

Status = Campaign.Status
RUNNER, CHAIR = "can_run_poverty_review", "can_sign_decisions"
POSTED = (Status.PUBLIC_POSTING, Status.COMPLAINTS)


def _refusal(campaign: Campaign) -> str:
    return _("The review is at the step “%(step)s”; this is not possible now.") % {
        "step": campaign.get_status_display()
    }


WORKFLOW = Workflow(
    [
        Transition("list_household", (Status.PREPARING, Status.SURVEYING), None, RUNNER),
        Transition("import", (Status.SURVEYING,), None, RUNNER),
        Transition("meeting", (Status.VILLAGE_MEETINGS,), None, RUNNER),
        Transition("complaint", POSTED, None, RUNNER),
        # One step forward, never back; approval is the chair's own act.
        Transition("advance", (Status.PREPARING,), Status.SURVEYING, RUNNER),
        Transition("advance", (Status.SURVEYING,), Status.VILLAGE_MEETINGS, RUNNER),
        Transition("advance", (Status.VILLAGE_MEETINGS,), Status.PUBLIC_POSTING, RUNNER),
        Transition("advance", (Status.PUBLIC_POSTING,), Status.COMPLAINTS, RUNNER),
        Transition("advance", (Status.COMPLAINTS,), Status.AWAITING_APPROVAL, RUNNER),
        Transition("approve", (Status.AWAITING_APPROVAL,), Status.APPROVED, CHAIR),
    ],
    door=require,
    refusal=_refusal,
)
