"""A household's timeline, gathered from every app without the household page importing them.

Each app registers a provider in its ``AppConfig.ready()``; a provider takes a household id and
returns ``TimelineEntry`` rows (one query per provider, never per row). The household page merges
them newest first. Registry events come from ``households``; reviews, allowances, support and
payments add theirs as their issues land.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    title: str
    detail: str = ""
    actor: str = ""
    source: str = ""
    reason: str = ""
    # The detail (title) for a reader who may not see the person's identifiers (``privacy.visibility``):
    # a provider whose detail shows a national ID, phone, account or health field sets it; None means
    # it holds none of them.
    masked_detail: str | None = None
    masked_title: str | None = None

    def for_reader(self, *, masked: bool) -> "TimelineEntry":
        if not masked or (self.masked_detail is None and self.masked_title is None):
            return self
        return replace(
            self,
            title=self.title if self.masked_title is None else self.masked_title,
            detail=self.detail if self.masked_detail is None else self.masked_detail,
            masked_title=None,
            masked_detail=None,
        )


TimelineProvider = Callable[[int], list[TimelineEntry]]
_providers: list[TimelineProvider] = []


def register_timeline_provider(provider: TimelineProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def timeline_for_household(household_id: int, *, masked: bool = False) -> list[TimelineEntry]:
    """Every provider's entries, newest first; ``masked``: as a reader who may not see identifiers
    reads them (the caller asks ``privacy.visibility.sees_identifiers``)."""
    entries: list[TimelineEntry] = []
    for provider in _providers:
        entries.extend(provider(household_id))
    return sorted(
        (entry.for_reader(masked=masked) for entry in entries), key=lambda entry: entry.occurred_at, reverse=True
    )


@dataclass(frozen=True)
class HouseholdPanel:
    """A small table an app adds beside the household's timeline (e.g. support received per year)."""

    title: str
    rows: list[tuple[str, str]]
    empty: str = ""


PanelProvider = Callable[[int], HouseholdPanel | None]
_panel_providers: list[PanelProvider] = []


def register_household_panel(provider: PanelProvider) -> None:
    if provider not in _panel_providers:
        _panel_providers.append(provider)


def panels_for_household(household_id: int) -> list[HouseholdPanel]:
    """Each registered app's panel (one query per provider); a provider may return None."""
    return [panel for provider in _panel_providers if (panel := provider(household_id)) is not None]
