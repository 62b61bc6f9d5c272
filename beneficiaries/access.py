"""The only doors to allowance cases and import batches: out of scope and missing are the same 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from beneficiaries.models import Case, ChangeRequest, Document, ImportBatch
from geography.scoping import scope_to_user


def access_case_by_uuid(user, case_uuid, *, for_edit: bool = False, for_decision: bool = False) -> Case:
    """A case of one of the user's communes. ``for_edit``: the officer's acts (verify, payment,
    documents, health card); ``for_decision``: the chair's (decide, refuse, suspend, …). Scope is
    checked first (404), then the role (403); the service checks both again when it writes."""
    case = (
        scope_to_user(Case.objects.all(), user)
        .select_related(
            "person", "commune__province", "prepared_by", "verified_by", "decided_by", "transferred_from__commune"
        )
        .filter(uuid=case_uuid)
        .first()
    )
    if case is None:
        raise Http404("case")
    if for_edit and not user.can_manage_registry:
        raise PermissionDenied
    if for_decision and not user.can_sign_decisions:
        raise PermissionDenied
    return case


def access_document(user, case_uuid, document_id: int) -> Document:
    """A document of a case of one of the user's communes, for whoever may see the case (404 otherwise)."""
    document = (
        scope_to_user(Document.objects.all(), user, commune_field="case__commune")
        .filter(case__uuid=case_uuid, pk=document_id)
        .select_related("case")
        .first()
    )
    if document is None:
        raise Http404("document")
    return document


def access_change_request_by_uuid(user, request_uuid) -> ChangeRequest:
    """A change request of a case of one of the user's communes (404 otherwise). What the user may
    do with it is ``changes.change_request_actions``; the services check it again."""
    change = (
        scope_to_user(ChangeRequest.objects.all(), user, commune_field="case__commune")
        .select_related("case__person", "case__commune", "requested_by", "decided_by")
        .filter(uuid=request_uuid)
        .first()
    )
    if change is None:
        raise Http404("change request")
    return change


def access_import_batch_by_uuid(user, batch_uuid, *, for_decision: bool = False) -> ImportBatch:
    """An import batch of one of the user's communes. ``for_decision``: confirming or rejecting it
    (the commune chair's). Scope first (404), then the role (403); the service checks both again,
    and that the chair is not the person who imported it."""
    batch = (
        scope_to_user(ImportBatch.objects.all(), user)
        .select_related("commune", "imported_by", "decided_by")
        .filter(uuid=batch_uuid)
        .first()
    )
    if batch is None:
        raise Http404("import batch")
    if for_decision and not user.can_sign_decisions:
        raise PermissionDenied
    return batch
