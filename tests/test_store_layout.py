"""The layout of a history line (postureping.history.layout) is the one every reader and the
writer derive from: the keys as `to_line` writes them, and the patterns the fast readers use."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from postureping.checkin import ROUTINE_ID, CheckIn, Place
from postureping.history.events import (
    EVENT_KEYS,
    TEXT_KEYS,
    Event,
    Kind,
    unchecked,
)
from postureping.history.layout import LATEST, Key, pattern, written

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_a_line_has_the_keys_of_the_layout_in_its_order() -> None:
    event = Event.new("walk", Kind.SNOOZED, "cli", NOW, timedelta(minutes=10))
    line = json.loads(event.to_line(latest=NOW + timedelta(hours=1)))
    assert list(line) == ["v", *(key.name for key in TEXT_KEYS), LATEST.name, "crc"]
    assert len(EVENT_KEYS) == len(Event._fields)


def test_a_detail_is_written_as_keys_of_its_own_after_the_text_keys_in_format_3() -> None:
    checkin = CheckIn(6, frozenset({Place.LOWER_BACK}), asked=True)
    event = Event.new(ROUTINE_ID, Kind.CHECKIN, "cli", NOW, detail=checkin)
    line = json.loads(event.to_line(latest=NOW + timedelta(hours=1)))
    text = [key.name for key in TEXT_KEYS if key.name != "for"]
    assert list(line) == ["v", *text, "pain", "where", "yes", LATEST.name, "crc"]
    assert line["v"] == 3 == event.version
    assert Event.new("walk", Kind.DONE, "cli", NOW).version == 2  # every other line


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
    with pytest.raises(TypeError, match="7 fields, not 6"):
        unchecked((*fields, None))  # the detail left out: a default is not filled in
    with pytest.raises(TypeError):
        unchecked((*fields, None, None, "one too many"))
    assert unchecked((*fields, None, None)) == Event(*fields)
