"""Counting a history file's events for the statistics without making an Event of each line.

Pure: bytes in, counts out; never raises on bad content. `stats` over ten years (a million
lines) spends its time here, so the common line (format 2, as `Event.to_line` writes it) is
checked against its checksum and counted by a few slices of its bytes: its stamped date, its
hour where the hour is counted (postureping.stats.tally), and the text from its UTC offset to its
checksum (offset, routine, kind, source and the optional keys). Each distinct slice is
decoded and checked once. The offsets and patterns come from the line's layout
(postureping.history.layout and postureping.history.events.EVENT_KEYS). Any other line, and
every line whose slices do not decode, goes through the full parser
(postureping.history.format), which also says what is wrong with a damaged one: the counts
are those of `tally.count(parse(...).events)`, and the damage reports the same.

What the counting does not read it does not check: a line whose checksum matches is trusted
for its id and for the minutes and seconds of its stamp, which the counts do not use.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from pathlib import Path

from postureping.history.checkins import dated
from postureping.history.events import LINE_VERSION, SAFE_YEARS, TEXT_KEYS, Event, Kind
from postureping.history.format import (
    Damage,
    chunks,
    decode_line,
    last_line,
    no_cyclic_gc,
    read_tail,
)
from postureping.history.layout import CHECKSUM_KEY, LATEST, SUFFIX, pattern, start_of_line
from postureping.red_flags import Dated
from postureping.stats.tally import WHOLE_DAY, Bucket, Stamped, Stamping, Tally

# A format 2 line as `Event.to_line` writes it starts with its id, of a fixed width, then
# its stamp as `datetime.isoformat` writes it: day, "T", hour, and after the minutes and
# seconds (and maybe microseconds) its UTC offset and closing quote.
_ID, _TS, *_TAIL_KEYS = TEXT_KEYS
_HEAD = start_of_line(LINE_VERSION) + _ID.opening  # then the id and the stamp
if _ID.width is None:
    raise TypeError("the counter reads lines whose id has a fixed width")
_STAMP = len(_HEAD) + _ID.width + len(b'"' + _TS.opening)
_DAY, _HOUR, _AFTER_HOUR = slice(_STAMP, _STAMP + 10), slice(_STAMP + 10, _STAMP + 13), _STAMP + 13
_OFFSET = len("+00:00")
_DAY_TEXT = re.compile(rb"\d{4}-\d\d-\d\d")
# From the stamp's UTC offset to the checksum: the offset, the keys after the stamp as
# written (routine, kind, source, the optional ones: see format.read_tail), "latest".
_REST = re.compile(
    rb'([+-])(\d\d):(\d\d)"' + pattern((*_TAIL_KEYS, LATEST), [(_TAIL_KEYS[0], _TAIL_KEYS[-1])])
)
_HOURS = {b"": WHOLE_DAY} | {b"T%02d" % hour: hour for hour in range(24)}

# The slices a line is counted by: stamped day, b"Thh" or b"", offset to checksum.
Key = tuple[bytes, bytes, bytes]


@dataclass(frozen=True)
class Counted:
    tally: Tally
    damaged: list[Damage] = field(default_factory=list)
    # Every pain check-in, oldest first: their lines (format 3) always take the full parser,
    # so they come at no extra cost (postureping.stats.pain).
    checkins: list[Dated] = field(default_factory=list)


def tally_lines(path: Path, data: bytes, stamping: Stamping, first_line: int = 1) -> Counted:
    """The tally of the events in `data`, the bytes of a store file from the start of a line
    (`first_line`, for damage reports), and its damaged lines."""
    with no_cyclic_gc():
        return _Counter(path, data, stamping, first_line).run()


class _Counter:
    def __init__(self, path: Path, data: bytes, stamping: Stamping, first_line: int) -> None:
        self.path, self.data, self.stamping, self.first_line = path, data, stamping, first_line
        self.end = data.rfind(b"\n") + 1  # after the last newline: a torn line, in a crash
        self.odd: list[Event] = []  # events the full parser read
        self.damaged: list[Damage] = []
        self.decode = _Decoder()
        # Days from which on a line is counted by the hour, as `stamping.hourly` says.
        self.recent = date.fromordinal(stamping.recent).isoformat().encode()
        self.changes = frozenset(date.fromordinal(d).isoformat().encode() for d in stamping.changes)

    def run(self) -> Counted:
        keys: Counter[Key | None] = Counter()
        for number, lines in self._lines():
            before = keys[None]
            keys.update(self._keys(lines))
            if keys[None] != before:
                self._read_fully(number, lines, lambda key: key is None)
        if tail := self.data[self.end :]:
            self._add_line(self.first_line + self.data.count(b"\n", 0, self.end), tail, last=True)
        del keys[None]
        stamped, undecodable = self._stamped(keys)
        if undecodable:
            self._rescan(lambda key: key in undecodable)
        stamped.update(self.stamping.stamp(self.odd))
        tally = self.stamping.tally(stamped, self._events_in)
        self.damaged.sort(key=lambda damage: damage.line_number)
        return Counted(tally, self.damaged, dated(self.odd))

    def _keys(self, lines: list[bytes]) -> Iterator[Key | None]:
        """Each line's key, or None for a line the full parser reads. The hot loop."""
        recent, changes, crc32 = self.recent, self.changes, zlib.crc32
        head, head_end, crc_at = _HEAD, len(_HEAD), -SUFFIX
        for line in lines:
            if (
                line[crc_at:-10] == CHECKSUM_KEY
                and line[:head_end] == head
                and crc32(line[:crc_at]) == int(line[-10:-2], 16)
            ):
                yield (
                    (day := line[_DAY]),
                    line[_HOUR] if day >= recent or day in changes else b"",
                    line[line.find(b'"', _AFTER_HOUR) - _OFFSET : crc_at],
                )
            else:
                yield None

    def _lines(self) -> Iterator[tuple[int, list[bytes]]]:
        """The lines of each chunk and the number of the first one."""
        number = self.first_line
        for start, stop in chunks(self.data, self.end):
            lines = self.data[start : stop - 1].split(b"\n")
            yield number, lines
            number += len(lines)

    def _read_fully(
        self, number: int, lines: list[bytes], which: Callable[[Key | None], bool]
    ) -> None:
        for offset, (line, key) in enumerate(zip(lines, self._keys(lines), strict=True)):
            if which(key):
                self._add_line(number + offset, line)

    def _rescan(self, which: Callable[[Key | None], bool]) -> None:
        """Read the lines whose key `which` picks with the full parser."""
        for number, lines in self._lines():
            self._read_fully(number, lines, which)

    def _add_line(self, number: int, raw: bytes, *, last: bool = False) -> None:
        line = last_line(raw) if last else decode_line(raw)
        if line.event is not None:
            self.odd.append(line.event)
        elif line.damage is not None:
            self.damaged.append(Damage(self.path, number, line.damage))

    def _stamped(self, keys: Counter[Key | None]) -> tuple[Stamped, set[Key]]:
        """The counts of the keys as stamped, and the keys that do not decode."""
        stamped: Stamped = Counter()
        undecodable: set[Key] = set()
        recent, ignored, done = self.stamping.recent, self.stamping.ignored, Kind.DONE
        for key, n in keys.items():
            assert key is not None
            decoded = self.decode(key)
            if decoded is None:
                undecodable.add(key)
                continue
            (tz, day, hour), routine, kind, source = decoded
            if source not in ignored:
                stamped[tz, day, hour, routine if kind == done or day >= recent else "", kind] += n
        return stamped, undecodable

    def _events_in(self, buckets: set[Bucket]) -> Iterator[Event]:
        """The events of `buckets`: those the full parser read, and the others, read now."""
        bucket = self.stamping.bucket
        found = [event for event in self.odd if bucket(event.ts) in buckets]

        def picked(key: Key | None) -> bool:
            decoded = None if key is None else self.decode(key)
            return decoded is not None and decoded[0] in buckets

        for _, lines in self._lines():
            for line, key in zip(lines, self._keys(lines), strict=True):
                if picked(key) and (event := decode_line(line).event) is not None:
                    found.append(event)
        return iter(found)


class _Decoder:
    """What a key stands for, checked as the full parser checks a line: its bucket,
    routine, kind and source, or None. Each part is decoded once."""

    def __init__(self) -> None:
        self.days: dict[bytes, int | None] = {}
        self.rests: dict[bytes, tuple[timezone, str, Kind, str] | None] = {}

    def __call__(self, key: Key) -> tuple[Bucket, str, Kind, str] | None:
        day_text, hour_text, rest_text = key
        day = self.days[day_text] if day_text in self.days else self._day(day_text)
        rest = self.rests[rest_text] if rest_text in self.rests else self._rest(rest_text)
        hour = _HOURS.get(hour_text)
        if day is None or rest is None or hour is None:
            return None
        tz, routine, kind, source = rest
        return (tz, day, hour), routine, kind, source

    def _day(self, text: bytes) -> int | None:
        """The ordinal of a stamped day; None for one that is not a date, or whose stamps
        may be outside the accepted range, which the full parser checks."""
        day = None
        if _DAY_TEXT.fullmatch(text):
            with suppress(ValueError):
                stamped = date.fromisoformat(text.decode("ascii"))
                day = stamped.toordinal() if stamped.year in SAFE_YEARS else None
        self.days[text] = day
        return day

    def _rest(self, text: bytes) -> tuple[timezone, str, Kind, str] | None:
        self.rests[text] = rest = _rest(text)
        return rest


def _rest(text: bytes) -> tuple[timezone, str, Kind, str] | None:
    match = _REST.fullmatch(text)
    if not match:
        return None
    sign, hours, minutes, tail_text = match.groups()
    tail = read_tail(tail_text)
    if tail is None or int(hours) > 23 or int(minutes) > 59:
        return None
    routine, kind, source = tail[:3]
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == b"-" else offset), routine, kind, source
