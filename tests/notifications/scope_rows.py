"""Scope-matrix rows of the notifications app's URLs (merged into tests/test_scope_matrix.py)."""

from tests.scope import Row

ROWS: dict[str, Row] = {}


def add_targets(targets: dict, *, units, users) -> None:
    """Add the notifications objects the rows point at (objects of Tân Đông) to ``targets``."""
