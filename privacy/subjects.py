"""Who a national ID names, and what the product holds on them: asked by the access log's answers
(the administrator's page, ``personal_data_access``, the data-subject report) but owned by the apps
above this one. Each app registers its providers in its ``AppConfig.ready()`` (as ``core.timeline``):
``households`` finds persons and lists their registry records, ``beneficiaries`` their cases, and
so on, while privacy imports none of them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class DataSubject:
    person_id: int
    national_id: str
    full_name: str
    date_of_birth: date | None = None
    commune_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordSection:
    """One table of a person's data report: a title and its rows of (label, value)."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    empty: str = ""


SubjectFinder = Callable[[str], DataSubject | None]
SubjectNamer = Callable[[Iterable[int]], dict[int, str]]
RecordProvider = Callable[[int], list[RecordSection]]

_finders: list[SubjectFinder] = []
_namers: list[SubjectNamer] = []
_record_providers: list[RecordProvider] = []


def register_subject_finder(finder: SubjectFinder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def register_subject_namer(namer: SubjectNamer) -> None:
    if namer not in _namers:
        _namers.append(namer)


def register_record_provider(provider: RecordProvider) -> None:
    if provider not in _record_providers:
        _record_providers.append(provider)


def find_subject(national_id: str) -> DataSubject | None:
    """The person a national ID names (one query per finder), or None."""
    national_id = (national_id or "").strip()
    if not national_id:
        return None
    for finder in _finders:
        if (subject := finder(national_id)) is not None:
            return subject
    return None


def names_for(person_ids: Iterable[int]) -> dict[int, str]:
    """Person id → a short label (name, masked national ID) for the log's answers."""
    ids = list(person_ids)
    names: dict[int, str] = {}
    for namer in _namers:
        names.update(namer(ids))
    return names


def records_for_subject(person_id: int) -> list[RecordSection]:
    """Every registered app's sections about this person (a fixed number of queries per provider)."""
    sections: list[RecordSection] = []
    for provider in _record_providers:
        sections.extend(provider(person_id))
    return sections
