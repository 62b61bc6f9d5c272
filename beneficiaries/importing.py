"""Beneficiaries import (rules.md §4.1): one line per person receiving a monthly allowance, as the
commune's list stood before the product took it over.

The whole file lands or nothing does. Every line is checked first, in Python, against data read
with a fixed number of queries per 10,000 lines (the persons the file names with their household,
their open cases and those cases' categories); the report then names every bad line, column and
reason. A person must be in the registry of one of the user's communes, agree with it (name, date
of birth, sex, date of death) and live in the commune (and household, village) the line names.

A line whose person already has an open case **updates that case** (decision, months, payment,
categories replaced): never a second case. Any other line creates an **active** case at once: it
was decided before the product took over, so the decision number and date are required, the
importing user is recorded as having prepared it and nobody as having decided it in the product.
Each created or changed case gets an ``imported`` event. A clean file is written set-based in one
transaction with COPY (the registry import's helpers), so 10,000 lines take seconds.
"""

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.entitlement import Rules, age_in_month
from beneficiaries.models import Case, CaseCategory, CaseEvent, Category, CoefficientBand, PaymentMethod
from beneficiaries.services import OPEN, PaymentDetails, payment_problems
from core.months import first_of_month
from core.tabular import RowErrors, read_table, rows_from_dicts, split_table
from core.text import fold_vietnamese
from geography.models import Commune, Village
from geography.scoping import commune_codes_for_user
from households.identity import normalise_phone
from households.importing import (
    RowError,
    _allocate_ids,
    _as_rows,
    _complete,
    _copy_history,
    _copy_insert,
    _copy_update,
    _where_any,
)
from households.models import Household, Membership, Person

__all__ = ["COLUMNS", "BeneficiaryFile", "ImportReport", "RowError", "import_beneficiaries", "read_beneficiaries"]

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
CASE_FIELDS = [
    "decision_number",
    "decision_date",
    "start_month",
    "paid_through_month",
    "end_month",
    "payment_method",
    "bank_bin",
    "account_number",
    "account_name",
]
HISTORY_REASON = "import"
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
    created: int = 0  # new active cases
    updated: int = 0  # open cases the file changes
    unchanged: int = 0  # open cases the file repeats as they are

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


@dataclass
class _Line:
    row: int
    person: Person
    commune_id: str
    categories: list[tuple[str, int]]
    values: dict  # CASE_FIELDS -> value
    phone: str | None  # the registry's phone to write, None to leave it
    case: Case | None = None  # the open case this line updates
    case_id: int | None = None  # once written
    changed: list[str] = field(default_factory=list)
    categories_changed: bool = False


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
        SELECT DISTINCT ON (membership.person_id) membership.person_id, household.code, household.commune_id,
               COALESCE(village.name, '')
          FROM {Membership._meta.db_table} membership
          JOIN {Household._meta.db_table} household ON household.id = membership.household_id
          LEFT JOIN {Village._meta.db_table} village ON village.id = household.village_id
         WHERE membership.person_id = ANY(ARRAY(SELECT value::bigint FROM jsonb_array_elements_text(%s::jsonb)))
         ORDER BY membership.person_id, membership.left_on DESC NULLS FIRST, membership.id DESC
    """
    by_pk = {person.pk: person for person in persons.values()}
    residents = {}
    person_ids = list(by_pk)
    with connection.cursor() as cursor:
        for start in range(0, len(person_ids), LOOKUP_CHUNK):
            cursor.execute(sql, [json.dumps(person_ids[start : start + LOOKUP_CHUNK])])
            for person_id, code, commune_id, village_name in cursor.fetchall():
                person = by_pk[person_id]
                residents[person.national_id] = _Resident(person, code, commune_id, village_name)
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

    def check(self, row: int, values: dict, first_line: dict[str, int]) -> _Line | None:
        bad: set[str] = set()

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
            if "date_of_death" not in bad and months.get("date_of_death") != person.date_of_death:
                if person.date_of_death is None:
                    add("date_of_death", _("the registry records no death: record it in the household registry first"))
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
        return _Line(
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
                    add(name, _("%(value)s is not a date (YYYY-MM-DD)") % {"value": text})
        for name in ("start_month", "paid_through_month", "end_month"):
            text = values[name]
            parsed[name] = None
            if text:
                parsed[name] = _parse_month(text)
                if parsed[name] is None:
                    add(name, _("%(value)s is not a month (YYYY-MM)") % {"value": text})
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


def _compare(line: _Line, categories: dict[int, list[CaseCategory]]) -> None:
    """What a line changes in the open case it updates."""
    case = line.case
    line.changed = [name for name in CASE_FIELDS if getattr(case, name) != line.values[name]]
    current = categories.get(case.pk, [])
    open_rows = sorted((row.category_id, row.dependent_children) for row in current if row.to_month is None)
    dated = any(row.from_month is not None or row.to_month is not None for row in current)
    # A case whose categories changed over time keeps that history when the file repeats today's.
    line.categories_changed = open_rows != sorted(line.categories) or (dated and not open_rows)


def import_beneficiaries(
    source: BeneficiaryFile | Sequence[dict] | object, *, acting_user, dry_run: bool = False
) -> ImportReport:
    """Check every line; then, unless ``dry_run`` or any line is wrong, record the whole file.

    ``source``: a ``BeneficiaryFile`` from ``read_beneficiaries``, dicts (column -> text) whose
    header is the keys of the first one, or an open file with a ``name`` ending .csv or .xlsx (an
    unreadable file raises ValidationError). Needs ``acting_user.can_manage_registry``.
    """
    if not acting_user.can_manage_registry:
        raise PermissionDenied
    if hasattr(source, "read"):
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
        if line.changed or line.categories_changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if dry_run:
        return report
    try:
        with transaction.atomic(durable=True):
            if not _still_open(lines):
                raise IntegrityError("a case changed during the import")
            _write(lines, checker.case_categories, acting_user=acting_user)
    except IntegrityError:
        # Someone filed, decided or closed a case of one of these persons between our check and our write.
        report = ImportReport(
            dry_run=False,
            errors=[RowError(0, "", _("The cases changed during the import; nothing was saved. Try again."))],
        )
    return report


def _still_open(lines: list[_Line]) -> bool:
    """Lock the cases the file updates (in primary-key order) and check they are as they were read."""
    expected = {line.case.pk: line.case.status for line in lines if line.case is not None}
    if not expected:
        return True
    locked = dict(
        Case.objects.select_for_update().filter(pk__in=list(expected)).order_by("pk").values_list("pk", "status")
    )
    return locked == expected


# --- writing -----------------------------------------------------------------------------------


def _write(lines: list[_Line], categories: dict[int, list[CaseCategory]], *, acting_user) -> None:
    now = timezone.now()
    new_lines = [line for line in lines if line.case is None]
    changed = [line for line in lines if line.case is not None and (line.changed or line.categories_changed)]

    new_cases = [
        {
            "person_id": line.person.pk,
            "commune_id": line.commune_id,
            "status": Case.Status.ACTIVE.value,
            "applied_on": line.values["decision_date"],
            "prepared_by_id": acting_user.pk,
            "decided_by_id": None,
            **line.values,
        }
        for line in new_lines
    ]
    for line, row, pk in zip(new_lines, new_cases, _allocate_ids(Case, len(new_cases)), strict=True):
        row["id"] = pk
        line.case_id = pk
    _copy_insert(Case, _complete(Case, new_cases, now=now), with_pk=True)
    _copy_history(Case, new_cases, user=acting_user, now=now, history_type="+")

    updated_cases = []
    for line in changed:
        line.case_id = line.case.pk
        if line.changed:
            for name in line.changed:
                setattr(line.case, name, line.values[name])
            line.case.updated_at = now
            updated_cases.append(line.case)
    _copy_update(Case, updated_cases, [*CASE_FIELDS, "updated_at"])
    _copy_history(Case, _as_rows(Case, updated_cases), user=acting_user, now=now, history_type="~")

    replaced = [line for line in changed if line.categories_changed]
    removed = [row for line in replaced for row in categories.get(line.case.pk, [])]
    if removed:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {CaseCategory._meta.db_table} "
                "WHERE id = ANY(ARRAY(SELECT value::bigint FROM jsonb_array_elements_text(%s::jsonb)))",
                [json.dumps([row.pk for row in removed])],
            )
        _copy_history(CaseCategory, _as_rows(CaseCategory, removed), user=acting_user, now=now, history_type="-")
    category_rows = [
        {
            "case_id": line.case_id,
            "category_id": code,
            "dependent_children": children,
            "from_month": None,
            "to_month": None,
        }
        for line in [*new_lines, *replaced]
        for code, children in line.categories
    ]
    for row, pk in zip(category_rows, _allocate_ids(CaseCategory, len(category_rows)), strict=True):
        row["id"] = pk
    _copy_insert(CaseCategory, _complete(CaseCategory, category_rows, now=now), with_pk=True)
    _copy_history(CaseCategory, category_rows, user=acting_user, now=now, history_type="+")

    events = [
        {
            "case_id": line.case_id,
            "kind": CaseEvent.Kind.IMPORTED.value,
            "actor_id": acting_user.pk,
            "reason": "",
            "data": _event_data(line),
        }
        for line in [*new_lines, *changed]
    ]
    _copy_insert(CaseEvent, _complete(CaseEvent, events, now=now))

    phones = []
    for line in lines:
        if line.phone is not None:
            line.person.phone, line.person.updated_at = line.phone, now
            phones.append(line.person)
    _copy_update(Person, phones, ["phone", "updated_at"])
    _copy_history(Person, _as_rows(Person, phones), user=acting_user, now=now, history_type="~")


def _event_data(line: _Line) -> dict:
    """What the timeline says: never an account number (the payment service keeps 4 digits too)."""
    data = {"line": line.row, "categories": [code for code, _children in line.categories]}
    if line.case is None:
        data["created"] = True
        data["decision"] = line.values["decision_number"]
    else:
        data["changed"] = [*line.changed, *(["categories"] if line.categories_changed else [])]
    return data
