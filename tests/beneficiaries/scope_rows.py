"""Scope-matrix rows of the beneficiaries app's URLs added after the first wave (merged into
tests/test_scope_matrix.py, which keeps the app's older rows)."""

from datetime import date

from beneficiaries.models import ImportBatch
from tests.scope import LOGIN, OUT_OF_SCOPE, Row


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
    "beneficiaries:import_batch": Row(kwargs=batch, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "beneficiaries:import_batch_confirm": Row(kwargs=batch, method="post", default=302, expect=BATCH_DECISION),
    "beneficiaries:import_batch_reject": Row(kwargs=batch, method="post", expect=BATCH_DECISION),
}


def add_targets(targets: dict, *, units, users) -> None:
    """Objects of Tân Đông the rows above point at: an empty import batch awaiting the chair."""
    targets["import_batch"] = ImportBatch.objects.create(
        commune=units.tan_dong, imported_by=users["tandong_officer"], month=date(2025, 11, 1), arrears_warn_months=3
    )
