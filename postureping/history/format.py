"""Reading the bytes of a history file: each line checked against its checksum and parsed,
fast, and each line that is not an event reported with its line number and the reason.

Pure: bytes in, values out; never raises on bad content. The line format itself is
`Event.to_line` (postureping.history.events) and the README's "The history file"; the fast
path's pattern is built from its keys (postureping.history.layout), so that a new key
changes the writer, the full parser and the fast readers at once.
"""

from __future__ import annotations

import gc
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from postureping.history.events import (
    EVENT_DETAILS,
    FORMAT_VERSION,
    PLAIN_VERSIONS,
    SAFE_YEARS,
    TEXT_KEYS,
    Event,
    Kind,
    checksum,
    in_range,
    unchecked,
)
from postureping.history.layout import (
    CHECKSUM_KEY,
    CHECKSUM_TEXT,
    LATEST,
    SUFFIX,
    head,
    pattern,
    start_of_line,
    written,
)

TORN_LINE = "incomplete last line, probably an interrupted write"
BAD_CHECKSUM = "checksum does not match: the line was damaged or edited"
NO_CHECKSUM = "no checksum, which every format {} line has"  # the line's version

# A line as `Event.to_line` writes it, strings without escapes: the common case, parsed by
# one regular expression over the whole file instead of a json.loads call a line, which is
# several times faster. Format 1 lines (no checksum) match too. Anything else, such as an
# escaped quote in a routine's name, a key added by a later version or a format 3 line (a
# check-in's: its values are not all text, see layout.Detail), takes the slow path.
# Its groups: the body (up to the checksum), the id, the stamp, the keys from routine to the
# last optional one as written (a history holds few distinct ones: each is read once), the
# checksum; or the whole of a line that does not match.
_ID, _TS, *_TAIL_KEYS = TEXT_KEYS
_TAIL = (_TAIL_KEYS[0], _TAIL_KEYS[-1])
_CANONICAL = re.compile(
    b"(?:("
    + head(PLAIN_VERSIONS)
    + pattern((*TEXT_KEYS, LATEST), [_ID, _TS, _TAIL])
    + b")(?:"
    + re.escape(CHECKSUM_KEY)
    + b"("
    + CHECKSUM_TEXT
    + rb')")?\}|([^\n]*))\n'
)
_TAIL_WRITTEN = written(_TAIL_KEYS)
_NO_DETAILS = (None,) * len(EVENT_DETAILS)  # a line the fast readers match has none
# Where a line's format version is: a format 1 line has no checksum to check.
_VERSION_AT, _V1 = len(start_of_line(1)) - 1, ord("1")
_CHUNK = 1 << 22


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


@dataclass(frozen=True)
class Line:
    """One line, decoded: an event, or the reason it is not one."""

    event: Event | None
    # For a format 2 line, the latest timestamp of this event and every event before it in
    # the file ("latest", or the line's own ts); None for a format 1 line, which cannot say.
    latest: datetime | None = None
    damage: str | None = None
    newer: bool = False  # written by a newer version: not ours to read, but not damage

    @property
    def repairable(self) -> bool:
        """Damaged (torn, garbage, a bad checksum), so a writer may move it aside."""
        return self.damage is not None and not self.newer


class Tails(dict[bytes, tuple[Any, ...] | None]):
    """The values of an event's fields after its stamp (routine, kind, source and the
    optional ones), from those keys as written, as the fast readers capture them; read once
    each, as a history holds few distinct ones, and shared, which saves memory too. None
    for a text that is not UTF-8, an unknown kind, an optional key on a kind that may not
    have it or with a value that is not valid."""

    def __missing__(self, key: bytes) -> tuple[Any, ...] | None:
        self[key] = value = read_tail(key)
        return value


def read_tail(text: bytes) -> tuple[Any, ...] | None:
    """See Tails."""
    match = _TAIL_WRITTEN.fullmatch(text)
    if match is None:
        return None
    try:
        routine, kind_text, source, *optional = (
            None if value is None else value.decode() for value in match.groups()
        )
        kind = Kind(str(kind_text))
        values: list[object] = []
        for key, value in zip(_TAIL_KEYS[3:], optional, strict=True):
            if value is not None and key.kinds is not None and kind.value not in key.kinds:
                return None
            values.append(None if value is None else key.read(value))
    except ValueError:  # not UTF-8, not a kind, not a valid value
        return None
    return (routine, kind, source, *values, *_NO_DETAILS)


def parse(
    path: Path, data: bytes, since: datetime | None = None, first_line: int = 1
) -> ReadResult:
    """The events at or after `since` (all if None) and the damaged lines in `data`, the
    bytes of a store file from the start of a line (`first_line`, for damage reports)."""
    events: list[Event] = []
    damaged: list[Damage] = []

    def slow(number: int, line: Line) -> None:
        if line.event is not None:
            if since is None or line.event.ts >= since:
                events.append(line.event)
        elif line.damage is not None:
            damaged.append(Damage(path, number, line.damage))

    keep, tails, findall = events.append, Tails(), _CANONICAL.findall
    crc32, fromisoformat, safe_years = zlib.crc32, datetime.fromisoformat, SAFE_YEARS
    end = data.rfind(b"\n") + 1  # after the last newline: a torn line, in a crash
    number = first_line - 1
    with no_cyclic_gc():
        for start, stop in chunks(data, end):
            for body, id_, ts, rest, crc, other in findall(data, start, stop):
                number += 1
                if not body:  # not as to_line writes it
                    if other.strip():  # a blank line: nothing was lost, not worth a report
                        slow(number, decode_line(other))
                    continue
                # The fast path: the checks of Event() and decode_line, inline.
                try:
                    stamp = fromisoformat(ts.decode("ascii"))
                    fields = tails[rest]
                    if (
                        fields is not None
                        and (crc32(body) == int(crc, 16) if crc else body[_VERSION_AT] == _V1)
                        and stamp.tzinfo is not None
                        and stamp.year in safe_years  # else the slow path checks the range
                    ):
                        if since is None or stamp >= since:
                            keep(unchecked((id_.decode("ascii"), stamp, *fields)))
                        continue
                except ValueError:  # not ISO 8601
                    pass
                # The slow path says what is wrong.
                slow(number, decode_line(body + (CHECKSUM_KEY + crc + b'"}' if crc else b"}")))
        if tail := data[end:]:
            slow(number + 1, last_line(tail))
    return ReadResult(events, damaged)


def chunks(data: bytes, end: int) -> Iterator[tuple[int, int]]:
    """data[:end] in pieces of whole lines, a few megabytes each: the groups of all lines
    at once would take three times the memory of the file."""
    start = 0
    while start < end:
        stop = data.rfind(b"\n", start, start + _CHUNK) + 1 or data.find(b"\n", start) + 1
        yield start, stop
        start = stop


def last_line(raw: bytes) -> Line:
    """The bytes after a file's last newline: torn by an interrupted write, unless they are
    a whole event, which lacks only its newline; the next append adds it, so it counts now
    as in every later read."""
    line = decode_line(raw)
    return Line(None, damage=TORN_LINE) if line.repairable else line


def decode_line(raw: bytes) -> Line:
    """One line, without its newline: checked against its checksum and parsed."""
    raw = raw.rstrip()
    if not raw:
        return Line(None)
    has_checksum = raw[-SUFFIX:-10] == CHECKSUM_KEY and raw.endswith(b'"}')
    if has_checksum and checksum(raw[:-SUFFIX]).encode() != raw[-10:-2]:
        return Line(None, damage=BAD_CHECKSUM)
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Line(None, damage="not UTF-8 text")
    except (json.JSONDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        return Line(None, damage="not valid JSON")
    version = obj.get("v") if isinstance(obj, dict) else None
    if type(version) is int and version > FORMAT_VERSION:
        return Line(None, damage=f"not a valid event: {_explain(obj)}", newer=True)
    if type(version) is int and version >= 2 and not has_checksum:
        return Line(None, damage=NO_CHECKSUM.format(version))
    try:
        event = Event.from_json(obj)
    except ValueError as error:
        return Line(None, damage=f"not a valid event: {error}")
    return Line(event, _latest(obj, event) if event_version(obj) >= 2 else None)


def event_version(obj: dict[str, Any]) -> int:
    """The "v" of a line that was read as an event (so it has one)."""
    version = obj["v"]
    assert type(version) is int
    return version


def _latest(obj: dict[str, Any], event: Event) -> datetime | None:
    """What a line of format 2 or later says about the events before it; None if it cannot
    say."""
    text = obj.get("latest")
    if text is None:
        return event.ts
    try:
        latest = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    offset = None if latest is None else latest.utcoffset()
    # Out of range, it was carried on from an event that is not valid now.
    if latest is None or offset is None or not in_range(latest, offset):
        return None
    return max(latest, event.ts)


def _explain(obj: object) -> str:
    try:
        Event.from_json(obj)
    except ValueError as error:
        return str(error)
    return "unreadable"


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Parsing a long history makes millions of objects that form no cycles. The cyclic
    garbage collector would walk the growing list of them again and again, which took
    more than half of the time; they are freed by reference counting all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
