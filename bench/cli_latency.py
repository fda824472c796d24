"""Wall time of CLI commands, next to `python -c pass`: median of RUNS runs each.

.venv/bin/python bench/cli_latency.py [RUNS]
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import PYTHON, isolated_env, median, scratch, table

COMMANDS = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "postureping --version": [PYTHON, "-m", "postureping", "--version"],
    "postureping done walk": [PYTHON, "-m", "postureping", "done", "walk"],
    "postureping routines --json": [PYTHON, "-m", "postureping", "routines", "--json"],
    "postureping stats --json": [PYTHON, "-m", "postureping", "stats", "--json"],
}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    env = isolated_env(scratch())
    rows = []
    for name, command in COMMANDS.items():
        subprocess.run(command, env=env, check=True, capture_output=True)  # warm the caches
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        rows.append((name, f"{median(times) * 1000:.0f} ms", f"{min(times) * 1000:.0f} ms"))
    print(f"CLI wall time, median and best of {runs} runs")
    print(table(("command", "median", "best"), rows))


if __name__ == "__main__":
    main()
