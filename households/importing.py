"""Household registry import (rules.md §4.0): one line per member, the head's line has `head`.

The whole file lands or nothing does. Every line is validated first, in Python, against data loaded
with a fixed number of queries per 10,000 lines (communes, villages, the households and persons the
file names, their current memberships); the report then names every bad line, column and reason.
A change of a registered person that another app guards (``households.guards``: a beneficiary's
date of birth) is such an error too, on its line and column.
Two optional columns carry a hand-over from the paper registers: ``member_since`` (empty or
"không rõ": not known, no lower bound) and ``date_of_death`` (a member who died before the hand-over,
recorded after the write through ``services.person_record_death``, as the page records a death).
A clean file is written set-based in one transaction (COPY for new rows, COPY into a temporary
table and one UPDATE for changed ones), so a 100,000-line file costs seconds, not a query per person.
"""

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from core.columns import ACCEPTED_VALUES, accepted
from core.formatting import day
from core.tabular import RowError, RowErrors, read_table, split_table
from core.text import fold_vietnamese
from geography.models import Area, Commune, Village
from geography.scoping import communes_for_user, in_scope
from households.disclosure import cannot_use_here
from households.ethnicity import ETHNIC_GROUPS, ethnicity_code
from households.guards import person_change_problems
from households.models import (
    DisabilityLevel,
    DuplicateFlag,
    Household,
    HouseholdEvent,
    Membership,
    Person,
    Relationship,
    Transfer,
)
from households.services import PersonData, household_summaries_refresh, person_data_problems, person_record_death
from privacy.fields import (
    EncryptedCharField,
    EncryptedKeysJSONField,
    blind_index_fields,
    derive_indexes,
)

COLUMNS = [
    "household_code",
    "commune_code",
    "village",
    "address",
    "area",
    "national_id",
    "full_name",
    "date_of_birth",
    "sex",
    "relationship",
    "ethnicity",
    "phone",
    "disability_level",
]
# Columns a file may add (a hand-over from the paper registers): "member since" (empty or "không
# rõ": not known, the membership then has no lower bound) and the date of death of a member who
# died before the hand-over (recorded as a death, through the page's service).
OPTIONAL_COLUMNS = ["member_since", "date_of_death"]
FILE_COLUMNS = [*COLUMNS, *OPTIONAL_COLUMNS]
UNKNOWN_DATE = frozenset(("khong ro", "chua ro", "unknown", "?"))
# Village is required too, except for a registered household still awaiting its village (an arrival);
# national_id from the age of 14 (``services.person_data_problems``: a younger child may have none).
REQUIRED_COLUMNS = [
    "household_code",
    "commune_code",
    "full_name",
    "date_of_birth",
    "sex",
    "relationship",
    "ethnicity",
]
MAX_LENGTHS = {"household_code": 30, "address": 255, "full_name": 120}
# The person fields a file carries and writes as they are (the health-insurance number is not in
# it; a date of death is recorded as a death, by ``services.person_record_death``).
FILE_PERSON_FIELDS = ["full_name", "date_of_birth", "sex", "ethnicity", "phone", "disability_level"]
HOUSEHOLD_COLUMNS = ["village", "address", "area"]

LOOKUP_CHUNK = 10_000
REFRESH_CHUNK = 20_000
HISTORY_REASON = "import"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NATIONAL_ID = re.compile(r"[0-9]{12}")
# Enum ".values" builds a new list on every call; these are read once per line.
_AREAS = frozenset(Area.values)
_RELATIONSHIPS = frozenset(Relationship.values)
_RELATIONSHIP_LIST = ", ".join(ACCEPTED_VALUES["relationship"])
_ETHNIC_NAMES = [name for _code, name in ETHNIC_GROUPS]
_COLUMN_ORDER = {name: index for index, name in enumerate(FILE_COLUMNS)}


@dataclass
class ImportReport:
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    households_created: int = 0
    households_updated: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    memberships_created: int = 0
    deaths_recorded: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading -----------------------------------------------------------------------------------


def read_rows(file, filename: str) -> list[dict[str, str]]:
    """The data lines of a CSV (UTF-8, BOM or not) or XLSX file as {column: stripped text}.

    The header must name every column of §4.0 once (in any order), may add the optional ones
    (``OPTIONAL_COLUMNS``), and nothing else. Blank lines at
    the end are dropped; a blank line in the middle stays (``import_households`` skips it) so that
    the position of a line in the list keeps giving its line number.
    """
    return _rows_from_table(read_table(file, filename))


def _rows_from_table(table: list[list]) -> list[dict[str, str]]:
    read = split_table(table)
    header = read.header
    problems = []
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name and name not in _COLUMN_ORDER]
    repeated = [name for name in FILE_COLUMNS if header.count(name) > 1]
    if missing:
        problems.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    if repeated:
        problems.append(_("Columns named more than once: %(columns)s.") % {"columns": ", ".join(repeated)})
    if "" in header:
        problems.append(_("Column %(number)s of the header has no name.") % {"number": header.index("") + 1})
    if problems:
        raise ValidationError(problems)
    if read.too_wide:
        raise ValidationError(_("Line %(line)s has more cells than the header.") % {"line": read.too_wide[0]})
    return read.rows


# --- validating --------------------------------------------------------------------------------


@dataclass
class _Line:
    row: int
    code: str
    commune: Commune | None
    village_text: str
    village: Village | None
    address: str
    area: str | None  # resolved (empty = the commune's); None when the cell is wrong
    relationship: str | None  # None when the cell is wrong
    person: PersonData
    existing_person: Person | None = None
    membership: Membership | None = None  # the person's current membership in this very household
    # A registered person whose transfer to this commune is pending: the import completes it
    # (``leaving``: their current membership in the sending commune, if they still have one).
    arrival: Transfer | None = None
    leaving: Membership | None = None
    person_id: int | None = None  # once written
    member_since: date | None = None  # None: not known (or not given)
    date_of_death: date | None = None  # a death before the hand-over, recorded after the write
    # The registered person may join here (``_check_persons``): only then is the file's change to
    # them checked further (a guard's refusal would tell of another commune's allowance case).
    admitted: bool = False
    # A death the registry already records in this household, repeated by the file: nothing to write.
    already_dead: bool = False


@dataclass
class _Group:
    commune: Commune
    code: str
    lines: list[_Line] = field(default_factory=list)
    existing: Household | None = None
    household_id: int | None = None  # once written


# A file repeats the same few villages and ethnic groups on every line: fold each spelling once.
_fold = functools.lru_cache(maxsize=4096)(fold_vietnamese)
_ethnicity_code = functools.lru_cache(maxsize=512)(ethnicity_code)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _parse_line(row: int, values: dict[str, str], *, communes, villages, today: date, errors: RowErrors) -> _Line:
    errors.name(row, values["full_name"])
    empty = {name for name in REQUIRED_COLUMNS if not values[name]}
    for name in REQUIRED_COLUMNS:
        if name in empty:
            errors.add(row, name, _("is required"))
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            errors.add(row, name, _("is longer than %(limit)s characters") % {"limit": limit})

    commune = communes.get(values["commune_code"])
    if values["commune_code"] and commune is None:
        # Out of the user's units and non-existent look the same, as everywhere else.
        errors.add(row, "commune_code", _("unknown commune"))
    village = None
    if commune is not None and values["village"]:
        village = villages.get((commune.code, _fold(values["village"])))
        if village is None:
            errors.add(
                row,
                "village",
                _("unknown village “%(name)s” in %(commune)s") % {"name": values["village"], "commune": commune.name},
            )
    area = values["area"].lower()
    if not area:
        area = commune.area if commune is not None else None
    elif area not in _AREAS:
        errors.add(row, "area", _("must be rural, urban or empty"))
        area = None
    relationship = values["relationship"].lower()
    if relationship not in _RELATIONSHIPS:
        if relationship:
            errors.add(
                row,
                "relationship",
                _("“%(value)s” is not a relationship; accepted: %(choices)s")
                % {"value": values["relationship"], "choices": _RELATIONSHIP_LIST},
            )
        relationship = None

    skip = set(empty)
    dates = {}
    for name in ("date_of_birth", "member_since", "date_of_death"):
        dates[name] = None
        text = values[name]
        if not text or (name == "member_since" and _fold(text).strip() in UNKNOWN_DATE):
            continue
        try:
            if not _ISO_DATE.match(text):
                raise ValueError(text)
            dates[name] = date.fromisoformat(text)
        except ValueError:
            errors.add(row, name, _("%(value)s is not a date (dd/mm/yyyy or YYYY-MM-DD)") % {"value": text})
            skip.add(name)
    date_of_birth, member_since, died = dates["date_of_birth"], dates["member_since"], dates["date_of_death"]
    if member_since is not None:
        if member_since > today:
            errors.add(row, "member_since", _("is in the future"))
        elif date_of_birth is not None and member_since < date_of_birth:
            errors.add(row, "member_since", _("is before the date of birth"))
    if died is not None:
        if died > today:
            errors.add(row, "date_of_death", _("is in the future"))
        elif date_of_birth is not None and died < date_of_birth:
            errors.add(row, "date_of_death", _("is before the date of birth"))
        elif member_since is not None and died < member_since:
            errors.add(
                row,
                "date_of_death",
                _("is before the person joined the household (%(date)s)") % {"date": day(member_since)},
            )
        if relationship == Relationship.HEAD:
            errors.add(
                row,
                "date_of_death",
                _("the head is a living member: list the deceased person with their relationship to the living head"),
            )
    person = PersonData(
        national_id=values["national_id"],
        full_name=values["full_name"],
        date_of_birth=date_of_birth,
        sex=values["sex"].upper(),
        ethnicity=_ethnicity_code(values["ethnicity"]) or "",
        phone=values["phone"],
        disability_level=values["disability_level"].lower() or DisabilityLevel.NONE,
    )
    for name, messages in person_data_problems(person, today=today).items():
        if name not in skip:
            for message in messages:
                errors.add(row, name, _accepted_message(name, values[name]) or message)
    return _Line(
        row=row,
        code=values["household_code"],
        commune=commune,
        village_text=_fold(values["village"]),
        village=village,
        address=" ".join(values["address"].split()),
        area=area,
        relationship=relationship,
        person=person,
        member_since=member_since,
        date_of_death=died,
    )


def _accepted_message(name: str, value: str) -> str:
    """For a code the import does not know, the error that lists what it accepts (the closest
    ethnic groups to what was written: there are 54); "" for any other problem."""
    if not value:
        return ""
    if name == "ethnicity":
        closest = accepted(_ETHNIC_NAMES, value)
        if closest:
            return _("“%(value)s” is not an ethnic group; the closest accepted: %(choices)s") % {
                "value": value,
                "choices": closest,
            }
        return _("“%(value)s” is not an ethnic group; accepted: %(choices)s") % {
            "value": value,
            "choices": ", ".join(_ETHNIC_NAMES),
        }
    if name in ("sex", "disability_level"):
        return _("“%(value)s” is not accepted; accepted: %(choices)s") % {
            "value": value,
            "choices": ", ".join(ACCEPTED_VALUES[name]),
        }
    return ""


def _where_any(model, field_name: str, values: Sequence, *, where: str = "", **equal):
    """``model.objects.filter(field_name__in=values, **equal)``, the values sent as one JSON
    parameter: adapting a 10,000-item list parameter costs ten times the lookup itself."""
    quote = connection.ops.quote_name
    column = model._meta.get_field(field_name)
    conditions = [
        f"{quote(column.column)} = ANY(ARRAY("
        f"SELECT value::{column.cast_db_type(connection)} FROM jsonb_array_elements_text(%s::jsonb)))"
    ]
    params = [json.dumps(list(values))]
    for name, value in equal.items():
        conditions.append(f"{quote(model._meta.get_field(name).column)} = %s")
        params.append(value)
    if where:
        conditions.append(where)
    sql = f"SELECT * FROM {quote(model._meta.db_table)} WHERE {' AND '.join(conditions)}"
    return model.objects.raw(sql, params)


def _load_households(groups: dict[tuple[str, str], _Group]) -> None:
    codes_by_commune: dict[str, list[str]] = defaultdict(list)
    for commune_code, code in groups:
        codes_by_commune[commune_code].append(code)
    for commune_code, codes in codes_by_commune.items():
        for chunk in _chunks(codes, LOOKUP_CHUNK):
            for household in _where_any(Household, "code", chunk, commune_id=commune_code):
                groups[(commune_code, household.code)].existing = household


def _load_persons(national_ids: list[str]) -> tuple[dict[str, Person], dict[int, Membership]]:
    """The registered persons among ``national_ids`` and their current memberships."""
    persons: dict[str, Person] = {}
    for chunk in _chunks(national_ids, LOOKUP_CHUNK):
        persons.update((person.national_id, person) for person in _where_any(Person, "national_id", chunk))
    memberships: dict[int, Membership] = {}
    person_ids = [person.pk for person in persons.values()]
    for chunk in _chunks(person_ids, LOOKUP_CHUNK):
        current = _where_any(Membership, "person", chunk, where="left_on IS NULL")
        memberships.update((membership.person_id, membership) for membership in current)
    return persons, memberships


def _load_pending_transfers(person_ids: list[int]) -> dict[int, Transfer]:
    pending: dict[int, Transfer] = {}
    for chunk in _chunks(person_ids, LOOKUP_CHUNK):
        pending.update(
            (transfer.person_id, transfer)
            for transfer in _where_any(Transfer, "person", chunk, status=Transfer.Status.PENDING)
        )
    return pending


def _last_communes(person_ids: list[int]) -> dict[int, str]:
    """For persons without a current household (few): the commune that keeps the one they left last."""
    return dict(
        Membership.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "-left_on", "-id")
        .distinct("person_id")
        .values_list("person_id", "household__commune_id")
    )


def _check_persons(lines: list[_Line], groups, errors: RowErrors, *, user) -> None:
    """Registered persons join the file's household only from where they live now: a person of
    another household is refused, unless their transfer to this commune is pending (the import
    then completes it); one without a household (who left before transfers were requests) only
    in the commune they were last registered in, or with a pending transfer here.

    A refusal names the person's household, commune or death only when that commune is one of
    the user's (``in_scope``); otherwise it is the neutral ``cannot_use_here`` (issue 15 §3: a dry
    run is not a lookup of other communes' registries)."""
    first_line: dict[str, int] = {}
    unique: list[_Line] = []
    _match_children_without_id(lines, groups, errors)
    for line in lines:
        national_id = line.person.national_id
        if not national_id:
            continue
        if national_id in first_line:
            errors.add(
                line.row,
                "national_id",
                _("%(id)s is also on line %(line)s") % {"id": national_id, "line": first_line[national_id]},
            )
            continue
        first_line[national_id] = line.row
        unique.append(line)
    # Only well-formed IDs can be registered; the others already have their error.
    persons, memberships = _load_persons(
        [line.person.national_id for line in unique if _NATIONAL_ID.fullmatch(line.person.national_id)]
    )
    pending = _load_pending_transfers([person.pk for person in persons.values()])
    homeless = _last_communes([person.pk for person in persons.values() if person.pk not in memberships])
    elsewhere: list[tuple[_Line, Membership]] = []
    deceased: list[_Line] = []
    for line in unique:
        person = persons.get(line.person.national_id)
        if person is None:
            continue
        line.existing_person = person
        if person.date_of_death is not None:
            deceased.append(line)
            continue
        membership = memberships.get(person.pk)
        group = groups.get((line.commune.code, line.code)) if line.commune is not None and line.code else None
        if group is None:
            continue
        arrival = pending.get(person.pk)
        if arrival is not None and arrival.to_commune_id == group.commune.code:
            line.arrival, line.leaving = arrival, membership
            line.admitted = True
        elif membership is None:
            last_commune = homeless.get(person.pk, group.commune.code)
            line.admitted = last_commune == group.commune.code
            if not line.admitted:
                errors.add(
                    line.row,
                    "national_id",
                    _("%(id)s is registered in another commune: that commune must transfer them here first")
                    % {"id": person.national_id}
                    if in_scope(user, last_commune)
                    else cannot_use_here(),
                )
        elif group.existing is not None and membership.household_id == group.existing.pk:
            line.membership = membership
            line.admitted = True
        else:
            elsewhere.append((line, membership))
    leaving = [line.leaving for line in lines if line.leaving is not None]
    dead_homes = [memberships[line.existing_person.pk] for line in deceased if line.existing_person.pk in memberships]
    households = Household.objects.select_related("commune").in_bulk(
        {m.household_id for _line, m in elsewhere} | {m.household_id for m in leaving}
        | {m.household_id for m in dead_homes}
    )  # fmt: skip
    last_homes = _last_households([line.existing_person.pk for line in deceased])
    for line in deceased:
        person = line.existing_person
        group = groups.get((line.commune.code, line.code)) if line.commune is not None and line.code else None
        if (
            line.date_of_death == person.date_of_death
            and group is not None
            and group.existing is not None
            and last_homes.get(person.pk) == group.existing.pk
        ):
            # The file repeats a death recorded in this household (a hand-over file imported
            # again): the line is left as it is, or refused if it would change the person.
            line.already_dead = True
            if _changed_fields(line):
                errors.add(line.row, "national_id", _("%(id)s is recorded as deceased: the file may repeat the "
                                                      "line as registered, not change it") % {"id": person.national_id})  # fmt: skip
            continue
        membership = memberships.get(person.pk)
        commune_id = households[membership.household_id].commune_id if membership else homeless.get(person.pk)
        errors.add(
            line.row,
            "national_id",
            _("%(id)s is recorded as deceased") % {"id": person.national_id}
            if in_scope(user, commune_id)
            else cannot_use_here(),
        )
    for line, membership in elsewhere:
        household = households[membership.household_id]
        errors.add(
            line.row,
            "national_id",
            _("%(id)s already belongs to household %(code)s of %(commune)s")
            % {"id": line.person.national_id, "code": household.code, "commune": household.commune.name}
            if in_scope(user, household.commune_id)
            else cannot_use_here(),
        )
    _check_membership_dates(lines, errors)
    for line in lines:
        if line.leaving is None:
            continue
        line.leaving.household = households[line.leaving.household_id]
        if line.leaving.relationship == Relationship.HEAD and line.leaving.household.member_count > 1:
            errors.add(
                line.row,
                "national_id",
                _("%(name)s is the head of the household: change the head first")
                % {"name": line.existing_person.full_name},
            )


def _match_children_without_id(lines: list[_Line], groups, errors: RowErrors) -> None:
    """A line without a national ID (a child under 14) is the current member of the file's
    registered household who has none either and the same name and date of birth, when there is
    one (so that importing a household again does not register its children twice); otherwise a
    new person. Two such lines alike in one household are one person written twice."""
    keyed: dict[tuple, _Line] = {}
    for line in lines:
        if line.person.national_id or line.commune is None or not line.code or line.person.date_of_birth is None:
            continue
        key = (line.commune.code, line.code, _fold(line.person.full_name), line.person.date_of_birth)
        if key in keyed:
            errors.add(
                line.row,
                "full_name",
                _("%(name)s, born %(date)s, is also on line %(line)s")
                % {"name": line.person.full_name, "date": f"{line.person.date_of_birth:%d/%m/%Y}",
                   "line": keyed[key].row},
            )  # fmt: skip
            continue
        keyed[key] = line
    registered = {group.existing.pk: group for group in groups.values() if group.existing is not None}
    wanted = {key for key in keyed if (key[0], key[1]) in groups and groups[(key[0], key[1])].existing is not None}
    if not wanted:
        return
    current = Membership.objects.filter(
        household_id__in=list(registered), left_on__isnull=True, person__national_id=""
    ).select_related("person")
    for membership in current:
        group = registered[membership.household_id]
        person = membership.person
        line = keyed.get((group.commune.code, group.code, person.search_name, person.date_of_birth))
        if line is not None:
            line.existing_person, line.membership, line.admitted = person, membership, True


def _last_households(person_ids: list[int]) -> dict[int, int]:
    """For persons without a current household (the deceased of a file: few): the household they left last."""
    return dict(
        Membership.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "-left_on", "-id")
        .distinct("person_id")
        .values_list("person_id", "household_id")
    )


def _check_membership_dates(lines: list[_Line], errors: RowErrors) -> None:
    """The file's "member since" and date of death against what the registry holds: a membership
    already registered keeps its own "member since" (the file repeats it or leaves it empty), and a
    death may not come before it when it is known (``services.person_record_death`` says the same);
    an arrival joins on its transfer's moving date and dies, if it did, in the sending commune."""
    for line in lines:
        if line.arrival is not None:
            if line.member_since is not None and line.member_since != line.arrival.moved_on:
                errors.add(line.row, "member_since", _("an arrival joins on the transfer's moving date (%(date)s)")
                           % {"date": day(line.arrival.moved_on)})  # fmt: skip
            if line.date_of_death is not None:
                errors.add(line.row, "date_of_death",
                           _("the person's transfer is pending: the sending commune records the death"))  # fmt: skip
            continue
        membership = line.membership
        if membership is None:
            continue
        if line.member_since is not None and line.member_since != membership.joined_on:
            errors.add(
                line.row,
                "member_since",
                _("the registry has %(date)s: an import does not change a recorded member-since date")
                % {"date": day(membership.joined_on) or _("not known")},
            )
        elif line.date_of_death is not None and membership.joined_on and line.date_of_death < membership.joined_on:
            errors.add(line.row, "date_of_death", _("is before the person joined the household (%(date)s)")
                       % {"date": day(membership.joined_on)})  # fmt: skip


def _changed_fields(line: _Line) -> list[str]:
    """The file's person fields whose value differs from the registered person's (a cell that
    could not be read, None, changes nothing: it has its own error)."""
    person, data = line.existing_person, line.person
    return [
        name
        for name in FILE_PERSON_FIELDS
        if getattr(data, name) is not None and getattr(person, name) != getattr(data, name)
    ]


def _guarded_changes(lines: list[_Line]) -> dict[int, dict[str, list[str]]]:
    """What other apps say about the changes the file makes to registered persons
    (``households.guards``: one call for the whole file)."""
    return person_change_problems(
        (line.existing_person.pk, _changed_fields(line))
        for line in lines
        if line.existing_person is not None and line.admitted
    )


def _check_guarded_changes(lines: list[_Line], errors: RowErrors) -> None:
    """A change another app guards (a beneficiary's date of birth changes their allowance) is an
    error on the line and column that would make it."""
    problems = _guarded_changes(lines)
    for line in lines:
        if line.existing_person is not None and line.admitted:
            for name, messages in problems.get(line.existing_person.pk, {}).items():
                for message in messages:
                    errors.add(line.row, name, message)


def _villages_differ(line: _Line, first: _Line, *, village_required: bool) -> bool:
    """Compared only when both cells are valid, so one mistake gives one error."""
    if line.village_text == first.village_text:
        return False
    if not line.village_text or not first.village_text:
        return not village_required  # else each empty cell is reported as required
    return None not in (line.village, first.village)


def _check_household(group: _Group, errors: RowErrors) -> None:
    lines, existing = group.lines, group.existing
    first = lines[0]
    village_required = existing is None or existing.village_id is not None
    if existing is not None and existing.dissolved_on is not None:
        errors.add(first.row, "household_code", _("household %(code)s is dissolved") % {"code": group.code})
    for line in lines[1:]:
        differs = {
            "village": _villages_differ(line, first, village_required=village_required),
            "address": line.address != first.address,
            "area": None not in (line.area, first.area) and line.area != first.area,
        }
        for column in HOUSEHOLD_COLUMNS:
            if differs[column]:
                errors.add(
                    line.row,
                    column,
                    _("differs from line %(line)s of household %(code)s") % {"line": first.row, "code": group.code},
                )
    if village_required:
        for line in lines:
            if not line.village_text:
                errors.add(line.row, "village", _("is required"))
    heads = [line for line in lines if line.relationship == Relationship.HEAD]
    for line in heads[1:]:
        errors.add(
            line.row,
            "relationship",
            _("household %(code)s already has a head on line %(line)s") % {"code": group.code, "line": heads[0].row},
        )
    if existing is None:
        if not heads and all(line.relationship for line in lines):
            errors.add(
                first.row,
                "relationship",
                _("household %(code)s has no head: one line must have the relationship “head”") % {"code": group.code},
            )
        return
    for line in lines:
        person_id = line.existing_person.pk if line.existing_person else None
        is_registered_head = person_id is not None and person_id == existing.head_id
        if line.relationship and (line.relationship == Relationship.HEAD) != is_registered_head:
            errors.add(
                line.row, "relationship", _("the head differs from the registered head: use “change head” first")
            )


def import_households(*, rows: list[dict[str, str]], user, dry_run: bool = False) -> ImportReport:
    """Validate every line; then, unless ``dry_run`` or any line is wrong, write the whole file.

    "Updated" counts mean "matched a registered household or person", which now holds the file's
    values; rows whose values did not change are not rewritten (and get no history entry).
    """
    if not user.can_manage_registry:
        raise PermissionDenied
    today = timezone.localdate()
    errors = RowErrors(FILE_COLUMNS)
    codes = sorted({(row.get("commune_code") or "").strip() for row in rows} - {""})
    communes = {commune.code: commune for commune in communes_for_user(user).filter(code__in=codes)} if codes else {}
    villages = {
        (village.commune_id, fold_vietnamese(village.name)): village
        for village in Village.objects.filter(commune_id__in=list(communes))
    }

    lines: list[_Line] = []
    for index, row in enumerate(rows):
        values = {name: (row.get(name) or "").strip() for name in FILE_COLUMNS}
        if any(values.values()):
            lines.append(
                _parse_line(index + 2, values, communes=communes, villages=villages, today=today, errors=errors)
            )
    groups: dict[tuple[str, str], _Group] = {}
    for line in lines:
        if line.commune is not None and line.code:
            key = (line.commune.code, line.code)
            groups.setdefault(key, _Group(commune=line.commune, code=line.code)).lines.append(line)
    _load_households(groups)
    _check_persons(lines, groups, errors, user=user)
    _check_guarded_changes(lines, errors)
    for group in groups.values():
        _check_household(group, errors)

    report = ImportReport(dry_run=dry_run, errors=errors.sorted())
    if not report.ok:
        return report
    if any(line.already_dead for line in lines):
        lines = [line for line in lines if not line.already_dead]
        for group in groups.values():
            group.lines = [line for line in group.lines if not line.already_dead]
        groups = {key: group for key, group in groups.items() if group.lines}
    report.households_created = sum(1 for group in groups.values() if group.existing is None)
    report.households_updated = len(groups) - report.households_created
    report.persons_created = sum(1 for line in lines if line.existing_person is None)
    report.persons_updated = len(lines) - report.persons_created
    report.memberships_created = sum(1 for line in lines if line.membership is None)
    report.deaths_recorded = sum(1 for line in lines if line.date_of_death is not None)
    if dry_run:
        return report
    try:
        with transaction.atomic(durable=True):
            _write(list(groups.values()), user=user)
    except _DeathRefused as refused:
        # Checked above; the registry changed meanwhile (a head chosen, a death recorded on the page).
        report = ImportReport(dry_run=False, errors=[
            RowError(refused.row, "date_of_death", message) for message in refused.messages
        ])  # fmt: skip
    except IntegrityError:
        # Someone registered the same household or person between our check and our write.
        report = ImportReport(
            dry_run=False,
            errors=[RowError(0, "", _("The registry changed during the import; nothing was saved. Try again."))],
        )
    return report


# --- writing -----------------------------------------------------------------------------------
# The file is written with COPY (new rows) and COPY into a temporary table + one UPDATE … FROM
# (changed rows). The ORM's bulk_create and bulk_update spent most of a 100,000-line import
# building SQL in Python, and bulk_update's CASE grows with the batch (see _copy_update).


def _write(groups: list[_Group], *, user) -> None:
    now = timezone.now()
    lines = [line for group in groups for line in group.lines]
    if _guarded_changes(lines):
        # A change became guarded since the check (a case decided meanwhile): start again.
        raise IntegrityError("a guarded person change appeared during the import")
    _write_persons(lines, user=user, now=now)
    _write_households(groups, user=user, now=now)

    new_memberships, changed_memberships = [], []
    for group in groups:
        for line in group.lines:
            if line.membership is None:
                new_memberships.append(
                    {
                        "person_id": line.person_id,
                        "household_id": group.household_id,
                        "relationship": line.relationship,
                        # An arrival leaves the sending commune and joins here on the moving date;
                        # anyone else since the file's "member since" date (None: not known).
                        "joined_on": line.arrival.moved_on if line.arrival else line.member_since,
                    }
                )
            elif line.membership.relationship != line.relationship:
                line.membership.relationship, line.membership.updated_at = line.relationship, now
                changed_memberships.append(line.membership)
    arrivals = [(group, line) for group in groups for line in group.lines if line.arrival is not None]
    _lock_arrivals([line.arrival.pk for _group, line in arrivals])
    left_households = _leave_sending_households([line for _group, line in arrivals], user=user, now=now)
    _copy_insert(Membership, _complete(Membership, new_memberships, now=now))
    _copy_update(Membership, changed_memberships, ["relationship", "updated_at"])
    _accept_arrivals(arrivals, user=user, now=now)

    for chunk in _chunks([group.household_id for group in groups] + left_households, REFRESH_CHUNK):
        household_summaries_refresh(chunk)
    _dissolve_emptied(left_households)
    _copy_insert(HouseholdEvent, _complete(HouseholdEvent, [_event(group, user) for group in groups], now=now))
    _flag_possible_duplicates([line.person_id for line in lines if line.existing_person is None])
    _record_deaths([line for line in lines if line.date_of_death is not None], user=user)


class _DeathRefused(Exception):
    def __init__(self, row: int, messages: list[str]):
        super().__init__(row, messages)
        self.row, self.messages = row, messages


def _record_deaths(lines: list[_Line], *, user) -> None:
    """Each death the file carries (a member who died before the hand-over), recorded as the page
    records one: ``services.person_record_death`` checks it, ends the membership that day, writes
    the DEATH event with the importing user, cancels a pending transfer and dissolves a household
    left empty. One call per death (few in a file), after the set-based write, in its transaction."""
    persons = Person.objects.in_bulk([line.person_id for line in lines])
    for line in lines:
        try:
            person_record_death(
                person=persons[line.person_id],
                date_of_death=line.date_of_death,
                reason=_("recorded by the household import"),
                acting_user=user,
            )
        except ValidationError as error:
            raise _DeathRefused(line.row, [m for messages in error.message_dict.values() for m in messages]) from error


def _lock_arrivals(transfer_ids: list[int]) -> None:
    """The transfers the file completes, still pending, locked until the import commits (one the
    sending commune cancelled meanwhile makes the import start again, as any change would)."""
    if transfer_ids:
        still = Transfer.objects.select_for_update().filter(pk__in=transfer_ids, status=Transfer.Status.PENDING)
        if len(still.values_list("pk", flat=True)) != len(transfer_ids):
            raise IntegrityError("a transfer was decided during the import")


def _leave_sending_households(lines: list[_Line], *, user, now) -> list[int]:
    """Arrivals leave their household in the sending commune on their moving date (one UPDATE),
    each with a "moved out" event there; the ids of the households they left."""
    leaving = [line for line in lines if line.leaving is not None]
    if not leaving:
        return []
    ids = [line.leaving.pk for line in leaving]
    transfer = Transfer.objects.filter(pk__in=[line.arrival.pk for line in leaving], person_id=OuterRef("person_id"))
    Membership.objects.filter(pk__in=ids).update(
        left_on=Subquery(transfer.values("moved_on")[:1]),
        left_reason=Subquery(transfer.values("reason")[:1]),
        updated_at=now,
    )
    events = [
        {
            "household_id": line.leaving.household_id,
            "person_id": line.person_id,
            "commune_id": line.leaving.household.commune_id,
            "kind": HouseholdEvent.Kind.MEMBER_LEFT.value,
            "actor_id": user.pk,
            "reason": line.arrival.reason,
            "data": {"name": line.existing_person.full_name, "to_commune": line.commune.name},
        }
        for line in leaving
    ]
    _copy_insert(HouseholdEvent, _complete(HouseholdEvent, events, now=now))
    return sorted({line.leaving.household_id for line in leaving})


def _accept_arrivals(arrivals: list[tuple[_Group, _Line]], *, user, now) -> None:
    """The arrivals' transfers are accepted: placed in the file's household, with the identity of
    the person they were about (``Transfer.members``)."""
    accepted = []
    for group, line in arrivals:
        transfer, data = line.arrival, line.person
        transfer.status, transfer.decided_by_id, transfer.decided_at = Transfer.Status.ACCEPTED, user.pk, now
        transfer.placed_in_id, transfer.updated_at = group.household_id, now
        transfer.members = [{"full_name": data.full_name, "date_of_birth": data.date_of_birth.isoformat(),
                             "sex": data.sex, "national_id": data.national_id}]  # fmt: skip
        accepted.append(transfer)
    _copy_update(Transfer, accepted, ["status", "decided_by", "decided_at", "placed_in", "members", "updated_at"])


def _dissolve_emptied(household_ids: list[int]) -> None:
    """A household its last member left by transfer is dissolved on the day they left."""
    if household_ids:
        last_left = Membership.objects.filter(household=OuterRef("pk")).order_by("-left_on").values("left_on")[:1]
        Household.objects.filter(pk__in=household_ids, member_count=0, dissolved_on__isnull=True).update(
            dissolved_on=Subquery(last_left)
        )


def _write_persons(lines: list[_Line], *, user, now) -> None:
    new, changed, changed_fields = [], [], set()
    for line in lines:
        data = line.person
        if line.existing_person is None:
            new.append(
                {
                    "national_id": data.national_id,
                    "search_name": fold_vietnamese(data.full_name),
                    **{name: getattr(data, name) for name in FILE_PERSON_FIELDS},
                }
            )
            continue
        person = line.existing_person
        line.person_id = person.pk
        fields = _changed_fields(line)
        if fields:
            for name in fields:
                setattr(person, name, getattr(data, name))
            person.search_name, person.updated_at = fold_vietnamese(person.full_name), now
            changed.append(person)
            changed_fields.update(fields)
    new_lines = [line for line in lines if line.existing_person is None]
    for line, row, pk in zip(new_lines, new, _allocate_ids(Person, len(new)), strict=True):
        line.person_id = row["id"] = pk
    _copy_insert(Person, _complete(Person, new, now=now), with_pk=True)
    _copy_history(Person, new, user=user, now=now, history_type="+")
    _copy_update(Person, changed, [*sorted(changed_fields), "search_name", "updated_at"])
    _copy_history(Person, _as_rows(Person, changed), user=user, now=now, history_type="~")


def _write_households(groups: list[_Group], *, user, now) -> None:
    new, new_groups, changed = [], [], []
    for group in groups:
        first = group.lines[0]
        if group.existing is None:
            head = next(line for line in group.lines if line.relationship == Relationship.HEAD)
            new.append(
                {
                    "commune_id": group.commune.code,
                    "code": group.code,
                    "village_id": first.village.pk if first.village is not None else None,
                    "address": first.address,
                    "area": first.area,
                    "head_id": head.person_id,
                }
            )
            new_groups.append(group)
            continue
        household = group.existing
        group.household_id = household.pk
        village_id = first.village.pk if first.village is not None else household.village_id
        if (household.village_id, household.address, household.area) != (village_id, first.address, first.area):
            household.village_id, household.address, household.area = village_id, first.address, first.area
            household.updated_at = now
            changed.append(household)
    for group, row, pk in zip(new_groups, new, _allocate_ids(Household, len(new)), strict=True):
        group.household_id = row["id"] = pk
    _copy_insert(Household, _complete(Household, new, now=now), with_pk=True)
    _copy_history(Household, new, user=user, now=now, history_type="+")
    _copy_update(Household, changed, ["village", "address", "area", "updated_at"])
    _copy_history(Household, _as_rows(Household, changed), user=user, now=now, history_type="~")


def _event(group: _Group, user) -> dict:
    if group.existing is None:
        kind, data = HouseholdEvent.Kind.REGISTERED.value, {"code": group.code, "members": len(group.lines)}
    else:
        created = sum(1 for line in group.lines if line.membership is None)
        kind, data = HouseholdEvent.Kind.IMPORTED.value, {"created": created, "updated": len(group.lines) - created}
    return {
        "household_id": group.household_id,
        "commune_id": group.commune.code,
        "kind": kind,
        "actor_id": user.pk,
        "data": data,
    }


def _complete(model, rows: list[dict], *, now) -> list[dict]:
    """Fill each new row ({attname: value}) with what ``model(**row)`` and ``save()`` would add:
    field defaults (a fresh one per row when the default is callable) and ``now`` for
    auto_now/auto_now_add timestamps. Dicts, not instances: building 100,000 model instances
    costs more than writing them."""
    constants, factories = {}, {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            constants[model_field.attname] = now
        elif model_field.has_default() and callable(model_field.default):
            factories[model_field.attname] = model_field.default
        else:
            constants[model_field.attname] = model_field.get_default()
    indexed = bool(blind_index_fields(model))
    for row in rows:
        for attname, value in constants.items():
            row.setdefault(attname, value)
        for attname, factory in factories.items():
            if attname not in row:
                row[attname] = factory()
        if indexed:
            derive_indexes(model, row)
    return rows


def _as_rows(model, objects: list) -> list[dict]:
    indexed = bool(blind_index_fields(model))
    rows = [{field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields} for obj in objects]
    return [derive_indexes(model, row) for row in rows] if indexed else rows


def _allocate_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken from the table's own sequence in one query, so
    that rows written by COPY can be referred to at once (a household's head, a membership)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _db_value(field, value):
    # Personal data is encrypted as ``save`` would (privacy.fields): COPY never writes a plaintext account.
    if isinstance(field, (EncryptedCharField, EncryptedKeysJSONField)):
        return field.get_db_prep_save(value, connection)
    if isinstance(field, JSONField) and value is not None:
        return Jsonb(value)
    return value


def _copy_rows(table: str, fields: list, rows: Iterator[list]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # The raw psycopg cursor: wrap its errors as Django's (a unique violation is an IntegrityError).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _copy_insert(model, rows: list[dict], *, with_pk: bool = False) -> None:
    """INSERT complete rows ({attname: value}, see ``_complete``) with COPY."""
    if not rows:
        return
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    _copy_rows(
        model._meta.db_table, fields, ([_db_value(field, row[field.attname]) for field in fields] for row in rows)
    )


def _copy_history(model, rows: list[dict], *, user, now, history_type: str) -> None:
    """The simple-history rows that ``bulk_history_create`` would write, by COPY."""
    if not rows:
        return
    history = model.history.model
    fields = [field for field in history._meta.concrete_fields if not field.primary_key]
    own = {
        "history_date": now,
        "history_change_reason": HISTORY_REASON,
        "history_type": history_type,
        "history_user_id": user.pk,
    }
    _copy_rows(
        history._meta.db_table,
        fields,
        (
            [own[field.attname] if field.attname in own else _db_value(field, row[field.attname]) for field in fields]
            for row in rows
        ),
    )


def _copy_update(model, objects: list, field_names: list[str]) -> None:
    """UPDATE ``field_names`` of saved ``objects``: COPY the new values into a temporary table,
    then one UPDATE … FROM. (bulk_update's CASE WHEN pk = … per row is linear in the batch size
    for every row updated, which turns 100,000 updates into minutes.)"""
    if not objects:
        return
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk
    fields = [pk, *(model._meta.get_field(name) for name in field_names)]
    # A blind index follows its source (privacy.fields), as save(update_fields=…) would have it.
    for index in blind_index_fields(model):
        if index.source in field_names:
            for obj in objects:
                index.pre_save(obj, False)
            if index not in fields:
                fields.append(index)
    columns = ", ".join(quote(field.column) for field in fields)
    temporary = f"import_{table}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(temporary)} ON COMMIT DROP AS SELECT {columns} FROM {quote(table)} WITH NO DATA"
        )
    _copy_rows(temporary, fields, ([_db_value(f, getattr(obj, f.attname)) for f in fields] for obj in objects))
    assignments = ", ".join(f"{quote(field.column)} = new.{quote(field.column)}" for field in fields[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} AS target SET {assignments} FROM {quote(temporary)} AS new "
            f"WHERE target.{quote(pk.column)} = new.{quote(pk.column)}"
        )
        cursor.execute(f"DROP TABLE {quote(temporary)}")


def _flag_possible_duplicates(person_ids: list[int]) -> None:
    """The rule of ``services._flag_possible_duplicates`` for many new persons in one query:
    someone else with the same folded name and date of birth in a household of the same province.
    Two new persons of one file alike are flagged once, the later against the earlier, as the
    form would have done entering them one after the other."""
    if not person_ids:
        return
    tables = {
        "person": Person._meta.db_table,
        "membership": Membership._meta.db_table,
        "household": Household._meta.db_table,
        "commune": Commune._meta.db_table,
    }
    sql = """
        SELECT DISTINCT new.id, other.id, home.commune_id
        FROM (SELECT DISTINCT value::bigint AS id FROM jsonb_array_elements_text(%s::jsonb)) AS new_person
        JOIN {person} new ON new.id = new_person.id
        JOIN {membership} current ON current.person_id = new.id AND current.left_on IS NULL
        JOIN {household} home ON home.id = current.household_id
        JOIN {commune} home_commune ON home_commune.code = home.commune_id
        JOIN {person} other
          ON other.search_name = new.search_name AND other.date_of_birth = new.date_of_birth AND other.id <> new.id
        JOIN {membership} other_membership ON other_membership.person_id = other.id
        JOIN {household} other_home ON other_home.id = other_membership.household_id
        JOIN {commune} other_commune
          ON other_commune.code = other_home.commune_id AND other_commune.province_id = home_commune.province_id
    """.format(**tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(person_ids)])
        pairs = cursor.fetchall()
    # Filtered here rather than in SQL: an anti-join against 100,000 new ids misleads the planner.
    new = set(person_ids)
    DuplicateFlag.objects.bulk_create(
        [
            DuplicateFlag(person_id=person_id, existing_id=other_id, commune_id=commune_id)
            for person_id, other_id, commune_id in pairs
            if not (other_id in new and other_id > person_id)
        ],
        batch_size=LOOKUP_CHUNK,
        ignore_conflicts=True,
    )
