"""Print the combined coverage data (.coverage) per package of postureping and in total.

Run by scripts/test after the suite; `.venv/bin/coverage report` lists every module.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import coverage

# The counts of coverage's JSON summary that its percentage is made of.
COUNTS = ("num_statements", "covered_lines", "num_branches", "covered_branches")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coverage.json"
        cov = coverage.Coverage()
        cov.load()
        cov.json_report(outfile=str(report))
        files = json.loads(report.read_text(encoding="utf-8"))["files"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    for path, measured in files.items():
        parts = Path(path).parts
        inside = parts[parts.index("postureping") :] if "postureping" in parts else parts
        package = ".".join(inside[:2]) if len(inside) > 2 else "postureping (top level)"
        for index, name in enumerate(COUNTS):
            totals[package][index] += measured["summary"][name]
            totals["TOTAL"][index] += measured["summary"][name]
    width = max(len(name) for name in totals)
    headings = f"{'lines':>6}  {'missed':>6}  {'branches':>8}  {'missed':>6}  cover"
    print(f"\n{'coverage':<{width}}  {headings}")
    for name in sorted(totals, key=lambda n: (n == "TOTAL", n)):
        lines, covered_lines, branches, covered_branches = totals[name]
        measured = lines + branches
        percent = 100.0 * (covered_lines + covered_branches) / measured if measured else 100.0
        print(
            f"{name:<{width}}  {lines:>6}  {lines - covered_lines:>6}  {branches:>8}"
            f"  {branches - covered_branches:>6}  {percent:5.1f}%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
