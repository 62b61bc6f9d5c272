"""The review's printable documents: the public posting list (danh sách công khai) and the list
attached to the chair's recognition decision (QĐ 24/2021 Art. 4(4) and 4(6)).

Both are public documents, so the templates only ever receive ``PublicRow`` values: household
code, head's name, address and classes. A deprivation, an income, a health detail or a national ID
never reaches them.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from core.pdf import commune_header, render_pdf
from households.models import PovertyStatus
from povertyreview.models import Assessment, Campaign
from povertyreview.selectors import posting_list

Status = Campaign.Status
_STEPS = list(Status.values)
# The steps at which the list has been posted publicly and stays the posted one.
POSTED_STEPS = frozenset(_STEPS[_STEPS.index(Status.PUBLIC_POSTING) :])
LISTED = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)
ABOVE_NEAR_POOR = (PovertyStatus.MIDDLE_INCOME, PovertyStatus.NONE)


@dataclass(frozen=True)
class PublicRow:
    """What a public list may show of one household."""

    code: str
    head_name: str
    address: str
    previous: str  # PovertyStatus value
    proposed: str  # PovertyStatus value


@dataclass
class VillageGroup:
    village: str
    first_number: int = 1  # the number of its first row in a list numbered across villages
    rows: list[PublicRow] = field(default_factory=list)


@dataclass
class DecisionSection:
    """One list of the decision (poor, near-poor, escaped poverty, escaped near-poverty), by village;
    rows are numbered across the whole section."""

    key: str
    villages: list[VillageGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(group.rows) for group in self.villages)


def _public_row(assessment: Assessment) -> PublicRow:
    household = assessment.household
    village_name = assessment.village.name if assessment.village else ""
    return PublicRow(
        code=household.code,
        head_name=household.head.full_name if household.head else "",
        address=household.address or village_name,
        previous=assessment.previous_classification,
        proposed=assessment.classification,
    )


def posting_available(campaign: Campaign) -> bool:
    return campaign.status in POSTED_STEPS and campaign.posting_starts_on is not None


def decision_available(campaign: Campaign) -> bool:
    return campaign.status == Status.APPROVED and campaign.decision_date is not None


def _refuse(message: str):
    raise ValidationError({"status": [ValidationError(message, code="not_yet")]})


def posting_list_pdf(campaign: Campaign) -> bytes:
    """The public posting list: per village, the households the village meetings agreed to propose
    as poor, as near-poor, and those leaving both lists, with the posting dates and place."""
    if not posting_available(campaign):
        _refuse(_("The public list exists once the review has reached public posting."))
    with translation.override("vi"):  # the selector names the "no village" group
        groups = posting_list(campaign)
    villages = [
        {
            "village": group["village"],
            "sections": [
                (key, [_public_row(assessment) for assessment in group[key]])
                for key in ("poor", "near_poor", "escaping")
            ],
        }
        for group in groups
    ]
    for village in villages:
        village["counts"] = {key: len(rows) for key, rows in village["sections"]}
    totals = {key: sum(village["counts"][key] for village in villages) for key in ("poor", "near_poor", "escaping")}
    context = {
        "campaign": campaign,
        "header": commune_header(campaign.commune, on=campaign.posting_starts_on),
        "document_title": "DANH SÁCH CÔNG KHAI",
        "villages": villages,
        "totals": totals,
        "total": sum(totals.values()),
    }
    return render_pdf("povertyreview/pdf/posting_list.html", context)


def decision_sections(campaign: Campaign) -> tuple[list[DecisionSection], list[str]]:
    """The four lists the chair's decision recognises, from the surveyed households' final
    classification (what the approval wrote into the registry). A household poor before and
    near-poor now is on the near-poor list and on the escaped-poverty list, as in the decision.
    Also returns the villages in the lists' order."""
    sections = {key: DecisionSection(key) for key in ("poor", "near_poor", "escaped_poverty", "escaped_near_poverty")}
    assessments = (
        campaign.assessments.filter(surveyed_at__isnull=False)
        .filter(Q(classification__in=LISTED) | Q(previous_classification__in=LISTED))
        .select_related("household__head", "village")
        .order_by("village__name", "household__code")
    )
    with translation.override("vi"):
        no_village = _("No village")
    villages: dict[str, None] = {}
    for assessment in assessments:
        row = _public_row(assessment)
        keys = []
        if row.proposed in LISTED:
            keys.append(row.proposed)
        if row.previous == PovertyStatus.POOR and row.proposed != PovertyStatus.POOR:
            keys.append("escaped_poverty")
        if row.previous == PovertyStatus.NEAR_POOR and row.proposed in ABOVE_NEAR_POOR:
            keys.append("escaped_near_poverty")
        village = assessment.village.name if assessment.village else no_village
        villages[village] = None
        for key in keys:
            groups = sections[key].villages
            if not groups or groups[-1].village != village:
                groups.append(VillageGroup(village, first_number=sections[key].total + 1))
            groups[-1].rows.append(row)
    return list(sections.values()), list(villages)


def decision_list_pdf(campaign: Campaign) -> bytes:
    """The list attached to the chair's decision recognising poor, near-poor, escaped-poverty and
    escaped-near-poverty households, numbered, by village, with totals and the chair's signature."""
    if not decision_available(campaign):
        _refuse(_("The decision list exists once the chair has approved the review."))
    sections, village_names = decision_sections(campaign)
    summary = [
        {
            "village": name,
            "counts": [
                sum(len(group.rows) for group in section.villages if group.village == name) for section in sections
            ],
        }
        for name in village_names
    ]
    chair = campaign.approved_by
    context = {
        "campaign": campaign,
        "header": commune_header(campaign.commune, on=campaign.decision_date),
        "document_title": "DANH SÁCH",
        "sections": sections,
        "summary": summary,
        "summary_totals": [section.total for section in sections],
        # Vietnamese order, family name first: "Lê Minh Hùng" (User.get_full_name is "Minh Hùng Lê").
        "chair_name": " ".join(part for part in (chair.last_name, chair.first_name) if part) or chair.username,
    }
    return render_pdf("povertyreview/pdf/decision_list.html", context)


def posting_filename(campaign: Campaign) -> str:
    suffix = f" {campaign.household.code}" if campaign.household_id else ""
    return f"Danh sách công khai {campaign.commune.name} {campaign.year}{suffix}.pdf"


def decision_filename(campaign: Campaign) -> str:
    return f"Danh sách kèm quyết định {campaign.decision_number} {campaign.commune.name} {campaign.year}.pdf"
