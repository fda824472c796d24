"""The event history: a JSON Lines file, one event per line, only ever appended to.

Writers (the daemon, the CLI) append under an exclusive lock with one write on an O_APPEND
descriptor, then fsync before they report success, so concurrent writers never interleave,
a reported event survives a crash, and the cost of an append does not grow with the
history. Each line carries a checksum (postureping.history.events), so garbage left by a power cut
is detected, not parsed. Readers take the same lock while they copy the bytes, so they
never see half of a line being written, and they never raise on bad content.

Damage is never dropped. A damaged line in the middle is reported with its line number and
kept. A damaged tail (a torn last line, garbage after a power cut) is moved by the next
writer to `<file>.damaged`, with a warning, so that the history carries on after it.

Reading the events since a moment reads the file backwards from its end and stops early
(postureping.history.tail), so the daemon's start-up costs the same with any history.

The file and its folder are private to the user (0600 and 0700), whatever the umask, and
a file or folder that someone else may have put there (a symbolic link, another user's) is
refused before a byte is read or written (postureping.history.files).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from postureping.history.events import Event
from postureping.history.files import (
    StoreError,
    check_folder,
    open_file,
    prepare_folder,
    reason,
    sync_folder,
)
from postureping.history.format import TORN_LINE, Damage, ReadResult, parse
from postureping.history.io import (
    SYSTEM,
    FileCalls,
    count_lines,
    read_all,
    read_exactly,
    write_all,
)
from postureping.history.lock import exclusive_lock
from postureping.history.tail import Tail, inspect_tail, marked_since, start_offset

if TYPE_CHECKING:
    from postureping.history.counts import Counted
    from postureping.stats.tally import Stamping

__all__ = ["TORN_LINE", "Damage", "EventStore", "ReadResult", "Repair", "StoreError", "parse"]

_log = logging.getLogger(__name__)
# Picks the events to write once the lock is held and the tail is known.
_Chooser = Callable[[int, Tail], list[Event]]


@dataclass(frozen=True)
class Repair:
    """A damaged tail that a writer moved aside before it appended."""

    path: Path
    moved_to: Path
    lines: int
    size: int  # bytes

    def __str__(self) -> str:
        what = "last line was" if self.lines == 1 else f"last {self.lines} lines were"
        it = "it" if self.lines == 1 else "them"
        return (
            f"{self.path}: its {what} damaged ({self.size} bytes), probably by an interrupted "
            f"write; moved {it} to {self.moved_to} and carried on"
        )


class EventStore:
    def __init__(self, path: Path, calls: FileCalls = SYSTEM) -> None:
        """`calls` makes every file operation: tests pass one that fails on cue."""
        self.path = path
        self.damaged_path = path.with_name(path.name + ".damaged")
        self._calls = calls

    def append(self, event: Event) -> Repair | None:
        """Add `event` at the end of the file, durably (fsync) and safely alongside other
        processes. Creates the folder (0700) and the file (0600). Returns the repair of a
        damaged tail, if it made one (also logged). Raises StoreError, and then the file
        holds what it held before."""
        return self.append_many([event])

    def append_many(self, events: Sequence[Event]) -> Repair | None:
        """Like `append`, for several events in one write: all of them or none."""
        return self._write(lambda fd, tail: list(events))[1]

    def append_new(self, events: Sequence[Event]) -> tuple[list[Event], Repair | None]:
        """Append those of `events` whose ids are not in the file yet, in the given order,
        in one write; return them. For imports and retries, which must not duplicate.

        The ids already there are read before the lock is taken, since reading a long
        history takes a while, and what was appended meanwhile is read under the lock."""
        if not events:
            return [], None
        oldest = min(event.ts for event in events)
        before, end, edge = self._read(oldest)
        present = {event.id for event in before.events}

        def new_events(fd: int, tail: Tail) -> list[Event]:
            unchanged = tail.good_end >= end and (
                read_exactly(self._calls, fd, end - len(edge), end) == edge
            )
            start = end if unchanged else 0  # else a repair cut into what was read
            if not unchanged:
                present.clear()
            data = read_all(self._calls, fd, start, tail.good_end)
            present.update(event.id for event in parse(self.path, data, oldest).events)
            fresh = []
            for event in events:
                if event.id not in present:
                    present.add(event.id)
                    fresh.append(event)
            return fresh

        return self._write(new_events)

    def read(self, since: datetime | None = None) -> ReadResult:
        """Every valid event at or after `since` (all of them if None), in file order, and
        every damaged line among those read. With `since`, only the end of the file is
        read, back to a line that proves every event before it earlier. File order is
        not time order: an import appends older events. A missing file reads as empty.
        Never writes. Raises StoreError if the file exists but cannot be read."""
        return self._read(since)[0]

    def read_marked(self, since: datetime, marker: bytes) -> list[Event]:
        """The valid events at or after `since` whose line contains `marker`, in file order,
        such as the few check-ins of a long history (postureping.history.checkins). It reads
        back from the end only as far as `since`, and parses only those lines: the others
        are not checked, and damage is not reported (`read` does that). Never writes."""
        with self._reading() as fd:
            if fd is None:
                return []
            data = marked_since(self._calls, fd, self._calls.fstat(fd).st_size, since, marker)
        return parse(self.path, data, since).events

    # -- writing --------------------------------------------------------------------------

    def _write(self, choose: _Chooser) -> tuple[list[Event], Repair | None]:
        """Open, lock, look at the tail (and move a damaged one aside), let `choose` pick
        the events to write, write them in one go, fsync; a failure takes back what part
        of the write reached the file."""
        calls = self._calls
        try:
            prepare_folder(calls, self.path.parent)
            fd = open_file(calls, self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, private=True)
            try:
                with exclusive_lock(fd):
                    tail = inspect_tail(calls, fd)
                    if tail.good_end == 0:
                        sync_folder(calls, self.path.parent)  # a new file: its name too
                    repair = None
                    if tail.good_end < tail.size:
                        repair = self._move_aside(fd, tail)
                        _log.warning("%s", repair)  # done, even if the write below fails
                    events = choose(fd, tail)
                    if events:
                        self._write_lines(fd, tail, events)
            finally:
                with suppress(OSError):  # after fsync, the data is safe whatever close says
                    calls.close(fd)
        except OSError as error:
            raise StoreError(
                f"cannot write the event history {self.path}: {reason(error)}"
            ) from error
        return events, repair

    def _write_lines(self, fd: int, tail: Tail, events: Sequence[Event]) -> None:
        latest = tail.latest if tail.known else self._latest_of_all(fd, tail.good_end)
        # A line whose newline a crash cut off: start a new line in the same write, so the
        # event never joins it and no other writer can slip in between.
        lines = [b"\n"] if tail.needs_newline else []
        for event in events:
            lines.append(event.to_line(latest))
            latest = event.ts if latest is None else max(latest, event.ts)
        # If even undoing a failure fails, the next writer finds a torn tail and moves it aside.
        self._append_durably(fd, b"".join(lines), tail.good_end)

    def _append_durably(self, fd: int, data: bytes, size: int) -> None:
        """Append `data` to the open file of `size` bytes and fsync it. If that fails, take
        back whatever part of the write reached the file, so that it holds what it held
        before, then raise."""
        try:
            write_all(self._calls, fd, data)
            self._calls.fsync(fd)
        except OSError:
            with suppress(OSError):
                self._calls.ftruncate(fd, size)
                self._calls.fsync(fd)
            raise

    def _latest_of_all(self, fd: int, end: int) -> datetime | None:
        """The latest ts in the file, when its tail does not say: once after an upgrade
        from format 1, or after a long damaged tail."""
        events = parse(self.path, read_all(self._calls, fd, 0, end)).events
        return max((event.ts for event in events), default=None)

    def _move_aside(self, fd: int, tail: Tail) -> Repair:
        """Append the damaged tail to the .damaged file (fsynced), then cut it off."""
        calls = self._calls
        damaged = read_all(calls, fd, tail.good_end, tail.size)
        if not damaged.endswith(b"\n"):
            damaged += b"\n"
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
        aside = open_file(calls, self.damaged_path, flags, private=True)
        try:
            size = calls.fstat(aside).st_size
            if size == 0:
                sync_folder(calls, self.path.parent)
            # Undone if it fails, or if the history cannot be cut: else the next writer
            # would copy the same bytes again.
            self._append_durably(aside, damaged, size)
            try:
                calls.ftruncate(fd, tail.good_end)
            except OSError:
                with suppress(OSError):
                    calls.ftruncate(aside, size)
                    calls.fsync(aside)
                raise
        finally:
            with suppress(OSError):
                calls.close(aside)
        calls.fsync(fd)
        return Repair(self.path, self.damaged_path, damaged.count(b"\n"), len(damaged))

    # -- reading --------------------------------------------------------------------------

    def _read(self, since: datetime | None) -> tuple[ReadResult, int, bytes]:
        """The result, the offset it was read up to, and the last bytes before that."""
        calls = self._calls
        with self._reading() as fd:
            if fd is None:
                return ReadResult(), 0, b""
            size = calls.fstat(fd).st_size
            start = 0 if since is None else start_offset(calls, fd, size, since)
            data = read_all(calls, fd, start, size)
            # What the file ended with, so that a writer can tell later whether the
            # part read was changed since (only a repair can, by cutting into it).
            edge = read_exactly(calls, fd, size - min(size, 64), size)
            first_line = 1
            if start > 0:
                result = parse(self.path, data, since)
                if not result.damaged:
                    return result, size, edge
                first_line = count_lines(calls, fd, start) + 1
        # A whole history is parsed after the lock is released: writers need not wait.
        return parse(self.path, data, since, first_line), size, edge

    def tally(self, stamping: Stamping) -> Counted:
        """The counts of every valid event, for the statistics, and every damaged line: as
        `tally.count` of `read().events`, without making the events (postureping.history.counts).
        Never writes. Raises StoreError if the file exists but cannot be read."""
        from postureping.history.counts import tally_lines  # for the stats only

        with self._reading() as fd:
            data = (
                b"" if fd is None else read_all(self._calls, fd, 0, self._calls.fstat(fd).st_size)
            )
        return tally_lines(self.path, data, stamping)

    @contextmanager
    def _reading(self) -> Iterator[int | None]:
        """The file opened for reading and locked (None if it does not exist); an error
        becomes a StoreError that names the file."""
        calls = self._calls
        try:
            exists = check_folder(calls, self.path.parent)
            fd = open_file(calls, self.path, os.O_RDONLY) if exists else None
        except FileNotFoundError:
            fd = None
        except OSError as error:
            raise StoreError(
                f"cannot read the event history {self.path}: {reason(error)}"
            ) from error
        if fd is None:
            yield None
            return
        try:
            with exclusive_lock(fd):
                yield fd
        except OSError as error:
            raise StoreError(
                f"cannot read the event history {self.path}: {reason(error)}"
            ) from error
        finally:
            with suppress(OSError):
                calls.close(fd)
