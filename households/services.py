"""Every write to the household registry. Each service checks the acting user's role and scope,
validates, writes, records a HouseholdEvent in the same transaction, and raises PermissionDenied
(wrong role or commune) or ValidationError naming the field on refusal (nothing is written then).

**Writes follow where a person lives now.** A write to a person or a membership needs the
person's *residence commune* (``selectors.residence_commune_id``: the commune of their current
household, or for someone without one, the commune that now keeps the household they left last)
among the user's communes; a write to a household needs the household's commune. The check is
here, not only in the views, so that the import, the command line and any later API hold too.
A commune where the person once lived keeps its history read-only.

**Transfers to another commune are requests** (``Transfer``): nothing moves until an officer of
the receiving commune accepts (``transfer_accept_household``; a person is accepted by adding them
to one of its households, ``member_add`` or ``household_register`` with their national ID).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, ProtectedError, QuerySet, RestrictedError, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import day as format_day
from core.services import refuse
from core.text import fold_vietnamese
from geography.models import Commune, Village
from geography.scoping import require
from households.disclosure import named_if_in_scope
from households.ethnicity import ETHNIC_GROUPS
from households.guards import person_change_problems
from households.identity import national_id_problems, normalise_phone
from households.models import (
    DisabilityLevel,
    DuplicateFlag,
    Household,
    HouseholdEvent,
    HouseholdYearStatus,
    Membership,
    Person,
    PovertyStatus,
    Relationship,
    Sex,
    Transfer,
)
from households.selectors import next_household_code, residence_commune_id, transfer_identities

EARLIEST_BIRTH = date(1900, 1, 1)
# Read for every line of an import: an enum's ``.values`` builds a new list on each call.
_SEXES = frozenset(Sex.values)
_ETHNICITY_CODES = frozenset(code for code, _name in ETHNIC_GROUPS)
_DISABILITY_LEVELS = frozenset(DisabilityLevel.values)
# Law on Identification 2023 (Luật Căn cước, art. 19): the CCCD is issued from 14. A younger child
# may have a personal ID number (số định danh cá nhân) but need not: the registry takes them without.
NATIONAL_ID_REQUIRED_FROM_AGE = 14
REGISTRY_ROLE = "can_manage_registry"
DECISION_ROLE = "can_sign_decisions"
PERSON_FIELDS = [
    "national_id",
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "phone",
    "disability_level",
    "health_insurance_number",
]


@dataclass
class PersonData:
    """What an officer enters about a person (a form, an import row)."""

    national_id: str
    full_name: str
    date_of_birth: date
    sex: str
    ethnicity: str = "01"
    phone: str = ""
    disability_level: str = DisabilityLevel.NONE
    health_insurance_number: str = ""
    extra_errors: dict = field(default_factory=dict, repr=False)
    # The registered person these details are about, when known otherwise than by national ID (a
    # person transfer of a child without one): ``_person_for`` takes them instead of looking up.
    known: Person | None = field(default=None, repr=False, compare=False)


def age_on(born: date, day: date) -> int:
    """Completed years on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def national_id_required(date_of_birth: date | None, *, today: date | None = None) -> bool:
    """A national ID is required from 14 (``NATIONAL_ID_REQUIRED_FROM_AGE``); for someone whose
    date of birth is not known yet, too."""
    if date_of_birth is None:
        return True
    return age_on(date_of_birth, today or timezone.localdate()) >= NATIONAL_ID_REQUIRED_FROM_AGE


def person_data_problems(data: PersonData, *, today: date | None = None) -> dict[str, list[str]]:
    """Field -> reasons. Normalises ``data`` in place (name spacing, phone to E.164)."""
    today = today or timezone.localdate()
    problems: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    data.full_name = " ".join((data.full_name or "").split())
    data.national_id = (data.national_id or "").strip()
    if not data.full_name:
        add("full_name", _("is required"))
    if data.sex not in _SEXES:
        add("sex", _("must be M or F"))
    if data.date_of_birth is None:
        add("date_of_birth", _("is required"))
    elif not EARLIEST_BIRTH <= data.date_of_birth <= today:
        add("date_of_birth", _("%(date)s is not a possible date of birth") % {"date": data.date_of_birth.isoformat()})
    birth = data.date_of_birth if "date_of_birth" not in problems else None
    if not data.national_id:
        # Unknown date of birth: that field has its error; the ID's rule waits for it.
        if birth is not None and national_id_required(birth, today=today):
            add("national_id", _("is required from the age of %(age)s") % {"age": NATIONAL_ID_REQUIRED_FROM_AGE})
    else:
        for problem in national_id_problems(
            data.national_id, sex=data.sex if data.sex in _SEXES else None, date_of_birth=birth
        ):
            add("national_id", problem)
    if data.ethnicity not in _ETHNICITY_CODES:
        add("ethnicity", _("unknown ethnicity"))
    if data.disability_level not in _DISABILITY_LEVELS:
        add("disability_level", _("unknown disability level"))
    try:
        data.phone = normalise_phone(data.phone or "")
    except ValueError as error:
        add("phone", str(error))
    for field_name, messages in data.extra_errors.items():
        for message in messages:
            add(field_name, message)
    return problems


def _event(household: Household, kind: str, acting_user, *, person: Person | None = None, commune=None,
           reason: str = "", **data) -> HouseholdEvent:  # fmt: skip
    return HouseholdEvent.objects.create(
        household=household,
        person=person,
        commune_id=(commune or household.commune).pk,
        kind=kind,
        actor=acting_user,
        reason=reason,
        data=data,
    )


def household_summaries_refresh(household_ids: Iterable[int]) -> None:
    """Recompute member counts, the disability flag and the search text in one statement for many
    households. Every service that changes who lives where, or a member's name, calls it."""
    current = Membership.objects.filter(household=OuterRef("pk"), left_on__isnull=True)
    per_household = current.order_by().values("household")
    count = per_household.annotate(n=Count("pk")).values("n")
    names = per_household.annotate(names=StringAgg("person__search_name", " ", order_by="person__search_name"))
    Household.objects.filter(pk__in=list(household_ids)).update(
        member_count=Coalesce(Subquery(count), 0),
        has_disability=Exists(current.exclude(person__disability_level=DisabilityLevel.NONE)),
        search_text=Coalesce(Subquery(names.values("names")), Value("")),
    )


def _current_membership(person: Person) -> Membership | None:
    return person.memberships.select_related("household__commune").filter(left_on__isnull=True).first()


# --- who may write ----------------------------------------------------------------------------


def _require_person_writer(user, person: Person) -> None:
    """The registry role in the commune where the person lives now (``residence_commune_id``)."""
    require(user, REGISTRY_ROLE, residence_commune_id(person))


def _pending_of_person(person: Person) -> Transfer | None:
    return Transfer.objects.filter(person=person, status=Transfer.Status.PENDING).select_related("to_commune").first()


def _pending_of_household(household: Household) -> Transfer | None:
    return (
        Transfer.objects.filter(household=household, kind=Transfer.Kind.HOUSEHOLD, status=Transfer.Status.PENDING)
        .select_related("to_commune")
        .first()
    )


def _refuse_if_household_pending(household: Household, field_name: str = "household") -> None:
    pending = _pending_of_household(household)
    if pending is not None:
        raise ValidationError({field_name: _("household %(code)s has a transfer to %(commune)s awaiting that "
                                             "commune: cancel it first") % {"code": household.code,
                                                                           "commune": pending.to_commune.name}})  # fmt: skip


def _refuse_if_person_pending(person: Person, field_name: str = "person") -> None:
    pending = _pending_of_person(person)
    if pending is not None:
        raise ValidationError({field_name: _("%(name)s has a transfer to %(commune)s awaiting that commune: "
                                             "cancel it first") % {"name": person.full_name,
                                                                   "commune": pending.to_commune.name}})  # fmt: skip


def _person_for(data: PersonData, *, commune: Commune, acting_user) -> tuple[Person, bool, Transfer | None]:
    """The person with this national ID, or a new one; and the pending transfer to ``commune``
    that adding them completes, if any.

    Someone who lives in another commune (or, having no household now, was last registered in
    another commune) is refused unless that commune asked for their transfer here. A child
    without a national ID is a new person (unless ``data.known`` says who they are)."""
    existing = data.known
    if existing is None and data.national_id:
        existing = Person.objects.filter(national_id=data.national_id).first()
    if existing is None:
        person = Person(**{name: getattr(data, name) for name in PERSON_FIELDS})
        person.search_name = fold_vietnamese(person.full_name)
        person.save()
        _flag_possible_duplicates(person, commune=commune)
        return person, True, None
    if existing.date_of_death is not None:
        # Named only to the commune that keeps the person (issue 15 §3: no lookup of other communes).
        raise ValidationError({"national_id": named_if_in_scope(
            acting_user, residence_commune_id(existing), _("%(id)s is recorded as deceased") % {"id": _who(data)}
        )})  # fmt: skip
    arrival = (
        Transfer.objects.select_for_update()
        .filter(person=existing, to_commune=commune, status=Transfer.Status.PENDING)
        .first()
    )
    if arrival is not None:
        return existing, False, arrival
    membership = _current_membership(existing)
    if membership is not None:
        household = membership.household
        raise ValidationError(
            {"national_id": named_if_in_scope(acting_user, household.commune_id,
             _("%(id)s already belongs to household %(code)s of %(commune)s")
             % {"id": _who(data), "code": household.code, "commune": household.commune.name})}
        )  # fmt: skip
    last_commune = residence_commune_id(existing)
    if last_commune is not None and last_commune != commune.pk:
        raise ValidationError(
            {"national_id": named_if_in_scope(acting_user, last_commune,
             _("%(id)s is registered in another commune: that commune must transfer them here first")
             % {"id": _who(data)})}
        )  # fmt: skip
    return existing, False, None


def _who(data: PersonData) -> str:
    """The national ID a refusal names, or the name of a child who has none."""
    return data.national_id or data.full_name


def _flag_possible_duplicates(person: Person, *, commune: Commune) -> None:
    """Someone else in the province with the same folded name and date of birth: flag for review."""
    same = (
        Person.objects.filter(search_name=person.search_name, date_of_birth=person.date_of_birth)
        .exclude(pk=person.pk)
        .filter(memberships__household__commune__province_id=commune.province_id)
        .distinct()
    )
    DuplicateFlag.objects.bulk_create(
        [DuplicateFlag(person=person, existing=other, commune=commune) for other in same], ignore_conflicts=True
    )


def _decide(transfer: Transfer, status: str, *, acting_user, reason: str = "", placed_in=None) -> None:
    """Close a pending transfer, keeping who the request was about (``Transfer.members``)."""
    transfer.members = [
        {**member, "date_of_birth": member["date_of_birth"].isoformat()} for member in transfer_identities(transfer)
    ]
    transfer.status, transfer.decided_by, transfer.decided_at = status, acting_user, timezone.now()
    transfer.decision_reason, transfer.placed_in = reason.strip(), placed_in
    transfer.save(update_fields=["members", "status", "decided_by", "decided_at", "decision_reason", "placed_in",
                                 "updated_at"])  # fmt: skip


def _join(person: Person, household: Household, relationship: str, joined_on: date, arrival: Transfer | None,
          *, acting_user) -> Membership:  # fmt: skip
    """A membership of ``household`` for ``person``; for an arrival, the person leaves their
    household in the sending commune on the moving date and joins this one the same day."""
    if arrival is None:
        return Membership.objects.create(person=person, household=household, relationship=relationship,
                                         joined_on=joined_on)  # fmt: skip
    old = _current_membership(person)
    if old is not None:
        _refuse_head_leaving(old)
        _end_membership(old, left_on=arrival.moved_on, reason=arrival.reason or _("moved to another commune"))
        left = old.household
        household_summaries_refresh([left.pk])
        left.refresh_from_db(fields=["member_count"])
        if left.member_count == 0:
            left.dissolved_on = arrival.moved_on
            left.save(update_fields=["dissolved_on", "updated_at"])
        _event(household=left, kind=HouseholdEvent.Kind.MEMBER_LEFT, person=person, acting_user=acting_user,
               reason=arrival.reason, name=person.full_name, to_commune=household.commune.name)  # fmt: skip
    membership = Membership.objects.create(
        person=person, household=household, relationship=relationship, joined_on=arrival.moved_on
    )
    _decide(arrival, Transfer.Status.ACCEPTED, acting_user=acting_user, placed_in=household)
    return membership


@transaction.atomic
def household_register(
    *,
    commune: Commune,
    village: Village,
    code: str,
    address: str = "",
    area: str | None = None,
    housing_area_m2=None,
    head: PersonData,
    members: list[tuple[PersonData, str]] = (),
    registered_on: date | None = None,
    acting_user,
) -> Household:
    """Register a new household with its head and members. A person whose transfer to this
    commune is pending arrives with it (the transfer is accepted)."""
    require(acting_user, REGISTRY_ROLE, commune.pk)
    registered_on = registered_on or timezone.localdate()
    code = code.strip()
    problems: dict[str, list[str]] = {}
    if not code:
        problems["code"] = [_("is required")]
    elif _code_taken(commune, code):
        problems["code"] = [_code_taken_message(commune, code, village)]
    if village.commune_id != commune.pk:
        problems["village"] = [
            _("%(village)s is not in %(commune)s") % {"village": village.name, "commune": commune.name}
        ]
    everyone = [(head, Relationship.HEAD), *members]
    if any(relationship == Relationship.HEAD for _data, relationship in members):
        problems["members"] = [_("a household has exactly one head")]
    ids = [data.national_id.strip() for data, _relationship in everyone if data.national_id.strip()]
    if len(set(ids)) != len(ids):
        problems.setdefault("members", []).append(_("the same national ID is entered twice"))
    for index, (data, _relationship) in enumerate(everyone):
        for name, messages in person_data_problems(data).items():
            key = name if index == 0 else f"members[{index}].{name}"
            problems.setdefault(key, []).extend(messages)
    refuse(problems)

    try:
        # Two officers may submit the same suggested code at once: the unique constraint decides,
        # and the later one gets the message above, with nothing saved.
        with transaction.atomic():
            household = Household.objects.create(
                commune=commune,
                village=village,
                code=code,
                address=address.strip(),
                area=area or commune.area,
                housing_area_m2=housing_area_m2,
            )
    except IntegrityError as error:
        if not _code_taken(commune, code):
            raise
        raise ValidationError({"code": _code_taken_message(commune, code, village)}) from error
    for index, (data, relationship) in enumerate(everyone):
        try:
            person, _created, arrival = _person_for(data, commune=commune, acting_user=acting_user)
            _join(person, household, relationship, registered_on, arrival, acting_user=acting_user)
        except ValidationError as error:
            if index == 0 or not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {f"members[{index}].{name}": messages for name, messages in error.message_dict.items()}
            ) from error
        if relationship == Relationship.HEAD:
            household.head = person
    household.save(update_fields=["head", "updated_at"])
    household_summaries_refresh([household.pk])
    _event(household=household, kind=HouseholdEvent.Kind.REGISTERED, acting_user=acting_user,
           code=code, members=len(everyone))  # fmt: skip
    household.refresh_from_db()
    return household


def _code_taken(commune: Commune, code: str) -> bool:
    return Household.objects.filter(commune=commune, code=code).exists()


def _code_taken_message(commune: Commune, code: str, village: Village | None) -> str:
    return _("%(code)s is already used in %(commune)s; the next free code is %(next)s") % {
        "code": code,
        "commune": commune.name,
        "next": next_household_code(commune, village if village.commune_id == commune.pk else None),
    }


@transaction.atomic
def member_add(
    *, household: Household, data: PersonData, relationship: str, joined_on: date | None = None, acting_user
) -> Membership:
    """Add a member. Someone whose transfer to this commune is pending arrives with it: they leave
    their household in the sending commune on the moving date and join this one that day."""
    require(acting_user, REGISTRY_ROLE, household.commune_id)
    joined_on = joined_on or timezone.localdate()
    problems = person_data_problems(data)
    if relationship not in Relationship.values:
        problems["relationship"] = [_("unknown relationship")]
    elif relationship == Relationship.HEAD:
        problems["relationship"] = [_("the household has a head; use “change head”")]
    if household.dissolved_on:
        problems["household"] = [_("the household is dissolved")]
    refuse(problems)
    _refuse_if_household_pending(household)
    person, created, arrival = _person_for(data, commune=household.commune, acting_user=acting_user)
    membership = _join(person, household, relationship, joined_on, arrival, acting_user=acting_user)
    household_summaries_refresh([household.pk])
    extra = {"from_commune": arrival.from_commune.name} if arrival else {}
    _event(household=household, kind=HouseholdEvent.Kind.MEMBER_ADDED, person=person, acting_user=acting_user,
           name=person.full_name, relationship=relationship, new_person=created, **extra)  # fmt: skip
    return membership


@transaction.atomic
def member_edit(*, person: Person, data: PersonData, reason: str = "", acting_user) -> Person:
    """Correct a person's details; the event keeps each changed field's old and new value. Only
    the commune where the person lives now may (``_require_person_writer``). A change another app
    guards (``guards``: a beneficiary's date of birth changes their allowance) is refused on its
    field, with nothing written: that change goes through the app's own approval."""
    _require_person_writer(acting_user, person)
    problems = person_data_problems(data)
    if data.national_id and Person.objects.filter(national_id=data.national_id).exclude(pk=person.pk).exists():
        problems.setdefault("national_id", []).append(_("%(id)s belongs to someone else") % {"id": data.national_id})
    changed = [name for name in PERSON_FIELDS if getattr(data, name) != getattr(person, name)]
    for name, messages in person_change_problems([(person.pk, changed)]).get(person.pk, {}).items():
        problems.setdefault(name, []).extend(messages)
    refuse(problems)
    if not changed:
        return person
    changes = {name: [str(getattr(person, name)), str(getattr(data, name))] for name in changed}
    for name in changed:
        setattr(person, name, getattr(data, name))
    _save_person(person, changes, acting_user=acting_user, reason=reason)
    return person


def _save_person(person: Person, changes: dict[str, list[str]], *, acting_user, reason: str, **trace) -> None:
    """Write a person's changed details and refresh what depends on them (the search name, their
    household's summaries); the MEMBER_EDITED event (old → new of each field) goes on their current
    household, or for a corrected date of birth (``trace``) on the household they left last."""
    person.search_name = fold_vietnamese(person.full_name)
    person.save(update_fields=[*PERSON_FIELDS, "search_name", "updated_at"])
    membership = _current_membership(person)
    if membership:
        household_summaries_refresh([membership.household_id])
    elif trace:
        membership = person.memberships.select_related("household__commune").order_by("-left_on", "-id").first()
    if membership:
        _event(household=membership.household, kind=HouseholdEvent.Kind.MEMBER_EDITED, person=person,
               acting_user=acting_user, reason=reason, name=person.full_name, changes=changes, **trace)  # fmt: skip


def birth_date_problems(person: Person, *, date_of_birth: date, national_id: str | None = None) -> dict[str, list[str]]:
    """Why ``date_of_birth`` (and, when given, the national ID that goes with it) could not be the
    person's, checked as ``person_data_problems`` checks a person: a possible date, not after their
    death, and agreeing with their national ID's century and year digits (rules.md §4.0: a CCCD
    encodes the year of birth, so a new year needs the national ID that goes with it)."""
    data = person_data_from(person, date_of_birth=date_of_birth, national_id=national_id or person.national_id)
    problems = {
        name: messages
        for name, messages in person_data_problems(data).items()
        if name in ("date_of_birth", "national_id")
    }
    if "date_of_birth" not in problems and person.date_of_death and date_of_birth > person.date_of_death:
        problems["date_of_birth"] = [_("is after the date of death")]
    if (
        data.national_id
        and data.national_id != person.national_id
        and (Person.objects.filter(national_id=data.national_id).exclude(pk=person.pk).exists())
    ):
        problems.setdefault("national_id", []).append(_("%(id)s belongs to someone else") % {"id": data.national_id})
    return problems


@transaction.atomic
def person_birth_date_correct(
    *,
    person: Person,
    date_of_birth: date,
    date_of_birth_before: date,
    national_id: str | None = None,
    requested_by,
    reason: str = "",
    acting_user,
    **trace,
) -> Person:
    """Correct a date of birth that another app guards (``guards``), as one person asked and
    another approved: called on the chair's approval of a beneficiary's request
    (``beneficiaries.changes``), never offered on its own. The acting user is a chair
    (``can_sign_decisions``) of the commune where the person lives now, and not ``requested_by``.
    ``national_id``: the national ID that goes with the new date when the year changes (None:
    unchanged). Refused with nothing written when the person's date of birth is no longer
    ``date_of_birth_before`` (changed since the request was made) or the new values are not
    valid (``birth_date_problems``). The event names both people; ``trace`` adds to it."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    require(acting_user, DECISION_ROLE, residence_commune_id(person))
    if requested_by is None or requested_by.pk == acting_user.pk:
        raise PermissionDenied(_("You made this request; another person, the chair, must decide it."))
    if person.date_of_birth != date_of_birth_before:
        raise ValidationError(
            {"date_of_birth": _("%(name)s's date of birth has changed since the request was made (now %(date)s).")
             % {"name": person.full_name, "date": f"{person.date_of_birth:%d/%m/%Y}"}}
        )  # fmt: skip
    refuse(birth_date_problems(person, date_of_birth=date_of_birth, national_id=national_id))
    new = {"date_of_birth": date_of_birth, "national_id": national_id or person.national_id}
    changes = {name: [str(getattr(person, name)), str(value)] for name, value in new.items()
               if getattr(person, name) != value}  # fmt: skip
    if not changes:
        raise ValidationError({"date_of_birth": _("Nothing would change: these are the person's details.")})
    for name, value in new.items():
        setattr(person, name, value)
    _save_person(person, changes, acting_user=acting_user, reason=reason, requested_by=requested_by.username,
                 approved_by=acting_user.username, **trace)  # fmt: skip
    return person


def _joined_after(membership: Membership, day: date) -> bool:
    """True when ``day`` is before the membership's "member since" date: a known date is a lower
    bound for its end (a death, a move); an unknown one (``joined_on`` empty: a household handed
    over from the paper registers) has none."""
    return membership.joined_on is not None and day < membership.joined_on


def _joined_problem(membership: Membership) -> str:
    return _("is before the person joined the household (%(date)s)") % {"date": format_day(membership.joined_on)}


def _end_membership(membership: Membership, *, left_on: date, reason: str, field: str = "moved_on") -> None:
    """End a membership on ``left_on``: refused (ValidationError on ``field``) before its known
    "member since" date. Every writer that ends one (death, move, transfer, split) comes here."""
    if _joined_after(membership, left_on):
        raise ValidationError({field: _joined_problem(membership)})
    membership.left_on, membership.left_reason = left_on, reason
    membership.save(update_fields=["left_on", "left_reason", "updated_at"])


def _refuse_head_leaving(membership: Membership) -> None:
    if membership.relationship == Relationship.HEAD and membership.household.member_count > 1:
        raise ValidationError({"person": _("%(name)s is the head of the household: change the head first")
                               % {"name": membership.person.full_name}})  # fmt: skip


@transaction.atomic
def member_move(
    *, membership: Membership, to_household: Household, relationship: str, moved_on: date, reason: str, acting_user
) -> Membership:
    """Move a member to another household of the same commune (other communes: person_transfer)."""
    _require_person_writer(acting_user, membership.person)
    require(acting_user, REGISTRY_ROLE, membership.household.commune_id)
    problems = {}
    if not membership.is_current:
        problems["person"] = [_("no longer lives in this household")]
    if to_household.pk == membership.household_id:
        problems["to_household"] = [_("is the household the person already lives in")]
    if to_household.commune_id != membership.household.commune_id:
        problems["to_household"] = [_("is in another commune: use “transfer to another commune”")]
    if relationship not in Relationship.values or relationship == Relationship.HEAD:
        problems["relationship"] = [_("choose the relationship to the new household's head")]
    if not reason.strip():
        problems["reason"] = [_("is required")]
    refuse(problems)
    _refuse_if_person_pending(membership.person)
    _refuse_if_household_pending(membership.household)
    _refuse_if_household_pending(to_household, "to_household")
    _refuse_head_leaving(membership)
    _end_membership(membership, left_on=moved_on, reason=reason)
    new = Membership.objects.create(
        person=membership.person, household=to_household, relationship=relationship, joined_on=moved_on
    )
    household_summaries_refresh([membership.household_id, to_household.pk])
    person = membership.person
    _event(household=membership.household, kind=HouseholdEvent.Kind.MEMBER_LEFT, person=person, acting_user=acting_user,
           reason=reason, name=person.full_name, to_household=to_household.code)  # fmt: skip
    _event(household=to_household, kind=HouseholdEvent.Kind.MEMBER_JOINED, person=person, acting_user=acting_user,
           reason=reason, name=person.full_name, from_household=membership.household.code)  # fmt: skip
    return new


@transaction.atomic
def household_change_head(
    *, household: Household, new_head: Membership, former_head_relationship: str, reason: str, acting_user
) -> Household:
    require(acting_user, REGISTRY_ROLE, household.commune_id)
    problems = {}
    if new_head.household_id != household.pk or not new_head.is_current:
        problems["new_head"] = [_("is not a current member of this household")]
    elif new_head.relationship == Relationship.HEAD:
        problems["new_head"] = [_("is already the head")]
    elif new_head.person.date_of_death:
        problems["new_head"] = [_("is deceased")]
    if former_head_relationship not in Relationship.values or former_head_relationship == Relationship.HEAD:
        problems["former_head_relationship"] = [_("choose the former head's new relationship")]
    if not reason.strip():
        problems["reason"] = [_("is required")]
    refuse(problems)
    # A head cannot leave a household with members; one who is leaving cannot become head.
    _refuse_if_person_pending(new_head.person, "new_head")
    former = household.memberships.filter(left_on__isnull=True, relationship=Relationship.HEAD).first()
    if former:
        former.relationship = former_head_relationship
        former.save(update_fields=["relationship", "updated_at"])
    new_head.relationship = Relationship.HEAD
    new_head.save(update_fields=["relationship", "updated_at"])
    household.head = new_head.person
    household.save(update_fields=["head", "updated_at"])
    _event(household=household, kind=HouseholdEvent.Kind.HEAD_CHANGED, person=new_head.person, acting_user=acting_user,
           reason=reason, name=new_head.person.full_name,
           former_head=former.person.full_name if former else "")  # fmt: skip
    return household


@transaction.atomic
def person_record_death(
    *, person: Person, date_of_death: date, acting_user, new_head: Membership | None = None, reason: str = "", **trace
) -> Person:
    """Record a death: the person leaves their household that day; a head needs a successor. A
    pending transfer of the person (or of the household their death dissolves) is cancelled.

    The same rule holds through every door (the page, the household import, a confirmed allowance
    list, the command line): the date may not be in the future, before birth, or before the
    membership's "member since" date when it is known; an unknown one (a household handed over from
    the paper registers) has no lower bound, so a death before the hand-over is recorded on its day.
    ``trace`` adds to the DEATH event (the allowance list and the chair who confirmed it)."""
    _require_person_writer(acting_user, person)
    problems = {}
    if person.date_of_death:
        problems["date_of_death"] = [_("a death is already recorded for %(name)s") % {"name": person.full_name}]
    elif date_of_death > timezone.localdate():
        problems["date_of_death"] = [_("is in the future")]
    elif date_of_death < person.date_of_birth:
        problems["date_of_death"] = [_("is before the date of birth")]
    membership = _current_membership(person)
    if not problems and membership and _joined_after(membership, date_of_death):
        # A death before a known "member since" date; an unknown one (a hand-over) has no lower bound.
        problems["date_of_death"] = [_joined_problem(membership)]
    refuse(problems)
    if membership and membership.relationship == Relationship.HEAD and membership.household.member_count > 1:
        if new_head is None:
            raise ValidationError(
                {"new_head": _("%(name)s was the head: choose the new head") % {"name": person.full_name}}
            )
        household_change_head(household=membership.household, new_head=new_head, former_head_relationship=Relationship.OTHER,
                              reason=_("death of the head"), acting_user=acting_user)  # fmt: skip
        membership.refresh_from_db()
    pending = _pending_of_person(person)
    if pending is not None:
        _cancel(pending, reason=_("died"), acting_user=acting_user)
    person.date_of_death = date_of_death
    person.save(update_fields=["date_of_death", "updated_at"])
    if membership:
        _end_membership(membership, left_on=date_of_death, reason=_("died"), field="date_of_death")
        household = membership.household
        household_summaries_refresh([household.pk])
        household.refresh_from_db()
        if household.member_count == 0:
            household.dissolved_on = date_of_death
            household.save(update_fields=["dissolved_on", "updated_at"])
            pending = _pending_of_household(household)
            if pending is not None:
                _cancel(pending, reason=_("the household is dissolved"), acting_user=acting_user)
        _event(household=household, kind=HouseholdEvent.Kind.DEATH, person=person, acting_user=acting_user,
               reason=reason, name=person.full_name, date_of_death=date_of_death.isoformat(), **trace)  # fmt: skip
    return person


@transaction.atomic
def household_split(
    *,
    household: Household,
    memberships: list[Membership],
    new_head: Membership,
    new_code: str,
    village: Village,
    address: str,
    split_on: date,
    reason: str,
    relationships: dict[int, str] | None = None,
    acting_user,
) -> Household:
    """Some members leave to form a new household of the same commune (tách hộ)."""
    require(acting_user, REGISTRY_ROLE, household.commune_id)
    problems = {}
    moving = {m.pk for m in memberships}
    if not moving:
        problems["members"] = [_("choose the members who form the new household")]
    if any(m.household_id != household.pk or not m.is_current for m in memberships):
        problems["members"] = [_("every chosen member must live in this household now")]
    if new_head.pk not in moving:
        problems["new_head"] = [_("the new head must be one of the members who leave")]
    current = household.memberships.filter(left_on__isnull=True)
    if current.exclude(pk__in=moving).count() == 0:
        problems["members"] = [_("someone must stay in the original household")]
    if any(m.relationship == Relationship.HEAD for m in memberships):
        problems["members"] = [_("the head stays: change the head first to move them")]
    if not reason.strip():
        problems["reason"] = [_("is required")]
    new_code = new_code.strip()
    if not new_code or Household.objects.filter(commune=household.commune, code=new_code).exists():
        problems["new_code"] = [_("%(code)s is empty or already used") % {"code": new_code}]
    if village.commune_id != household.commune_id:
        problems["village"] = [_("is not in this commune")]
    refuse(problems)
    _refuse_if_household_pending(household)
    for membership in memberships:
        _refuse_if_person_pending(membership.person, "members")
    relationships = relationships or {}
    new = Household.objects.create(
        commune=household.commune, village=village, code=new_code, address=address.strip(), area=household.area
    )
    for membership in memberships:
        _end_membership(membership, left_on=split_on, reason=reason, field="split_on")
        relationship = (
            Relationship.HEAD if membership.pk == new_head.pk else relationships.get(membership.pk, Relationship.OTHER)
        )
        Membership.objects.create(
            person=membership.person, household=new, relationship=relationship, joined_on=split_on
        )
    new.head = new_head.person
    new.save(update_fields=["head", "updated_at"])
    household_summaries_refresh([household.pk, new.pk])
    names = [m.person.full_name for m in memberships]
    _event(household=household, kind=HouseholdEvent.Kind.SPLIT, acting_user=acting_user, reason=reason,
           new_household=new.code, members=names)  # fmt: skip
    _event(household=new, kind=HouseholdEvent.Kind.SPLIT, acting_user=acting_user, reason=reason,
           from_household=household.code, members=names)  # fmt: skip
    new.refresh_from_db()
    return new


# --- transfers to another commune -------------------------------------------------------------


def _transfer_date_problems(moved_on: date, field_name: str) -> dict[str, list[str]]:
    if moved_on > timezone.localdate():
        return {field_name: [_("is in the future")]}
    return {}


@transaction.atomic
def household_transfer(
    *, household: Household, to_commune: Commune, transferred_on: date, reason: str, acting_user
) -> Transfer:
    """Ask ``to_commune`` to receive the whole household. It stays in its commune, with its code
    and village, until an officer there accepts (``transfer_accept_household``)."""
    require(acting_user, REGISTRY_ROLE, household.commune_id)
    problems = _transfer_date_problems(transferred_on, "transferred_on")
    if to_commune.pk == household.commune_id:
        problems["to_commune"] = [_("is the household's own commune")]
    if household.dissolved_on:
        problems["household"] = [_("the household is dissolved")]
    if not reason.strip():
        problems["reason"] = [_("is required")]
    refuse(problems)
    _refuse_if_household_pending(household)
    leaving = list(
        Transfer.objects.filter(
            status=Transfer.Status.PENDING,
            person__memberships__household=household,
            person__memberships__left_on__isnull=True,
        ).values_list("person__full_name", flat=True)
    )
    if leaving:
        raise ValidationError({"household": _("%(names)s already have a transfer of their own awaiting another "
                                              "commune: cancel it first") % {"names": ", ".join(leaving)}})  # fmt: skip
    transfer = Transfer.objects.create(
        kind=Transfer.Kind.HOUSEHOLD, household=household, household_code=household.code,
        from_commune=household.commune, to_commune=to_commune,
        moved_on=transferred_on, reason=reason.strip(), requested_by=acting_user,
    )  # fmt: skip
    _event(household=household, kind=HouseholdEvent.Kind.TRANSFER_REQUESTED, acting_user=acting_user, reason=reason,
           to_commune=to_commune.name, to_commune_code=to_commune.pk, transferred_on=transferred_on.isoformat())  # fmt: skip
    return transfer


@transaction.atomic
def person_transfer(
    *, membership: Membership, to_commune: Commune, moved_on: date, reason: str, acting_user
) -> Transfer:
    """Ask ``to_commune`` to receive a member. They stay in their household until an officer there
    adds them to one of its households (``member_add``/``household_register`` with their national
    ID); then this membership ends on ``moved_on``."""
    _require_person_writer(acting_user, membership.person)
    require(acting_user, REGISTRY_ROLE, membership.household.commune_id)
    problems = _transfer_date_problems(moved_on, "moved_on")
    if not membership.is_current:
        problems["person"] = [_("no longer lives in this household")]
    elif _joined_after(membership, moved_on):
        problems["moved_on"] = [_joined_problem(membership)]
    if to_commune.pk == membership.household.commune_id:
        problems["to_commune"] = [_("is the same commune: move the member to another household instead")]
    if not reason.strip():
        problems["reason"] = [_("is required")]
    refuse(problems)
    _refuse_if_person_pending(membership.person)
    _refuse_if_household_pending(membership.household)
    _refuse_head_leaving(membership)
    transfer = Transfer.objects.create(
        kind=Transfer.Kind.PERSON, person=membership.person, household=membership.household,
        household_code=membership.household.code,
        from_commune=membership.household.commune, to_commune=to_commune, moved_on=moved_on, reason=reason.strip(),
        requested_by=acting_user,
    )  # fmt: skip
    _event(household=membership.household, kind=HouseholdEvent.Kind.TRANSFER_REQUESTED, person=membership.person,
           acting_user=acting_user, reason=reason, name=membership.person.full_name, to_commune=to_commune.name,
           to_commune_code=to_commune.pk, moved_on=moved_on.isoformat())  # fmt: skip
    return transfer


def _lock_pending(transfer: Transfer) -> Transfer:
    """Re-read the transfer under a row lock: two officers deciding it at once serialise here."""
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("household", "person", "from_commune", "to_commune")
        .get(pk=transfer.pk)
    )
    if not transfer.is_pending:
        raise ValidationError({"status": _("This transfer is already “%(status)s”.")
                               % {"status": transfer.get_status_display()}})  # fmt: skip
    return transfer


@transaction.atomic
def transfer_accept_household(*, transfer: Transfer, village: Village, new_code: str = "", acting_user) -> Household:
    """The receiving commune takes the household in: into one of its villages, under its code
    or, when that code is taken here, a new one. The sending commune keeps its events."""
    transfer = _lock_pending(transfer)
    require(acting_user, REGISTRY_ROLE, transfer.to_commune_id)
    if transfer.kind != Transfer.Kind.HOUSEHOLD:
        raise ValidationError({"transfer": _("a person is received by adding them to a household")})
    household = Household.objects.select_for_update().select_related("commune").get(pk=transfer.household_id)
    to_commune, from_commune = transfer.to_commune, household.commune
    code = (new_code or household.code).strip()
    problems = {}
    if village.commune_id != to_commune.pk:
        problems["village"] = [_("%(village)s is not in %(commune)s") % {"village": village.name,
                                                                          "commune": to_commune.name}]  # fmt: skip
    if not code:
        problems["new_code"] = [_("is required")]
    elif Household.objects.filter(commune=to_commune, code=code).exists():
        problems["new_code"] = [_("%(code)s is already used in %(commune)s: give a new code")
                                % {"code": code, "commune": to_commune.name}]  # fmt: skip
    refuse(problems)
    _decide(transfer, Transfer.Status.ACCEPTED, acting_user=acting_user, placed_in=household)
    moved_on = transfer.moved_on.isoformat()
    _event(household=household, kind=HouseholdEvent.Kind.TRANSFERRED_OUT, acting_user=acting_user, reason=transfer.reason,
           to_commune=to_commune.name, to_commune_code=to_commune.pk, transferred_on=moved_on)  # fmt: skip
    household.commune, household.village, household.code, household.area = to_commune, village, code, to_commune.area
    household.save(update_fields=["commune", "village", "code", "area", "updated_at"])
    _event(household=household, kind=HouseholdEvent.Kind.TRANSFERRED_IN, acting_user=acting_user, reason=transfer.reason,
           from_commune=from_commune.name, from_commune_code=from_commune.pk, transferred_on=moved_on,
           village=village.name, code=code)  # fmt: skip
    return household


@transaction.atomic
def transfer_accept_person(
    *,
    transfer: Transfer,
    household: Household | None = None,
    relationship: str = "",
    village: Village | None = None,
    new_code: str = "",
    address: str = "",
    acting_user,
) -> Household:
    """The receiving commune places the person: in one of its households (``household``, with the
    relationship to its head), or as head of a new household (``village``, ``new_code``). Their
    membership in the sending commune ends on the moving date; the household they join is returned.
    (Adding them by national ID on the household pages does the same.)"""
    transfer = _lock_pending(transfer)
    require(acting_user, REGISTRY_ROLE, transfer.to_commune_id)
    if transfer.kind != Transfer.Kind.PERSON:
        raise ValidationError({"transfer": _("a household is received with its village and code")})
    data = person_data_from(transfer.person, known=transfer.person)
    if household is not None:
        if household.commune_id != transfer.to_commune_id:
            raise ValidationError({"household": _("is not in %(commune)s") % {"commune": transfer.to_commune.name}})
        member_add(household=household, data=data, relationship=relationship, acting_user=acting_user)
        return household
    if village is None:
        raise ValidationError({"village": _("is required")})
    try:
        return household_register(commune=transfer.to_commune, village=village, code=new_code, address=address,
                                  head=data, acting_user=acting_user)  # fmt: skip
    except ValidationError as error:
        # The form names the new household's code "new_code".
        raise ValidationError(
            {("new_code" if name == "code" else name): messages for name, messages in error.message_dict.items()}
        ) from error


@transaction.atomic
def transfer_reject(*, transfer: Transfer, reason: str, acting_user) -> Transfer:
    """The receiving commune refuses the request, saying why; nothing moves."""
    transfer = _lock_pending(transfer)
    require(acting_user, REGISTRY_ROLE, transfer.to_commune_id)
    if not reason.strip():
        raise ValidationError({"reason": _("is required")})
    _decide(transfer, Transfer.Status.REJECTED, acting_user=acting_user, reason=reason)
    if transfer.household_id:
        _event(household=transfer.household, kind=HouseholdEvent.Kind.TRANSFER_REJECTED, person=transfer.person,
               commune=transfer.to_commune, acting_user=acting_user, reason=reason.strip(),
               name=transfer.person.full_name if transfer.person else "", to_commune=transfer.to_commune.name)  # fmt: skip
    return transfer


def _cancel(transfer: Transfer, *, reason: str, acting_user) -> None:
    _decide(transfer, Transfer.Status.CANCELLED, acting_user=acting_user, reason=reason)
    if transfer.household_id:
        _event(household=transfer.household, kind=HouseholdEvent.Kind.TRANSFER_CANCELLED, person=transfer.person,
               commune=transfer.from_commune, acting_user=acting_user, reason=reason.strip(),
               name=transfer.person.full_name if transfer.person else "", to_commune=transfer.to_commune.name)  # fmt: skip


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, reason: str = "", acting_user) -> Transfer:
    """The sending commune withdraws its request while it is pending; nothing moves."""
    transfer = _lock_pending(transfer)
    require(acting_user, REGISTRY_ROLE, transfer.from_commune_id)
    _cancel(transfer, reason=reason, acting_user=acting_user)
    return transfer


_KEEP = object()


@transaction.atomic
def household_edit(
    *, household: Household, village: Village, address: str, area: str, housing_area_m2=_KEEP, acting_user
) -> Household:
    """Change where the household lives and its dwelling's floor area (the poverty survey
    pre-fills "housing area per person" from it). Leave ``housing_area_m2`` out to keep it."""
    require(acting_user, REGISTRY_ROLE, household.commune_id)
    if village.commune_id != household.commune_id:
        raise ValidationError({"village": _("is not in this commune")})
    if housing_area_m2 is _KEEP:
        housing_area_m2 = household.housing_area_m2
    before = {
        "village": household.village.name if household.village else "",
        "address": household.address,
        "area": household.area,
        "housing_area_m2": _area_text(household.housing_area_m2),
    }
    household.village, household.address, household.area = village, address.strip(), area
    household.housing_area_m2 = housing_area_m2
    household.full_clean(exclude=["head"])
    household.save(update_fields=["village", "address", "area", "housing_area_m2", "updated_at"])
    after = {
        "village": village.name,
        "address": household.address,
        "area": area,
        "housing_area_m2": _area_text(housing_area_m2),
    }
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        _event(household=household, kind=HouseholdEvent.Kind.HOUSEHOLD_EDITED, acting_user=acting_user, changes=changes)
    return household


def _area_text(value) -> str:
    return "" if value is None else f"{value:g}"


def person_data_from(person: Person, **overrides) -> PersonData:
    data = PersonData(**{name: getattr(person, name) for name in PERSON_FIELDS})
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


@transaction.atomic
def duplicate_resolve(*, flag: DuplicateFlag, same_person: bool, acting_user) -> None:
    """Close a possible-duplicate flag: different people, or the same person entered twice (merge).
    A merge writes both records, so both must live (or have last lived) in the user's communes."""
    require(acting_user, REGISTRY_ROLE, flag.commune_id)
    if flag.status != DuplicateFlag.Status.OPEN:
        raise ValidationError({"flag": _("this check is already closed")})
    if not same_person:
        flag.status = DuplicateFlag.Status.DIFFERENT
        flag.save(update_fields=["status", "updated_at"])
        return
    newer, existing = flag.person, flag.existing
    _require_person_writer(acting_user, newer)
    _require_person_writer(acting_user, existing)
    newer_home, existing_home = _current_membership(newer), _current_membership(existing)
    if newer_home and existing_home:
        raise ValidationError({"flag": _("both records live in a household (%(a)s, %(b)s): move or remove one first")
                               % {"a": newer_home.household.code, "b": existing_home.household.code}})  # fmt: skip
    household = (newer_home or existing_home or newer.memberships.select_related("household").first()).household
    Membership.objects.filter(person=newer).update(person=existing)
    Household.objects.filter(head=newer).update(head=existing)  # their memberships moved with them
    HouseholdEvent.objects.filter(person=newer).update(person=existing)
    Transfer.objects.filter(person=newer).delete()
    _event(household=household, kind=HouseholdEvent.Kind.PERSONS_MERGED, person=existing, acting_user=acting_user,
           name=existing.full_name, kept=existing.national_id, removed=newer.national_id)  # fmt: skip
    try:
        newer.delete()
    except (ProtectedError, RestrictedError) as error:
        # Another app's records name the person to remove (an allowance case, a month paid, a
        # support record…): the registry cannot move them, so the merge is refused and the
        # transaction takes back everything above.
        held = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        records = ", ".join(sorted({str(obj._meta.verbose_name) for obj in held}))
        raise ValidationError(
            {
                "flag": _(
                    "%(name)s, the record entered later that the merge would remove, is named by records "
                    "elsewhere (%(records)s): these two records cannot be merged here."
                )
                % {"name": newer.full_name, "records": records}
            }
        ) from error


# --- year statuses ---------------------------------------------------------------------------------


def year_statuses_write(
    *, year: int, statuses: QuerySet | Mapping[int, str], commune_id: str, acting_user, at: datetime | None = None
) -> int:
    """Set many households' poverty status for ``year`` in one statement (INSERT … ON CONFLICT): a
    status already there for that year is updated, every other year is left as it is. Returns the
    number of rows written.

    ``statuses`` is a mapping household id → status, or a query yielding (household id, status)
    pairs (``values_list``), which the statement reads as its source without loading the rows: the
    poverty review passes its surveyed assessments. ``at`` (default now) is their ``created_at`` /
    ``updated_at``, so a caller's decision and the rows it writes carry one time.

    The status of a year is a decision signed by the commune chair, so the acting user needs the
    decision role in the commune ``commune_id``. The audit is the decision's own: the caller records
    it (the review's "recognised" event per household, which the household's timeline shows), so
    this writes no HouseholdEvent of its own.
    """
    require(acting_user, DECISION_ROLE, commune_id)
    at = at or timezone.now()
    if isinstance(statuses, QuerySet):
        source, source_params = statuses.order_by().query.sql_with_params()
    else:
        unknown = sorted(set(statuses.values()) - set(PovertyStatus.values))
        if unknown:
            raise ValueError(f"not poverty statuses: {unknown}")
        source = "SELECT * FROM unnest(%s::bigint[], %s::varchar[])"
        source_params = (list(statuses), list(statuses.values()))
    table = HouseholdYearStatus._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (household_id, year, status, created_at, updated_at)
            SELECT source.household_id, %s, source.status, %s, %s
              FROM ({source}) AS source (household_id, status)
            ON CONFLICT (household_id, year)
            DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
            """,
            [year, at, at, *source_params],
        )
        return cursor.rowcount
