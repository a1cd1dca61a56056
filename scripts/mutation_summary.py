"""Print the mutation-testing figures per module as a Markdown table (``make mutation``; docs/mutation.md).

Reads mutmut's per-file results (``mutants/<path>.meta``, JSON with one exit code per mutant) and
counts them with mutmut's own mapping from exit code to status.  The kill rate is killed / (killed +
survived + timeout + no tests + suspicious + segfault): mutants never run ("not checked") are left
out and reported in their own column.

Usage: ``python scripts/mutation_summary.py [mutants-dir]``
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

COLUMNS = ["killed", "survived", "timeout", "no tests", "not checked"]


def summarise(root: Path) -> list[tuple[str, int, Counter[str]]]:
    """(module path, number of mutants, status counts) for every mutated file under ``root``."""
    rows = []
    for meta in sorted(root.rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if not codes:
            continue
        counts = Counter(status_by_exit_code[code] for code in codes.values())
        rows.append((str(meta.relative_to(root))[: -len(".meta")], len(codes), counts))
    return rows


def rate(counts: Counter[str]) -> float | None:
    """Killed share of the mutants that were run; ``None`` when none was."""
    run = sum(n for status, n in counts.items() if status != "not checked")
    return counts["killed"] / run if run else None


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "mutants")
    rows = summarise(root)
    if not rows:
        print(f"{root}: no mutmut results; run `make mutation` first", file=sys.stderr)
        return 1
    print("| module | mutants | " + " | ".join(COLUMNS) + " | kill rate |")
    print("|---|---:|" + "---:|" * len(COLUMNS) + "---:|")
    total: Counter[str] = Counter()
    n_total = 0
    for path, n, counts in rows:
        total.update(counts)
        n_total += n
        r = rate(counts)
        other = n - sum(counts[c] for c in COLUMNS)
        cells = [str(counts[c]) for c in COLUMNS]
        note = f" (+{other} other)" if other else ""
        print(f"| {path} | {n} | " + " | ".join(cells) + f" | {'-' if r is None else f'{r:.1%}'}{note} |")
    r = rate(total)
    print(f"| **all** | {n_total} | " + " | ".join(str(total[c]) for c in COLUMNS)
          + f" | {'-' if r is None else f'{r:.1%}'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
