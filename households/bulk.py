"""The household registry's set-based writes, for the import (``households.importing``).

The importer reads and checks the whole file; ``households_import`` then writes it in one
transaction, set-based (COPY for new rows, COPY into a temporary table and one UPDATE for changed
ones: ``core.bulk``), with the audit every registry write has: simple-history rows for each person,
household written (none for a row the file does not change) and a household event per household,
through ``core.audit``, the one writer of set-based history and events. A 100,000-line file costs
seconds, not a query per person.
"""

import json
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import write_events, write_history, write_history_of_new_rows
from core.bulk import allocate_ids, as_rows, complete_rows, copy_insert, copy_update, in_index_order
from core.text import fold_vietnamese
from geography import sql as geography_sql
from geography.models import Commune, Village
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
from households.services import PersonData, household_summaries_refresh, person_record_death

# The person fields an import file carries and writes as they are (the health-insurance number is
# not in it; a date of death is recorded as a death, by ``services.person_record_death``).
FILE_PERSON_FIELDS = ["full_name", "date_of_birth", "sex", "ethnicity", "phone", "disability_level"]
REFRESH_CHUNK = 20_000
DUPLICATE_BATCH = 10_000


@dataclass
class ImportLine:
    """One checked line of a registry import file (``households.importing``), as the writer takes it."""

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
    search_name: str = ""  # the person's, once written
    member_since: date | None = None  # None: not known (or not given)
    date_of_death: date | None = None  # a death before the hand-over, recorded after the write
    # The registered person may join here (``_check_persons``): only then is the file's change to
    # them checked further (a guard's refusal would tell of another commune's allowance case).
    admitted: bool = False
    # A death the registry already records in this household, repeated by the file: nothing to write.
    already_dead: bool = False


@dataclass
class ImportGroup:
    """The checked lines of one household of the file."""

    commune: Commune
    code: str
    lines: list[ImportLine] = field(default_factory=list)
    existing: Household | None = None
    household_id: int | None = None  # once written


def changed_fields(line: ImportLine) -> list[str]:
    """The file's person fields whose value differs from the registered person's (a cell that
    could not be read, None, changes nothing: it has its own error)."""
    person, data = line.existing_person, line.person
    return [
        name
        for name in FILE_PERSON_FIELDS
        if getattr(data, name) is not None and getattr(person, name) != getattr(data, name)
    ]


def guarded_changes(lines: list[ImportLine]) -> dict[int, dict[str, list[str]]]:
    """What other apps say about the changes the file makes to registered persons
    (``households.guards``: one call for the whole file)."""
    return person_change_problems(
        (line.existing_person.pk, changed_fields(line))
        for line in lines
        if line.existing_person is not None and line.admitted
    )


def households_import(groups: list[ImportGroup], *, acting_user) -> None:
    """Write checked groups (``households.importing``: one per household of the file, every line
    checked) in one durable transaction: persons, households, memberships, completed arrivals, each
    with its history, and one REGISTERED or IMPORTED event per household; then the deaths the file
    records, through ``services.person_record_death``. Sets each line's ``person_id`` and each
    group's ``household_id``. The registry changed since the check: IntegrityError (a guarded
    change, a transfer decided, a unique row taken) or ``DeathRefused``; nothing is written then."""
    with transaction.atomic(durable=True):
        _write(groups, user=acting_user)


def _write(groups: list[ImportGroup], *, user) -> None:
    now = timezone.now()
    lines = [line for group in groups for line in group.lines]
    if guarded_changes(lines):
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
    copy_insert(Membership, complete_rows(Membership, new_memberships, now=now))
    copy_update(Membership, changed_memberships, ["relationship", "updated_at"])
    _accept_arrivals(arrivals, user=user, now=now)
    _flag_possible_duplicates(
        [(group, line) for group in groups for line in group.lines if line.existing_person is None]
    )

    # A new household's summaries were written with it (``_new_summaries``).
    refreshed = [group.household_id for group in groups if group.existing is not None] + left_households
    for start in range(0, len(refreshed), REFRESH_CHUNK):
        household_summaries_refresh(refreshed[start : start + REFRESH_CHUNK])
    _dissolve_emptied(left_households)
    write_events(HouseholdEvent, [_event(group, user) for group in groups], now=now)
    _record_deaths([line for line in lines if line.date_of_death is not None], user=user)


class DeathRefused(Exception):
    def __init__(self, row: int, messages: list[str]):
        super().__init__(row, messages)
        self.row, self.messages = row, messages


def _record_deaths(lines: list[ImportLine], *, user) -> None:
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
            raise DeathRefused(line.row, [m for messages in error.message_dict.values() for m in messages]) from error


def _lock_arrivals(transfer_ids: list[int]) -> None:
    """The transfers the file completes, still pending, locked until the import commits (one the
    sending commune cancelled meanwhile makes the import start again, as any change would)."""
    if transfer_ids:
        still = Transfer.objects.select_for_update().filter(pk__in=transfer_ids, status=Transfer.Status.PENDING)
        if len(still.values_list("pk", flat=True)) != len(transfer_ids):
            raise IntegrityError("a transfer was decided during the import")


def _leave_sending_households(lines: list[ImportLine], *, user, now) -> list[int]:
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
    write_events(HouseholdEvent, events, now=now)
    return sorted({line.leaving.household_id for line in leaving})


def _accept_arrivals(arrivals: list[tuple[ImportGroup, ImportLine]], *, user, now) -> None:
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
    copy_update(Transfer, accepted, ["status", "decided_by", "decided_at", "placed_in", "members", "updated_at"])


def _dissolve_emptied(household_ids: list[int]) -> None:
    """A household its last member left by transfer is dissolved on the day they left."""
    if household_ids:
        last_left = Membership.objects.filter(household=OuterRef("pk")).order_by("-left_on").values("left_on")[:1]
        Household.objects.filter(pk__in=household_ids, member_count=0, dissolved_on__isnull=True).update(
            dissolved_on=Subquery(last_left)
        )


def _write_persons(lines: list[ImportLine], *, user, now) -> None:
    new, changed, updated_fields = [], [], set()
    for line in lines:
        data = line.person
        if line.existing_person is None:
            line.search_name = fold_vietnamese(data.full_name)
            new.append(
                {
                    "national_id": data.national_id,
                    "search_name": line.search_name,
                    **{name: getattr(data, name) for name in FILE_PERSON_FIELDS},
                }
            )
            continue
        person = line.existing_person
        line.person_id = person.pk
        fields = changed_fields(line)
        if fields:
            for name in fields:
                setattr(person, name, getattr(data, name))
            person.search_name, person.updated_at = fold_vietnamese(person.full_name), now
            changed.append(person)
            updated_fields.update(fields)
        line.search_name = person.search_name
    new_lines = [line for line in lines if line.existing_person is None]
    for line, row, pk in zip(new_lines, new, allocate_ids(Person, len(new)), strict=True):
        line.person_id = row["id"] = pk
    new = in_index_order(complete_rows(Person, new, now=now), "search_name", "date_of_birth")
    copy_insert(Person, new, with_pk=True)
    write_history_of_new_rows(Person, [row["id"] for row in new], user=user, now=now)
    copy_update(Person, changed, [*sorted(updated_fields), "search_name", "updated_at"])
    write_history(Person, as_rows(Person, changed), user=user, now=now, history_type="~")


def _write_households(groups: list[ImportGroup], *, user, now) -> None:
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
    for group, row, pk in zip(new_groups, new, allocate_ids(Household, len(new)), strict=True):
        group.household_id = row["id"] = pk
    new = in_index_order(complete_rows(Household, new, now=now), "commune_id", "code")
    # The history rows are those of the household as created, before its members (as on the page).
    write_history(Household, new, user=user, now=now, history_type="+")
    summaries = dict(zip([group.household_id for group in new_groups], _new_summaries(new_groups), strict=True))
    for row in new:
        row["member_count"], row["has_disability"], row["search_text"] = summaries[row["id"]]
    copy_insert(Household, new, with_pk=True)
    copy_update(Household, changed, ["village", "address", "area", "updated_at"])
    write_history(Household, as_rows(Household, changed), user=user, now=now, history_type="~")


def _new_summaries(groups: list[ImportGroup]) -> list[tuple[int, bool, str]]:
    """What ``services.household_summaries_refresh`` computes, for households the file creates,
    without updating 28,000 rows just written: their current members are the file's lines, so
    (member count, a member with a disability, the members' folded names). The names are ordered
    by the database, as the refresh's ORDER BY orders them (the collation decides, not Python)."""
    if not groups:
        return []
    names = [[line.search_name for line in group.lines] for group in groups]
    sql = """
        SELECT coalesce(string_agg(name, ' ' ORDER BY name), '')
          FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS household(names, position),
               LATERAL jsonb_array_elements_text(household.names) AS name
         GROUP BY position
         ORDER BY position
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(names)])
        texts = [text for (text,) in cursor.fetchall()]
    return [
        (len(group.lines), any(line.person.disability_level != DisabilityLevel.NONE for line in group.lines), text)
        for group, text in zip(groups, texts, strict=True)
    ]


def _event(group: ImportGroup, user) -> dict:
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


def _flag_possible_duplicates(new: list[tuple[ImportGroup, ImportLine]]) -> None:
    """The rule of ``services._flag_possible_duplicates`` for the file's new persons (with the
    household of the file each joins) in one query: someone else with the same folded name and
    date of birth in a household of the same province. Two new persons of one file alike are
    flagged once, the later against the earlier, as the form would have done entering them one
    after the other. Run once the memberships are written (another new person of the file is
    found through theirs).

    The new persons' side comes from the file: their name, date of birth and the province of
    their household's commune, sent in the order of the (name, date of birth) index the query
    probes once for each of them, so that the probes walk the index forward (just after the
    persons' COPY wrote into it in that order) instead of reading a page of it at random each."""
    if not new:
        return
    persons = sorted(
        (
            (line.search_name, line.person.date_of_birth.isoformat(), line.person_id, group.commune.code,
             group.commune.province_id)
            for group, line in new
        ),
    )  # fmt: skip
    tables = {
        "person": Person._meta.db_table,
        "membership": Membership._meta.db_table,
        "household": Household._meta.db_table,
        "commune": f"({geography_sql.communes()})",
    }
    sql = """
        SELECT DISTINCT new.id, other.id, new.commune_id
        FROM (
            SELECT person->>0 AS search_name, (person->>1)::date AS date_of_birth, (person->>2)::bigint AS id,
                   person->>3 AS commune_id, person->>4 AS province_id
              FROM jsonb_array_elements(%s::jsonb) AS person
        ) AS new
        JOIN {person} other
          ON other.search_name = new.search_name AND other.date_of_birth = new.date_of_birth AND other.id <> new.id
        JOIN {membership} other_membership ON other_membership.person_id = other.id
        JOIN {household} other_home ON other_home.id = other_membership.household_id
        JOIN {commune} other_commune
          ON other_commune.commune_id = other_home.commune_id AND other_commune.province_id = new.province_id
    """.format(**tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(persons)])
        pairs = cursor.fetchall()
    # Filtered here rather than in SQL: an anti-join against 100,000 new ids misleads the planner.
    new_ids = {person[2] for person in persons}
    DuplicateFlag.objects.bulk_create(
        [
            DuplicateFlag(person_id=person_id, existing_id=other_id, commune_id=commune_id)
            for person_id, other_id, commune_id in pairs
            if not (other_id in new_ids and other_id > person_id)
        ],
        batch_size=DUPLICATE_BATCH,
        ignore_conflicts=True,
    )


def persons_phone_update(persons: list[Person], *, acting_user, now) -> None:
    """Write the phone numbers of ``persons`` (saved persons holding their new ``phone`` and
    ``updated_at``), set-based, each with its history row: for another app's import (the allowance
    list carries the beneficiaries' phones)."""
    copy_update(Person, persons, ["phone", "updated_at"])
    write_history(Person, as_rows(Person, persons), user=acting_user, now=now, history_type="~")
