"""Append latency, full read and read of today of the event history at several sizes.

    .venv/bin/python bench/store_scale.py [SIZE ...]      (default: 0 100000 1000000)

An append must cost the same at any size; a read of today (the daemon's start-up) must
not grow with the history either; a full read (`stats`) is linear, and should stay
around a second or two for a million events.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from common import median, scratch, table

from postureping.events import Event, Kind
from postureping.store import EventStore

APPENDS = 200
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


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or [0, 100_000, 1_000_000]
    rows = []
    for size in sizes:
        store = EventStore(scratch() / "events.jsonl")
        now = datetime.now(UTC)
        fill(store, size, now - timedelta(hours=1))
        times = []
        for _ in range(APPENDS):
            event = Event.new("walk", Kind.DONE, "cli", now)
            times.append(timed(partial(store.append, event)))
        read_all = timed(store.read)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        read_today = timed(partial(store.read, since=midnight))
        today = len(store.read(since=midnight).events)
        rows.append((
            f"{size:,}",
            f"{median(times) * 1e6:.0f} µs",
            f"{read_all * 1000:.0f} ms",
            f"{read_today * 1000:.1f} ms",
            f"{today:,}",
        ))  # fmt: skip
    print(f"Event history: append (median of {APPENDS}, with fsync), full read, read of today")
    print(table(("events", "append", "read all", "read today", "today's events"), rows))


if __name__ == "__main__":
    main()
