"""The record of every look at a person's sensitive data (Law 91/2025/QH15, Decree 13/2023 Art. 27:
a record of processing, and the data subject's right to know who processed their data).

One row per request, whatever the number of persons shown: a list page names the persons of the page
in one array. Persons are named by id (``households.Person``'s primary key) without a foreign key:
this app sits below households, and a record outlives the person it names until its retention ends.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessRecord(models.Model):
    """Who saw which persons' data, when, through which door and why. Written once, never changed (no
    ``updated_at``: hence not a ``core.BaseModel``); deleted by the retention task only."""

    class Purpose(models.TextChoices):
        PAGE = "page", _("Page")
        FRAGMENT = "fragment", _("Page fragment")
        SEARCH = "search", _("Search")
        EXPORT = "export", _("Export")
        PRINT = "print", _("Print")
        API = "api", _("API")
        CLI = "cli", _("Command line")

    # PROTECT: who processed the data must stay known; staff who leave are deactivated, not deleted.
    # Null only for a command run outside any account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (user, accessed_at) index serves "by user"
    )
    accessed_at = models.DateTimeField(_("when"), default=timezone.now)
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    # The URL name (e.g. "households:detail"), or the command's name.
    what = models.CharField(_("what"), max_length=200)
    person_ids = ArrayField(models.BigIntegerField(), verbose_name=_("persons"), default=list, blank=True)
    commune_ids = ArrayField(models.CharField(max_length=5), verbose_name=_("communes"), default=list, blank=True)
    # Exports and searches: how many rows the file or the answer held, and the filter that chose them.
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)
    filters = models.JSONField(_("filters"), null=True, blank=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [
            # "Who saw person X": person_ids @> ARRAY[X].
            GinIndex(fields=["person_ids"], name="access_person_ids"),
            # The log page by date and by user; the retention task's range delete.
            models.Index(fields=["accessed_at"], name="access_accessed_at"),
            models.Index(fields=["user", "accessed_at"], name="access_user_accessed_at"),
            # The files that name nobody by id (exports: count and filter), few beside the pages:
            # "who saw X" adds those of X's communes.
            models.Index(fields=["accessed_at"], name="access_unnamed", condition=models.Q(person_ids=[])),
        ]

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.user_id} {self.purpose} {self.what}"
