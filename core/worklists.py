"""The home page's work list, gathered from every app without the home page importing them.

An app registers a provider in its ``AppConfig.ready()``::

    from core.worklists import register_worklist_provider
    register_worklist_provider(households_needing_review)

A provider takes the user and returns a list of ``WorkItem``; the home page shows them all.
"""

from collections.abc import Callable
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
