"""Counting a history file for the stats straight from its bytes (postureping.history.counts)
gives what counting the parsed events gives, with the same damage reports, whatever the
file holds."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postureping.history import format as store_format
from postureping.history.counts import tally_lines
from postureping.history.events import Event, Kind
from postureping.history.format import parse
from postureping.stats.tally import Stamping, count
from tests.checkin_factory import detail_for

PATH = Path("events.jsonl")
TODAY = date(2025, 10, 26)
BERLIN = ZoneInfo("Europe/Berlin")

# Instants around Berlin's DST changes, stamped with the zone's offset or others: whole
# hours apart or not, and one with seconds (which `isoformat` writes as +05:45:30).
_OFFSETS = st.sampled_from([None, 0, 60, 120, 330, -300, -570, 345, 345.5])
_INSTANTS = st.datetimes(
    min_value=datetime(2025, 3, 20), max_value=datetime(2025, 4, 2)
) | st.datetimes(min_value=datetime(2025, 10, 18), max_value=datetime(2025, 10, 28))
_ROUTINES = st.sampled_from(["walk", "stretch", "wälk", 'say "hi"', "back\\slash"])
_SOURCES = st.sampled_from(["daemon", "cli", "demo", "idle"])


@st.composite
def _event(draw: st.DrawFn) -> Event:
    naive, minutes = draw(_INSTANTS), draw(_OFFSETS)
    tz = BERLIN if minutes is None else timezone(timedelta(minutes=minutes))
    kind = draw(st.sampled_from(list(Kind)))
    snooze = timedelta(minutes=draw(st.integers(1, 90))) if kind is Kind.SNOOZED else None
    ts = naive.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
    return Event.new(draw(_ROUTINES), kind, draw(_SOURCES), ts, snooze, detail=detail_for(kind))


def _format_1(event: Event) -> bytes:
    obj = {**event.to_json(), "v": 1}
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def _bad_checksum(event: Event) -> bytes:
    line = event.to_line()
    return line[:-4] + (b"0" if line[-4:-3] != b"0" else b"1") + line[-3:]


# How a line is written: as usual, with "latest", as format 1, or damaged.
_STYLES = st.sampled_from(["line", "line", "line", "latest", "v1", "crc", "garbage", "blank"])


def _write(event: Event, style: str) -> bytes:
    match style:
        case "latest":
            return event.to_line(latest=event.ts + timedelta(days=3))
        case "v1":
            return _format_1(event)
        case "crc":
            return _bad_checksum(event)
        case "garbage":
            return b'{"v":2,"id":"' + event.to_line()[40:90] + b"\n"
        case "blank":
            return b"\n"
        case _:
            return event.to_line()


@pytest.mark.slow
@given(
    st.lists(st.tuples(_event(), _STYLES), max_size=50),
    st.sampled_from([b"", b'{"v":2,"id":"abc', b"garbage"]),
    st.sampled_from(["Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "UTC"]),
    st.integers(min_value=1, max_value=12),
    st.sampled_from([1 << 22, 300]),
)
@settings(max_examples=300, deadline=None)
def test_counting_the_bytes_matches_counting_the_parsed_events(
    lines: list[tuple[Event, str]], tail: bytes, zone_name: str, days: int, chunk: int
) -> None:
    data = b"".join(_write(event, style) for event, style in lines) + tail
    zone = ZoneInfo(zone_name)
    first = TODAY - timedelta(days=days - 1)
    stamping = Stamping.of(zone, today=TODAY, first=first, ignored_sources={"demo"})
    with patch.object(store_format, "_CHUNK", chunk):  # many chunks, lines across them
        counted = tally_lines(PATH, data, stamping, first_line=7)
        parsed = parse(PATH, data, first_line=7)
    want = count(parsed.events, zone, today=TODAY, first=first, ignored_sources={"demo"})
    assert counted.tally == want
    assert counted.damaged == parsed.damaged


def test_a_damaged_line_is_reported_with_its_number_and_the_rest_is_counted() -> None:
    noon = datetime(2025, 10, 24, 12, tzinfo=timezone(timedelta(hours=2)))
    good = [Event.new("walk", Kind.DONE, "cli", noon + timedelta(minutes=n)) for n in range(3)]
    data = good[0].to_line() + _bad_checksum(good[1]) + good[2].to_line() + b'{"v":2,"i'
    stamping = Stamping.of(BERLIN, today=TODAY, first=TODAY - timedelta(days=6))
    counted = tally_lines(PATH, data, stamping)
    assert counted.tally.window[("walk", Kind.DONE)] == 2
    assert [(d.line_number, d.reason) for d in counted.damaged] == [
        (2, store_format.BAD_CHECKSUM),
        (4, store_format.TORN_LINE),
    ]


def test_an_event_without_its_newline_counts() -> None:
    noon = datetime(2025, 10, 24, 12, tzinfo=timezone(timedelta(hours=2)))
    data = Event.new("walk", Kind.PROMPTED, "daemon", noon).to_line()[:-1]
    stamping = Stamping.of(BERLIN, today=TODAY, first=TODAY)
    counted = tally_lines(PATH, data, stamping)
    assert counted.tally.per_day[date(2025, 10, 24), Kind.PROMPTED] == 1
    assert counted.damaged == []
