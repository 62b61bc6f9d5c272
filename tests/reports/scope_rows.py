"""Scope-matrix rows of the reports app's URLs (merged into tests/test_scope_matrix.py)."""

from tests.scope import LOGIN, OUT_OF_SCOPE, Row

# --- dashboards (issue 8, part 1) -----------------------------------------------------------------
# The reports' home sends every user to their dashboard (302): officers to their commune's, a viewer
# of one province to the province's; the administrator chooses a province (200). A commune's
# dashboard follows the commune's scope; a province's is for provincial viewers and administrators:
# out of scope 404 (the Hồ Chí Minh viewer), in scope but another role 403 (the commune staff).
PROVINCE_READ = {
    "anonymous": LOGIN,
    "tandong_officer": 403,
    "tandong_committee": 403,
    "tandong_chair": 403,
    "binhminh_officer": 403,
    "hcm_province": 404,
}
ROWS: dict[str, Row] = {
    "reports:home": Row(default=302, expect={"admin": 200}),
    "reports:commune": Row(kwargs={"code": "25522"}, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "reports:province": Row(kwargs={"code": "80"}, expect=PROVINCE_READ),
}


def add_targets(targets: dict, *, units, users) -> None:
    """The dashboards point at admin units only (the fixture's communes and provinces)."""


# --- official tables and their exports (issue 8, part 2) ------------------------------------------
# Kept below the dashboards' rows and merged into ROWS; add_targets is wrapped so that the rows above
# keep their own targets. A table of Tân Đông: in scope for its staff, the Tây Ninh viewer and the
# administrator; 404 for the Bình Minh officer and the Hồ Chí Minh viewer. An export job is its
# owner's only: every other user gets 404, whatever their scope.

from tests.scope import LOGIN, OUT_OF_SCOPE  # noqa: E402

TABLE_READ = {"anonymous": LOGIN, **OUT_OF_SCOPE}
TABLE_ROWS: dict[str, Row] = {
    "reports:tables": Row(expect={"anonymous": LOGIN}),
    "reports:table_poverty": Row(query={"commune": "25522", "year": "2024"}, expect=TABLE_READ),
    "reports:table_allowances": Row(query={"commune": "25522", "year": "2026", "half": "2"}, expect=TABLE_READ),
    "reports:table_payments": Row(
        query={"commune": "25522", "month_from": "2026-07", "month_to": "2026-08"}, expect=TABLE_READ
    ),
    "reports:table_export": Row(
        method="post", query={"table": "payments", "format": "xlsx", "commune": "25522"}, expect=TABLE_READ
    ),
    "reports:exports": Row(expect={"anonymous": LOGIN}),
    "reports:export_download": Row(
        kwargs=lambda targets: {"job_uuid": targets["export_job"].uuid},
        default=404,
        expect={"anonymous": LOGIN, "tandong_officer": 200},
    ),
}
ROWS.update(TABLE_ROWS)

_dashboard_add_targets = add_targets


def add_table_targets(targets: dict, *, units, users) -> None:
    """A finished export job of Tân Đông's officer; its file is written once, under a fixed name, in
    the default storage (every row of the matrix points at the same small file)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from reports.models import ExportJob

    name = "reports/exports/scope-matrix.xlsx"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"PK"))
    targets["export_job"] = ExportJob.objects.create(
        owner=users["tandong_officer"], table="payments", file_format="xlsx", commune=units.tan_dong,
        parameters={"month_from": "2026-07", "month_to": "2026-07"}, status=ExportJob.Status.DONE, progress=100,
        file=name, filename="payments.xlsx",
    )  # fmt: skip


def add_targets(targets: dict, *, units, users) -> None:  # wraps the dashboards' add_targets above
    _dashboard_add_targets(targets, units=units, users=users)
    add_table_targets(targets, units=units, users=users)
