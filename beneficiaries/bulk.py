"""The allowance cases' set-based writes, for the import of a commune's list (``beneficiaries.importing``).

The importer checks the file and stores it as a batch; on the chair's confirmation (and once in a
rolled-back trial, for the amounts) ``cases_import`` writes its lines set-based with COPY
(``core.bulk``): new active cases, changed cases, replaced categories, each with its history rows,
two events per case, the deaths through the registry's service and the phones through the registry's
bulk service, all audited through ``core.audit``, the one writer of set-based history and events.
"""

import copy
import json
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Case, CaseCategory, CaseEvent, ImportBatch
from core.audit import write_events, write_history
from core.bulk import allocate_ids, as_rows, complete_rows, copy_insert, copy_update
from households.bulk import persons_phone_update
from households.models import Person
from households.services import person_record_death

# The case fields an allowance list carries (``ImportBatchLine.proposed`` keeps them).
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


@dataclass
class CaseLine:
    """One checked line of an allowance list, as the writer takes it."""

    row: int
    person: Person
    commune_id: str
    categories: list[tuple[str, int]]
    values: dict  # CASE_FIELDS -> value
    phone: str | None  # the registry's phone to write, None to leave it
    # A death the file gives for a person whose registry records none: recorded in the registry
    # (``households.services.person_record_death``) when the chair confirms the list, not before.
    record_death: date | None = None
    case: Case | None = None  # the open case this line updates
    case_id: int | None = None  # once written
    changed: list[str] = field(default_factory=list)
    categories_changed: bool = False


def _record_deaths(lines: list[CaseLine], *, batch: ImportBatch, acting_user) -> dict[int, date]:
    """The deaths the lines record, through the registry's own service (the page's): the person
    leaves their household that day, with a DEATH event on it. The officer who imported the list
    declared the death and holds the registry role, so the event is theirs; it names the batch and
    the chair who confirmed it (``acting_user``). Any refusal: ValidationError naming the line.
    {person id: date of death}."""
    recorded = {}
    for line in lines:
        if line.record_death is None:
            continue
        try:
            person_record_death(
                person=copy.copy(line.person),
                date_of_death=line.record_death,
                reason=_("recorded by the allowance list %(file)s") % {"file": batch.filename or f"#{batch.pk}"},
                acting_user=batch.imported_by,
                batch=batch.pk,
                confirmed_by=acting_user.username,
            )
        except ValidationError as error:
            raise ValidationError(
                [
                    _("line %(line)s: %(problem)s") % {"line": line.row, "problem": message}
                    for messages in error.message_dict.values()
                    for message in messages
                ]
            ) from error
        except PermissionDenied as error:
            raise ValidationError(
                _("line %(line)s: %(problem)s")
                % {
                    "line": line.row,
                    "problem": _("the person who imported the list can no longer write this commune's registry"),
                }
            ) from error
        recorded[line.person.pk] = line.record_death
    return recorded


def cases_import(
    lines: list[CaseLine], categories: dict[int, list[CaseCategory]], *, batch: ImportBatch, acting_user
) -> None:
    """Write an allowance list's checked lines (``beneficiaries.importing``) set-based, in the
    caller's transaction (confirmation's, or the import's trial savepoint): new active cases prepared by the importer and decided by
    ``acting_user`` (the chair who confirms), changed fields and replaced categories of open cases,
    phones, and two events per case written. Leaves ``lines``' cases and persons as they were read
    (copies are written), setting only each line's ``case_id``."""
    now = timezone.now()
    deaths = _record_deaths(lines, batch=batch, acting_user=acting_user)
    new_lines = [line for line in lines if line.case is None]
    changed = [
        line
        for line in lines
        if line.case is not None and (line.changed or line.categories_changed or line.record_death)
    ]

    new_cases = [
        {
            "person_id": line.person.pk,
            "commune_id": line.commune_id,
            "status": Case.Status.ACTIVE.value,
            "applied_on": line.values["decision_date"],
            "prepared_by_id": batch.imported_by_id,
            "decided_by_id": acting_user.pk,
            **line.values,
        }
        for line in new_lines
    ]
    for line, row, pk in zip(new_lines, new_cases, allocate_ids(Case, len(new_cases)), strict=True):
        row["id"] = pk
        line.case_id = pk
    copy_insert(Case, complete_rows(Case, new_cases, now=now), with_pk=True)
    write_history(Case, new_cases, user=acting_user, now=now, history_type="+")

    updated_cases = []
    for line in changed:
        line.case_id = line.case.pk
        if line.changed:
            case = copy.copy(line.case)
            for name in line.changed:
                setattr(case, name, line.values[name])
            case.updated_at = now
            updated_cases.append(case)
    copy_update(Case, updated_cases, [*CASE_FIELDS, "updated_at"])
    write_history(Case, as_rows(Case, updated_cases), user=acting_user, now=now, history_type="~")

    replaced = [line for line in changed if line.categories_changed]
    removed = [row for line in replaced for row in categories.get(line.case.pk, [])]
    if removed:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {CaseCategory._meta.db_table} "
                "WHERE id = ANY(ARRAY(SELECT value::bigint FROM jsonb_array_elements_text(%s::jsonb)))",
                [json.dumps([row.pk for row in removed])],
            )
        write_history(CaseCategory, as_rows(CaseCategory, removed), user=acting_user, now=now, history_type="-")
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
    for row, pk in zip(category_rows, allocate_ids(CaseCategory, len(category_rows)), strict=True):
        row["id"] = pk
    copy_insert(CaseCategory, complete_rows(CaseCategory, category_rows, now=now), with_pk=True)
    write_history(CaseCategory, category_rows, user=acting_user, now=now, history_type="+")

    # The timeline says who imported the line (when the file was imported) and who confirmed it.
    events = []
    for line in [*new_lines, *changed]:
        events.append({
            "case_id": line.case_id, "kind": CaseEvent.Kind.IMPORTED.value, "actor_id": batch.imported_by_id,
            "reason": "", "occurred_at": batch.created_at, "data": {**_event_data(line), "batch": batch.pk},
        })  # fmt: skip
        events.append({
            "case_id": line.case_id, "kind": CaseEvent.Kind.IMPORT_CONFIRMED.value, "actor_id": acting_user.pk,
            "reason": "", "data": {"batch": batch.pk, "line": line.row},
        })  # fmt: skip
    write_events(CaseEvent, events, now=now)

    phones = []
    for line in lines:
        if line.phone is not None:
            person = copy.copy(line.person)
            person.phone, person.updated_at = line.phone, now
            person.date_of_death = deaths.get(person.pk, person.date_of_death)
            phones.append(person)
    persons_phone_update(phones, acting_user=acting_user, now=now)


def _event_data(line: CaseLine) -> dict:
    """What the timeline says: never an account number (the payment service keeps 4 digits too)."""
    data = {"line": line.row, "categories": [code for code, _children in line.categories]}
    if line.case is None:
        data["created"] = True
        data["decision"] = line.values["decision_number"]
    else:
        data["changed"] = [*line.changed, *(["categories"] if line.categories_changed else [])]
    if line.record_death is not None:
        data["date_of_death"] = line.record_death.isoformat()
    return data
