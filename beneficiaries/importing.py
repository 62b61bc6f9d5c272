"""Beneficiaries import (rules.md §4.1): one line per person receiving a monthly allowance, as the
commune's list stood before the product took it over.

The whole file is accepted or nothing is. Every line is checked first, in Python, against data read
with a fixed number of queries per 10,000 lines (the persons the file names with their household,
their open cases and those cases' categories); the report then names every bad line, column and
reason. A person must be in the registry of one of the user's communes, agree with it (name, date
of birth, sex, date of death) and live in the commune (and household, village) the line names; every
line names the same commune (one file is one commune's list, confirmed by that commune's chair).
A date of death the registry lacks is not a disagreement: confirmation records it in the registry
(``bulk.cases_import``, through ``households.services.person_record_death``), never the import.

A clean file writes **no case**: it becomes an ``ImportBatch`` awaiting the commune chair's
confirmation (issue 14: no one alone creates a payable case or redirects one). Its lines keep what
confirmation would do: a line whose person already has an open case **updates that case** (decision,
months, payment, categories replaced; the values replaced are kept), never a second case; any other
line creates an **active** case (decided before the product took over, so the decision number and
date are required). What each case would be owed on confirmation comes from the entitlement engine
itself: inside a savepoint the lines are written exactly as confirmation writes them, the engine runs
for this month, and the savepoint is rolled back; arrears beyond ``ALLOWANCE_ARREARS_WARN_MONTHS``
months flag the line.

Confirmation (``write_batch``, called by ``beneficiaries.batches.import_batch_confirm``) checks that
nothing changed since (the cases locked), then writes the whole file set-based in one transaction
through the allowances' bulk service (``beneficiaries.bulk.cases_import``), so 10,000 lines take
seconds: the importer recorded as having prepared each new case and the chair as having decided it,
and each created or changed case gets an ``imported`` event (the importer, when the file was
imported) and an ``import_confirmed`` one (the chair).
"""

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.bulk import CASE_FIELDS, CaseLine, cases_import
from beneficiaries.entitlement import Rules, age_in_month, compute
from beneficiaries.models import (
    Case,
    CaseCategory,
    Category,
    CoefficientBand,
    ImportBatch,
    ImportBatchLine,
    PaymentMethod,
)
from beneficiaries.services import OPEN, PaymentDetails, payment_problems
from core.bulk import copy_update
from core.formatting import day as format_day
from core.months import first_of_month
from core.tabular import RowErrors, read_table, rows_from_dicts, split_table
from core.text import fold_vietnamese
from geography.models import Commune
from geography.scoping import commune_codes_for_user
from households import sql as registry
from households.identity import normalise_phone
from households.importing import RowError, _where_any
from households.models import Person

__all__ = [
    "COLUMNS",
    "BeneficiaryFile",
    "ImportReport",
    "RowError",
    "import_beneficiaries",
    "read_beneficiaries",
    "write_batch",
]

COLUMNS = [
    "national_id",
    "full_name",
    "date_of_birth",
    "sex",
    "commune_code",
    "village",
    "household_code",
    "categories",
    "dependent_children",
    "decision_number",
    "decision_date",
    "start_month",
    "paid_through_month",
    "end_month",
    "date_of_death",
    "payment_method",
    "bank_bin",
    "account_number",
    "account_name",
    "phone",
]
REQUIRED_COLUMNS = [
    "national_id",
    "full_name",
    "date_of_birth",
    "sex",
    "commune_code",
    "categories",
    "decision_number",
    "decision_date",
    "start_month",
    "payment_method",
]
MAX_LENGTHS = {"decision_number": 50, "account_name": 120}
BANK_COLUMNS = ["bank_bin", "account_number", "account_name"]
# The case fields a line sets; a re-import that changes none of them (nor the categories) is "unchanged".
# The fields whose change redirects the money: a line changing one is highlighted to the chair.
ACCOUNT_FIELDS = ("payment_method", "bank_bin", "account_number")
LOOKUP_CHUNK = 10_000
MAX_CHILDREN = 20
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_NATIONAL_ID = re.compile(r"[0-9]{12}")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_ORDER = {name: index for index, name in enumerate(COLUMNS)}


@dataclass
class BeneficiaryFile:
    """A file as read: its header (lower-cased names, in file order) and its data lines; the line
    at index i of ``rows`` is line i + 2 of the file."""

    header: list[str]
    rows: list[dict[str, str]]
    too_wide: list[int] = field(default_factory=list)  # lines with more cells than the header


@dataclass
class ImportReport:
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    created: int = 0  # new active cases, once confirmed
    updated: int = 0  # open cases the file changes, once confirmed
    unchanged: int = 0  # open cases the file repeats as they are
    batch: ImportBatch | None = None  # the batch awaiting confirmation (not for a dry run)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def cases(self) -> int:
        return self.created + self.updated + self.unchanged


# --- reading -----------------------------------------------------------------------------------


def read_beneficiaries(file, filename: str) -> BeneficiaryFile:
    """The header and data lines of a CSV (UTF-8, BOM or not, comma or semicolon) or XLSX file.

    Only the file itself is refused here (not CSV/XLSX, not UTF-8, no header); a wrong column is
    reported by ``import_beneficiaries`` as an error of line 1. Blank lines at the end are dropped;
    one in the middle stays (and is skipped) so that positions keep giving line numbers.
    """
    read = split_table(read_table(file, filename))
    return BeneficiaryFile(header=read.header, rows=read.rows, too_wide=read.too_wide_in_data)


def _as_file(rows: Sequence[dict]) -> BeneficiaryFile:
    """Dicts from a caller (the demo, tests), shaped as a file is."""
    header, normalised = rows_from_dicts(rows, COLUMNS)
    return BeneficiaryFile(header=header, rows=normalised)


# --- checking ----------------------------------------------------------------------------------


@dataclass
class _Resident:
    """A person of the file as the registry knows them, with the household they live in (or
    lived in when they died)."""

    person: Person
    household_code: str
    commune_id: str
    village_name: str
    # The membership read (the current one, or the one left at death): its "member since" date
    # (None: not known), and whether the person heads a household of several members now.
    joined_on: date | None = None
    heads_others: bool = False


def _check_header(header: list[str], errors: RowErrors) -> None:
    for name in COLUMNS:
        if name not in header:
            errors.add(1, name, _("missing column"))
    for position, name in enumerate(header, start=1):
        if not name:
            errors.add(1, "", _("column %(number)s of the header has no name") % {"number": position})
        elif name not in _ORDER:
            errors.add(1, name, _("unknown column"))
        elif header.index(name) != position - 1:
            errors.add(1, name, _("is named more than once"))


def _same_text(first: str, second: str) -> bool:
    """Names compare without regard to case, spacing or Unicode composition ("Nguyễn" typed either way)."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(first) == norm(second)


def _load_residents(national_ids: list[str]) -> dict[str, _Resident]:
    """national ID -> the registered person with their current household (or, for a person who
    died, the household they left at death): one query for persons, one for households, per chunk."""
    persons: dict[str, Person] = {}
    for start in range(0, len(national_ids), LOOKUP_CHUNK):
        chunk = national_ids[start : start + LOOKUP_CHUNK]
        persons.update((person.national_id, person) for person in _where_any(Person, "national_id", chunk))
    sql = f"""
        SELECT DISTINCT ON (membership.person_id) membership.person_id, membership.household_code,
               membership.commune_id, membership.village_name, membership.joined_on,
               membership.left_on IS NULL AND membership.is_head AND membership.member_count > 1
          FROM ({registry.memberships_with_home()}) membership
         WHERE membership.person_id = ANY(ARRAY(SELECT value::bigint FROM jsonb_array_elements_text(%s::jsonb)))
         ORDER BY membership.person_id, membership.left_on DESC NULLS FIRST, membership.membership_id DESC
    """
    by_pk = {person.pk: person for person in persons.values()}
    residents = {}
    person_ids = list(by_pk)
    with connection.cursor() as cursor:
        for start in range(0, len(person_ids), LOOKUP_CHUNK):
            cursor.execute(sql, [json.dumps(person_ids[start : start + LOOKUP_CHUNK])])
            for person_id, code, commune_id, village_name, joined_on, heads_others in cursor.fetchall():
                person = by_pk[person_id]
                residents[person.national_id] = _Resident(
                    person, code, commune_id, village_name, joined_on=joined_on, heads_others=heads_others
                )
    return residents


def _load_open_cases(person_ids: list[int]) -> tuple[dict[int, Case], dict[int, list[CaseCategory]]]:
    cases: dict[int, Case] = {}
    statuses = ", ".join(f"'{status}'" for status in OPEN)
    for start in range(0, len(person_ids), LOOKUP_CHUNK):
        chunk = person_ids[start : start + LOOKUP_CHUNK]
        cases.update(
            (case.person_id, case) for case in _where_any(Case, "person", chunk, where=f"status IN ({statuses})")
        )
    categories: dict[int, list[CaseCategory]] = defaultdict(list)
    case_ids = [case.pk for case in cases.values()]
    for start in range(0, len(case_ids), LOOKUP_CHUNK):
        for row in _where_any(CaseCategory, "case", case_ids[start : start + LOOKUP_CHUNK]):
            categories[row.case_id].append(row)
    return cases, categories


def _parse_date(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_month(text: str) -> date | None:
    if not _ISO_MONTH.fullmatch(text):
        return None
    try:
        return date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        return None


class _Checker:
    """Checks the lines of one file against what was read for it (no query per line)."""

    def __init__(self, rows: list[tuple[int, dict]], *, acting_user, errors: RowErrors):
        self.errors = errors
        self.today = timezone.localdate()
        self.rules = Rules()
        # A band in force before the product's first rules (2021-07) is read as the first one.
        self.bands_from = dict(
            CoefficientBand.objects.values("category_id")
            .annotate(first=Min("effective_from"))
            .values_list("category_id", "first")
        )
        self.known_categories = set(Category.objects.values_list("code", flat=True))
        self.per_child = set(Category.objects.filter(per_child_addition=True).values_list("code", flat=True))
        national_ids = sorted(
            {values["national_id"] for _row, values in rows if _NATIONAL_ID.fullmatch(values["national_id"])}
        )
        self.residents = _load_residents(national_ids)
        codes = {values["commune_code"] for _row, values in rows} | {r.commune_id for r in self.residents.values()}
        self.communes = dict(Commune.objects.filter(code__in=sorted(codes - {""})).values_list("code", "name"))
        self.in_scope = set(self.communes) & set(commune_codes_for_user(acting_user))
        self.open_cases, self.case_categories = _load_open_cases(
            [resident.person.pk for resident in self.residents.values()]
        )
        self.file_commune: tuple[str, int] | None = None  # (code, line) of the first line's commune

    def check(self, row: int, values: dict, first_line: dict[str, int]) -> CaseLine | None:
        bad: set[str] = set()
        self.errors.name(row, values["full_name"])

        def add(column: str, message) -> None:
            self.errors.add(row, column, message)
            bad.add(column)

        for name in REQUIRED_COLUMNS:
            if not values[name]:
                add(name, _("is required"))
        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                add(name, _("is longer than %(limit)s characters") % {"limit": limit})

        resident = self._resident(values, first_line, row, add)
        commune_id = self._commune(values, resident, add)
        if commune_id is not None:
            # One chair confirms one commune's list: a file naming two communes is two files.
            if self.file_commune is None:
                self.file_commune = (commune_id, row)
            elif commune_id != self.file_commune[0]:
                add("commune_code", _("a file is the list of one commune: line %(line)s is for %(code)s") % {
                    "line": self.file_commune[1], "code": self.file_commune[0]})  # fmt: skip
                commune_id = None
        categories = self._categories(values, add)
        months = self._dates(values, add)
        payment = self._payment(values, add)
        phone = None
        if values["phone"]:
            try:
                phone = normalise_phone(values["phone"])
            except ValueError as error:
                add("phone", error)

        if resident is not None:
            person = resident.person
            if values["full_name"] and not _same_text(values["full_name"], person.full_name):
                add("full_name", _("does not match the registry (“%(name)s”)") % {"name": person.full_name})
            born = months.get("date_of_birth")
            if born is not None and born != person.date_of_birth:
                add("date_of_birth", _("does not match the registry (%(date)s)") % {
                    "date": person.date_of_birth.isoformat()})  # fmt: skip
            if values["sex"] and values["sex"].upper() != person.sex:
                add("sex", _("does not match the registry (%(sex)s)") % {"sex": person.sex})
            record_death = None
            if "date_of_death" not in bad and months.get("date_of_death") != person.date_of_death:
                if person.date_of_death is None:
                    record_death = months["date_of_death"]
                    problem = _death_problem(resident, record_death)
                    if problem:
                        add("date_of_death", problem)
                else:
                    add("date_of_death", _("does not match the registry (%(date)s)") % {
                        "date": person.date_of_death.isoformat()})  # fmt: skip
            start = months.get("start_month")
            if start is not None and categories:
                for code, _children in categories:
                    month = max(start, self.bands_from.get(code, start))
                    age = age_in_month(person.date_of_birth, month)
                    if self.rules.coefficient(code, age, month) is None:
                        add("categories", _("age %(age)d outside category %(code)s") % {"age": age, "code": code})

        case = None
        if resident is not None and commune_id is not None:
            case = self.open_cases.get(resident.person.pk)
            if case is not None and case.commune_id != commune_id:
                add("national_id", _("already has an open case in another commune"))
            elif case is not None and case.status not in (Case.Status.ACTIVE, Case.Status.SUSPENDED):
                add("national_id", _("has a case “%(status)s” in progress: finish it in the product first") % {
                    "status": case.get_status_display()})  # fmt: skip
        if bad or resident is None or commune_id is None or payment is None:
            return None
        return CaseLine(
            row=row,
            person=resident.person,
            commune_id=commune_id,
            categories=categories,
            values={
                "decision_number": values["decision_number"],
                **{
                    name: months.get(name)
                    for name in ("decision_date", "start_month", "paid_through_month", "end_month")
                },
                "payment_method": payment.method,
                "bank_bin": payment.bank_bin,
                "account_number": payment.account_number,
                "account_name": " ".join(payment.account_name.upper().split()),
            },
            phone=phone if phone and phone != resident.person.phone else None,
            record_death=record_death,
            case=case,
        )

    def _resident(self, values, first_line, row, add) -> _Resident | None:
        national_id = values["national_id"]
        if not national_id:
            return None
        if not _NATIONAL_ID.fullmatch(national_id):
            add("national_id", _("must be 12 digits"))
            return None
        if national_id in first_line:
            add("national_id", _("is also on line %(line)s") % {"line": first_line[national_id]})
            return None
        first_line[national_id] = row
        resident = self.residents.get(national_id)
        # Unknown and registered elsewhere read the same: a file tells nothing of other communes.
        if resident is None or resident.commune_id not in self.in_scope:
            add("national_id", _("no person with this national ID in the registry of your communes"))
            return None
        return resident

    def _commune(self, values, resident: _Resident | None, add) -> str | None:
        code = values["commune_code"]
        if not code:
            return None
        if code not in self.communes:
            add("commune_code", _("unknown commune %(code)s") % {"code": code})
            return None
        if code not in self.in_scope:
            add("commune_code", _("%(code)s is not one of your communes") % {"code": code})
            return None
        if resident is None:
            return code
        if resident.commune_id != code:
            home = resident.commune_id
            add("commune_code", _("the person lives in %(commune)s (%(code)s)") % {
                "commune": self.communes.get(home, home), "code": home})  # fmt: skip
            return None
        if values["household_code"] and values["household_code"] != resident.household_code:
            add("household_code", _("the person lives in household %(code)s") % {"code": resident.household_code})
        if values["village"] and fold_vietnamese(values["village"]) != fold_vietnamese(resident.village_name):
            add("village", _("the person's household is in “%(village)s”") % {"village": resident.village_name or "—"})
        return code

    def _categories(self, values, add) -> list[tuple[str, int]]:
        codes = [code.strip() for code in values["categories"].split(";") if code.strip()]
        if values["categories"] and not codes:
            add("categories", _("is required"))
        problems = False
        for code in codes:
            if code not in self.known_categories:
                add("categories", _("unknown category %(code)s") % {"code": code})
                problems = True
        for code in sorted({code for code in codes if codes.count(code) > 1}):
            add("categories", _("%(code)s is listed twice") % {"code": code})
            problems = True
        children_text = values["dependent_children"]
        children = 0
        if children_text:
            if not _WHOLE_NUMBER.fullmatch(children_text) or int(children_text) > MAX_CHILDREN:
                add("dependent_children", _("must be a whole number from 0 to %(max)s") % {"max": MAX_CHILDREN})
                return []
            children = int(children_text)
        per_child = [code for code in codes if code in self.per_child]
        if per_child and children < 1:
            add("dependent_children", _("%(code)s needs the number of dependent children") % {"code": per_child[0]})
            problems = True
        elif children and not per_child:
            add("dependent_children", _("only for a category paid per child (5.4)"))
            problems = True
        if problems:
            return []
        return [(code, children if code in self.per_child else 0) for code in codes]

    def _dates(self, values, add) -> dict[str, date | None]:
        parsed: dict[str, date | None] = {}
        for name in ("date_of_birth", "decision_date", "date_of_death"):
            text = values[name]
            parsed[name] = None
            if text:
                parsed[name] = _parse_date(text)
                if parsed[name] is None:
                    add(name, _("%(value)s is not a date (dd/mm/yyyy or YYYY-MM-DD)") % {"value": text})
        for name in ("start_month", "paid_through_month", "end_month"):
            text = values[name]
            parsed[name] = None
            if text:
                parsed[name] = _parse_month(text)
                if parsed[name] is None:
                    add(name, _("%(value)s is not a month (mm/yyyy or YYYY-MM)") % {"value": text})
        decided, start = parsed["decision_date"], parsed["start_month"]
        end, paid_through, died = parsed["end_month"], parsed["paid_through_month"], parsed["date_of_death"]
        if decided is not None and decided > self.today:
            add("decision_date", _("cannot be in the future"))
        if died is not None and died > self.today:
            add("date_of_death", _("cannot be in the future"))
        if start is not None and end is not None and end < start:
            add("end_month", _("is before start_month"))
        if start is not None and died is not None and first_of_month(died) < start:
            add("date_of_death", _("is before start_month"))
        # Paid through a month before the start is harmless (nothing before the start is owed).
        if paid_through is not None and end is not None and paid_through > end:
            add("paid_through_month", _("is after end_month"))
        return parsed

    def _payment(self, values, add) -> PaymentDetails | None:
        method = values["payment_method"].lower()
        if not method:
            return None
        details = PaymentDetails(
            method=method,
            bank_bin=values["bank_bin"],
            account_number=values["account_number"],
            account_name=values["account_name"],
        )
        problems = payment_problems(details)
        for name, messages in problems.items():
            for message in messages:
                add(name, message)
        if method == PaymentMethod.CASH:
            for name in BANK_COLUMNS:
                if values[name]:
                    add(name, _("must be empty for payment in cash"))
                    problems[name] = []
        return None if problems else details


def _death_problem(resident: _Resident, died: date) -> str:
    """Why a death the file gives could not be recorded in the registry on confirmation, as
    ``households.services.person_record_death`` would refuse it ("" when it could): a date before
    birth, before a known "member since" date (an unknown one has no lower bound), or the head of a
    household of several members (the page records that death, choosing the new head)."""
    person = resident.person
    if died < person.date_of_birth:
        return _("is before the date of birth")
    if resident.joined_on is not None and died < resident.joined_on:
        return _("is before the person joined the household (%(date)s)") % {"date": format_day(resident.joined_on)}
    if resident.heads_others:
        return _(
            "%(name)s is the head of household %(code)s: record the death on the household page, choosing the new head"
        ) % {"name": person.full_name, "code": resident.household_code}
    return ""


def _compare(line: CaseLine, categories: dict[int, list[CaseCategory]]) -> None:
    """What a line changes in the open case it updates."""
    case = line.case
    line.changed = [name for name in CASE_FIELDS if getattr(case, name) != line.values[name]]
    current = categories.get(case.pk, [])
    open_rows = sorted((row.category_id, row.dependent_children) for row in current if row.to_month is None)
    dated = any(row.from_month is not None or row.to_month is not None for row in current)
    # A case whose categories changed over time keeps that history when the file repeats today's.
    line.categories_changed = open_rows != sorted(line.categories) or (dated and not open_rows)


def import_beneficiaries(
    source: BeneficiaryFile | Sequence[dict] | object, *, acting_user, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Check every line; then, unless ``dry_run`` or any line is wrong, store the whole file as an
    import batch awaiting the commune chair's confirmation (``report.batch``). No case, category or
    person is written here.

    ``source``: a ``BeneficiaryFile`` from ``read_beneficiaries``, dicts (column -> text) whose
    header is the keys of the first one, or an open file with a ``name`` ending .csv or .xlsx (an
    unreadable file raises ValidationError). ``filename``: what the batch calls the file (default:
    the open file's name). Needs ``acting_user.can_manage_registry``.
    """
    if not acting_user.can_manage_registry:
        raise PermissionDenied
    if hasattr(source, "read"):
        filename = filename or getattr(source, "name", "")
        source = read_beneficiaries(source, getattr(source, "name", ""))
    elif not isinstance(source, BeneficiaryFile):
        source = _as_file(list(source))
    report = ImportReport(dry_run=dry_run)
    errors = RowErrors(COLUMNS)
    _check_header(source.header, errors)
    if errors.items:
        report.errors = errors.sorted()
        return report
    for row in source.too_wide:
        errors.add(row, "", _("has more cells than the header"))
    rows = [(index + 2, values) for index, values in enumerate(source.rows) if any(values.values())]
    if not rows:
        report.errors = [RowError(0, "", _("The file has no beneficiary line."))]
        return report
    checker = _Checker(rows, acting_user=acting_user, errors=errors)
    first_line: dict[str, int] = {}
    lines = [line for row, values in rows if (line := checker.check(row, values, first_line)) is not None]
    if errors.items:
        report.errors = errors.sorted()
        return report
    for line in lines:
        if line.case is None:
            report.created += 1
            continue
        _compare(line, checker.case_categories)
        if line.changed or line.categories_changed or line.record_death:
            report.updated += 1
        else:
            report.unchanged += 1
    if dry_run:
        return report
    try:
        # Not durable: the demo stages a batch inside ``load_demo``'s transaction (a savepoint then).
        with transaction.atomic():
            report.batch = _stage(
                lines,
                checker.case_categories,
                commune_id=checker.file_commune[0],
                filename=filename[-255:],
                acting_user=acting_user,
            )
    except ValidationError as error:
        # A death the list records was refused by the registry's service during the trial write
        # (the registry changed since the check).
        report = ImportReport(dry_run=False, errors=[RowError(0, "", message) for message in error.messages])
    except IntegrityError:
        # Someone filed, decided or closed a case of one of these persons between our check and our trial write.
        report = ImportReport(
            dry_run=False,
            errors=[RowError(0, "", _("The cases changed during the import; nothing was saved. Try again."))],
        )
    return report


# --- staging: what confirmation would do -------------------------------------------------------


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def _category_rows(rows: list[CaseCategory]) -> list[list]:
    """A case's category rows as the batch keeps them (and compares them on confirmation)."""
    return sorted([row.category_id, row.dependent_children, _json(row.from_month), _json(row.to_month)] for row in rows)


def _action(line: CaseLine) -> str:
    if line.case is None:
        return ImportBatchLine.Action.CREATE
    if line.changed or line.categories_changed or line.record_death:
        return ImportBatchLine.Action.UPDATE
    return ImportBatchLine.Action.UNCHANGED


def _proposed(line: CaseLine) -> dict:
    return {
        **{name: _json(line.values[name]) for name in CASE_FIELDS},
        "categories": [[code, children] for code, children in line.categories],
        "phone": line.phone,
        "date_of_death": _json(line.record_death or line.person.date_of_death),
    }


def _old(line: CaseLine, categories: dict[int, list[CaseCategory]]) -> dict:
    """The values a line replaces (read before anything is written), checked again on confirmation."""
    old = {}
    if line.case is not None:
        old = {name: _json(getattr(line.case, name)) for name in line.changed}
        if line.categories_changed:
            old["categories"] = _category_rows(categories.get(line.case.pk, []))
    if line.phone is not None:
        old["phone"] = line.person.phone
    if line.record_death is not None:
        old["date_of_death"] = None  # the registry records no death: confirmation records it
    return old


def _stage(
    lines: list[CaseLine], categories: dict[int, list[CaseCategory]], *, commune_id: str, filename: str, acting_user
) -> ImportBatch:
    """The batch and its lines, with each case's arrears and amount for this month as confirmation
    would leave them (in the caller's transaction)."""
    month = first_of_month(timezone.localdate())
    warn = settings.ALLOWANCE_ARREARS_WARN_MONTHS
    batch = ImportBatch.objects.create(
        commune_id=commune_id, filename=filename, imported_by=acting_user, month=month, arrears_warn_months=warn
    )
    staged = [
        ImportBatchLine(
            batch=batch,
            line=line.row,
            person_id=line.person.pk,
            case_id=line.case.pk if line.case is not None else None,
            action=_action(line),
            proposed=_proposed(line),
            old=_old(line, categories),
            account_changed=line.case is not None and any(name in line.changed for name in ACCOUNT_FIELDS),
        )
        for line in lines
    ]
    entitlements = _trial(lines, categories, batch=batch, month=month, acting_user=acting_user)
    for line, staged_line in zip(lines, staged, strict=True):
        entitlement = entitlements.get(line.case_id)
        if entitlement is not None:
            arrears = [amount for amount in entitlement.months if amount.month < month and amount.amount]
            staged_line.arrears_months = len(arrears)
            staged_line.arrears_vnd = sum(amount.amount for amount in arrears)
            staged_line.month_amount_vnd = entitlement.current.amount if entitlement.current else 0
        # A line the batch does not write changes nothing the chair has to weigh.
        if staged_line.action != ImportBatchLine.Action.UNCHANGED:
            staged_line.flagged = staged_line.arrears_months > warn
            batch.arrears_total_vnd += staged_line.arrears_vnd
            batch.month_total_vnd += staged_line.month_amount_vnd
            batch.flagged_count += staged_line.flagged
        line.case_id = None
    ImportBatchLine.objects.bulk_create(staged, batch_size=2_000)
    counts = {action: sum(1 for line in staged if line.action == action) for action in ImportBatchLine.Action.values}
    batch.created_count = counts[ImportBatchLine.Action.CREATE]
    batch.updated_count = counts[ImportBatchLine.Action.UPDATE]
    batch.unchanged_count = counts[ImportBatchLine.Action.UNCHANGED]
    batch.save(update_fields=[
        "created_count", "updated_count", "unchanged_count", "arrears_total_vnd", "month_total_vnd", "flagged_count",
        "updated_at",
    ])  # fmt: skip
    return batch


def _trial(lines: list[CaseLine], categories, *, batch: ImportBatch, month: date, acting_user) -> dict:
    """Write the lines exactly as confirmation would, ask the entitlement engine what each case is
    then owed for ``month``, and roll the writing back: the amounts are the engine's own, not a
    second implementation of the rules. By the line's case id (``line.case_id`` set meanwhile)."""
    savepoint = transaction.savepoint()
    try:
        cases_import(lines, categories, batch=batch, acting_user=acting_user)
        for line in lines:
            line.case_id = line.case_id or line.case.pk
        return compute([line.case_id for line in lines], month)
    finally:
        transaction.savepoint_rollback(savepoint)


# --- confirmation ------------------------------------------------------------------------------


def write_batch(batch: ImportBatch, *, acting_user) -> None:
    """Write an awaiting batch's cases, in the caller's transaction, after checking that nothing the
    batch relies on changed since it was imported: each case it updates is still open with the
    values it replaces (locked until the end of the transaction), each person of a new case still has
    no open case, every person still lives in the batch's commune with the date of death the file
    gave. Anything changed: ValidationError naming each line, and nothing written."""
    staged = list(batch.lines.select_related("person").order_by("line"))
    updated_ids = sorted(line.case_id for line in staged if line.action == ImportBatchLine.Action.UPDATE)
    locked = {case.pk: case for case in Case.objects.select_for_update().filter(pk__in=updated_ids).order_by("pk")}
    residents = _load_residents(sorted({line.person.national_id for line in staged}))
    open_cases, categories = _load_open_cases([line.person_id for line in staged])
    commune = batch.commune
    problems, lines = [], []
    for staged_line in staged:
        person = staged_line.person
        proposed, old = staged_line.proposed, staged_line.old
        found = []
        resident = residents.get(person.national_id)
        if resident is None or resident.commune_id != batch.commune_id:
            found.append(_("no longer lives in %(commune)s") % {"commune": commune.name})
        # A death the list records: the registry still has none (or has meanwhile the same one).
        records_death = "date_of_death" in old and person.date_of_death is None
        if _json(person.date_of_death) != proposed["date_of_death"] and not records_death:
            found.append(_("the registry's date of death changed"))
        if "phone" in old and person.phone != old["phone"]:
            found.append(_("the phone number changed"))
        case = open_cases.get(person.pk)
        action = staged_line.action
        if action == ImportBatchLine.Action.CREATE and case is not None:
            found.append(_("has an open case now"))
        elif action == ImportBatchLine.Action.UPDATE:
            case = locked.get(staged_line.case_id)
            if case is None or case.status not in (Case.Status.ACTIVE, Case.Status.SUSPENDED):
                found.append(_("the case is no longer active or suspended"))
            else:
                changed = [name for name in CASE_FIELDS if name in old and _json(getattr(case, name)) != old[name]]
                if "categories" in old and _category_rows(categories.get(case.pk, [])) != old["categories"]:
                    changed.append("categories")
                if changed:
                    found.append(_("the case changed since the import (%(fields)s)") % {"fields": ", ".join(changed)})
        elif action == ImportBatchLine.Action.UNCHANGED:
            # Nothing is written to its case (only, perhaps, the person's phone): a stand-in will do.
            case = Case(pk=staged_line.case_id)
        if found:
            problems.extend(_("line %(line)s: %(problem)s") % {"line": staged_line.line, "problem": problem}
                            for problem in found)  # fmt: skip
            continue
        if action == ImportBatchLine.Action.UNCHANGED and proposed["phone"] is None:
            continue
        line = _staged_line(staged_line, case, commune_id=batch.commune_id)
        if records_death:
            line.record_death = date.fromisoformat(proposed["date_of_death"])
        lines.append(line)
    if problems:
        raise ValidationError(problems)
    cases_import(lines, categories, batch=batch, acting_user=acting_user)
    created = {line.row: line.case_id for line in lines if line.case is None}
    linked = []
    for staged_line in staged:
        if staged_line.line in created:
            staged_line.case_id = created[staged_line.line]
            linked.append(staged_line)
    copy_update(ImportBatchLine, linked, ["case"])


def _staged_line(staged: ImportBatchLine, case: Case | None, *, commune_id: str) -> CaseLine:
    """A stored batch line as the writer takes it (``case`` as locked; None for a new case)."""
    proposed, old = staged.proposed, staged.old
    values = {name: proposed[name] for name in CASE_FIELDS}
    for name in ("decision_date", "start_month", "paid_through_month", "end_month"):
        values[name] = date.fromisoformat(values[name]) if values[name] else None
    line = CaseLine(
        row=staged.line,
        person=staged.person,
        commune_id=commune_id,
        categories=[(code, children) for code, children in proposed["categories"]],
        values=values,
        phone=proposed["phone"],
        case=case,
    )
    if case is not None:
        line.changed = [name for name in CASE_FIELDS if name in old]
        line.categories_changed = "categories" in old
    return line
