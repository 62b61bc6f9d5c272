"""Scope-matrix rows of the households app's URLs added after the first wave (merged into
tests/test_scope_matrix.py, which keeps the app's older rows).

Transfers have two sides: both read the request, only the receiving commune's officer answers it
(accept, reject) and only the sending commune's cancels it. ``transfer_out`` goes from Tân Đông
to Phường Bến Thành (Hồ Chí Minh), ``transfer_in`` from Bến Thành to Tân Đông, so the Hồ Chí Minh
viewer is on the other side of each (it reads them; it acts on neither), and Bình Minh on neither.
"""

from datetime import date

from tests.households.factories import make_household
from tests.scope import LOGIN, NOT_EDITORS, Row

# Scope first (404: Bình Minh is on neither side), then the side and the role (403).
NOT_THIS_SIDE = {
    "binhminh_officer": 404,
    "tandong_committee": 403,
    "tandong_chair": 403,
    "tayninh_province": 403,
    "hcm_province": 403,
}


def transfer_out(targets):
    return {"transfer_uuid": targets["transfer_out"].uuid}


def transfer_in(targets):
    return {"transfer_uuid": targets["transfer_in"].uuid}


ROWS: dict[str, Row] = {
    # The import's XLSX template: whoever may import (issue 16).
    "households:import_template": Row(expect={"anonymous": LOGIN, **NOT_EDITORS}),
    "households:transfer_detail": Row(kwargs=transfer_out, expect={"anonymous": LOGIN, "binhminh_officer": 404}),
    "households:transfer_accept": Row(kwargs=transfer_in, expect={"anonymous": LOGIN, **NOT_THIS_SIDE}),
    # POST without a reason: refused with a message, back to the transfer's page.
    "households:transfer_reject": Row(kwargs=transfer_in, method="post", default=302, expect=NOT_THIS_SIDE),
    # POST (the reason is optional): cancelled, back to the transfer's page.
    "households:transfer_cancel": Row(kwargs=transfer_out, method="post", default=302, expect=NOT_THIS_SIDE),
}


def add_targets(targets: dict, *, units, users) -> None:
    """A pending transfer out of Tân Đông and one into it."""
    from households.models import Transfer

    leaving = make_household(units.tan_dong, units.tan_dong_village, code="TD-MOVE")
    targets["transfer_out"] = Transfer.objects.create(
        kind=Transfer.Kind.HOUSEHOLD, household=leaving, household_code=leaving.code, from_commune=units.tan_dong,
        to_commune=units.other_commune, moved_on=date(2025, 10, 1), reason="chuyển nơi ở",
    )  # fmt: skip
    arriving = make_household(units.other_commune, None, code="BT-MOVE")
    targets["transfer_in"] = Transfer.objects.create(
        kind=Transfer.Kind.HOUSEHOLD, household=arriving, household_code=arriving.code,
        from_commune=units.other_commune, to_commune=units.tan_dong, moved_on=date(2025, 10, 1),
        reason="chuyển nơi ở",
    )  # fmt: skip
