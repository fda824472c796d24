"""The layout of a history line: its keys in the order `Event.to_line` writes them, each with
the text its value has there, and the patterns the fast readers match a line's bytes with.

One definition for every reader. The keys of an event are listed once, next to the Event
(postureping.history.events.EVENT_KEYS); its JSON form, the full parser (Event.from_json, by
way of postureping.history.format.decode_line), the fast parser (format.parse) and the
counter (postureping.history.counts) are all built from that list and from this module. A
new optional key is one more Key at the end of the list, and one more field of the Event.
A field whose values are not text (a pain check-in's) is a Detail, after the Keys: its lines
are written in a later format and are always read by the full parser.

A line as written: `{"v":2,"id":"…","ts":"…","routine":"…","kind":"…","source":"…"`, then
the optional keys that have a value (`"for"`, …), then `"latest"` when the line has one,
and last `,"crc":"` with 8 hex digits and `"}`. The fast readers match only lines written
that way with no escapes in their strings; any other line goes to the full parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# A string value as `to_line` writes it, when it needs no escapes.
TEXT = rb'[^"\\\n]+'
VERSION_KEY = b'{"v":'  # a line's first key, then its format version (one digit)
CHECKSUM_KEY = b',"crc":"'
CHECKSUM_TEXT = rb"[0-9a-f]{8}"
# `,"crc":"` + 8 hex digits + `"}`: how a format 2 line ends.
SUFFIX = len(CHECKSUM_KEY) + 10


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Key:
    """One key of a line, whose value is a JSON string.

    `read` turns the text into the field's value, raising ValueError that says what is
    wrong; `write` does the reverse. An optional key is written only when its field is not
    None, and may be limited to events of some `kinds` (their values, as text).
    """

    name: str
    text: bytes = TEXT  # a regular expression of its value as written, inside the quotes
    width: int | None = None  # the length of every valid value, if fixed
    read: Callable[[str], Any] = _same
    write: Callable[[Any], str] = _same
    optional: bool = False
    kinds: frozenset[str] | None = None

    @property
    def opening(self) -> bytes:
        """The bytes before its value: `,"name":"`."""
        return b',"' + self.name.encode() + b'":"'


@dataclass(frozen=True)
class Detail:
    """An optional field written as keys of its own, whose values need not be text (numbers,
    lists), on events of some `kinds` only (their values, as text). A line that has one is
    written in format `version`, which older readers do not know, so they skip it rather than
    misread it; every other line keeps its earlier format. The fast readers never match it.

    `write` gives the keys and values to add to the line; `read` takes the kind's text and
    the whole line, and raises ValueError that says what is wrong.
    """

    name: str
    kinds: frozenset[str]
    version: int
    read: Callable[[str, dict[str, Any]], Any]
    write: Callable[[Any], dict[str, Any]]


# Not an event's field: what the line says of the events before it (see Event.to_line).
LATEST = Key("latest", optional=True)


def start_of_line(version: int) -> bytes:
    """A line's start, up to its first key."""
    return VERSION_KEY + b"%d" % version


def head(versions: Iterable[int]) -> bytes:
    """The pattern of a line's start, up to its first key, for these format versions."""
    return re.escape(VERSION_KEY) + b"[" + b"".join(b"%d" % v for v in versions) + b"]"


def pattern(keys: Sequence[Key], capture: Iterable[Key | tuple[Key, Key]] = ()) -> bytes:
    """The pattern of `keys` as written one after the other, an optional one present or not.

    Each item of `capture` makes a capturing group, in order: a Key, of its value (empty
    when an optional key is absent); a (first, last) pair, of the keys from first to last as
    written, openings and quotes included (see `written`).
    """
    values: set[str] = set()
    starts: set[str] = set()
    ends: set[str] = set()
    for item in capture:
        if isinstance(item, Key):
            values.add(item.name)
        else:
            starts.add(item[0].name)
            ends.add(item[1].name)
    parts: list[bytes] = []
    for key in keys:
        value = b"(" + key.text + b")" if key.name in values else key.text
        part = re.escape(key.opening) + value + b'"'
        if key.optional:
            part = b"(?:" + part + b")?"
        parts.append((b"(" if key.name in starts else b"") + part)
        if key.name in ends:
            parts.append(b")")
    return b"".join(parts)


def written(keys: Sequence[Key]) -> re.Pattern[bytes]:
    """The pattern of `keys` as written, with a group for each one's value (None when an
    optional key is absent): to read the text a (first, last) group of `pattern` captured."""
    return re.compile(pattern(keys, keys))
