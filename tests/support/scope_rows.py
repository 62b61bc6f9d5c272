"""Scope-matrix rows of the support app's URLs (merged into tests/test_scope_matrix.py).

Reading follows scope (the commune's officer, committee and chair, the province's viewer, the
administrator); writing is the registry role's (the commune officer, the administrator). Scope is
checked first (404), then the role (403). Donors are registered per province, so the Bình Minh
officer (same province) keeps Tân Đông's donor too; the Hồ Chí Minh viewer does not see it.
"""

from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from support import services
from support.models import Donor, Evidence, Kind
from support.services import FundingLine, LivelihoodDetails, LoanDetails, RecipientFilter
from tests.scope import EDIT, LOGIN, NOT_EDITORS, OUT_OF_SCOPE, READ_ONLY_FORBIDDEN, Row

READ = {"anonymous": LOGIN, **OUT_OF_SCOPE}
# One small file shared by every run (saved once): the evidence rows need a file to serve.
EVIDENCE_FILE = "support/evidence/scope-matrix.txt"


def _programme(targets, name="gift_programme"):
    return {"programme_id": targets[name].pk}


def _record(name):
    return lambda targets: {"record_uuid": targets[name].uuid}


def _distribution(targets):
    return {"distribution_id": targets["distribution"].pk}


ROWS: dict[str, Row] = {
    "support:list": Row(expect={"anonymous": LOGIN}),
    "support:programme_new": Row(expect={"anonymous": LOGIN, **NOT_EDITORS}),
    "support:programme": Row(kwargs=_programme, expect=READ),
    "support:programme_edit": Row(kwargs=_programme, expect=EDIT),
    "support:donors": Row(expect={"anonymous": LOGIN}),
    "support:donor_new": Row(expect={"anonymous": LOGIN, **NOT_EDITORS}),
    "support:donor_edit": Row(
        kwargs=lambda targets: {"donor_id": targets["donor"].pk},
        expect={"anonymous": LOGIN, "hcm_province": 404, **READ_ONLY_FORBIDDEN},
    ),
    "support:records": Row(expect={"anonymous": LOGIN}),
    "support:record_new": Row(
        query=lambda targets: {"programme": targets["gift_programme"].pk, "household": targets["household"].uuid},
        expect=EDIT,
    ),
    "support:record": Row(kwargs=_record("planned_record"), expect=READ),
    "support:record_deliver": Row(kwargs=_record("planned_record"), expect=EDIT),
    "support:record_cancel": Row(kwargs=_record("planned_record"), expect=EDIT),
    "support:record_evidence": Row(kwargs=_record("planned_record"), expect=EDIT),
    "support:record_evidence_file": Row(
        kwargs=lambda targets: {
            "record_uuid": targets["planned_record"].uuid,
            "evidence_id": targets["record_evidence"].pk,
        },
        expect=READ,
    ),  # fmt: skip
    "support:record_visit": Row(kwargs=_record("livelihood_record"), expect=EDIT),
    "support:loan_balance": Row(kwargs=_record("loan_record"), expect=EDIT),
    "support:distribution_new": Row(kwargs=_programme, expect=EDIT),
    "support:distribution": Row(kwargs=_distribution, expect=READ),
    "support:distribution_recipients": Row(kwargs=_distribution, expect=EDIT),
    "support:distribution_remove": Row(
        kwargs=lambda targets: {**_distribution(targets), "record_id": targets["recipient"].pk}, expect=EDIT
    ),
    # POST only; an empty POST shows the distribution page again with what is missing (200).
    "support:distribution_deliver": Row(kwargs=_distribution, method="post", expect=EDIT),
    "support:distribution_close": Row(kwargs=_distribution, expect=EDIT),
    "support:distribution_evidence": Row(kwargs=_distribution, expect=EDIT),
    "support:distribution_evidence_file": Row(
        kwargs=lambda targets: {**_distribution(targets), "evidence_id": targets["distribution_evidence"].pk},
        expect=READ,
    ),
    "support:distribution_receipts": Row(kwargs=_distribution, expect=READ),
    "support:worklist": Row(expect={"anonymous": LOGIN}),
    "support:totals": Row(expect={"anonymous": LOGIN}),
}


def add_targets(targets: dict, *, units, users) -> None:
    """Add the support objects the rows point at (objects of Tân Đông) to ``targets``: a donor of
    Tây Ninh; a gift programme with a planned record (with a photo) and a distribution listing the
    target household (with its signed list); a delivered livelihood model; a loan."""
    officer, household = users["tandong_officer"], targets["household"]
    today = timezone.localdate()
    donor = services.donor_save(province=units.tay_ninh, name="Công ty Mía đường", kind=Donor.DonorKind.BUSINESS,
                                acting_user=officer)  # fmt: skip

    def programme(kind, name):
        return services.programme_create(
            commune=units.tan_dong, kind=kind, name=name, year=today.year, acting_user=officer,
            fundings=[FundingLine(source="fund_for_poor", amount_vnd=50_000_000),
                      FundingLine(source="donor", amount_vnd=50_000_000, donor=donor)],
        )  # fmt: skip

    gifts = programme(Kind.GIFT, "Quà Tết")
    planned = services.record_create(programme=gifts, household=household, planned_on=today, value_vnd=500_000,
                                     acting_user=officer)  # fmt: skip
    distribution = services.distribution_create(programme=gifts, name="Quà Tết ấp Đông Hà", planned_on=today,
                                                unit_value_vnd=500_000, acting_user=officer)  # fmt: skip
    services.distribution_add_recipients(
        distribution=distribution, criteria=RecipientFilter(year=today.year, village_id=units.tan_dong_village.pk),
        acting_user=officer,
    )  # fmt: skip
    livelihood = services.record_create(
        programme=programme(Kind.LIVELIHOOD, "Bò giống"), household=household, planned_on=today, value_vnd=30_000_000,
        delivered_on=today, details=LivelihoodDetails(asset="bò cái", quantity=2), acting_user=officer,
    )  # fmt: skip
    loan = services.record_create(
        programme=programme(Kind.LOAN, "Vay hộ nghèo"), household=household, planned_on=date(2024, 3, 1),
        value_vnd=50_000_000, delivered_on=date(2024, 3, 1), acting_user=officer,
        details=LoanDetails(contract_number="TD-0001", loan_programme="Cho vay hộ nghèo", disbursed_on=date(2024, 3, 1),
                            term_months=60, outstanding_vnd=40_000_000, balance_on=date(2025, 1, 1)),
    )  # fmt: skip
    if not default_storage.exists(EVIDENCE_FILE):
        default_storage.save(EVIDENCE_FILE, ContentFile(b"scope matrix evidence"))
    targets.update(
        donor=donor,
        gift_programme=gifts,
        planned_record=planned,
        distribution=distribution,
        recipient=distribution.records.get(household=household),
        livelihood_record=livelihood,
        loan_record=loan,
        record_evidence=Evidence.objects.create(record=planned, kind="photo", title="Ảnh", file=EVIDENCE_FILE,
                                                uploaded_by=officer),
        distribution_evidence=Evidence.objects.create(distribution=distribution, kind="receipt", title="Danh sách",
                                                      file=EVIDENCE_FILE, uploaded_by=officer),
    )  # fmt: skip


# --- The bank's loan-list import (support/urls_io.py; kept by the import's author) ---------------
# Scope first (a commune out of scope is 404), then the role: only who keeps the registry imports.
from tests.scope import EDIT as _IMPORT_EDIT  # noqa: E402

IMPORT_ROWS: dict[str, Row] = {
    "support:loans_import": Row(kwargs={"commune_code": "25522"}, expect=_IMPORT_EDIT),
    # Its XLSX template, checked as the import page is (issue 16).
    "support:loans_import_template": Row(kwargs={"commune_code": "25522"}, expect=_IMPORT_EDIT),
}
ROWS.update(IMPORT_ROWS)
