"""Append latency and full-read time of the event history at several sizes.

    .venv/bin/python bench/store_scale.py [SIZE ...]      (default: 0 100000)

The cost of an append must not grow with the history; a read (history, stats) is linear.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from common import median, scratch, table

from postureping.events import Event, Kind
from postureping.store import EventStore

APPENDS = 200


def fill(store: EventStore, count: int) -> None:
    """Write `count` events straight into the file (fast), as the store would have."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    kinds = [Kind.PROMPTED, Kind.DONE, Kind.PROMPTED, Kind.SKIPPED]
    store.path.parent.mkdir(parents=True, exist_ok=True)
    with store.path.open("wb") as file:
        for n in range(count):
            moment = start + timedelta(minutes=30 * n)
            file.write(Event.new("walk", kinds[n % 4], "daemon", moment).to_line())


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or [0, 100_000]
    rows = []
    for size in sizes:
        store = EventStore(scratch() / "events.jsonl")
        fill(store, size)
        now = datetime.now(UTC)
        times = []
        for _ in range(APPENDS):
            event = Event.new("walk", Kind.DONE, "cli", now)
            begin = time.perf_counter()
            store.append(event)
            times.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        result = store.read()
        read_time = time.perf_counter() - begin
        rows.append((
            f"{size:,}",
            f"{median(times) * 1e6:.0f} µs",
            f"{read_time * 1000:.0f} ms",
            f"{len(result.events):,}",
        ))  # fmt: skip
    print(f"Event history: append (median of {APPENDS}, with fsync) and a full read")
    print(table(("events", "append", "read all", "read back"), rows))


if __name__ == "__main__":
    main()
