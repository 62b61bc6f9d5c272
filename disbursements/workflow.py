"""The life of a payment run: who moves it from which status to which.

The services check each act here (``WORKFLOW.check``) and the run page offers ``WORKFLOW.available``.
The officer prepares (``services.run_prepare`` also starts and resumes a run: "reprepare" is its
redo of a computed run), sends to the payer, downloads the files and reconciles; the commune chair
approves. A run is cancelled by the officer until it is approved, by the chair once it is.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.workflow import Transition, Workflow
from disbursements.models import Run
from geography.scoping import require

Status = Run.Status
OFFICER, CHAIR = "can_manage_registry", "can_sign_decisions"


def _refusal(run: Run) -> str:
    return _("The run is “%(status)s”; this is not possible now.") % {"status": run.get_status_display()}


WORKFLOW = Workflow(
    [
        Transition("approve", (Status.COMPUTED,), Status.APPROVED, CHAIR),
        Transition("reprepare", (Status.COMPUTED,), Status.PREPARING, OFFICER),
        Transition("cancel", (Status.PREPARING, Status.COMPUTED), Status.CANCELLED, OFFICER),
        Transition("cancel", (Status.APPROVED,), Status.CANCELLED, CHAIR),
        Transition("send", (Status.APPROVED,), Status.EXPORTED, OFFICER),
        # Downloading the payer's files records an audit row and never changes the run.
        Transition(
            "download",
            (Status.EXPORTED,),
            None,
            OFFICER,
            refusals={
                Status.APPROVED: gettext_lazy(
                    "The run is not yet sent to the payer: send it first, then download its files."
                ),
                Status.RECONCILED: gettext_lazy("The run is reconciled: its files are not issued again."),
            },
        ),
        # Reconciled once the payer's reports have settled every line (a report may cover a part).
        Transition("reconcile", (Status.EXPORTED,), Status.RECONCILED, OFFICER),
    ],
    door=require,
    refusal=_refusal,
)
