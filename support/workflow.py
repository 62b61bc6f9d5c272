"""The life of a distribution (one handing-out of a programme): while open, the officer lists
recipients, takes them off and records deliveries; closing it cancels whoever never came.

The services check each act here (``WORKFLOW.check``: the role and the commune, then the status)
and the distribution page offers ``WORKFLOW.available``. A record's own life (planned, delivered,
cancelled) is checked by its services, each with its own words.
"""

from django.utils.translation import gettext as _

from core.workflow import Transition, Workflow
from geography.scoping import require
from support.models import Distribution

Status = Distribution.Status
OFFICER = "can_manage_registry"

WORKFLOW = Workflow(
    [
        Transition("add_recipients", (Status.OPEN,), None, OFFICER),
        Transition("remove_recipient", (Status.OPEN,), None, OFFICER),
        Transition("deliver", (Status.OPEN,), None, OFFICER),
        Transition("close", (Status.OPEN,), Status.CLOSED, OFFICER),
    ],
    door=require,
    refusal=lambda distribution: _("The distribution is closed."),
)
