"""The home page's work list, gathered from every app without the home page importing them.

An app registers a provider in its ``AppConfig.ready()``::

    from core.worklists import register_worklist_provider
    register_worklist_provider(households_needing_review)

A provider takes the user and returns a list of ``WorkItem``; the home page shows them all.

The home page's list of the user's communes comes the same way: ``geography`` (above core)
registers ``register_units_provider(commune_list_for_user)``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkItem:
    title: str
    url: str
    count: int | None = None
    due: str | None = None  # the day the work is due by, as the interface writes days
    late: bool = False  # past ``due``


WorklistProvider = Callable[..., list[WorkItem]]
_providers: list[WorklistProvider] = []


def register_worklist_provider(provider: WorklistProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def worklist_for_user(user) -> list[WorkItem]:
    items: list[WorkItem] = []
    for provider in _providers:
        items.extend(provider(user))
    return items


UnitsProvider = Callable[..., Iterable]
_units_providers: list[UnitsProvider] = []


def register_units_provider(provider: UnitsProvider) -> None:
    """The provider of the communes the home page lists for a user (``geography`` registers its own)."""
    if provider not in _units_providers:
        _units_providers.append(provider)


def units_for_user(user) -> Iterable:
    """The communes the home page lists for ``user``: the registered provider's answer (nothing if none)."""
    return _units_providers[0](user) if _units_providers else []
