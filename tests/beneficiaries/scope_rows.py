"""Scope-matrix rows of the beneficiaries app's URLs added after the first wave (merged into
tests/test_scope_matrix.py, which keeps the app's older rows)."""

from datetime import date

from beneficiaries.models import ImportBatch
from tests.households.factories import make_household
from tests.scope import LOGIN, NOT_EDITORS, OUT_OF_SCOPE, Row


def batch(targets):
    return {"batch_uuid": targets["import_batch"].uuid}


# Import batches (issue 14): reading follows scope; Confirm / Reject are the chair's (scope first,
# 404, then the role, 403). The target batch was imported by the Tân Đông officer: the chair's
# Confirm succeeds (a redirect back to the batch), a Reject without a reason shows the form again.
BATCH_DECISION = {
    "anonymous": LOGIN,
    **OUT_OF_SCOPE,
    "tandong_officer": 403,
    "tandong_committee": 403,
    "tayninh_province": 403,
    "admin": 403,
}

ROWS: dict[str, Row] = {
    "beneficiaries:import_batches": Row(expect={"anonymous": LOGIN}),
    # The import's XLSX template: whoever may import (issue 16).
    "beneficiaries:import_template": Row(expect={"anonymous": LOGIN, **NOT_EDITORS}),
    "beneficiaries:import_batch": Row(kwargs=batch, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "beneficiaries:import_batch_confirm": Row(kwargs=batch, method="post", default=302, expect=BATCH_DECISION),
    "beneficiaries:import_batch_reject": Row(kwargs=batch, method="post", expect=BATCH_DECISION),
}


def add_targets(targets: dict, *, units, users) -> None:
    """Objects of Tân Đông the rows above point at."""
    targets["import_batch"] = ImportBatch.objects.create(
        commune=units.tan_dong, imported_by=users["tandong_officer"], month=date(2025, 11, 1), arrears_warn_months=3
    )
    _change_request_targets(targets, units=units, users=users)
    _document_targets(targets, users=users)


# --- issue 14, maker-checker changes (views_changes.py, case_months, case_birth_date) ----------------
# ``active_case``: a decided case of Tân Đông (its months can be paid, so its changes are requests);
# ``change_request``: a pending request on it made by the Tân Đông officer. Proposing a change is
# the officer's or the chair's; approving and rejecting a chair's who did not make it (the target's
# maker is the officer: the chair's POST succeeds and redirects); withdrawing its maker's. Scope
# first (404), then the role (403).
CASE_CHANGE = {"anonymous": LOGIN, **OUT_OF_SCOPE, "tandong_committee": 403, "tayninh_province": 403}
CHANGE_DECISION = {"anonymous": LOGIN, **OUT_OF_SCOPE, "tandong_chair": 302}
CHANGE_WITHDRAW = {"anonymous": LOGIN, **OUT_OF_SCOPE, "tandong_officer": 302}


def active_case(targets):
    return {"case_uuid": targets["active_case"].uuid}


def _change_request(targets):
    return {"request_uuid": targets["change_request"].uuid}


ROWS |= {
    "beneficiaries:months": Row(kwargs=active_case, expect=CASE_CHANGE),
    "beneficiaries:birth_date": Row(kwargs=active_case, expect=CASE_CHANGE),
    "beneficiaries:changes": Row(expect={"anonymous": LOGIN}),  # a list: every role sees its own communes'
    "beneficiaries:change_detail": Row(kwargs=_change_request, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "beneficiaries:change_approve": Row(kwargs=_change_request, method="post", default=403, expect=CHANGE_DECISION),
    # Without a reason the chair's rejection is refused with a message, then back to the request.
    "beneficiaries:change_reject": Row(kwargs=_change_request, method="post", default=403, expect=CHANGE_DECISION),
    "beneficiaries:change_withdraw": Row(kwargs=_change_request, method="post", default=403, expect=CHANGE_WITHDRAW),
}


def _change_request_targets(targets: dict, *, units, users) -> None:
    from beneficiaries import changes, services
    from beneficiaries.services import CategoryChoice, PaymentDetails

    officer, chair = users["tandong_officer"], users["tandong_chair"]
    person = make_household(
        units.tan_dong,
        units.tan_dong_village,
        code="TD-SCOPE-CHG",
        members=(("Võ Thị Tư", "F", date(1940, 2, 2), "head"),),
    ).head
    case = services.case_apply(
        person=person, commune=units.tan_dong, categories=[CategoryChoice("5.5c")], applied_on=date(2025, 11, 1),
        payment=PaymentDetails(method="cash"), acting_user=officer,
    )  # fmt: skip
    confirmed = [text for row in case.categories.select_related("category") for text in row.category.declarations]
    services.case_verify(case=case, confirmed=confirmed, acting_user=officer)
    case = services.case_decide(case=case, decision_number="9/QĐ", decision_date=date(2025, 11, 20), acting_user=chair)
    targets["active_case"] = case
    targets["change_request"] = changes.change_request_create(
        case=case, kind="payment", reason="Mở tài khoản", acting_user=officer,
        proposal=PaymentDetails(method="bank", bank_bin="970436", account_number="0123456789", account_name="VO THI TU"),
    )  # fmt: skip


# --- issue 15, safe files: a case's document is served by a view that checks the case's scope ------
# (read access, like the case page that lists it), always as an attachment, never from /media/.
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

DOCUMENT_FILE = "beneficiaries/documents/scope-matrix.pdf"

ROWS |= {
    "beneficiaries:document_file": Row(
        kwargs=lambda targets: {"case_uuid": targets["case"].uuid, "document_id": targets["document"].pk},
        expect={"anonymous": LOGIN, **OUT_OF_SCOPE},
    ),
}


def _document_targets(targets: dict, *, users) -> None:
    """A document of the target case, with a file."""
    from beneficiaries.models import Document

    if not default_storage.exists(DOCUMENT_FILE):
        default_storage.save(DOCUMENT_FILE, ContentFile(b"%PDF-1.4 scope matrix"))
    targets["document"] = Document.objects.create(
        case=targets["case"], title="Đơn đề nghị", file=DOCUMENT_FILE, uploaded_by=users["tandong_officer"]
    )
