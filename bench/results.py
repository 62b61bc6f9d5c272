"""The performance table of ``make bench``: each bench records its rows here, ``python -m bench``
prints them together at the end.

Every row is a piece of work a province waits on, measured beside its own reference **in the same
run** (the trivial signed-in page for pages, a plain ``COPY`` of as many rows of a payment line's
width for the engine and the runs), so that a loaded or slower machine moves both. ``before`` is
the figure measured on the 2-core reference machine on 2026-12-07, when issue 19 set the targets.

A bench calls :func:`record` once per row it measured; the rows live in a JSON file
(``$BENCH_RESULTS``, default ``.data/bench/results.json``) that ``python -m bench`` empties first.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    key: str
    work: str
    before: str
    target: str


ROWS = (
    Row("runs", "prepare the runs of one province, 1,000,000 cases, 2 workers", "43.5× COPY", "≤ 4× COPY"),
    Row("engine", "allowance engine, 1,000,000 cases, one month", "7.4 s = 3.2× COPY", "≤ 1× COPY"),
    Row("household import", "household import, 100,000 lines, committed", "23.7–42.4 s", "≤ 15 s"),
    Row("list", "registry list, 1,000,000 households", "5.3× trivial", "≤ 3× trivial"),
    Row("name search", "name search, 1,000,000 households", "10.2× trivial", "≤ 3× trivial"),
    Row("national ID", "national-ID lookup, 1,000,000 households", "5.4× trivial", "≤ 3× trivial"),
    Row("household", "household page, 1,000,000 households", "7.1× trivial", "≤ 3× trivial"),
    Row("home", "home page (work lists), 10,000-household commune", "14× trivial", "≤ 3× trivial"),
    Row("survey import", "poverty survey import, 100,000 lines", "13 s", "≤ 8 s"),
    Row("commune dashboard", "commune dashboard, 10,000 households", "572 ms", "≤ 150 ms"),
    Row("province dashboard", "province dashboard computed fresh, 1,000,000 households", "5.0 s", "≤ 1 s"),
)
KEYS = {row.key for row in ROWS}


def results_path() -> Path:
    return Path(os.environ.get("BENCH_RESULTS", ROOT / ".data" / "bench" / "results.json"))


def load() -> dict[str, dict]:
    path = results_path()
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def clear() -> None:
    results_path().unlink(missing_ok=True)


def record(key: str, *, measured: str, reference: str, passed: bool) -> None:
    """Keep one row's figure: ``measured`` as shown (``"2.1× (11.0 ms)"``), ``reference`` the figure
    it was set against in the same run (``"trivial page 5.2 ms"``)."""
    if key not in KEYS:
        raise ValueError(f"unknown bench row {key!r}")
    rows = load()
    rows[key] = {"measured": measured, "reference": reference, "passed": passed}
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


def ratio_row(key: str, seconds: float, reference_seconds: float, reference: str, limit: float) -> bool:
    """Record a row whose target is a multiple of its reference; returns whether it passes."""
    ratio = seconds / reference_seconds
    passed = ratio <= limit
    record(
        key,
        measured=f"{ratio:.1f}× ({format_seconds(seconds)})",
        reference=f"{reference} {format_seconds(reference_seconds)}",
        passed=passed,
    )
    return passed


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def table(rows: dict[str, dict]) -> list[str]:
    header = ("work", "reference (this run)", "measured", "before", "target", "verdict")
    body = []
    for row in ROWS:
        got = rows.get(row.key)
        if got is None:
            body.append((row.work, "", "not measured", row.before, row.target, "FAIL"))
        else:
            verdict = "PASS" if got["passed"] else "FAIL"
            body.append((row.work, got["reference"], got["measured"], row.before, row.target, verdict))
    widths = [max(len(line[column]) for line in (header, *body)) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in (header, *body)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines
