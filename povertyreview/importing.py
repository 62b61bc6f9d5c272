"""Poverty survey import (rules.md §4.4): one line per household per review year.

The whole file lands or nothing does. Every line is checked first, in Python, against data read
with a fixed number of queries per 10,000 lines (the households the file names, their assessment
in the campaign and their status of the campaign's year, in one query per chunk); the report then
names every bad line, column and reason. Classification is the standard's pure arithmetic
(``povertyreview.classification``), computed per line. A clean file is written set-based in one
transaction by ``povertyreview.bulk.assessments_import``: COPY for the households listed by the
import and for the events, COPY into a temporary table and one UPDATE … FROM for the assessments
already on the list.
"""

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core.bulk import cyclic_gc_paused
from core.tabular import RowErrors, read_table, split_table
from geography.models import Commune
from geography.scoping import commune_codes_for_user
from households import sql as registry
from households.importing import RowError
from households.models import PovertyStatus
from povertyreview.bulk import SurveyLine, assessments_import
from povertyreview.classification import StandardRules, classify, rules_for
from povertyreview.models import Assessment, Campaign, Indicator
from povertyreview.services import survey_problems

__all__ = ["COLUMNS", "RowError", "SurveyChange", "SurveyFile", "SurveyReport", "import_survey", "read_survey"]

BASE_COLUMNS = ["household_code", "commune_code", "area", "members", "income_per_capita_vnd"]
# The indicator columns of §4.4 (the 2022–2025 standard). A campaign under another standard needs
# that standard's indicators as columns; a §4.4 indicator it does not count may stay in the file.
FILE_INDICATORS = [
    "employment",
    "dependants",
    "nutrition",
    "health_insurance",
    "adult_education",
    "school_attendance",
    "housing_quality",
    "housing_area",
    "water",
    "latrine",
    "telecom",
    "information_assets",
]
COLUMNS = BASE_COLUMNS + FILE_INDICATORS
LOOKUP_CHUNK = 10_000
MAX_INCOME = 2_147_483_647  # Assessment.income_per_capita is a PostgreSQL integer
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
_INDICATOR_VALUES = frozenset(("", "0", "1"))
# survey_problems() field -> the file's column
_PROBLEM_COLUMNS = {
    "area": "area",
    "members": "members",
    "income_per_capita": "income_per_capita_vnd",
    "household_income": "income_per_capita_vnd",
}


@dataclass
class SurveyFile:
    """A file as read: its header (lower-cased names, in file order) and its data lines; the
    line at index i of ``rows`` is line i + 2 of the file."""

    header: list[str]
    rows: list[dict[str, str]]
    too_wide: list[int] = field(default_factory=list)  # lines with more cells than the header


@dataclass(frozen=True)
class SurveyChange:
    line: int
    household_code: str
    commune_code: str
    old: str  # the classification before this file ("" when not surveyed before)
    new: str


@dataclass
class SurveyReport:
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    listed: list[SurveyChange] = field(default_factory=list)  # not on the list before: listed by the file
    surveyed: list[SurveyChange] = field(default_factory=list)  # on the list, surveyed for the first time
    reclassified: list[SurveyChange] = field(default_factory=list)  # surveyed before, another class now
    unchanged: int = 0  # surveyed before, same class (the survey data are still rewritten)
    counts: dict[str, int] = field(default_factory=dict)  # classification -> households of the file

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def households(self) -> int:
        return len(self.listed) + len(self.surveyed) + len(self.reclassified) + self.unchanged


# --- reading -----------------------------------------------------------------------------------


def read_survey(file, filename: str) -> SurveyFile:
    """The header and data lines of a CSV (UTF-8, BOM or not, comma or semicolon) or XLSX file.

    Only the file itself is refused here (not CSV/XLSX, not UTF-8, no header); a wrong column is
    reported by ``import_survey`` as an error of line 1. Blank lines at the end are dropped; one
    in the middle stays (and is skipped) so that positions keep giving line numbers.
    """
    with cyclic_gc_paused():
        read = split_table(read_table(file, filename))
    return SurveyFile(header=read.header, rows=read.rows, too_wide=read.too_wide_in_data)


# --- checking ----------------------------------------------------------------------------------


@dataclass
class _Household:
    pk: int
    village_id: int | None
    area: str
    dissolved: bool
    assessment_id: int | None
    classification: str
    surveyed: bool
    year_status: str | None


def _check_header(header: list[str], known_indicators: set[str], errors: RowErrors) -> None:
    allowed = set(BASE_COLUMNS) | set(FILE_INDICATORS) | known_indicators
    for name in BASE_COLUMNS:
        if name not in header:
            errors.add(1, name, _("missing column"))
    for position, name in enumerate(header, start=1):
        if not name:
            errors.add(1, "", _("column %(number)s of the header has no name") % {"number": position})
        elif name not in allowed:
            errors.add(1, name, _("unknown column"))
        elif header.index(name) != position - 1:
            errors.add(1, name, _("is named more than once"))


def _campaigns_by_commune(
    commune_codes: set[str], *, campaign: Campaign | None, year: int | None
) -> tuple[dict[str, Campaign], list[str]]:
    """The campaign each commune's lines go into, and the file-level refusals."""
    problems = []
    if campaign is not None:
        if campaign.kind != Campaign.Kind.PERIODIC:
            problems.append(_("Survey files are imported into an annual review only."))
        found = {campaign.commune_id: campaign}
    else:
        found = {
            c.commune_id: c
            for c in Campaign.objects.select_related("commune", "standard").filter(
                kind=Campaign.Kind.PERIODIC, year=year, commune_id__in=sorted(commune_codes)
            )
        }
        for code in sorted(commune_codes - set(found)):
            name = Commune.objects.filter(code=code).values_list("name", flat=True).first() or code
            problems.append(
                _("%(commune)s has no annual review for %(year)s: open it first.") % {"commune": name, "year": year}
            )
    for commune_code in sorted(found):
        problems.extend(_status_problem(found[commune_code]))
    return found, problems


def _status_problem(campaign: Campaign) -> list[str]:
    if campaign.status == Campaign.Status.SURVEYING:
        return []
    return [
        _(
            "The %(year)s review of %(commune)s is at the step “%(step)s”: survey results can be imported "
            "only while it is at the step “Surveying”. Nothing was saved."
        )
        % {"year": campaign.year, "commune": campaign.commune.name, "step": campaign.get_status_display()}
    ]


def _load_households(codes_by_commune: dict[str, list[str]], campaigns: dict[str, Campaign]) -> dict:
    """(commune code, household code) -> _Household, with its assessment in the commune's campaign
    and its status of the campaign's year: one query per commune per 10,000 codes, and one per
    campaign for its list. (The list is read on its own: joined in, a freshly opened campaign's
    unanalysed assessments lead the planner to a nested loop over them for every household.)"""
    sql = f"""
        SELECT household.code, household.household_id, household.village_id, household.area,
               household.dissolved, household.status
          FROM ({registry.households_with_status("%s")}) household
         WHERE household.commune_id = %s
           AND household.code = ANY(ARRAY(SELECT value::varchar FROM jsonb_array_elements_text(%s::jsonb)))
    """
    found = {}
    with connection.cursor() as cursor:
        for commune_code, codes in codes_by_commune.items():
            campaign = campaigns[commune_code]
            listed = {
                household_id: (pk, classification, surveyed_at is not None)
                for household_id, pk, classification, surveyed_at in Assessment.objects.filter(
                    campaign=campaign
                ).values_list("household_id", "pk", "classification", "surveyed_at")
            }
            for start in range(0, len(codes), LOOKUP_CHUNK):
                chunk = codes[start : start + LOOKUP_CHUNK]
                cursor.execute(sql, [campaign.year, commune_code, json.dumps(chunk)])
                for code, pk, village_id, area, dissolved, year_status in cursor.fetchall():
                    assessment_id, classification, surveyed = listed.get(pk, (None, "", False))
                    found[(commune_code, code)] = _Household(
                        pk, village_id, area, dissolved, assessment_id, classification, surveyed, year_status
                    )
    return found


def _as_survey_file(rows: Sequence[dict[str, str]]) -> SurveyFile:
    """Dicts from a caller, shaped as ``read_survey`` shapes a file: the first dict's keys are the
    header (lower-cased), every row has every column, cells are stripped text."""
    header = [str(name).strip().lower() for name in rows[0]] if rows else list(COLUMNS)
    normalised = []
    for row in rows:
        cells = {str(name).strip().lower(): "" if value is None else str(value).strip() for name, value in row.items()}
        normalised.append({name: cells.get(name, "") for name in header if name})
    return SurveyFile(header=header, rows=normalised)


def _whole_number(text: str) -> int | None:
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def import_survey(
    rows: SurveyFile | Sequence[dict[str, str]],
    *,
    campaign: Campaign | None = None,
    year: int | None = None,
    acting_user,
    dry_run: bool = False,
) -> SurveyReport:
    """Check every line; then, unless ``dry_run`` or any line is wrong, record the whole file.

    ``rows``: a ``SurveyFile`` from ``read_survey``, or dicts (column -> text) whose header is the
    keys of the first one. Give ``campaign`` (every line must be of its commune) or ``year`` (each
    line goes into the annual review of its commune and that year). Each campaign must be at the
    step "surveying". A household not yet on the campaign's list is listed (reason "imported").
    """
    if not acting_user.can_run_poverty_review:
        raise PermissionDenied
    if (campaign is None) == (year is None):
        raise TypeError("import_survey needs a campaign or a year, not both")
    with cyclic_gc_paused():
        return _import(rows, campaign=campaign, year=year, acting_user=acting_user, dry_run=dry_run)


def _import(rows, *, campaign: Campaign | None, year: int | None, acting_user, dry_run: bool) -> SurveyReport:
    if not isinstance(rows, SurveyFile):
        rows = _as_survey_file(rows)
    report = SurveyReport(dry_run=dry_run)
    known_indicators = set(Indicator.objects.order_by().values_list("code", flat=True).distinct())
    errors = RowErrors(dict.fromkeys([*COLUMNS, *sorted(known_indicators)]))
    _check_header(rows.header, known_indicators, errors)
    if errors.items:
        report.errors = errors.sorted()
        return report

    # Every row holds every named column of the header, as stripped text.
    lines = [(index + 2, row) for index, row in enumerate(rows.rows) if any(row.values())]
    if not lines:
        report.errors = [RowError(0, "", _("The file has no survey line."))]
        return report
    file_codes = {values["commune_code"] for _row, values in lines} - {""}
    existing = set(Commune.objects.filter(code__in=sorted(file_codes)).values_list("code", flat=True))
    in_scope = existing & set(commune_codes_for_user(acting_user))
    campaigns, refusals = _campaigns_by_commune(in_scope, campaign=campaign, year=year)
    if refusals:
        report.errors = [RowError(0, "", message) for message in refusals]
        return report
    rules_by_standard: dict[int, StandardRules] = {}
    for each in campaigns.values():
        if each.standard_id not in rules_by_standard:
            rules_by_standard[each.standard_id] = rules_for(each.standard)
    for name in sorted({code for rules in rules_by_standard.values() for code in rules.indicators}):
        if name not in rows.header:
            errors.add(1, name, _("missing column"))
    if errors.items:
        report.errors = errors.sorted()
        return report

    checked = _check_lines(lines, rows, campaigns, existing, in_scope, rules_by_standard, errors)
    if errors.items:
        report.errors = errors.sorted()
        return report
    _fill_report(report, checked)
    if dry_run:
        return report
    try:
        with transaction.atomic(durable=True):
            refusals = _lock_campaigns(campaigns)
            if refusals:
                return SurveyReport(dry_run=False, errors=[RowError(0, "", message) for message in refusals])
            assessments_import(checked, acting_user=acting_user)
    except IntegrityError:
        # Someone listed one of these households between our check and our write.
        report = SurveyReport(
            dry_run=False,
            errors=[RowError(0, "", _("The review changed during the import; nothing was saved. Try again."))],
        )
    return report


def _check_lines(
    lines, survey: SurveyFile, campaigns, existing, in_scope, rules_by_standard, errors
) -> list[SurveyLine]:
    for row in survey.too_wide:
        errors.add(row, "", _("has more cells than the header"))
    # Households first, so that each line is checked against its household in one pass.
    codes_by_commune: dict[str, list[str]] = {}
    for _row, values in lines:
        if values["commune_code"] in campaigns and values["household_code"]:
            codes_by_commune.setdefault(values["commune_code"], []).append(values["household_code"])
    households = _load_households(
        {commune: sorted(set(codes)) for commune, codes in codes_by_commune.items()}, campaigns
    )
    first_line: dict[tuple[str, str], int] = {}
    checked: list[SurveyLine] = []
    fallback_rules = next(iter(rules_by_standard.values()), None)
    for row, values in lines:
        problem_columns: set[str] = set()

        def add(column: str, message: str, row=row, problem_columns=problem_columns) -> None:
            errors.add(row, column, message)
            problem_columns.add(column)

        commune_code, code = values["commune_code"], values["household_code"]
        if not code:
            add("household_code", _("is required"))
        if not commune_code:
            add("commune_code", _("is required"))
        elif commune_code not in existing:
            add("commune_code", _("unknown commune %(code)s") % {"code": commune_code})
        elif commune_code not in in_scope:
            add("commune_code", _("%(code)s is not one of your communes") % {"code": commune_code})
        elif commune_code not in campaigns:
            only = next(iter(campaigns.values()))
            add(
                "commune_code",
                _("this review is of %(commune)s (%(code)s)") % {"commune": only.commune.name, "code": only.commune_id},
            )
        campaign = campaigns.get(commune_code)
        household = None
        if campaign is not None and code:
            key = (commune_code, code)
            household = households.get(key)
            if key in first_line:
                add("household_code", _("household %(code)s is also on line %(line)s") % {"code": code,
                    "line": first_line[key]})  # fmt: skip
                household = None
            else:
                first_line[key] = row
                if household is None:
                    add(
                        "household_code",
                        _("no household %(code)s in %(commune)s") % {"code": code, "commune": campaign.commune.name},
                    )
                elif household.dissolved:
                    add("household_code", _("household %(code)s is dissolved") % {"code": code})
                    household = None
        # A line without a campaign (its commune is wrong) is still checked against some standard.
        rules = rules_by_standard[campaign.standard_id] if campaign is not None else fallback_rules

        area = values["area"].lower()
        if not area and household is not None:
            area = household.area
        members = None
        if values["members"]:
            members = _whole_number(values["members"])
            if members is None:
                add("members", _("must be a whole number"))
        income = None
        if not values["income_per_capita_vnd"]:
            add("income_per_capita_vnd", _("is required"))
        else:
            income = _whole_number(values["income_per_capita_vnd"])
            if income is None:
                add("income_per_capita_vnd", _("must be a whole number of đồng"))
            elif income > MAX_INCOME:
                add("income_per_capita_vnd", _("is too large"))
        counted = rules.indicators if rules is not None else {}
        for name in [*counted, *(name for name in FILE_INDICATORS if name in values and name not in counted)]:
            if values[name] not in _INDICATOR_VALUES:
                add(name, _("must be 0, 1 or empty"))
        if rules is None:
            continue  # no commune of the file has a review: the commune errors say so
        deprived = [name for name in counted if values[name] == "1"]
        problems = survey_problems(
            area=area if area else None,
            members=members,
            income_per_capita=income,
            household_income=None,
            deprived=deprived,
            rules=rules,
        )
        for name, messages in problems.items():
            column = _PROBLEM_COLUMNS.get(name, "")
            if column in problem_columns or (column == "area" and not area):
                continue  # already reported, or no area to check (the household is unknown)
            for message in messages:
                add(column, message)
        if problem_columns or household is None:
            continue
        checked.append(
            SurveyLine(
                row=row,
                commune_code=commune_code,
                code=code,
                campaign=campaign,
                household_id=household.pk,
                village_id=household.village_id,
                area=area,
                members=members,
                income=income,
                deprived=deprived,
                # ``deprived`` holds only the standard's indicators: count them as they are.
                classification=classify(income, len(deprived), rules.areas[area], rules.poor_min_deprivations),
                assessment_id=household.assessment_id,
                old_classification=household.classification if household.surveyed else "",
                previous_classification=household.year_status or PovertyStatus.NONE,
            )
        )
    return checked


def _fill_report(report: SurveyReport, checked: list[SurveyLine]) -> None:
    counts = Counter()
    for line in checked:
        counts[line.classification] += 1
        change = SurveyChange(line.row, line.code, line.commune_code, line.old_classification, line.classification)
        if line.assessment_id is None:
            report.listed.append(change)
        elif not line.old_classification:
            report.surveyed.append(change)
        elif line.old_classification != line.classification:
            report.reclassified.append(change)
        else:
            report.unchanged += 1
    report.counts = {status: counts[status] for status in PovertyStatus.values}


def _lock_campaigns(campaigns: dict[str, Campaign]) -> list[str]:
    """Lock the campaigns (in primary-key order) and re-check their step: another officer may have
    moved one on while the file was being checked."""
    locked = (
        Campaign.objects.select_for_update().select_related("commune").filter(pk__in=[c.pk for c in campaigns.values()])
    )
    return [problem for campaign in locked.order_by("pk") for problem in _status_problem(campaign)]
