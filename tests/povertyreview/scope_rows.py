"""Scope-matrix rows of the poverty review's URLs added after the first wave (issue 15: the meeting
minutes' download); the app's older rows stay in tests/test_scope_matrix.py."""

from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from povertyreview.models import VillageMeeting
from tests.scope import LOGIN, OUT_OF_SCOPE, Row

MINUTES_FILE = "povertyreview/minutes/scope-matrix.pdf"

ROWS: dict[str, Row] = {
    # The survey import's XLSX template, checked as the import page is (issue 16).
    "povertyreview:import_template": Row(
        kwargs=lambda targets: {"campaign_id": targets["campaign"].pk},
        expect={"anonymous": LOGIN, **OUT_OF_SCOPE, "tayninh_province": 403},
    ),
    # Read access, like the meetings page that links it; always an attachment, never from /media/.
    "povertyreview:meeting_minutes": Row(
        kwargs=lambda targets: {"campaign_id": targets["campaign"].pk, "meeting_id": targets["meeting"].pk},
        expect={"anonymous": LOGIN, **OUT_OF_SCOPE},
    ),
}


def add_targets(targets: dict, *, units, users) -> None:
    """A village meeting of the Tân Đông review, with scanned minutes."""
    if not default_storage.exists(MINUTES_FILE):
        default_storage.save(MINUTES_FILE, ContentFile(b"%PDF-1.4 scope matrix minutes"))
    targets["meeting"] = VillageMeeting.objects.create(
        campaign=targets["campaign"], village=units.tan_dong_village, held_on=date(2025, 11, 5),
        chaired_by="Trưởng ấp", attendees=30, minutes=MINUTES_FILE, recorded_by=users["tandong_officer"],
    )  # fmt: skip
