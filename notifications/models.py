"""Outgoing messages as records (issue 9).

Services ask for a message (``services.request_message``): a ``Message`` row is written, queued,
and a Celery task sends it later through the backend configured for its channel. Nothing calls a
gateway directly. A message moves

    queued → sending → sent → delivered
                    ↘ queued again (temporary failure, retried with backoff)
                    ↘ failed (permanent failure, or attempts exhausted, with the gateway's reason)
    queued → cancelled (by an officer, before it went)

``sending`` is the claim a worker takes before it calls the gateway, in its own committed
transaction: a redelivered or duplicated task finds the message no longer queued and sends
nothing, so a message goes out at most once. A worker killed during the call leaves the message
``sending``; the sweeper marks it failed ("interrupted") after a while instead of sending again.

``dedup_key`` is unique: a reminder for the same card and expiry date is inserted with
``INSERT … ON CONFLICT DO NOTHING`` and can never exist twice, whatever runs at the same time.
"""

import string

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import BaseModel, DomainEvent


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo (ZNS)")
    EMAIL = "email", _("Email")


class Language(models.TextChoices):
    VI = "vi", _("Vietnamese")
    EN = "en", _("English")


def template_placeholders(body: str) -> set[str]:
    """The ``{name}`` placeholders of a str.format body ("{date}" → {"date"})."""
    return {name.split(".")[0].split("[")[0] for _text, name, _spec, _conv in string.Formatter().parse(body) if name}


class MessageTemplate(BaseModel):
    """The text of one kind of message, in Vietnamese and English, with ``{placeholder}`` fields
    (str.format). Channel-agnostic: the same text goes by SMS, Zalo or email. An administrator
    edits the wording in /admin/ (with history); ``placeholders`` lists the fields the code fills,
    and a body may use only those."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("when it is sent"), blank=True)
    placeholders = models.CharField(
        _("placeholders"), max_length=255, blank=True, help_text=_("Comma-separated fields the code fills in.")
    )
    subject_vi = models.CharField(_("email subject (Vietnamese)"), max_length=200, blank=True)
    subject_en = models.CharField(_("email subject (English)"), max_length=200, blank=True)
    body_vi = models.TextField(_("text (Vietnamese)"))
    body_en = models.TextField(_("text (English)"))
    # The Zalo ZNS template registered with Zalo for this message, if any; the ZNS backend sends the
    # placeholders as its template_data. Settings can map codes too (NOTIFICATION_ZNS_TEMPLATES).
    zns_template_id = models.CharField(_("Zalo ZNS template ID"), max_length=40, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.code

    @property
    def placeholder_names(self) -> set[str]:
        return {name.strip() for name in self.placeholders.split(",") if name.strip()}

    def clean(self) -> None:
        allowed = self.placeholder_names
        problems = {}
        for field in ("subject_vi", "subject_en", "body_vi", "body_en"):
            try:
                unknown = template_placeholders(getattr(self, field)) - allowed
            except ValueError as error:  # an unbalanced "{"
                problems[field] = _("is not a valid text with {placeholders}: %(error)s") % {"error": error}
                continue
            if unknown:
                problems[field] = _("uses unknown placeholders: %(names)s (allowed: %(allowed)s)") % {
                    "names": ", ".join(sorted(unknown)),
                    "allowed": ", ".join(sorted(allowed)) or "—",
                }
        if problems:
            raise ValidationError(problems)

    def body(self, language: str) -> str:
        return self.body_en if language == Language.EN else self.body_vi

    def subject(self, language: str) -> str:
        return self.subject_en if language == Language.EN else self.subject_vi


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Message(BaseModel):
    Status = MessageStatus

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # A phone number in E.164 form (+84…) for SMS and Zalo; an email address for email.
    recipient = models.CharField(_("recipient"), max_length=254)
    recipient_name = models.CharField(_("recipient name"), max_length=150, blank=True)
    # The commune whose message it is: who may see it (scope).
    commune = models.ForeignKey(
        "geography.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="messages"
    )
    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="messages",
        null=True, blank=True,
    )  # fmt: skip
    person = models.ForeignKey(
        "households.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="messages",
        null=True, blank=True,
    )  # fmt: skip
    # A member of staff told of something (notices to the chair, the committee).
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff recipient"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="messages"
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.VI)
    # The placeholders' values as given (dates ISO): the ZNS backend sends them as template_data.
    context = models.JSONField(_("placeholders"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(
        pgettext_lazy("message", "status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    failure_reason = models.TextField(_("reason for failure"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Not sent before this time (quiet hours, backoff after a temporary failure, a chosen time).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # When a send task was last put on the broker for this message: the sweeper re-sends a task only
    # for a message whose task was never sent or is long overdue (a lost task).
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # SMS parts (GSM-7 160/153, UCS-2 70/67 characters); 1 for Zalo and email.
    parts = models.PositiveSmallIntegerField(_("parts"), default=1)
    cost_vnd = models.PositiveBigIntegerField(_("cost (đồng)"), null=True, blank=True)
    backend = models.CharField(_("sent through"), max_length=120, blank=True)
    gateway_message_id = models.CharField(_("gateway message ID"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # e.g. "bhyt_renewal:<card id>:<valid_to>": at most one message per key, ever.
    dedup_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="message_channel_valid"),
            models.CheckConstraint(condition=Q(parts__gte=1), name="message_parts_positive"),
            models.CheckConstraint(condition=~Q(recipient=""), name="message_has_recipient"),
        ]
        indexes = [
            models.Index(fields=["commune", "-created_at"], name="message_commune"),
            models.Index(fields=["household", "-created_at"], name="message_household"),
            models.Index(fields=["channel", "gateway_message_id"], name="message_gateway_id"),
            # The sweeper's and the sender's queue: small, only the messages still to send.
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="message_due"),
            models.Index(fields=["updated_at"], condition=Q(status="sending"), name="message_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient} ({self.template_id})"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.DELIVERED, self.Status.FAILED, self.Status.CANCELLED)


class MessageEvent(DomainEvent):
    """A change of a message's status, with the gateway's answer in ``data`` / ``reason``."""

    class Kind(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DEFERRED = "deferred", _("Deferred (quiet hours)")
        RETRY = "retry", _("Temporary failure, will retry")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("event kind"), max_length=20, choices=Kind.choices)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")

    class Meta(DomainEvent.Meta):
        verbose_name = _("message event")
        verbose_name_plural = _("message events")


class OptOut(BaseModel):
    """A person (or a phone number) who does not want messages on a channel (all channels when
    ``channel`` is empty). Revoking keeps the row (who, when, why) and sets ``revoked_at``."""

    person = models.ForeignKey(
        "households.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="message_opt_outs",
        null=True, blank=True,
    )  # fmt: skip
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("E.164 form, e.g. +84912345678."))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, blank=True)
    # Where it was recorded (scope of the list); an opt-out applies in every commune.
    commune = models.ForeignKey("geography.Commune", verbose_name=_("commune"), on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | ~Q(phone=""), name="optout_person_or_phone"),
            models.UniqueConstraint(
                fields=["person", "channel"], condition=Q(revoked_at__isnull=True, person__isnull=False),
                name="optout_once_per_person_channel",
            ),
            models.UniqueConstraint(
                fields=["phone", "channel"], condition=Q(revoked_at__isnull=True, person__isnull=True),
                name="optout_once_per_phone_channel",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["phone"], condition=~Q(phone=""), name="optout_phone")]

    def __str__(self) -> str:
        return f"{self.person or self.phone} ({self.channel or '*'})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class NoticeSettings(BaseModel):
    """Which notices a commune sends. A commune without a row has the defaults below."""

    commune = models.OneToOneField(
        "geography.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="notice_settings",
        primary_key=True,
    )  # fmt: skip
    amount_paid_notice = models.BooleanField(
        _("tell beneficiaries the amount paid"), default=False,
        help_text=_("An SMS to each beneficiary with a phone when the payer's report shows the month paid."),
    )  # fmt: skip
    approval_notices = models.BooleanField(
        _("tell the chair what awaits approval"), default=True,
        help_text=_("An email to the commune chair when a payment run or a poverty review awaits approval."),
    )  # fmt: skip
    committee_notices = models.BooleanField(
        _("tell the steering committee"), default=True,
        help_text=_("An email to the steering committee of a new complaint and of the posting dates."),
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune_id"]
        verbose_name = _("notice settings")
        verbose_name_plural = _("notice settings")

    def __str__(self) -> str:
        return str(self.commune)


class RateBucket(models.Model):
    """A token bucket per gateway (channel), shared by every worker: taking a token is one UPDATE
    that PostgreSQL serialises on the row, so two workers never take the same token."""

    gateway = models.CharField(max_length=40, primary_key=True)
    tokens = models.FloatField()
    refilled_at = models.DateTimeField()

    class Meta:
        verbose_name = _("rate limit bucket")
        verbose_name_plural = _("rate limit buckets")

    def __str__(self) -> str:
        return f"{self.gateway}: {self.tokens:.2f}"


class NoticeWatermark(BaseModel):
    """The outbox's bookmark: the last event id the notice dispatcher has read from one event table
    (``notifications/notices.py``). The every-minute dispatcher reads the rows after it, asks for
    their notices and moves it in the same transaction."""

    source = models.CharField(_("event source"), max_length=60, unique=True)
    last_event_id = models.BigIntegerField(_("last event read"), default=0)

    class Meta:
        ordering = ["source"]
        verbose_name = _("notice watermark")
        verbose_name_plural = _("notice watermarks")

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_event_id}"


# --- webhooks: outbound events for integrators (issue 18) -------------------------------------------


class WebhookKind(models.TextChoices):
    RUN_APPROVED = "run.approved", _("Payment run approved")
    RUN_RECONCILED = "run.reconciled", _("Payment run reconciled")
    CASE_DECIDED = "case.decided", _("Allowance case decided")
    HOUSEHOLD_CHANGED = "household.changed", _("Household changed")


def new_webhook_secret() -> str:
    """A signing secret as the Standard Webhooks libraries read it: ``whsec_`` + base64 of 32 bytes."""
    import base64
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(BaseModel):
    """An integrator's URL that receives the events of ``kinds`` in its admin units (a province, or
    communes), signed with ``secret`` (``notifications/webhooks.py``). Registered by an administrator;
    the secret is generated and shown once."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_webhook_secret, editable=False)
    kinds = ArrayField(models.CharField(max_length=30, choices=WebhookKind.choices), verbose_name=_("event kinds"))
    province = models.ForeignKey(
        "geography.Province", verbose_name=_("province"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    communes = models.ManyToManyField("geography.Commune", verbose_name=_("communes"), blank=True, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(BaseModel):
    """One event for one endpoint: queued once (unique per endpoint and event id), posted until a 2xx
    answer (then ``sent``) or ``WEBHOOK_MAX_ATTEMPTS`` attempts (then ``failed``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(_("event id"), max_length=80)
    kind = models.CharField(_("event kind"), max_length=30, choices=WebhookKind.choices)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(
        pgettext_lazy("webhook delivery", "status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # When the dispatcher last put its send task on the broker for the attempt now due (None: not yet).
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint}"
