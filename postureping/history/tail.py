"""Reading a history file from its end, so that neither an append nor a read of the recent
past costs more with a longer history.

A writer looks at the last lines before it appends (`inspect_tail`): a torn or garbage
tail is to be moved aside, and the last good line says what "latest" the new line gets.

"latest" is what makes reading backwards safe although the file is not in time order (an
import appends older events; a clock may be set back): each format 2 line says that no
event before it is later than its "latest" (or its own ts, when it has none). A reader
that wants the events since a moment reads lines backwards until one whose latest is
earlier than that moment (`start_offset`): no line before it can have a later event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from postureping.history.format import decode_line
from postureping.history.io import FileCalls, read_exactly

BLOCK = 64 * 1024
# A damaged tail longer than this stays where it is (readers report it, line by line):
# a crash leaves at most a few blocks of garbage, and a writer must not copy gigabytes.
REPAIR_LIMIT = 1 << 20
# A reader that has gone this far back without finding its start reads the whole file,
# which the fast parser does at several times the speed of this line-by-line scan.
SCAN_LIMIT = 1 << 20
PROBE_EVERY = 1 << 16  # bytes between the lines `marked_since` decodes to know when to stop


@dataclass(frozen=True)
class Tail:
    """What a writer needs to know about the end of the file, under the lock."""

    size: int
    good_end: int  # the bytes from here to `size` are a damaged tail, to be moved aside
    needs_newline: bool  # the file up to good_end does not end in a newline
    # The latest ts of any event before good_end: None if there is no event, or if it is
    # not known from the tail (format 1 lines, a newer version's line, a long damaged
    # tail), which `known` says; the writer then reads the whole file once to find it.
    latest: datetime | None
    known: bool


def lines_backward(
    calls: FileCalls, fd: int, end: int, limit: int
) -> Iterator[tuple[int, bytes, bool]]:
    """(offset, bytes, terminated) of each line before `end`, newline left off, from the
    last to the first. Bytes after the last newline come first, unterminated. Stops early,
    without a word, before a line that starts more than `limit` bytes before `end`.
    Raises OSError if the file is shorter than `end`."""
    pos, buffer, terminated = end, b"", False
    while True:
        cut = buffer.rfind(b"\n")
        if cut < 0 and pos > 0:
            if end - pos >= limit:
                return
            size = min(BLOCK, pos)
            pos -= size
            buffer = read_exactly(calls, fd, pos, pos + size) + buffer
            continue
        line = buffer[cut + 1 :]
        if line or terminated:
            yield pos + cut + 1, line, terminated
        if cut < 0:
            return
        buffer, terminated = buffer[:cut], True


def inspect_tail(calls: FileCalls, fd: int) -> Tail:
    """Where the good part of the open file ends, and the latest ts before that."""
    size = calls.fstat(fd).st_size
    good_end, found, reached_start = size, None, size == 0
    for start, raw, _ in lines_backward(calls, fd, size, REPAIR_LIMIT):
        reached_start = start == 0
        line = decode_line(raw)
        if line.repairable:
            good_end = start
        elif line.event is not None or line.newer:
            found = line
            break
    needs_newline = good_end > 0 and read_exactly(calls, fd, good_end - 1, good_end) != b"\n"
    if found is not None:
        return Tail(size, good_end, needs_newline, found.latest, found.latest is not None)
    return Tail(size, good_end, needs_newline, None, known=reached_start)


def marked_since(calls: FileCalls, fd: int, size: int, since: datetime, marker: bytes) -> bytes:
    """The lines of the open file that contain `marker`, each with its newline, in file
    order, from its end back to a line that proves every event before it earlier than
    `since` (one line every PROBE_EVERY bytes is decoded to look): the few check-ins of a
    long history, at the cost of reading back to `since`, whatever the file's length."""
    found: list[bytes] = []
    probe_at = size
    for start, raw, _ in lines_backward(calls, fd, size, size):
        if marker in raw:
            found.append(raw)
        if start <= probe_at:
            latest = decode_line(raw).latest
            if latest is not None and latest < since:
                break
            probe_at = start - PROBE_EVERY
    return b"".join(line + b"\n" for line in reversed(found))


def start_offset(calls: FileCalls, fd: int, size: int, since: datetime) -> int:
    """Where to start reading the open file for the events at or after `since`: just after
    the last line that proves every event before it earlier; 0 if none does nearby."""
    for start, raw, _ in lines_backward(calls, fd, size, SCAN_LIMIT):
        latest = decode_line(raw).latest
        if latest is not None and latest < since:
            return min(start + len(raw) + 1, size)
    return 0
