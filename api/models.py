"""What the API keeps of its own: the SPDCI transactions (``api.views.spdci``)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SpdciTransaction(models.Model):
    """A sync search of the SPDCI social-registry API, as its ``txn/status`` answers it later: who asked
    (only the same actor may ask about it), the sender's ``transaction_id``, our ``correlation_id``, and
    each request's outcome (reference id, timestamp, status, reason code and message, pagination).

    The records found are not kept: a second copy of personal data would escape the registry's masking,
    corrections and access log. A caller who wants them again searches again (and is logged again)."""

    class Status(models.TextChoices):
        SUCCEEDED = "succ", _("Succeeded")
        REJECTED = "rjct", _("Rejected")

    correlation_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    transaction_id = models.CharField(max_length=99)
    message_id = models.CharField(max_length=99)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, default="search")
    status = models.CharField(max_length=4, choices=Status.choices)
    reference_ids = models.JSONField(default=list)
    # [{"reference_id", "timestamp", "status", "status_reason_code"?, "status_reason_message"?, "pagination"?}]
    responses = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["actor", "transaction_id"], name="spdci_txn_actor_txn")]

    def __str__(self) -> str:
        return f"{self.transaction_id} ({self.correlation_id})"
