"""The Bank for Social Policies' loan list (issue 7 §2): one line per loan of a commune's households.

The bank (NHCSXH) gives the commune the list of its households' loans. The whole file lands or
nothing does. Every line is checked first, in Python, against data read in a fixed number of
queries per 10,000 lines (the commune's households the file names, the persons it names with their
current household, the contracts already recorded, the loan programmes of the years it needs); the
report then names every bad line, column and reason.

- A line whose contract is already recorded **updates the loan's balance and repayment status**,
  under the rule of ``services.loans.loan_balance_update`` (a balance older than the one on record is
  refused); its household, borrower, amount, disbursement date and term must agree with the record.
  A line that repeats the balance on record changes nothing.
- Any other line **creates a delivered support record** (the amount lent, delivered on the day it
  was disbursed, to the household and the borrower) with its loan details, in the commune's loan
  programme of the **year of disbursement**: "Vay vốn ưu đãi NHCSXH <year>", created by the first
  import that needs it, funded by the state budget (the bank's policy capital) for the amount lent
  through it, which each import keeps equal to the loans it holds. The record's funding follows
  the programme's split, as ``services.records.record_create`` does.

A clean file is written set-based in one transaction by ``support.bulk.loans_import`` (COPY for
records, their funding, loans, their history and events; one UPDATE … FROM for the balances), with
one ``loans_imported`` event for the file beside one event per record created or balance updated.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.columns import canonical_header
from core.formatting import number
from core.tabular import RowErrors, cell_text, read_table, rows_from_dicts, split_table
from core.text import fold_vietnamese
from geography.scoping import in_scope, require
from households.disclosure import cannot_use_here, residence_communes
from households.importing import RowError, _chunks, _where_any
from households.models import Household, Membership, Person
from support.bulk import BANK, PROGRAMME_NAME, LoanHousehold, LoanLine, LoanPerson, loans_import
from support.models import Kind, Loan, Programme, Record

__all__ = ["COLUMNS", "BANK", "LoanFile", "LoanImportReport", "RowError", "import_loans", "read_loans"]

COLUMNS = [
    "contract_number",
    "household_code",
    "borrower_national_id",
    "borrower_name",
    "loan_programme",
    "amount_vnd",
    "disbursed_on",
    "term_months",
    "outstanding_vnd",
    "balance_on",
    "repayment_status",
]
MAX_LENGTHS = {"contract_number": 40, "loan_programme": 120}
MAX_TERM_MONTHS = 480
LOOKUP_CHUNK = 10_000
# The bank's words for a loan's state, folded (no case, no diacritics): English or Vietnamese.
REPAYMENT_WORDS = {
    "current": Loan.Repayment.CURRENT,
    "trong han": Loan.Repayment.CURRENT,
    "con trong han": Loan.Repayment.CURRENT,
    "overdue": Loan.Repayment.OVERDUE,
    "qua han": Loan.Repayment.OVERDUE,
    "no qua han": Loan.Repayment.OVERDUE,
    "repaid": Loan.Repayment.REPAID,
    "da tra": Loan.Repayment.REPAID,
    "da tra het": Loan.Repayment.REPAID,
    "da tat toan": Loan.Repayment.REPAID,
}
_ORDER = {name: index for index, name in enumerate(COLUMNS)}
_NATIONAL_ID = re.compile(r"[0-9]{12}")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Whole đồng: plain digits, or groups of three separated by dots, commas or spaces ("30.000.000").
_WHOLE = re.compile(r"[0-9]+|[0-9]{1,3}(?:([.,  ])[0-9]{3})(?:\1[0-9]{3})*")


@dataclass
class LoanFile:
    """A file as read: its header (lower-cased names, in file order) and its data lines; the line
    at index i of ``rows`` is line i + 2 of the file."""

    header: list[str]
    rows: list[dict[str, str]]
    too_wide: list[int] = field(default_factory=list)


@dataclass
class LoanImportReport:
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    created: int = 0  # new contracts: records created
    updated: int = 0  # contracts on record whose balance or status the file changes
    unchanged: int = 0  # contracts on record the file repeats as they are
    lent_vnd: int = 0  # the amount of the new contracts
    outstanding_vnd: int = 0  # the balance of every loan of the file
    overdue: int = 0  # lines the bank reports overdue
    programmes_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def loans(self) -> int:
        return self.created + self.updated + self.unchanged


# --- reading -----------------------------------------------------------------------------------


def read_loans(file, filename: str) -> LoanFile:
    """The header and data lines of a CSV (UTF-8, comma or semicolon) or XLSX file.

    Only the file itself is refused here (not CSV/XLSX, not UTF-8, no header); a wrong column is
    reported by ``import_loans`` as an error of line 1. A national ID that a spreadsheet stored as a
    number gets its leading zero back (every CCCD has 12 digits).
    """
    table = read_table(file, filename)
    if table:
        header = [canonical_header(cell_text(value, "")) for value in table[0]]
        if "borrower_national_id" in header:
            position = header.index("borrower_national_id")
            table = [table[0], *(_padded(values, position) for values in table[1:])]
    read = split_table(table)
    return LoanFile(header=read.header, rows=read.rows, too_wide=read.too_wide_in_data)


def _padded(values, position: int) -> list:
    values = list(values)
    if position < len(values) and isinstance(values[position], int | float) and not isinstance(values[position], bool):
        values[position] = cell_text(values[position], "national_id")
    return values


def _as_file(rows: Sequence[dict]) -> LoanFile:
    """Dicts from a caller (the demo, tests), shaped as a file is."""
    header, normalised = rows_from_dicts(rows, COLUMNS)
    return LoanFile(header=header, rows=normalised)


# --- checking ----------------------------------------------------------------------------------


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


def parse_day(text: str) -> date | None:
    """dd/mm/yyyy (the bank's way) or yyyy-mm-dd; None if neither."""
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_whole_vnd(text: str) -> int | None:
    """A whole number of đồng, with or without thousands separators; None if not."""
    if not _WHOLE.fullmatch(text):
        return None
    return int(re.sub(r"[^0-9]", "", text))


def parse_repayment(text: str) -> str | None:
    return REPAYMENT_WORDS.get(fold_vietnamese(text))


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _money(value: int) -> str:
    return number(value)


class _Checker:
    """Checks the lines of one file against what was read for it (no query per line)."""

    def __init__(self, commune, rows: list[tuple[int, dict]], errors: RowErrors, *, user):
        """Reads the commune's households, their current members and the commune's loans (three
        queries, whatever the file's length), then only what the file names outside them: persons
        who are not members of the commune's households (kept only when they live in one of
        ``user``'s communes) and contracts recorded elsewhere."""
        self.commune, self.errors = commune, errors
        self.today = timezone.localdate()
        self.households: dict[str, LoanHousehold] = {
            code: LoanHousehold(pk, code, dissolved_on)
            for pk, code, dissolved_on in Household.objects.filter(commune=commune).values_list(
                "pk", "code", "dissolved_on"
            )
        }
        self.persons: dict[str, LoanPerson] = {}
        # person id -> ids of the households they are a current member of (one, in a sound registry)
        self.member_of: dict[int, set[int]] = defaultdict(set)
        members = Membership.objects.filter(household__commune=commune, left_on__isnull=True).values_list(
            "person_id", "household_id", "person__national_id", "person__full_name"
        )
        for person_id, household_id, national_id, full_name in members:
            self.persons[national_id] = LoanPerson(person_id, national_id, full_name)
            self.member_of[person_id].add(household_id)
        named = {v["borrower_national_id"] for _r, v in rows if _NATIONAL_ID.fullmatch(v["borrower_national_id"])}
        elsewhere = sorted(named - set(self.persons))
        for chunk in _chunks(elsewhere, LOOKUP_CHUNK):
            found = list(_where_any(Person, "national_id", chunk))
            homes = residence_communes(person.pk for person in found)
            for person in found:
                # Another commune's resident is not named, nor told from an unknown ID (issue 15 §3).
                if in_scope(user, homes.get(person.pk)):
                    self.persons[person.national_id] = LoanPerson(person.pk, person.national_id, person.full_name)
        self.loans: dict[str, Loan] = {
            loan.contract_number: loan
            for loan in Loan.objects.filter(bank=BANK, record__commune=commune).select_related(
                "record__household", "record__person"
            )
        }
        contracts = {values["contract_number"] for _row, values in rows} - {""}
        self.elsewhere: set[str] = set()  # contracts of another commune's households
        for chunk in _chunks(sorted(contracts - set(self.loans)), LOOKUP_CHUNK):
            self.elsewhere.update(
                loan.contract_number for loan in _where_any(Loan, "contract_number", chunk, bank=BANK)
            )
        self.first_line: dict[str, int] = {}

    def check(self, row: int, values: dict) -> LoanLine | None:
        bad: set[str] = set()
        self.errors.name(row, values["borrower_name"])

        def add(column: str, message) -> None:
            self.errors.add(row, column, message)
            bad.add(column)

        for name in COLUMNS:
            if not values[name]:
                add(name, _("is required"))
        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                add(name, _("is longer than %(limit)s characters") % {"limit": limit})

        contract = values["contract_number"]
        if contract:
            if contract in self.first_line:
                add("contract_number", _("is repeated: line %(line)s has the same contract") % {
                    "line": self.first_line[contract]})  # fmt: skip
            else:
                self.first_line[contract] = row

        household = self._household(values, add)
        person = self._borrower(values, household, add)
        numbers = self._numbers(values, add)
        days = self._days(values, add)
        repayment = None
        if values["repayment_status"]:
            repayment = parse_repayment(values["repayment_status"])
            if repayment is None:
                add("repayment_status", _("unknown repayment status: write current, overdue or repaid (trong hạn, "
                                          "quá hạn, đã trả)"))  # fmt: skip
        amount, outstanding = numbers.get("amount_vnd"), numbers.get("outstanding_vnd")
        if amount is not None and outstanding is not None and outstanding > amount:
            add("outstanding_vnd", _("is more than the amount lent"))
        if repayment == Loan.Repayment.REPAID and outstanding:
            add("repayment_status", _("a repaid loan has no outstanding balance"))
        disbursed, balance_on = days.get("disbursed_on"), days.get("balance_on")
        if disbursed is not None and balance_on is not None and balance_on < disbursed:
            add("balance_on", _("is before the loan was disbursed (%(day)s)") % {"day": _day(disbursed)})

        loan = self.loans.get(contract) if contract else None
        if contract in self.elsewhere:
            add("contract_number", _("is recorded for a household of another commune"))
        elif loan is not None:
            self._agrees_with_record(loan, values, household, person, numbers, days, add)
        elif household is not None and household.dissolved_on is not None:
            add("household_code", _("the household was dissolved on %(day)s") % {"day": _day(household.dissolved_on)})
        if bad or household is None or person is None or repayment is None:
            return None
        return LoanLine(
            row=row,
            contract_number=contract,
            household=household,
            person=person,
            loan_programme=" ".join(values["loan_programme"].split()),
            amount_vnd=amount,
            disbursed_on=disbursed,
            term_months=numbers["term_months"],
            outstanding_vnd=outstanding,
            balance_on=balance_on,
            repayment=repayment,
            loan=loan,
        )

    def _household(self, values, add) -> LoanHousehold | None:
        code = values["household_code"]
        if not code:
            return None
        household = self.households.get(code)
        if household is None:
            add("household_code", _("no household with this code in %(commune)s") % {"commune": self.commune.name})
        return household

    def _borrower(self, values, household, add) -> "LoanPerson | None":
        national_id = values["borrower_national_id"]
        if not national_id:
            return None
        if not _NATIONAL_ID.fullmatch(national_id):
            add("borrower_national_id", _("must be 12 digits"))
            return None
        person = self.persons.get(national_id)
        if person is None:
            # Unknown and registered in another commune read the same (issue 15 §3).
            add("borrower_national_id", cannot_use_here())
            return None
        if household is not None and household.pk not in self.member_of.get(person.pk, set()):
            add("borrower_national_id", _("%(name)s is not a current member of household %(code)s") % {
                "name": person.full_name, "code": household.code})  # fmt: skip
            return None
        name = values["borrower_name"]
        # Banks write names in capitals, often without diacritics: compare them folded.
        if name and fold_vietnamese(name) != fold_vietnamese(person.full_name):
            add("borrower_name", _("“%(file)s” in the file is not “%(registry)s”, whose national ID this is") % {
                "file": name, "registry": person.full_name})  # fmt: skip
            return None
        return person

    def _numbers(self, values, add) -> dict[str, int]:
        numbers = {}
        for name in ("amount_vnd", "outstanding_vnd"):
            if values[name]:
                number = parse_whole_vnd(values[name])
                if number is None:
                    add(name, _("must be a whole number of đồng, 0 or more"))
                else:
                    numbers[name] = number
        if numbers.get("amount_vnd") == 0:
            add("amount_vnd", _("a loan's amount must be more than 0 đồng"))
        if values["term_months"]:
            term = int(values["term_months"]) if values["term_months"].isdigit() else None
            if term is None or not 1 <= term <= MAX_TERM_MONTHS:
                add("term_months", _("must be a whole number of months from 1 to %(max)s") % {"max": MAX_TERM_MONTHS})
            else:
                numbers["term_months"] = term
        return numbers

    def _days(self, values, add) -> dict[str, date]:
        days = {}
        for name in ("disbursed_on", "balance_on"):
            if values[name]:
                day = parse_day(values[name])
                if day is None:
                    add(name, _("is not a date: write dd/mm/yyyy"))
                elif day > self.today:
                    add(name, _("must not be in the future"))
                else:
                    days[name] = day
        return days

    def _agrees_with_record(self, loan: Loan, values, household, person, numbers, days, add) -> None:
        """A contract on record: the file may move its balance forward, nothing else."""
        record = loan.record
        if record.status == Record.Status.CANCELLED:
            add("contract_number", _("the support record of this contract was cancelled"))
        if household is not None and record.household_id != household.pk:
            add("household_code", _("the contract is recorded for household %(code)s") % {
                "code": record.household.code})  # fmt: skip
        if person is not None and record.person_id is not None and record.person_id != person.pk:
            add("borrower_national_id", _("the contract is recorded for %(name)s") % {
                "name": record.person.full_name})  # fmt: skip
        recorded = {
            "amount_vnd": (record.value_vnd, numbers.get("amount_vnd"), _money),
            "term_months": (loan.term_months, numbers.get("term_months"), str),
            "disbursed_on": (loan.disbursed_on, days.get("disbursed_on"), _day),
        }
        for name, (on_record, in_file, shown) in recorded.items():
            if in_file is not None and in_file != on_record:
                add(name, _("does not match the contract on record (%(value)s)") % {"value": shown(on_record)})
        balance_on = days.get("balance_on")
        if balance_on is not None and balance_on < loan.balance_on:
            add("balance_on", _("is older than the balance on record (%(day)s)") % {"day": _day(loan.balance_on)})


def _unchanged(line: LoanLine) -> bool:
    loan = line.loan
    return (loan.outstanding_vnd, loan.balance_on, loan.repayment) == (
        line.outstanding_vnd,
        line.balance_on,
        line.repayment,
    )


def import_loans(
    source: LoanFile | Sequence[dict] | object, *, commune, acting_user, dry_run: bool = False, filename: str = ""
) -> LoanImportReport:
    """Check every line of the bank's list for ``commune``; then, unless ``dry_run`` or any line
    is wrong, record the whole file.

    ``source``: a ``LoanFile`` from ``read_loans``, dicts (column -> text) whose header is the keys
    of the first one, or an open file with a ``name`` ending .csv or .xlsx (an unreadable file
    raises ValidationError). The user must keep the commune's registry (PermissionDenied).
    """
    require(acting_user, "can_manage_registry", commune.pk)  # the officer of the commune (PermissionDenied)
    if hasattr(source, "read"):
        filename = filename or getattr(source, "name", "")
        source = read_loans(source, getattr(source, "name", ""))
    elif not isinstance(source, LoanFile):
        source = _as_file(list(source))
    report = LoanImportReport(dry_run=dry_run)
    errors = RowErrors(COLUMNS)
    _check_header(source.header, errors)
    if errors.items:
        report.errors = errors.sorted()
        return report
    for row in source.too_wide:
        errors.add(row, "", _("has more cells than the header"))
    rows = [(index + 2, values) for index, values in enumerate(source.rows) if any(values.values())]
    if not rows:
        report.errors = [RowError(0, "", _("The file has no loan line."))]
        return report
    checker = _Checker(commune, rows, errors, user=acting_user)
    lines = [line for row, values in rows if (line := checker.check(row, values)) is not None]
    if errors.items:
        report.errors = errors.sorted()
        return report
    new = [line for line in lines if line.loan is None]
    changed = [line for line in lines if line.loan is not None and not _unchanged(line)]
    years = sorted({line.disbursed_on.year for line in new})
    existing = _year_programmes(commune, years)
    clashes = [name for year, (name, kind) in existing.items() if kind != Kind.LOAN]
    if clashes:
        message = _("The commune's programme “%(name)s” is not a loan programme: rename it, then import again.")
        report.errors = [RowError(0, "", message % {"name": name}) for name in clashes]
        return report
    report.created, report.updated = len(new), len(changed)
    report.unchanged = len(lines) - len(new) - len(changed)
    report.lent_vnd = sum(line.amount_vnd for line in new)
    report.outstanding_vnd = sum(line.outstanding_vnd for line in lines)
    report.overdue = sum(1 for line in lines if line.repayment == Loan.Repayment.OVERDUE)
    report.programmes_created = [PROGRAMME_NAME.format(year=year) for year in years if year not in existing]
    if dry_run:
        return report
    try:
        with transaction.atomic():
            if not _still_as_read(changed):
                raise IntegrityError("a balance changed during the import")
            loans_import(
                commune,
                new,
                changed,
                summary={
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "lent_vnd": report.lent_vnd,
                    "programmes_created": report.programmes_created,
                },
                acting_user=acting_user,
                filename=filename,
            )
    except IntegrityError:
        # Someone recorded one of these contracts, or a balance, between our check and our write.
        report = LoanImportReport(
            dry_run=False,
            errors=[RowError(0, "", _("The loans changed during the import; nothing was saved. Try again."))],
        )
    return report


def _year_programmes(commune, years: list[int]) -> dict[int, tuple[str, str]]:
    """Year -> (name, kind) of the commune's programme named as the import names that year's loans."""
    names = {PROGRAMME_NAME.format(year=year): year for year in years}
    found = Programme.objects.filter(commune=commune, name__in=list(names)).values_list("year", "name", "kind")
    return {year: (name, kind) for year, name, kind in found if names[name] == year}


def _still_as_read(lines: list[LoanLine]) -> bool:
    """Lock the loans the file updates (in primary-key order) and check they are as they were read."""
    expected = {line.loan.pk: (line.loan.outstanding_vnd, line.loan.balance_on, line.loan.repayment) for line in lines}
    if not expected:
        return True
    locked = {
        pk: (outstanding, balance_on, repayment)
        for pk, outstanding, balance_on, repayment in Loan.objects.select_for_update()
        .filter(pk__in=list(expected))
        .order_by("pk")
        .values_list("pk", "outstanding_vnd", "balance_on", "repayment")
    }
    return locked == expected
