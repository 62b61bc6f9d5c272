"""The API's system clients: who they are, what they were granted, and by whom.

A system client is an OAuth2 application of django-oauth-toolkit (client credentials, confidential,
secret stored hashed) bound to a service account (``accounts.User`` with ``is_service_account``): a
role and admin units like a person's, so the actor of its calls is that account and every scoping door
serves it unchanged. This row holds what the toolkit does not: the client's name, the scopes it may ask
for, and who created, rotated and revoked it (with simple-history's rows of every change).

It also keeps the answers to writes sent with an ``Idempotency-Key`` (``IdempotentRequest``), so that
a retried write is answered, not done again.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BaseModel
from privacy.fields import EncryptedCharField


class ApiClient(BaseModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, verbose_name=_("OAuth2 application"), on_delete=models.PROTECT,
        related_name="api_client",
    )  # fmt: skip
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("service account"), on_delete=models.PROTECT,
        related_name="api_client",
    )  # fmt: skip
    # Names of api.permissions.SCOPES (checked by api.services; no choices here, so that a new scope
    # needs no migration).
    scopes = ArrayField(models.CharField(max_length=32), verbose_name=_("scopes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True)
    rotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("secret rotated by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("system client")
        verbose_name_plural = _("system clients")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


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


class IdempotentRequest(BaseModel):
    """A write the API answered, by its caller's key (``api.idempotency``): what was asked (method,
    path, a hash of the body) and what was answered. Written in the same transaction as the write
    itself, so a crash leaves neither; deleted after ``IDEMPOTENCY_KEY_HOURS`` (``api.tasks``)."""

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
