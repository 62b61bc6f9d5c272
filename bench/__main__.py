"""``python -m bench`` (``make bench``): run every benchmark, each in its own process, then print
issue 19's table (bench/results.py) with each row beside its reference of the same run.

``python -m bench registry reports`` runs only those benches (the table then says which rows were
not measured). The exit code is 0 when every bench passed its own checks and every row of the table
was measured and met its target.
"""

from __future__ import annotations

import subprocess
import sys

from bench import results

BENCHES = ("registry", "povertyreview", "beneficiaries", "disbursements", "support", "reports")


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHES)
    unknown = sorted(set(chosen) - set(BENCHES))
    if unknown:
        sys.exit(f"unknown bench: {', '.join(unknown)} (choose from {', '.join(BENCHES)})")
    results.clear()
    failed = []
    for name in chosen:
        print(f"\n######## bench.{name}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=results.ROOT).returncode != 0:
            failed.append(name)
    rows = results.load()
    print("\n######## issue 19's table (each row beside its reference in this run)\n")
    print("\n".join(results.table(rows)))
    if failed:
        print(f"\nbenches that failed their own checks: {', '.join(failed)}")
    complete = all(row.key in rows and rows[row.key]["passed"] for row in results.ROWS)
    return 0 if not failed and complete else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
