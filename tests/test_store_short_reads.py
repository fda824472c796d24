"""Short reads: a read may return fewer bytes than asked (FUSE, NFS, a signal), and the store
must then read on, not take what came back for the whole. Before it did, an append through
short reads found "garbage" at the end of a healthy history and moved valid events aside.

The libfiu tests (tests/test_store_fiu.py) do the same to the real CLI and daemon.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.history.events import Event, Kind
from postureping.history.io import FileCalls
from postureping.history.store import EventStore, StoreError
from postureping.history.tail import BLOCK
from tests.faulty_calls import ShortReads

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 14, 14, 5, tzinfo=BERLIN)
SEEDS = range(8)


def at(minutes: float, routine: str = "walk") -> Event:
    return Event.new(routine, Kind.DONE, "cli", NOW + timedelta(minutes=minutes))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Event]]:
    """A healthy history longer than one block of the backward reader, with long lines."""
    path = tmp_path_factory.mktemp("history") / "events.jsonl"
    events = [at(m, "walk" if m % 3 else "stretch-" + "x" * 300) for m in range(600)]
    EventStore(path).append_many(events)
    assert path.stat().st_size > 2 * BLOCK
    return path, events


def _copy(history: tuple[Path, list[Event]], tmp_path: Path) -> EventStore:
    path = tmp_path / "events.jsonl"
    shutil.copyfile(history[0], path)
    return EventStore(path)


@pytest.mark.parametrize("seed", SEEDS)
def test_an_append_through_short_reads_keeps_every_event(
    history: tuple[Path, list[Event]], tmp_path: Path, seed: int
) -> None:
    store = _copy(history, tmp_path)
    calls = ShortReads(seed)
    new = at(1000)

    assert EventStore(store.path, calls).append(new) is None  # nothing to repair

    assert calls.short > 0
    assert not store.damaged_path.exists()
    assert store.read().events == [*history[1], new]


@pytest.mark.parametrize("seed", SEEDS)
def test_append_new_through_short_reads_adds_only_what_is_missing(
    history: tuple[Path, list[Event]], tmp_path: Path, seed: int
) -> None:
    store = _copy(history, tmp_path)
    new = [at(2000), at(2001)]

    written, repair = EventStore(store.path, ShortReads(seed)).append_new(
        [history[1][-1], new[0], history[1][3], new[1]]
    )

    assert (written, repair) == (new, None)
    assert not store.damaged_path.exists()
    assert store.read().events == [*history[1], *new]


@pytest.mark.parametrize("seed", SEEDS)
def test_reading_through_short_reads_gives_what_a_full_read_gives(
    history: tuple[Path, list[Event]], seed: int
) -> None:
    full, short = EventStore(history[0]), EventStore(history[0], ShortReads(seed))
    since = NOW + timedelta(minutes=590)

    assert short.read() == full.read()
    assert short.read(since) == full.read(since)
    assert [e.ts for e in short.read(since).events] == [e.ts for e in history[1][590:]]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_torn_tail_read_in_short_pieces_is_moved_aside_and_nothing_more(
    history: tuple[Path, list[Event]], tmp_path: Path, seed: int
) -> None:
    store = _copy(history, tmp_path)
    torn = at(999).to_line()[:80]
    with store.path.open("ab") as file:
        file.write(torn)

    new = at(1000)

    repair = EventStore(store.path, ShortReads(seed)).append(new)

    assert repair is not None and repair.lines == 1
    assert store.damaged_path.read_bytes() == torn + b"\n"
    assert store.read().events == [*history[1], new]


def test_a_file_that_shrinks_under_the_reader_is_an_error_not_a_repair(tmp_path: Path) -> None:
    """A read that comes back empty before the end means the file got shorter without the
    lock (an editor, another program): the writer must not cut where it thinks the end is."""

    class Shrinking(FileCalls):
        def pread(self, fd: int, length: int, offset: int) -> bytes:
            return super().pread(fd, min(length, 10), offset) if offset < 40 else b""

    store = EventStore(tmp_path / "events.jsonl")
    store.append_many([at(m) for m in range(5)])
    before = store.path.read_bytes()

    with pytest.raises(StoreError, match="got shorter"):
        EventStore(store.path, Shrinking()).append(at(10))

    assert store.path.read_bytes() == before
    assert not store.damaged_path.exists()
