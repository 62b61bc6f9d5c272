"""Scope-matrix rows of the reports app's URLs (merged into tests/test_scope_matrix.py)."""

from tests.scope import Row

ROWS: dict[str, Row] = {}


def add_targets(targets: dict, *, units, users) -> None:
    """Add the reports objects the rows point at (objects of Tân Đông) to ``targets``."""
