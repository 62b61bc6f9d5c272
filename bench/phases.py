"""Where a bench's time goes: wrap functions of the product's modules for the length of one run
and add up the time spent in each (``bench.registry`` and ``bench.povertyreview`` print the parse,
check and write phases of their imports this way). Nothing in the product changes: the wrappers
are module attributes replaced and put back, as ``bench.disbursements.profile`` does."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable


class Phases:
    """``with Phases() as phases: phases.wrap(module, "name", "part"); …``; then ``phases.seconds``
    ({part: seconds}, parts in the order they were first timed). ``part`` may be a function of the
    call's arguments (``copy_insert``'s model, say). A part entered again inside itself (recursion)
    is timed once, by its outer call."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._active: set[str] = set()
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, module, name: str, part: str | Callable[..., str]) -> None:
        function = getattr(module, name)

        def wrapper(*args, **kwargs):
            label = part(*args, **kwargs) if callable(part) else part
            if label in self._active:
                return function(*args, **kwargs)
            self._active.add(label)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1
                self._active.discard(label)

        self._undo.append((module, name, function))
        setattr(module, name, wrapper)

    def __enter__(self) -> Phases:
        return self

    def __exit__(self, *exc) -> None:
        for module, name, function in reversed(self._undo):
            setattr(module, name, function)
        self._undo.clear()


def print_phases(title: str, rows: list[tuple[str, float]]) -> None:
    """A small table: the phase (indented when it is part of the one above) and its seconds."""
    print(f"\n{title}")
    for label, seconds in rows:
        print(f"  {label:<58} {seconds:>7.2f} s")
