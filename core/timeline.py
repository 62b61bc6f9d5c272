"""A household's timeline, gathered from every app without the household page importing them.

Each app registers a provider in its ``AppConfig.ready()``; a provider takes a household id and
returns ``TimelineEntry`` rows (one query per provider, never per row). The household page merges
them newest first. Registry events come from ``households``; reviews, allowances, support and
payments add theirs as their issues land.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    title: str
    detail: str = ""
    actor: str = ""
    source: str = ""
    reason: str = ""


TimelineProvider = Callable[[int], list[TimelineEntry]]
_providers: list[TimelineProvider] = []


def register_timeline_provider(provider: TimelineProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def timeline_for_household(household_id: int) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for provider in _providers:
        entries.extend(provider(household_id))
    return sorted(entries, key=lambda entry: entry.occurred_at, reverse=True)
