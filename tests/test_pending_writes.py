"""PendingWrites: what the daemon does when the history cannot be written for a while."""

from __future__ import annotations

import errno
import logging
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.history.events import Event, Kind
from postureping.history.pending import PendingWrites
from postureping.history.store import EventStore
from tests.faulty_calls import FaultyCalls

NOW = datetime(2025, 3, 14, 14, 5, tzinfo=ZoneInfo("Europe/Berlin"))


def at(minutes: int) -> Event:
    return Event.new("walk", Kind.PROMPTED, "daemon", NOW + timedelta(minutes=minutes))


def failing(calls: FaultyCalls, error: int = errno.ENOSPC) -> None:
    calls.fail_at, calls.persistent, calls.error = len(calls.calls), True, error


def test_events_are_kept_in_order_while_the_disk_is_full_and_written_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = FaultyCalls()
    store = EventStore(tmp_path / "events.jsonl", calls)
    pending = PendingWrites(store)
    assert pending.append(at(0)) and pending.pending == 0

    failing(calls)
    with caplog.at_level(logging.WARNING):
        assert not pending.append(at(1))
        assert not pending.append(at(2))
        assert pending.retry() == 0
    assert pending.pending == 2
    assert pending.last_error is not None
    assert "No space left on device" in pending.last_error.message
    assert "2 event(s) kept in memory, to be written later" in caplog.messages[-2]

    calls.clear()
    assert pending.append(at(3))  # written after the ones that waited
    assert pending.pending == 0 and pending.last_error is None
    assert [e.ts for e in EventStore(store.path).read().events] == [at(m).ts for m in range(4)]
    assert pending.retry() == 0


def test_retry_writes_what_waits(tmp_path: Path) -> None:
    calls = FaultyCalls()
    pending = PendingWrites(EventStore(tmp_path / "events.jsonl", calls))
    failing(calls, errno.EIO)
    assert not pending.append(at(0))
    calls.clear()
    assert pending.retry() == 1
    assert pending.pending == 0
    assert len(EventStore(tmp_path / "events.jsonl").read().events) == 1


def test_an_event_that_reached_the_file_despite_the_error_is_not_written_twice(
    tmp_path: Path,
) -> None:
    """fsync failed, and so did taking the line back: the line is in the file though the
    append failed. The retry must not add it again."""
    probe = FaultyCalls()
    EventStore(tmp_path / "probe.jsonl", probe).append(at(0))
    probe.calls.clear()
    EventStore(tmp_path / "probe.jsonl", probe).append(at(1))
    calls = FaultyCalls()
    store = EventStore(tmp_path / "events.jsonl", calls)
    pending = PendingWrites(store)
    pending.append(at(0))
    # The fsync after the write fails, and so does everything after it.
    calls.fail_at, calls.persistent = len(calls.calls) + probe.calls.index("fsync"), True
    assert not pending.append(at(1))
    calls.clear()
    assert [e.ts for e in EventStore(store.path).read().events] == [at(0).ts, at(1).ts]
    assert pending.retry() == 1
    assert [e.ts for e in EventStore(store.path).read().events] == [at(0).ts, at(1).ts]


def test_past_the_limit_the_oldest_waiting_event_goes_with_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = FaultyCalls()
    pending = PendingWrites(EventStore(tmp_path / "events.jsonl", calls), limit=2)
    failing(calls)
    for minute in range(3):
        pending.append(at(minute))
    assert pending.pending == 2
    assert any(
        r.levelno == logging.ERROR and "dropped the oldest: walk prompted" in r.message
        for r in caplog.records
    )
    calls.clear()
    pending.retry()
    assert [e.ts for e in EventStore(tmp_path / "events.jsonl").read().events] == [
        at(1).ts,
        at(2).ts,
    ]
