"""What happened: every prompt and every answer, as a value with a stable on-disk form.

One event is one line of JSON in the store (postureping.history.store). The line format is part of
the user's data and of `postureping history --json` (documented in the README), so it changes
only with a new FORMAT_VERSION.

Format 2 ends every line with a checksum, "crc": the CRC-32 of the line's bytes
before `,"crc":`, so that garbage left by a power cut is detected rather than parsed. A
line may also carry "latest" (see `to_line`). Format 1 lines, written by earlier versions
without a checksum, are still read: there is nothing to migrate.

Format 3 adds two kinds, a pain check-in ("checkin", with "pain", "where" and, when the
yes/no questions were asked, "yes") and the guidance it showed ("guidance", with "flags").
Only those lines are written as format 3; every other line stays format 2, as before, so a
reader of format 2 still reads all of them and reports the check-ins as written by a newer
version (it skips them, and no writer moves them aside).
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, NamedTuple

from postureping.checkin import CheckIn, Shown
from postureping.durations import format_duration, parse_duration
from postureping.history.layout import CHECKSUM_KEY, Detail, Key

FORMAT_VERSION = 3  # the newest this version writes (check-in lines only: see `version`)
READABLE_VERSIONS = (1, 2, 3)
LINE_VERSION = 2  # the format of every line without a Detail (see layout.Detail)
# The formats whose lines have only text values: those the fast readers match.
PLAIN_VERSIONS = (1, LINE_VERSION)
# Demo mode (`postureping run --demo`) prompts every few seconds to show what it does;
# those prompts say nothing about the user's habits, and the stats leave them out.
IGNORED_SOURCES = frozenset({"demo"})

# The instants an event may have, from EARLIEST_TS up to END_TS (not included). The Unix
# epoch is where the clock of a computer whose clock battery died starts, so nothing in a
# history is older; the end is far beyond any clock set wrong by hand, and far enough from
# the end of year 9999 that turning a stamp into UTC or the local zone, or counting a few
# days on from it, cannot overflow, as it did for a line stamped 9999-12-31T23:59:59-05:00.
EARLIEST_TS = datetime(1970, 1, 1, tzinfo=UTC)
END_TS = datetime(3000, 1, 1, tzinfo=UTC)
# A stamp written with a year in this range is in range whatever its UTC offset: the fast
# readers check no more than that, and leave the other years to the full check.
SAFE_YEARS = range(EARLIEST_TS.year + 1, END_TS.year - 1)
_EARLIEST_NAIVE = EARLIEST_TS.replace(tzinfo=None)
_END_NAIVE = END_TS.replace(tzinfo=None)

# uuid4 hex: unique across machines without coordination, so histories can later be merged.
_ID = re.compile(r"[0-9a-f]{32}")


class Kind(StrEnum):
    PROMPTED = "prompted"  # the daemon showed a reminder
    DONE = "done"
    SKIPPED = "skipped"
    SNOOZED = "snoozed"  # put off for `Event.snooze`
    MISSED = "missed"  # a reminder went unanswered
    CHECKIN = "checkin"  # a pain check-in (format 3): `Event.detail` is its CheckIn
    GUIDANCE = "guidance"  # red-flag guidance was shown (format 3): `detail` is a Shown


# The kinds that carry a detail (Event.detail), each with the type of its detail.
DETAIL_KINDS: dict[Kind, type[CheckIn] | type[Shown]] = {
    Kind.CHECKIN: CheckIn,
    Kind.GUIDANCE: Shown,
}


class _Fields(NamedTuple):
    id: str
    ts: datetime  # aware, with a fixed UTC offset: the one it was recorded with
    routine: str
    kind: Kind
    source: str
    snooze: timedelta | None = None  # only for SNOOZED: how long the routine was put off
    detail: CheckIn | Shown | None = None  # only for CHECKIN and GUIDANCE


class Event(_Fields):
    """One prompt or answer. `source` says who recorded it: "daemon", "cli", and in later
    versions "notification", "idle" or "sleep"; it is open-ended so that adding a source
    does not need a new format version.

    An immutable value. It is a named tuple rather than a dataclass because a long history
    holds a million of them: a tuple is made three times faster and takes a third of the
    memory (see `unchecked`). Use it by field name; its tuple-ness is not part of its API.
    """

    __slots__ = ()

    def __new__(  # noqa: PLR0917 - positional, like the tuple's fields
        cls,
        id: str,
        ts: datetime,
        routine: str,
        kind: Kind,
        source: str,
        snooze: timedelta | None = None,
        detail: CheckIn | Shown | None = None,
    ) -> Event:
        # Checked here so that a bad value is refused when it is made, not when it is read back.
        if not isinstance(id, str) or not _ID.fullmatch(id):
            raise ValueError(f"id must be 32 lowercase hex digits, not {id!r}")
        offset = ts.utcoffset()
        if offset is None:
            raise ValueError(f"timestamp {ts.isoformat()} has no UTC offset")
        if not in_range(ts, offset):
            raise ValueError(
                f"timestamp {ts.isoformat()} is outside the accepted range "
                f"({EARLIEST_TS.isoformat()} up to {END_TS.isoformat()})"
            )
        if not routine:
            raise ValueError("routine id is empty")
        if not isinstance(kind, Kind):
            raise ValueError(f"kind {kind!r} is not one of {_kinds()}")
        if not source:
            raise ValueError("source is empty")
        if snooze is not None:
            if kind is not Kind.SNOOZED:
                raise ValueError(f"only a snoozed event has a snooze duration, not {kind}")
            if snooze <= timedelta(0):
                raise ValueError("snooze duration must be longer than zero")
        wanted = DETAIL_KINDS.get(kind)
        if wanted is None and detail is not None:
            raise ValueError(f"a {kind} event has no check-in detail")
        if wanted is not None and not isinstance(detail, wanted):
            raise ValueError(f"a {kind} event needs its {wanted.__name__} detail")
        # The stored form keeps only the offset. Holding the same here makes an event equal
        # to itself read back, even in the repeated hour of a DST change, where Python never
        # calls datetimes with different tzinfo equal.
        ts = ts.replace(tzinfo=timezone(offset))
        return super().__new__(cls, id, ts, routine, kind, source, snooze, detail)

    @classmethod
    def new(
        cls,
        routine: str,
        kind: Kind,
        source: str,
        now: datetime,
        snooze: timedelta | None = None,
        *,
        detail: CheckIn | Shown | None = None,
    ) -> Event:
        """A fresh event with a new unique id, stamped `now` (which must be aware)."""
        return cls(uuid.uuid4().hex, now, routine, kind, source, snooze, detail)

    @property
    def version(self) -> int:
        """The format its line is written in: a Detail's for the kinds that have one (3 for
        check-ins and guidance), LINE_VERSION for every other."""
        kind = self.kind.value
        return max((d.version for d in EVENT_DETAILS if kind in d.kinds), default=LINE_VERSION)

    def to_json(self) -> dict[str, Any]:
        """The stored form, keys in their documented order (EVENT_KEYS)."""
        obj: dict[str, Any] = {"v": self.version}
        for key, value in zip(EVENT_KEYS, self, strict=True):
            if value is None:
                pass
            elif isinstance(key, Key):
                obj[key.name] = key.write(value)
            else:
                obj.update(key.write(value))
        return obj

    def to_line(self, latest: datetime | None = None) -> bytes:
        """One compact line of UTF-8 JSON ending in a newline, ready to append, with its
        checksum last.

        `latest` is the latest timestamp of any event before this line in the file. It is
        stored as "latest" only if it is later than this event's own: then the line says
        that no event before it is later than that, which lets a reader that wants only
        recent events stop reading backwards at the first line that is older (see
        postureping.history.tail).
        """
        obj = self.to_json()
        if latest is not None and latest > self.ts:
            obj["latest"] = latest.isoformat()
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # The closing brace comes after the checksum, so the checksum covers `body` as is.
        return body[:-1] + CHECKSUM_KEY + checksum(body[:-1]).encode("ascii") + b'"}\n'

    @classmethod
    def from_json(cls, obj: object) -> Event:
        """The event a parsed line describes. Raises ValueError saying what is wrong.

        Keys this version does not know are ignored: a later version may add optional keys
        without making old readers call the line damaged. A change that old readers must not
        misread gets a new "v", which this reader refuses. The checksum is checked on the
        line's bytes, by the store, before the line is parsed.
        """
        if not isinstance(obj, dict):
            raise ValueError(f"a JSON object was expected, not {type(obj).__name__}")
        version = obj.get("v")
        if type(version) is not int:
            raise ValueError('no format version ("v")')
        if version not in READABLE_VERSIONS:
            newer = " (written by a newer postureping)" if version > FORMAT_VERSION else ""
            raise ValueError(f"unknown format version {version}{newer}")
        values: list[Any] = []
        for key in EVENT_KEYS:
            if isinstance(key, Key):
                absent = key.optional and key.name not in obj
                values.append(None if absent else key.read(_text(obj, key.name)))
            elif (kind := _text(obj, "kind")) not in key.kinds:
                values.append(None)
            elif version < key.version:
                raise ValueError(f"kind {kind} needs format {key.version}, not {version}")
            else:
                values.append(key.read(kind, obj))
        return cls(*values)


def _read_ts(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"timestamp {text!r} is not ISO 8601") from None


def _read_kind(text: str) -> Kind:
    try:
        return Kind(text)
    except ValueError:
        raise ValueError(f"kind {text!r} is not one of {_kinds()}") from None


def _read_snooze(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise ValueError(f'"for": {error}') from None


def _read_detail(kind: str, obj: dict[str, Any]) -> CheckIn | Shown:
    return DETAIL_KINDS[Kind(kind)].from_json(obj)


def _write_detail(detail: CheckIn | Shown) -> dict[str, Any]:
    return detail.to_json()


# The keys of a line's event, in the order of the Event's fields, which is the order they
# are written in (see postureping.history.layout). A key added in a later version is
# optional (older readers ignore it) and goes at the end, with its field.
EVENT_KEYS: tuple[Key | Detail, ...] = (
    Key("id", rb"[0-9a-f]{32}", width=32),
    Key("ts", read=_read_ts, write=datetime.isoformat),
    Key("routine"),
    Key("kind", rb"[a-z]+", read=_read_kind, write=str),
    Key("source"),
    Key(
        "for",
        read=_read_snooze,
        write=format_duration,
        optional=True,
        kinds=frozenset({Kind.SNOOZED.value}),
    ),
    Detail(
        "detail",
        kinds=frozenset(kind.value for kind in DETAIL_KINDS),
        version=3,
        read=_read_detail,
        write=_write_detail,
    ),
)
# The keys whose values are text, which the fast readers match; the Details come after them.
TEXT_KEYS = tuple(key for key in EVENT_KEYS if isinstance(key, Key))
EVENT_DETAILS = tuple(key for key in EVENT_KEYS if isinstance(key, Detail))
if len(EVENT_KEYS) != len(_Fields._fields) or (*TEXT_KEYS, *EVENT_DETAILS) != EVENT_KEYS:
    raise TypeError("EVENT_KEYS and the fields of Event differ, or a Detail is before a Key")


def kind_marker(kind: Kind) -> bytes:
    """Bytes that every line of an event of `kind` holds, and no other line: its kind key
    and value as the layout writes them (`,"kind":"checkin"`)."""
    (key,) = (key for key in TEXT_KEYS if key.name == "kind")
    return key.opening + kind.value.encode() + b'"'


_new_tuple = tuple.__new__
_FIELD_COUNT = len(_Fields._fields)


def unchecked(values: tuple[Any, ...]) -> Event:
    """The event of a tuple of all its fields, in order, made without the checks of
    `Event()`, for the store's readers, which have checked the values already: the checks
    took a third of the time of reading a long history. The caller guarantees what they
    would: a 32-hex-digit id, an aware `ts` whose tzinfo is a fixed `timezone`, non-empty
    routine and source, an optional field (a detail included) only on the kinds its key
    allows. Raises TypeError unless there is a value for every field, defaults included."""
    event: Event = _new_tuple(Event, values)
    if len(event) != _FIELD_COUNT:
        raise TypeError(f"an event has {_FIELD_COUNT} fields, not {len(event)}: {values!r}")
    return event


def in_range(ts: datetime, offset: timedelta) -> bool:
    """Whether the instant `ts`, whose UTC offset is `offset`, is from EARLIEST_TS up to
    END_TS. Compares the wall time, shifted by the offset: aware datetimes with different
    zones compare ten times slower, and turning an extreme one into UTC overflows."""
    if ts.year in SAFE_YEARS:
        return True
    wall = ts.replace(tzinfo=None)
    return _EARLIEST_NAIVE + offset <= wall < _END_NAIVE + offset


def checksum(body: bytes) -> str:
    """The "crc" of a line: CRC-32 (zlib's, as in gzip and PNG) as 8 lowercase hex digits."""
    return f"{zlib.crc32(body):08x}"


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ValueError(f'"{key}" is missing' if value is None else f'"{key}" is not text')
    return value


def _kinds() -> str:
    return ", ".join(kind.value for kind in Kind)
