"""The event history at several sizes: append latency, full read, read of today, and the
wall time of `postureping stats --json` and of the daemon's start-up.

    .venv/bin/python bench/store_scale.py [SIZE ...]      (default: 0 100000 1000000)

An append must cost the same at any size; a read of today, and so the daemon's start-up,
must not grow with the history either; a full read and `stats` are linear, and `stats`
should stay under two seconds for a million events.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from common import PYTHON, heading, idle_config, isolated_env, median, scratch, table

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore

APPENDS = 200
RUNS = 3  # of the CLI and the daemon's start-up
READY = b"postureping is running"
SPACING = timedelta(minutes=5)  # a million events: nine and a half years


def fill(store: EventStore, count: int, end: datetime) -> None:
    """Write `count` events ending at `end` straight into the file (fast), as the store
    would have."""
    kinds = [Kind.PROMPTED, Kind.DONE, Kind.PROMPTED, Kind.SKIPPED]
    start = end - SPACING * count
    store.path.parent.mkdir(parents=True, exist_ok=True)
    with store.path.open("wb") as file:
        for n in range(count):
            moment = start + SPACING * n
            file.write(Event.new("walk", kinds[n % 4], "daemon", moment).to_line())


def timed(action: Callable[[], object]) -> float:
    begin = time.perf_counter()
    action()
    return time.perf_counter() - begin


def stats_time(env: dict[str, str]) -> float:
    command = [PYTHON, "-m", "postureping", "stats", "--json"]
    return timed(partial(subprocess.run, command, env=env, check=True, capture_output=True))


def startup_time(env: dict[str, str], config: str) -> float:
    """From starting the daemon to its "postureping is running" line."""
    begin = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-m", "postureping", "--config", config, "run", "--no-tray"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if READY in line:
                return time.perf_counter() - begin
        raise SystemExit("bench: the daemon stopped before it was ready")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or [0, 100_000, 1_000_000]
    rows = []
    appends = {}
    for size in sizes:
        root = scratch()
        store = EventStore(root / "events.jsonl")
        now = datetime.now(UTC)
        fill(store, size, now - timedelta(hours=1))
        times = []
        for _ in range(APPENDS):
            event = Event.new("walk", Kind.DONE, "cli", now)
            times.append(timed(partial(store.append, event)))
        appends[size] = median(times)
        read_all = timed(store.read)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        read_today = timed(partial(store.read, since=midnight))
        env = isolated_env(
            root,
            POSTUREPING_STORE__PATH=str(store.path),
            POSTUREPING_NOTIFICATIONS__BACKEND="console",
        )
        stats = median([stats_time(env) for _ in range(RUNS)])
        config = str(idle_config(root))
        startup = median([startup_time(env, config) for _ in range(RUNS)])
        rows.append((
            f"{size:,}",
            f"{appends[size] * 1e6:.0f} µs",
            f"{read_all * 1000:,.0f} ms",
            f"{read_today * 1000:.1f} ms",
            f"{stats * 1000:,.0f} ms",
            f"{startup * 1000:,.0f} ms",
        ))  # fmt: skip
    print(heading(
        f"Event history: append (median of {APPENDS}, with fsync), full read, read of today "
        f"(in process); stats --json and daemon start-up (wall, median of {RUNS})"
    ))  # fmt: skip
    print(table(
        ("events", "append", "read all", "read today", "stats --json", "daemon start-up"), rows
    ))  # fmt: skip
    if len(appends) > 1:
        smallest, largest = min(appends), max(appends)
        ratio = appends[largest] / appends[smallest]
        print(f"an append at {largest:,} events costs {ratio:.2f}x one at {smallest:,}")


if __name__ == "__main__":
    main()
