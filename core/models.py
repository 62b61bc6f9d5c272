from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain table records when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class DomainEvent(models.Model):
    """Base for an app's workflow-event rows: who did what, when, and why.

    Each app defines a concrete subclass with a foreign key to its subject (see
    ``geography.VillageEvent``) and its own ``Kind`` choices. Events are written by services in the
    same transaction as the change they describe, and never updated afterwards.
    """

    kind = models.CharField(_("event kind"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-occurred_at", "-id"]


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task; /healthz and the admin read it."""

    hostname = models.CharField(max_length=255, unique=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["hostname"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeat")

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
