"""Where a bench's time goes: wrap functions of the product's modules for the length of one run
and add up the time spent in each (``bench.registry`` and ``bench.povertyreview`` print the parse,
check and write phases of their imports this way). Nothing in the product changes: the wrappers
are module attributes replaced and put back, as ``bench.disbursements.profile`` does.

Each phase gets its wall time and the CPU time spent in it by this process (Python) and by its
PostgreSQL backend (read from /proc when the server runs on this machine and its processes are
readable). On a machine loaded by other work the wall time swells with the load; the CPU times
much less, so they compare runs made under different loads."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Spent:
    wall: float = 0.0
    python: float = 0.0
    server: float | None = 0.0  # None: the backend's CPU time cannot be read here

    def __add__(self, other: Spent) -> Spent:
        server = None if None in (self.server, other.server) else self.server + other.server
        return Spent(self.wall + other.wall, self.python + other.python, server)

    def __sub__(self, other: Spent) -> Spent:
        server = None if None in (self.server, other.server) else self.server - other.server
        return Spent(self.wall - other.wall, self.python - other.python, server)


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_of(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """The wall, Python and backend CPU clocks of this process and its database connection."""

    def __init__(self) -> None:
        self.pid = _backend_pid()

    def now(self, *, server: bool = True) -> Spent:
        return Spent(time.perf_counter(), time.process_time(), _cpu_of(self.pid) if server else None)


class Phases:
    """``with Phases() as phases: phases.wrap(module, "name", "part"); …``; then ``phases.spent``
    ({part: Spent}, parts in the order they were first timed). ``part`` may be a function of the
    call's arguments (``copy_insert``'s model, say). A part entered again inside itself (recursion)
    is timed once, by its outer call. ``often=True``: a function called once per line or household,
    whose backend CPU time is not read (reading it would cost more than the call)."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.spent: dict[str, Spent] = defaultdict(Spent)
        self._active: set[str] = set()
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, module, name: str, part: str | Callable[..., str], *, often: bool = False) -> None:
        function = getattr(module, name, None)
        if function is None:  # not in this version of the product
            return

        def wrapper(*args, **kwargs):
            label = part(*args, **kwargs) if callable(part) else part
            if label in self._active:
                return function(*args, **kwargs)
            self._active.add(label)
            started = self.clock.now(server=not often)
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[label] += self.clock.now(server=not often) - started
                self._active.discard(label)

        self._undo.append((module, name, function))
        setattr(module, name, wrapper)

    def __enter__(self) -> Phases:
        return self

    def __exit__(self, *exc) -> None:
        for module, name, function in reversed(self._undo):
            setattr(module, name, function)
        self._undo.clear()


def print_phases(title: str, rows: list[tuple[str, Spent]]) -> None:
    """A small table: the phase (indented when it is part of the one above), its wall time and
    the CPU time of Python and of PostgreSQL in it."""
    print(f"\n{title}")
    print(f"  {'phase':<58} {'wall s':>7} {'Python':>7} {'PgSQL':>7}  (CPU s)")
    for label, spent in rows:
        server = f"{spent.server:>7.2f}" if spent.server is not None else f"{'':>7}"
        print(f"  {label:<58} {spent.wall:>7.2f} {spent.python:>7.2f} {server}")


def cpu_summary(spent: Spent) -> str:
    """ "CPU 5.1 s Python + 4.2 s PostgreSQL; load average 2.1"."""
    server = f"{spent.server:.1f} s" if spent.server is not None else "n/a"
    return f"CPU {spent.python:.1f} s Python + {server} PostgreSQL; load average {os.getloadavg()[0]:.1f}"
