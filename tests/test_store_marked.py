"""`EventStore.read_marked`: the few check-ins of a long history, read from its end back to
a moment only, parsing only their lines (postureping.history.tail.marked_since)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from postureping.checkin import CheckIn
from postureping.history.checkins import MARKER
from postureping.history.events import Event, Kind
from postureping.history.io import FileCalls
from postureping.history.store import EventStore

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class Counting(FileCalls):
    """The real calls, counting the bytes read."""

    def __init__(self) -> None:
        self.read = 0

    def pread(self, fd: int, length: int, offset: int) -> bytes:
        data = super().pread(fd, length, offset)
        self.read += len(data)
        return data


def _checkin(at: datetime, pain: int) -> Event:
    return Event.new("checkin", Kind.CHECKIN, "cli", at, detail=CheckIn(pain))


def _walks(first: datetime, count: int) -> list[Event]:
    return [
        Event.new("walk", Kind.DONE, "daemon", first + timedelta(minutes=10 * n))
        for n in range(count)
    ]


def test_only_checkins_since_the_moment_in_file_order(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.jsonl")
    old, recent = _checkin(NOW - timedelta(weeks=30), 8), _checkin(NOW - timedelta(weeks=2), 5)
    store.append_many([old, *_walks(NOW - timedelta(weeks=29), 3000), recent])
    store.append_many(_walks(NOW - timedelta(weeks=1), 500))
    imported = _checkin(NOW - timedelta(weeks=3), 6)  # an import appends an older one
    store.append(imported)
    assert store.read_marked(NOW - timedelta(weeks=13), MARKER) == [recent, imported]
    assert store.read_marked(NOW - timedelta(weeks=40), MARKER) == [old, recent, imported]
    assert store.read_marked(NOW, MARKER) == []


def test_it_reads_back_only_as_far_as_the_moment(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventStore(path).append_many(_walks(NOW - timedelta(weeks=200), 50_000))
    calls = Counting()
    assert EventStore(path, calls).read_marked(NOW - timedelta(weeks=2), MARKER) == []
    size = os.path.getsize(path)
    assert calls.read < size / 20, (calls.read, size)  # not the whole history


def test_a_missing_history_has_none(tmp_path: Path) -> None:
    assert EventStore(tmp_path / "none.jsonl").read_marked(NOW, MARKER) == []


def test_damage_elsewhere_is_not_its_business(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.jsonl")
    recent = _checkin(NOW - timedelta(days=1), 4)
    store.append(recent)
    with store.path.open("ab") as file:
        file.write(b"garbage\n")
    store.append(_walks(NOW, 1)[0])
    assert store.read_marked(NOW - timedelta(weeks=1), MARKER) == [recent]
