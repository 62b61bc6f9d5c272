"""What the API keeps of its own: the answers to requests sent with an ``Idempotency-Key``
(``api.idempotency``), so that a retried write is answered, not done again."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from privacy.fields import EncryptedCharField


class IdempotentRequest(BaseModel):
    """A write the API answered, by its caller's key: what was asked (method, path, a hash of the
    body) and what was answered. Written in the same transaction as the write itself, so a crash
    leaves neither; deleted after ``IDEMPOTENCY_KEY_HOURS`` (``api.tasks``)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(max_length=10)
    path = models.TextField()
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    location = models.TextField(blank=True)
    # The answer may name persons and accounts (a filed case's account number): encrypted at rest as
    # the columns it was read from (privacy.encryption), and rotated with them.
    body = EncryptedCharField(max_length=10_000_000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="api_idempotent_request_actor_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
