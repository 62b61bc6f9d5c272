"""Scope-matrix rows of the notifications app's URLs (merged into tests/test_scope_matrix.py)."""

from tests.conftest import TAN_DONG
from tests.scope import LOGIN, OUT_OF_SCOPE, READ_ONLY_FORBIDDEN, Row

# The reminders of Tân Đông: reading follows scope; pausing, resuming and sending now are the
# officer's (scope first: 404, then the role: 403). A POST without a person is refused with a
# message and a redirect back to the page (302); "send now" with nothing due says so (302).
REMINDER_ACT = {"anonymous": LOGIN, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
COMMUNE = {"code": TAN_DONG}

ROWS: dict[str, Row] = {
    # A user of one commune goes straight to its reminders (302); of several, to the list of communes.
    "notifications:reminder_communes": Row(
        expect={
            "anonymous": LOGIN,
            "tandong_officer": 302,
            "tandong_committee": 302,
            "tandong_chair": 302,
            "binhminh_officer": 302,
            "hcm_province": 302,  # the test's Hồ Chí Minh City has one commune
        }
    ),
    "notifications:reminders": Row(kwargs=COMMUNE, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "notifications:reminder_pause": Row(kwargs=COMMUNE, method="post", default=302, expect=REMINDER_ACT),
    "notifications:reminder_resume": Row(kwargs=COMMUNE, method="post", default=302, expect=REMINDER_ACT),
    "notifications:reminder_send": Row(kwargs=COMMUNE, method="post", default=302, expect=REMINDER_ACT),
    # Every role lists the messages of its own communes (none of another's).
    "notifications:messages": Row(expect={"anonymous": LOGIN}),
    # A gateway's delivery reports: no user, the shared secret is the credential; without it
    # (none is configured in tests) every caller is refused.
    "notifications:delivery_report": Row(kwargs={"channel": "sms"}, method="post", default=403),
}


def add_targets(targets: dict, *, units, users) -> None:
    """The rows point at Tân Đông by its code: no object to add."""
