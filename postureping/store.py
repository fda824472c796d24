"""The event history: a JSON Lines file, one event per line, only ever appended to.

Writers (the daemon, the CLI) append under an exclusive lock with a single write on an
O_APPEND descriptor, then fsync, so concurrent writers never interleave and the cost of an
append does not grow with the history. Readers take the same lock while they copy the
bytes, so they never see half of a line being written. A damaged line is reported and
skipped, and never removed: the file holds the user's data, and a later version may repair
what this one cannot read.

The file and its folder are private to the user (0600 and 0700), whatever the umask.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from postureping.errors import UserError
from postureping.events import Event
from postureping.filelock import exclusive_lock

FILE_MODE = 0o600
DIR_MODE = 0o700
TORN_LINE = "incomplete last line, probably an interrupted write"

# Permission bits mean nothing on Windows, where a user's files are private by default.
_POSIX = os.name == "posix"
# Binary mode matters on Windows, where the C runtime would otherwise translate newlines.
_BINARY = getattr(os, "O_BINARY", 0)


class StoreError(UserError):
    """The event history could not be written or read; the message names the file."""


@dataclass(frozen=True)
class Damage:
    """A line that is not a valid event. It stays in the file; readers skip it."""

    path: Path
    line_number: int  # 1-based, as editors count
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line_number}: damaged line skipped ({self.reason})"


@dataclass(frozen=True)
class ReadResult:
    events: list[Event] = field(default_factory=list)  # in file order
    damaged: list[Damage] = field(default_factory=list)


def has_torn_tail(fd: int) -> bool:
    """Whether the open file's last byte is something other than a newline, i.e. its last
    line was cut short by a crash. Reads one byte at a known offset: O(1) whatever the
    file's size. `fd` must be open for reading."""
    size = os.fstat(fd).st_size
    if size == 0:
        return False
    return _read_at(fd, size - 1, 1) != b"\n"


def _read_at(fd: int, offset: int, length: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    # Windows has no pread; the position does not matter to an O_APPEND writer.
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, length)


def _set_file_mode(fd: int) -> None:
    if _POSIX and stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
        os.fchmod(fd, FILE_MODE)


class EventStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, event: Event) -> None:
        """Add `event` at the end of the file, durably (fsync) and safely alongside other
        processes. Creates the folder (0700) and the file (0600). Raises StoreError."""
        line = event.to_line()
        try:
            self._prepare_folder()
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | _BINARY, FILE_MODE)
            try:
                # O_CREAT's mode is filtered through the umask, and an older file may be
                # looser: set it on every write, so the history stays private.
                _set_file_mode(fd)
                with exclusive_lock(fd):
                    # A crash mid-write leaves a last line without its newline. Start a new
                    # line in the same write, so the event never joins the torn one and no
                    # other writer can slip in between.
                    data = b"\n" + line if has_torn_tail(fd) else line
                    _write_all(fd, data)
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            raise StoreError(
                f"cannot write the event history {self.path}: {_reason(error)}"
            ) from error

    def _prepare_folder(self) -> None:
        """Create the folder private (0700). An existing folder keeps its mode: it may be one
        the user chose for store.path, such as a sync folder or their home."""
        folder = self.path.parent
        if not folder.is_dir():
            folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            if _POSIX:
                folder.chmod(DIR_MODE)  # mkdir's mode is filtered through the umask

    def read(self, since: datetime | None = None) -> ReadResult:
        """Every valid event at or after `since` (all of them if None), in file order, and
        every damaged line. A missing file reads as empty. Never writes. Raises StoreError
        if the file exists but cannot be read."""
        try:
            with self.path.open("rb", buffering=0) as file, exclusive_lock(file.fileno()):
                data = file.readall()
        except FileNotFoundError:
            return ReadResult()
        except OSError as error:
            raise StoreError(
                f"cannot read the event history {self.path}: {_reason(error)}"
            ) from error
        return parse(self.path, data, since)


def parse(path: Path, data: bytes, since: datetime | None = None) -> ReadResult:
    """The events and damaged lines in the bytes of a store file (pure; `path` is only
    for the damage reports)."""
    result = ReadResult()
    lines = data.split(b"\n")
    # Bytes after the last newline: empty in a healthy file, a torn line after a crash.
    tail = lines.pop()
    for number, raw in enumerate(lines, 1):
        _parse_line(path, number, raw, since, result, torn=False)
    if tail:
        _parse_line(path, len(lines) + 1, tail, since, result, torn=True)
    return result


def _parse_line(
    path: Path, number: int, raw: bytes, since: datetime | None, result: ReadResult, *, torn: bool
) -> None:
    if not raw.strip():
        return  # nothing was lost; not worth a report
    try:
        event = Event.from_json(json.loads(raw.decode("utf-8")))
    except UnicodeDecodeError:
        reason = "not UTF-8 text"
    except (json.JSONDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        reason = "not valid JSON"
    except ValueError as error:
        reason = f"not a valid event: {error}"
    else:
        # A torn line that is still a whole event lacks only its newline; the next append
        # adds it, so count it now as every later read will.
        if since is None or event.ts >= since:
            result.events.append(event)
        return
    result.damaged.append(Damage(path, number, TORN_LINE if torn else reason))


def _write_all(fd: int, data: bytes) -> None:
    """One write of the whole line; a short write (a full disk, say) is finished with
    more writes, which the lock keeps together."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
