"""Household registry import (rules.md §4.0): one line per member, the head's line has `head`.

The whole file lands or nothing does. Every line is validated first, in Python, against data loaded
with a fixed number of queries per 10,000 lines (communes, villages, the households and persons the
file names, their current memberships); the report then names every bad line, column and reason.
A change of a registered person that another app guards (``households.guards``: a beneficiary's
date of birth) is such an error too, on its line and column.
Two optional columns carry a hand-over from the paper registers: ``member_since`` (empty or
"không rõ": not known, no lower bound) and ``date_of_death`` (a member who died before the hand-over,
recorded after the write through ``services.person_record_death``, as the page records a death).
A clean file is written by the registry's bulk service, ``households.bulk.households_import``:
set-based in one transaction, with its history and events (``core.audit``), so a 100,000-line file
costs seconds, not a query per person.
"""

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import cyclic_gc_paused
from core.columns import ACCEPTED_VALUES, accepted
from core.formatting import day
from core.tabular import RowError, RowErrors, read_table, split_table
from core.text import fold_vietnamese
from geography.models import Area, Village
from geography.scoping import communes_for_user, in_scope
from households.bulk import (
    DeathRefused,
    ImportGroup,
    ImportLine,
    changed_fields,
    guarded_changes,
    households_import,
)
from households.disclosure import cannot_use_here
from households.ethnicity import ETHNIC_GROUPS, ethnicity_code
from households.models import (
    DisabilityLevel,
    Household,
    Membership,
    Person,
    Relationship,
    Transfer,
)
from households.services import PersonData, person_data_problems

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
HOUSEHOLD_COLUMNS = ["village", "address", "area"]

LOOKUP_CHUNK = 10_000
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


# A file repeats the same few villages and ethnic groups on every line: fold each spelling once.
_fold = functools.lru_cache(maxsize=4096)(fold_vietnamese)
_ethnicity_code = functools.lru_cache(maxsize=512)(ethnicity_code)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _parse_line(row: int, values: dict[str, str], *, communes, villages, today: date, errors: RowErrors) -> ImportLine:
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
    return ImportLine(
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


def _load_households(groups: dict[tuple[str, str], ImportGroup]) -> None:
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


def _check_persons(lines: list[ImportLine], groups, errors: RowErrors, *, user) -> None:
    """Registered persons join the file's household only from where they live now: a person of
    another household is refused, unless their transfer to this commune is pending (the import
    then completes it); one without a household (who left before transfers were requests) only
    in the commune they were last registered in, or with a pending transfer here.

    A refusal names the person's household, commune or death only when that commune is one of
    the user's (``in_scope``); otherwise it is the neutral ``cannot_use_here`` (issue 15 §3: a dry
    run is not a lookup of other communes' registries)."""
    first_line: dict[str, int] = {}
    unique: list[ImportLine] = []
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
    elsewhere: list[tuple[ImportLine, Membership]] = []
    deceased: list[ImportLine] = []
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
            if changed_fields(line):
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


def _match_children_without_id(lines: list[ImportLine], groups, errors: RowErrors) -> None:
    """A line without a national ID (a child under 14) is the current member of the file's
    registered household who has none either and the same name and date of birth, when there is
    one (so that importing a household again does not register its children twice); otherwise a
    new person. Two such lines alike in one household are one person written twice."""
    keyed: dict[tuple, ImportLine] = {}
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


def _check_membership_dates(lines: list[ImportLine], errors: RowErrors) -> None:
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


def _check_guarded_changes(lines: list[ImportLine], errors: RowErrors) -> None:
    """A change another app guards (a beneficiary's date of birth changes their allowance) is an
    error on the line and column that would make it."""
    problems = guarded_changes(lines)
    for line in lines:
        if line.existing_person is not None and line.admitted:
            for name, messages in problems.get(line.existing_person.pk, {}).items():
                for message in messages:
                    errors.add(line.row, name, message)


def _villages_differ(line: ImportLine, first: ImportLine, *, village_required: bool) -> bool:
    """Compared only when both cells are valid, so one mistake gives one error."""
    if line.village_text == first.village_text:
        return False
    if not line.village_text or not first.village_text:
        return not village_required  # else each empty cell is reported as required
    return None not in (line.village, first.village)


def _check_household(group: ImportGroup, errors: RowErrors) -> None:
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
    with cyclic_gc_paused():
        return _import(rows, user=user, dry_run=dry_run)


def _import(rows: list[dict[str, str]], *, user, dry_run: bool) -> ImportReport:
    today = timezone.localdate()
    errors = RowErrors(FILE_COLUMNS)
    codes = sorted({(row.get("commune_code") or "").strip() for row in rows} - {""})
    communes = {commune.code: commune for commune in communes_for_user(user).filter(code__in=codes)} if codes else {}
    villages = {
        (village.commune_id, fold_vietnamese(village.name)): village
        for village in Village.objects.filter(commune_id__in=list(communes))
    }

    lines: list[ImportLine] = []
    for index, row in enumerate(rows):
        values = {name: (row.get(name) or "").strip() for name in FILE_COLUMNS}
        if any(values.values()):
            lines.append(
                _parse_line(index + 2, values, communes=communes, villages=villages, today=today, errors=errors)
            )
    groups: dict[tuple[str, str], ImportGroup] = {}
    for line in lines:
        if line.commune is not None and line.code:
            key = (line.commune.code, line.code)
            groups.setdefault(key, ImportGroup(commune=line.commune, code=line.code)).lines.append(line)
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
        households_import(list(groups.values()), acting_user=user)
    except DeathRefused as refused:
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
