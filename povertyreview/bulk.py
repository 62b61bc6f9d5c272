"""The review's set-based writes, for the import of a survey file (``povertyreview.importing``).

The importer reads and checks the file; ``assessments_import`` then writes its assessments with COPY
and one UPDATE … FROM (``core.bulk``), and their review events through ``core.audit``, the one writer
of set-based history and events.
"""

from dataclasses import dataclass

from django.utils import timezone

from core.audit import write_events
from core.bulk import complete_rows, copy_insert, copy_update_rows
from povertyreview.models import Assessment, Campaign, ReviewEvent

LISTED_REASON = "imported"


@dataclass
class SurveyLine:
    """One checked line of a survey file, as the writer takes it."""

    row: int
    commune_code: str
    code: str
    campaign: Campaign
    household_id: int
    village_id: int | None
    area: str
    members: int | None
    income: int
    deprived: list[str]
    classification: str
    assessment_id: int | None  # None: not on the campaign's list yet
    old_classification: str  # "" when not surveyed before
    previous_classification: str  # the status of the campaign's year (for a newly listed household)


_UPDATED_FIELDS = [
    "area",
    "members",
    "household_income",
    "income_per_capita",
    "deprived",
    "prefilled",
    "deprivation_count",
    "classification",
    "surveyed_at",
    "assessed_by",
    "updated_at",
]


def assessments_import(lines: list[SurveyLine], *, acting_user) -> None:
    """Write a checked survey file's lines (``povertyreview.importing``) in the caller's transaction:
    an assessment for each household not yet on its campaign's list (COPY), the survey fields of
    those already on it (one UPDATE … FROM), and one ``imported`` review event per line
    (``core.audit``)."""
    now = timezone.now()
    new = [
        {
            "campaign_id": line.campaign.pk,
            "household_id": line.household_id,
            "village_id": line.village_id,
            "listed_reason": LISTED_REASON,
            "previous_classification": line.previous_classification,
            "area": line.area,
            "members": line.members,
            "household_income": None,
            "income_per_capita": line.income,
            "deprived": line.deprived,
            "prefilled": [],
            "deprivation_count": len(line.deprived),
            "classification": line.classification,
            "surveyed_at": now,
            "assessed_by_id": acting_user.pk,
        }
        for line in lines
        if line.assessment_id is None
    ]
    copy_insert(Assessment, complete_rows(Assessment, new, now=now))
    changed = [
        [line.assessment_id, line.area, line.members, None, line.income, line.deprived, [], len(line.deprived),
         line.classification, now, acting_user.pk, now]
        for line in lines
        if line.assessment_id is not None
    ]  # fmt: skip
    _update_assessments(changed)
    # The figures, not a sentence: ``StandardRules.explain`` gives the sentence in the reader's
    # language when the event is shown (and costs a third of the import if written 100,000 times).
    events = [
        {
            "campaign_id": line.campaign.pk,
            "household_id": line.household_id,
            "kind": ReviewEvent.Kind.IMPORTED.value,
            "actor_id": acting_user.pk,
            "data": {
                "line": line.row,
                "listed": line.assessment_id is None,
                "classification": line.classification,
                "previous": line.old_classification,
                "area": line.area,
                "income_per_capita": line.income,
                "deprived": line.deprived,
            },
        }
        for line in lines
    ]
    write_events(ReviewEvent, events, now=now)


def _update_assessments(rows: list[list]) -> None:
    """UPDATE the survey fields of assessments from plain rows (``core.bulk.copy_update_rows``:
    COPY into a temporary table, then one UPDATE … FROM)."""
    if rows:
        fields = [Assessment._meta.pk, *(Assessment._meta.get_field(name) for name in _UPDATED_FIELDS)]
        copy_update_rows(Assessment, fields, rows)
