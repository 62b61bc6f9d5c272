"""The life of an allowance case: who moves it from which status to which.

The services check each act here (``WORKFLOW.check``: the role and the commune, then the status);
the case page offers ``WORKFLOW.available``, in this order. The officer files and verifies; the
commune chair decides, refuses, suspends, resumes, terminates and transfers (NĐ 20/2021 as
decentralised by NĐ 147/2025). Changes that move money once a case can be paid are change requests
(``beneficiaries.changes``), not rows of this table.
"""

from django.utils.translation import gettext as _

from beneficiaries.models import Case
from core.workflow import Transition, Workflow
from geography.scoping import require

Status = Case.Status
OPEN = (Status.APPLIED, Status.VERIFIED, Status.ACTIVE, Status.SUSPENDED)
# Before the chair's decision the officer corrects payment details directly; after it, months can
# be paid (entitlement.PAYABLE_STATUSES) and every change that moves money is a ChangeRequest.
DIRECT_PAYMENT_STATUSES = (Status.APPLIED, Status.VERIFIED)
OFFICER, CHAIR = "can_manage_registry", "can_sign_decisions"


def _refusal(case: Case) -> str:
    return _("The case is “%(status)s”; this is not possible now.") % {"status": case.get_status_display()}


WORKFLOW = Workflow(
    [
        Transition("verify", (Status.APPLIED,), Status.VERIFIED, OFFICER),
        Transition("decide", (Status.VERIFIED,), Status.ACTIVE, CHAIR),
        Transition("refuse", (Status.APPLIED, Status.VERIFIED), Status.REFUSED, CHAIR),
        Transition("suspend", (Status.ACTIVE,), Status.SUSPENDED, CHAIR),
        Transition("resume", (Status.SUSPENDED,), Status.ACTIVE, CHAIR),
        Transition("terminate", (Status.ACTIVE, Status.SUSPENDED), Status.TERMINATED, CHAIR),
        Transition("transfer", (Status.ACTIVE,), Status.TRANSFERRED, CHAIR),
        # Acts that keep the status: the officer's direct correction of payment details before
        # the decision, and recording a health-insurance card from the page of an open case.
        Transition("correct_payment", DIRECT_PAYMENT_STATUSES, None, OFFICER),
        Transition("health_card", OPEN, None, OFFICER),
    ],
    door=require,
    refusal=_refusal,
)
