"""Scope-matrix rows of the disbursements app's URLs added after the first wave (merged into
tests/test_scope_matrix.py, which keeps the app's older rows)."""

from tests.scope import LOGIN, OUT_OF_SCOPE, READ_ONLY_FORBIDDEN, Row


def _run(targets) -> dict:
    return {"run_id": targets["run"].pk}


ROWS: dict[str, Row] = {
    # Sending a run to the payer (issue 14): a POST only, the officer's act; scope first (404), then
    # the role (403). The target run is computed, not approved: the officer (and the administrator)
    # are sent back to the run page with the refusal (302), nothing changed.
    "disbursements:send": Row(
        kwargs=_run, method="post", default=302, expect={"anonymous": LOGIN, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
    ),
}


def add_targets(targets: dict, *, units, users) -> None:
    """Objects of Tân Đông the rows above point at (the matrix's own computed run)."""
