"""The weight of `postureping report`'s page and the time the command takes.

Writes a history of WEEKS weeks (the eight built-in routines, a reminder of each every
working hour, answered done, skipped, snoozed or missed in turn) into a scratch home, then runs
the real CLI (`report --weeks WEEKS --output -`) RUNS times. Prints the page's size, the share
of its three charts, and the median wall time of the command (interpreter start included).

    .venv/bin/python bench/report_weight.py [WEEKS] [RUNS]
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import PYTHON, heading, isolated_env, median, scratch, table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from postureping.history.events import Event, Kind  # noqa: E402
from postureping.history.store import EventStore  # noqa: E402
from postureping.settings.builtin import load_builtin_specs  # noqa: E402

ANSWERS = (Kind.DONE, Kind.DONE, Kind.SKIPPED, Kind.MISSED, Kind.DONE, Kind.SNOOZED)


def write_history(root: Path, weeks: int) -> int:
    store = EventStore(root / "data" / "postureping" / "events.jsonl")
    routines = [spec.id for spec in load_builtin_specs()]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    count = 0
    for day in range(7 * weeks):
        midnight = today - timedelta(days=day)
        for hour in range(9, 18):
            for n, routine in enumerate(routines):
                moment = midnight + timedelta(hours=hour, minutes=n)
                store.append(Event.new(routine, Kind.PROMPTED, "daemon", moment))
                answer = ANSWERS[(day + hour + n) % len(ANSWERS)]
                store.append(Event.new(routine, answer, "cli", moment + timedelta(minutes=2)))
                count += 2
    return count


def main(weeks: int, runs: int) -> None:
    root = scratch()
    events = write_history(root, weeks)
    env = isolated_env(root, TZ="UTC")
    times, page = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [PYTHON, "-m", "postureping", "report", "--weeks", str(weeks), "--output", "-"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(time.perf_counter() - start)
        page = result.stdout
    charts = re.findall(r"<svg\b.*?</svg>", page, re.S)
    size = len(page.encode())
    chart_bytes = sum(len(c.encode()) for c in charts)
    print(heading(f"report page: {weeks} weeks, {events} events, median of {runs} runs"))
    print(
        table(
            ("page", "charts", "rest", "charts' elements", "time"),
            [
                (
                    f"{size / 1024:.1f} KiB",
                    f"{chart_bytes / 1024:.1f} KiB",
                    f"{(size - chart_bytes) / 1024:.1f} KiB",
                    sum(len(re.findall(r"<[a-z]", c)) for c in charts),
                    f"{median(times):.2f} s",
                )
            ],
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4, int(sys.argv[2]) if len(sys.argv) > 2 else 5)
