"""The event store: real files, real processes, no mocks."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.errors import UserError
from postureping.history import lock as filelock
from postureping.history.events import Event, Kind
from postureping.history.format import BAD_CHECKSUM
from postureping.history.store import (
    TORN_LINE,
    Damage,
    EventStore,
    ReadResult,
    Repair,
    StoreError,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 14, 14, 5, tzinfo=BERLIN)
posix_only = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")


def event(minutes: int = 0, kind: Kind = Kind.DONE, routine: str = "walk") -> Event:
    return Event.new(routine, kind, "cli", NOW + timedelta(minutes=minutes))


def store_in(tmp_path: Path) -> EventStore:
    return EventStore(tmp_path / "data" / "postureping" / "events.jsonl")


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_append_then_read_round_trips_in_file_order(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    written = [
        event(0, Kind.PROMPTED),
        event(1, Kind.DONE),
        Event.new("stretch", Kind.SNOOZED, "daemon", NOW + timedelta(minutes=2), timedelta(1)),
    ]
    for e in written:
        store.append(e)
    result = store.read()
    assert result.events == written
    assert result.damaged == []
    lines = store.path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 4
    assert lines[:3] == [e.to_line().rstrip(b"\n") for e in written]


def test_read_since_keeps_later_events_only(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    for minutes in (0, 10, 20):
        store.append(event(minutes))
    since = NOW + timedelta(minutes=10)
    assert [e.ts for e in store.read(since=since).events] == [since, since + timedelta(minutes=10)]


def test_a_missing_file_reads_as_empty_and_reading_creates_nothing(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    result = store.read()
    assert result.events == [] and result.damaged == []
    assert not store.path.parent.exists()


@posix_only
@pytest.mark.parametrize("mask", [0o000, 0o022, 0o277])
def test_new_folder_and_file_are_private_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    store = store_in(tmp_path)
    with umask(mask):
        store.append(event())
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.append(event(1))  # still writable after a strange umask
    assert len(store.read().events) == 2
    with store.path.open("ab") as file:
        file.write(b"torn")
    with umask(mask):
        assert store.append(event(2)) is not None
    assert stat.S_IMODE(store.damaged_path.stat().st_mode) == 0o600


@posix_only
def test_a_looser_file_is_tightened_but_an_existing_folder_is_left_alone(tmp_path: Path) -> None:
    # The folder may be one the user chose for store.path (a sync folder, their home):
    # changing its mode would break other things. The history file itself is ours.
    store = store_in(tmp_path)
    store.path.parent.mkdir(parents=True)
    store.path.parent.chmod(0o755)
    store.path.write_bytes(event().to_line())
    store.path.chmod(0o644)
    store.append(event(1))
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o755
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_damaged_middle_line_is_reported_skipped_and_kept(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    first, second, third = event(0), event(1), event(2)
    store.append(first)
    with store.path.open("ab") as file:
        file.write(b'{"v":1,"id":"0123\x00 garbage\n' + second.to_line())
    before = store.path.read_bytes()
    stamp = store.path.stat().st_mtime_ns

    result = store.read()

    assert result.events == [first, second]
    assert result.damaged == [Damage(store.path, 2, "not valid JSON")]
    assert str(result.damaged[0]) == f"{store.path}:2: damaged line skipped (not valid JSON)"
    assert store.path.read_bytes() == before
    assert store.path.stat().st_mtime_ns == stamp
    # A writer leaves it alone too: only a damaged tail is moved aside.
    assert store.append(third) is None
    assert store.path.read_bytes() == before + third.to_line(second.ts)
    assert store.read().damaged == [Damage(store.path, 2, "not valid JSON")]
    assert not store.damaged_path.exists()


def test_a_changed_byte_fails_the_checksum_and_the_line_is_kept(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    for minutes in range(3):
        store.append(event(minutes))
    data = bytearray(store.path.read_bytes())
    second = data.index(b"\n") + 1
    data[second + data[second:].index(b"walk")] = ord("t")  # "talk": valid JSON, wrong crc
    store.path.write_bytes(bytes(data))

    result = store.read()

    assert [e.ts for e in result.events] == [NOW, NOW + timedelta(minutes=2)]
    assert result.damaged == [Damage(store.path, 2, BAD_CHECKSUM)]
    assert store.read(since=NOW).damaged == [Damage(store.path, 2, BAD_CHECKSUM)]
    store.append(event(3))
    assert store.read().damaged == [Damage(store.path, 2, BAD_CHECKSUM)]
    assert store.path.read_bytes().startswith(bytes(data))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"\xff\xfe not text", "not UTF-8 text"),
        (b"[1, 2, 3]", "not a valid event: a JSON object was expected, not list"),
        (b"[" * 100_000, "not valid JSON"),
        (b'{"v":4,"id":"x"}', "not a valid event: unknown format version 4"),
        (b'{"v":2,"id":"x"}', "no checksum, which every format 2 line has"),
        (event().to_line().replace(b'"walk"', b'"wa\\u006ck"'), BAD_CHECKSUM),
        (event().to_line()[:-11] + b'zzzzzzzz"}', BAD_CHECKSUM),
        (
            b'{"v":1,"id":"0123456789abcdef0123456789abcdef","ts":"2025-03-14T14:05:00",'
            b'"routine":"walk","kind":"done","source":"cli"}',
            "not a valid event: timestamp 2025-03-14T14:05:00 has no UTC offset",
        ),
    ],
)
def test_each_kind_of_damage_says_what_is_wrong(tmp_path: Path, line: bytes, reason: str) -> None:
    store = store_in(tmp_path)
    store.append(event())
    with store.path.open("ab") as file:
        file.write(line + b"\n")
    [damage] = store.read().damaged
    assert damage.line_number == 2
    assert damage.reason.startswith(reason)


def test_blank_lines_are_skipped_quietly(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"\n" + event().to_line() + b"  \n")
    result = store.read()
    assert len(result.events) == 1 and result.damaged == []


def test_a_torn_last_line_is_reported_then_moved_aside_by_the_next_writer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_in(tmp_path)
    first = event(0)
    store.append(first)
    torn = event(1).to_line()[:40]  # a crash in the middle of a write
    with store.path.open("ab") as file:
        file.write(torn)

    result = store.read()
    assert result.events == [first]
    assert result.damaged == [Damage(store.path, 2, TORN_LINE)]
    assert "incomplete last line, probably an interrupted write" in str(result.damaged[0])

    new = event(2)
    with caplog.at_level(logging.WARNING, logger="postureping.history.store"):
        repair = store.append(new)
    assert repair == Repair(store.path, store.damaged_path, lines=1, size=41)
    assert caplog.messages == [str(repair)]
    assert str(repair) == (
        f"{store.path}: its last line was damaged (41 bytes), probably by an interrupted "
        f"write; moved it to {store.damaged_path} and carried on"
    )
    assert store.path.read_bytes() == first.to_line() + new.to_line()
    assert store.damaged_path.read_bytes() == torn + b"\n"
    assert store.read() == ReadResult([first, new], [])


def test_garbage_lines_at_the_end_are_moved_aside_together(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    store.append(event(0))
    good = store.path.read_bytes()
    garbage = b"\x00" * 5000 + b"\n" + event(1).to_line()[:-30] + b"\n\n  \n" + b"\xff" * 9
    store.path.write_bytes(good + garbage)
    store.damaged_path.write_bytes(b"from before\n")
    new = event(2)
    repair = store.append(new)
    assert repair is not None and repair.lines == 5 and repair.size == len(garbage) + 1
    assert store.path.read_bytes() == good + new.to_line()
    assert store.damaged_path.read_bytes() == b"from before\n" + garbage + b"\n"
    assert store.read().damaged == []


def test_a_line_from_a_newer_version_at_the_end_is_not_moved_aside(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    store.append(event(0))
    newer = b'{"v":4,"id":"0123456789abcdef0123456789abcdef","when":"later"}\n'
    with store.path.open("ab") as file:
        file.write(newer)
    assert store.append(event(1)) is None
    assert newer in store.path.read_bytes()
    [damage] = store.read().damaged
    assert damage.line_number == 2 and "newer postureping" in damage.reason
    assert len(store.read().events) == 2


def test_a_last_line_missing_only_its_newline_still_counts(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    whole = event(0)
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(whole.to_line().rstrip(b"\n"))
    assert store.read().events == [whole]
    store.append(event(1))
    assert len(store.read().events) == 2 and store.read().damaged == []


def test_append_cost_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """A sparse file of a terabyte that ends in an event: reading it, or even a part
    proportional to its size, would take minutes. An append must not notice its size."""
    store = store_in(tmp_path)
    store.path.parent.mkdir(parents=True)
    size = 1 << 40
    last = event(0).to_line()
    try:
        with store.path.open("wb") as file:
            file.truncate(size)
            file.seek(size)
            file.write(b"\n" + last)
    except OSError as error:
        pytest.skip(f"no sparse files of that size here: {error}")
    new = event(1)
    started = time.monotonic()
    store.append(new)
    assert store.read(since=NOW + timedelta(seconds=1)).events == [new]
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    with store.path.open("rb") as file:
        file.seek(size)
        assert file.read() == b"\n" + last + new.to_line()


def test_a_write_failure_is_a_user_error_naming_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    store = EventStore(blocker / "events.jsonl")
    with pytest.raises(StoreError) as caught:
        store.append(event())
    assert isinstance(caught.value, UserError) and caught.value.exit_code == 1
    assert str(store.path) in caught.value.message
    assert caught.value.message.startswith("cannot write the event history")


@posix_only
def test_a_lock_held_too_long_is_reported_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filelock, "LOCK_TIMEOUT", 0.2)
    store = store_in(tmp_path)
    store.append(event())
    fd = os.open(store.path, os.O_RDONLY)  # a second open file: its own flock
    try:
        assert filelock.try_lock(fd)
        with pytest.raises(StoreError, match=r"locked for over 0\.2 s"):
            store.append(event(1))
    finally:
        os.close(fd)
    store.append(event(2))
    assert len(store.read().events) == 2
