"""What happened: every prompt and every answer, as a value with a stable on-disk form.

One event is one line of JSON in the store (postureping.store). The line format is part of
the user's data and of `postureping history --json` (documented in the README), so it changes
only with a new FORMAT_VERSION.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from postureping.durations import format_duration, parse_duration

FORMAT_VERSION = 1

# uuid4 hex: unique across machines without coordination, so histories can later be merged.
_ID = re.compile(r"[0-9a-f]{32}")


class Kind(StrEnum):
    PROMPTED = "prompted"  # the daemon showed a reminder
    DONE = "done"
    SKIPPED = "skipped"
    SNOOZED = "snoozed"  # put off for `Event.snooze`
    MISSED = "missed"  # a reminder went unanswered


@dataclass(frozen=True)
class Event:
    """One prompt or answer. `source` says who recorded it: "daemon", "cli", and in later
    versions "notification", "idle" or "sleep"; it is open-ended so that adding a source
    does not need a new format version."""

    id: str
    ts: datetime  # aware, with a fixed UTC offset: the one it was recorded with
    routine: str
    kind: Kind
    source: str
    snooze: timedelta | None = None  # only for SNOOZED: how long the routine was put off

    def __post_init__(self) -> None:
        # Checked here so that a bad value is refused when it is made, not when it is read back.
        if not _ID.fullmatch(self.id):
            raise ValueError(f"id must be 32 lowercase hex digits, not {self.id!r}")
        offset = self.ts.utcoffset()
        if offset is None:
            raise ValueError(f"timestamp {self.ts.isoformat()} has no UTC offset")
        # The stored form keeps only the offset. Holding the same here makes an event equal
        # to itself read back, even in the repeated hour of a DST change, where Python never
        # calls datetimes with different tzinfo equal.
        object.__setattr__(self, "ts", self.ts.replace(tzinfo=timezone(offset)))
        if not self.routine:
            raise ValueError("routine id is empty")
        if not isinstance(self.kind, Kind):
            raise ValueError(f"kind {self.kind!r} is not one of {_kinds()}")
        if not self.source:
            raise ValueError("source is empty")
        if self.snooze is not None:
            if self.kind is not Kind.SNOOZED:
                raise ValueError(f"only a snoozed event has a snooze duration, not {self.kind}")
            if self.snooze <= timedelta(0):
                raise ValueError("snooze duration must be longer than zero")

    @classmethod
    def new(
        cls,
        routine: str,
        kind: Kind,
        source: str,
        now: datetime,
        snooze: timedelta | None = None,
    ) -> Event:
        """A fresh event with a new unique id, stamped `now` (which must be aware)."""
        return cls(uuid.uuid4().hex, now, routine, kind, source, snooze)

    def to_json(self) -> dict[str, Any]:
        """The stored form, keys in their documented order."""
        obj: dict[str, Any] = {
            "v": FORMAT_VERSION,
            "id": self.id,
            "ts": self.ts.isoformat(),
            "routine": self.routine,
            "kind": str(self.kind),
            "source": self.source,
        }
        if self.snooze is not None:
            obj["for"] = format_duration(self.snooze)
        return obj

    def to_line(self) -> bytes:
        """One compact line of UTF-8 JSON ending in a newline, ready to append."""
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, obj: object) -> Event:
        """The event a parsed line describes. Raises ValueError saying what is wrong.

        Keys this version does not know are ignored: a later version may add optional keys
        (a checksum, say) without making old readers call the line damaged. A change that old
        readers must not misread gets a new "v", which this reader refuses.
        """
        if not isinstance(obj, dict):
            raise ValueError(f"a JSON object was expected, not {type(obj).__name__}")
        version = obj.get("v")
        if type(version) is not int:
            raise ValueError('no format version ("v")')
        if version != FORMAT_VERSION:
            newer = " (written by a newer postureping)" if version > FORMAT_VERSION else ""
            raise ValueError(f"unknown format version {version}{newer}")
        text = {key: _text(obj, key) for key in ("id", "ts", "routine", "kind", "source")}
        try:
            ts = datetime.fromisoformat(text["ts"])
        except ValueError:
            raise ValueError(f"timestamp {text['ts']!r} is not ISO 8601") from None
        try:
            kind = Kind(text["kind"])
        except ValueError:
            raise ValueError(f"kind {text['kind']!r} is not one of {_kinds()}") from None
        snooze = None
        if "for" in obj:
            try:
                snooze = parse_duration(_text(obj, "for"))
            except ValueError as error:
                raise ValueError(f'"for": {error}') from None
        return cls(text["id"], ts, text["routine"], kind, text["source"], snooze)


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ValueError(f'"{key}" is missing' if value is None else f'"{key}" is not text')
    return value


def _kinds() -> str:
    return ", ".join(kind.value for kind in Kind)
