"""Scope-matrix rows of the privacy app's URLs (merged into tests/test_scope_matrix.py)."""

from tests.scope import LOGIN, Row

# The access log and the data-subject report: the administrator only; every other role is refused
# whatever its scope (403), since the log names which staff looked at whom.
ADMINISTRATOR_ONLY = {"anonymous": LOGIN, "admin": 200}

ROWS: dict[str, Row] = {
    "privacy:access_log": Row(default=403, expect=ADMINISTRATOR_ONLY),
    "privacy:subject_report": Row(default=403, expect=ADMINISTRATOR_ONLY),
}


def add_targets(targets: dict, *, units, users) -> None:
    """The rows need no object."""
