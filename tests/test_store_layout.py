"""The layout of a history line (postureping.history.layout) is the one every reader and the
writer derive from: the keys as `to_line` writes them, and the patterns the fast readers use."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from postureping.history.events import EVENT_KEYS, Event, Kind, unchecked
from postureping.history.layout import LATEST, Key, pattern, written

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_a_line_has_the_keys_of_the_layout_in_its_order() -> None:
    event = Event.new("walk", Kind.SNOOZED, "cli", NOW, timedelta(minutes=10))
    line = json.loads(event.to_line(latest=NOW + timedelta(hours=1)))
    assert list(line) == ["v", *(key.name for key in EVENT_KEYS), LATEST.name, "crc"]
    assert len(EVENT_KEYS) == len(Event._fields)


def test_an_optional_key_added_to_the_layout_is_matched_present_or_not() -> None:
    extra = Key("answer", rb"[a-z]+", optional=True)
    keys = (Key("routine"), Key("kind", rb"[a-z]+"), extra, LATEST)
    line = re.compile(pattern(keys, [(keys[0], extra)]))
    with_it = b',"routine":"walk","kind":"checkin","answer":"fine","latest":"x"'
    without = b',"routine":"walk","kind":"done"'
    for text, tail in [(with_it, b',"answer":"fine"'), (without, b"")]:
        match = line.fullmatch(text)
        assert match is not None
        group = match.group(1)
        assert group.endswith(b'"' + tail) if tail else group.endswith(b'"done"')
        values = written(keys[:3]).fullmatch(group)
        assert values is not None
        assert values.groups()[2] == (b"fine" if tail else None)
    assert line.fullmatch(b',"routine":"walk","kind":"done","answer":"a\\"b"') is None


def test_an_event_made_unchecked_needs_a_value_for_every_field() -> None:
    fields = (uuid.uuid4().hex, NOW, "walk", Kind.DONE, "cli")
    with pytest.raises(TypeError, match="6 fields, not 5"):
        unchecked(fields)  # the snooze left out: a default is not filled in
    with pytest.raises(TypeError):
        unchecked((*fields, None, "one too many"))
    assert unchecked((*fields, None)) == Event(*fields)
