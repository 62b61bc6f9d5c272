"""The writes of import batches (issue 14): an imported allowance list takes effect only when the
commune chair, never the person who imported it, confirms it; rejecting it writes nothing to cases.

Importing itself (``beneficiaries.importing.import_beneficiaries``) only stores the batch. These
services follow the house's rules: keyword-only, the role, the scope and the status checked (a
``PermissionDenied`` with a message for the wrong person, a ``ValidationError`` for the wrong state),
and the batch's decision (who, when, why) written in the same transaction as what it decides.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.importing import write_batch
from beneficiaries.models import ImportBatch
from geography.scoping import in_scope


def _lock(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_for_update().select_related("commune", "imported_by").get(pk=batch.pk)


def _require_chair(batch: ImportBatch, acting_user) -> None:
    """The chair of the batch's commune, and not the person who imported it (even if they are a
    chair now): maker-checker, as for a case's decision."""
    if not acting_user.can_sign_decisions:
        raise PermissionDenied(_("Only the commune chair confirms or rejects an imported list."))
    if not in_scope(acting_user, batch.commune_id):
        raise PermissionDenied(_("This list is not of one of your communes."))
    if acting_user.pk == batch.imported_by_id:
        raise PermissionDenied(_("You imported this list; another person, the commune chair, must confirm it."))


def _require_awaiting(batch: ImportBatch) -> None:
    if batch.status != ImportBatch.Status.AWAITING:
        raise ValidationError(
            {"status": _("The list is “%(status)s”; it can no longer be confirmed or rejected.")
             % {"status": batch.get_status_display()}}
        )  # fmt: skip


@transaction.atomic(durable=True)
def import_batch_confirm(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """Write the whole list: new cases active with ``acting_user`` as their decider, changed cases
    updated, each with its events. Refused, with nothing written and the batch still awaiting, when
    anything it relies on changed since it was imported (``ValidationError`` naming each line): the
    chair then rejects it and the officer imports the list again."""
    batch = _lock(batch)
    _require_chair(batch, acting_user)
    _require_awaiting(batch)
    try:
        with transaction.atomic():
            write_batch(batch, acting_user=acting_user)
    except IntegrityError as error:
        # A case was filed for one of these persons while we wrote (the open-case index said no).
        raise ValidationError(
            _("The cases changed while the list was being confirmed; nothing was written.")
        ) from error
    batch.status = ImportBatch.Status.CONFIRMED
    batch.decided_by = acting_user
    batch.decided_at = timezone.now()
    batch.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return batch


@transaction.atomic
def import_batch_reject(*, batch: ImportBatch, reason: str, acting_user) -> ImportBatch:
    """Refuse the whole list, in writing with the reason; no case, category or person is touched."""
    batch = _lock(batch)
    _require_chair(batch, acting_user)
    _require_awaiting(batch)
    if not reason.strip():
        raise ValidationError({"reason": _("is required")})
    batch.status = ImportBatch.Status.REJECTED
    batch.decided_by = acting_user
    batch.decided_at = timezone.now()
    batch.rejection_reason = reason.strip()
    batch.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason", "updated_at"])
    return batch
