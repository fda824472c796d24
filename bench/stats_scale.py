"""Wall time of `postureping stats --json` (and `--view month`, `export`) over a long history.

    .venv/bin/python bench/stats_scale.py [EVENTS] [RUNS]     (default: 1000000 3)

The history is made up like a real one: ten years of working days in Europe/Berlin (so it
crosses DST changes), several routines, a prompt followed by an answer or a miss. Prints the
CLI's wall time (median of RUNS, in a fresh process, as a user runs it) and, in this process,
how that splits into counting the file and summarizing the counts, next to a full read.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import PYTHON, heading, isolated_env, median, scratch, table

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from postureping.settings.model import ActiveHoursSettings
from postureping.stats.compute import summarize, window

ZONE = ZoneInfo("Europe/Berlin")
YEARS = 10
ROUTINES = ("walk", "stretch", "switch-position", "strengthen", "desk-height")
ANSWERS = (Kind.DONE, Kind.DONE, Kind.DONE, Kind.SKIPPED, Kind.SNOOZED, Kind.MISSED)


def fill(path: Path, count: int, today: date) -> int:
    """About `count` events over YEARS years ending today, written straight into the file;
    returns how many."""
    rng = random.Random(5)  # noqa: S311 - made-up data, the same each run
    days = [today - timedelta(days=n) for n in reversed(range(365 * YEARS))]
    per_day = max(2, count // len(days))
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        for day in days:
            moments = sorted(rng.uniform(8, 18) for _ in range(per_day // 2))
            for hours in moments:
                if written >= count:
                    return written
                moment = datetime.combine(day, datetime.min.time(), ZONE) + timedelta(hours=hours)
                routine = rng.choice(ROUTINES)
                answer = rng.choice(ANSWERS)
                snooze = timedelta(minutes=10) if answer is Kind.SNOOZED else None
                file.write(Event.new(routine, Kind.PROMPTED, "daemon", moment).to_line())
                later = moment + timedelta(minutes=rng.uniform(0.5, 9))
                file.write(Event.new(routine, answer, "cli", later, snooze).to_line())
                written += 2
    return written


def cli_time(env: dict[str, str], args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [PYTHON, "-m", "postureping", *args], env=env, check=True, stdout=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    root = scratch()
    env = isolated_env(root, TZ="Europe/Berlin")
    store = EventStore(root / "data" / "postureping" / "events.jsonl")
    today = datetime.now(ZONE).date()
    begin = time.perf_counter()
    count = fill(store.path, count, today)
    print(f"wrote {count:,} events in {time.perf_counter() - begin:.1f} s to {store.path}")

    now = datetime.now(UTC)
    begin = time.perf_counter()
    counted = store.tally(window(now, ZONE, 7))
    tallied = time.perf_counter() - begin
    begin = time.perf_counter()
    hours = ActiveHoursSettings().to_hours()  # the defaults, as the CLI runs here
    stats = summarize(counted.tally, (), now, ZONE, daily_goal=1, hours=hours)
    summarized = time.perf_counter() - begin
    begin = time.perf_counter()
    json.dumps(stats.to_json())
    dumped = time.perf_counter() - begin
    begin = time.perf_counter()
    events = store.read().events
    read = time.perf_counter() - begin

    rows = [
        ("count the file for the stats (in process)", f"{tallied * 1000:,.0f} ms"),
        ("summarize the counts (in process)", f"{summarized * 1000:,.0f} ms"),
        ("to JSON (in process)", f"{dumped * 1000:,.0f} ms"),
        ("read every event, as history and export do (in process)", f"{read * 1000:,.0f} ms"),
    ]
    del events
    for args in (["stats", "--json"], ["stats", "--view", "month"], ["stats", "--days", "3650"]):
        wall = cli_time(env, args, runs)
        rows.append((f"postureping {' '.join(args)}", f"{wall * 1000:,.0f} ms"))
    export = ["export", "--format", "csv", "--output", str(root / "export.csv")]
    rows.append(("postureping export --format csv", f"{cli_time(env, export, 1) * 1000:,.0f} ms"))
    print(heading(f"stats over {count:,} events; CLI figures are the median of {runs} runs"))
    print(table(("what", "wall time"), rows))


if __name__ == "__main__":
    main()
