"""What every scope-matrix row is made of, shared by ``tests/test_scope_matrix.py`` and the rows each
app keeps beside its own tests (``tests/<app>/scope_rows.py``: ``ROWS`` and ``add_targets``)."""

from collections.abc import Callable
from dataclasses import dataclass, field

LOGIN = 302  # anonymous users are sent to the login page


@dataclass
class Row:
    # URL kwargs; a callable receives the `targets` fixture (objects of Tân Đông).
    kwargs: dict | Callable = field(default_factory=dict)
    query: dict | Callable = field(default_factory=dict)
    # role -> expected status for GET; roles not listed expect `default`.
    expect: dict = field(default_factory=dict)
    default: int = 200
    method: str = "get"


OUT_OF_SCOPE = {"binhminh_officer": 404, "hcm_province": 404}
READ_ONLY_FORBIDDEN = {"tandong_committee": 403, "tandong_chair": 403, "tayninh_province": 403}
# Registry edits: scope is checked first (404), then the role (403).
EDIT = {"anonymous": LOGIN, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
NOT_EDITORS = {"tandong_committee": 403, "tandong_chair": 403, "tayninh_province": 403, "hcm_province": 403}
