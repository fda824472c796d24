"""The line format on disk: checksums, format 1 lines, the fast parser, and reading only
the end of the file for the events since a moment."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postureping.history.events import Event, Kind
from postureping.history.format import BAD_CHECKSUM, decode_line, parse
from postureping.history.io import FileCalls
from postureping.history.store import Damage, EventStore
from tests.checkin_factory import detail_for

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 14, 14, 5, tzinfo=BERLIN)
ZONES = [UTC, BERLIN, ZoneInfo("America/St_Johns"), timezone(timedelta(hours=5, seconds=30))]


def at(minutes: float, routine: str = "walk") -> Event:
    return Event.new(routine, Kind.DONE, "cli", NOW + timedelta(minutes=minutes))


def format_1(event: Event) -> bytes:
    """The line an earlier version wrote: "v":1, no checksum."""
    obj = {**event.to_json(), "v": 1}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


events = st.builds(
    lambda routine, kind, source, ts, minutes, micro: Event.new(
        routine,
        kind,
        source,
        ts.replace(microsecond=micro),
        timedelta(minutes=minutes) if kind is Kind.SNOOZED else None,
        detail=detail_for(kind),
    ),
    routine=st.text(min_size=1, max_size=12),
    kind=st.sampled_from(list(Kind)),
    source=st.sampled_from(["cli", "daemon", 'we"ird\\', "ünï"]),
    ts=st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2090, 1, 1),
        timezones=st.sampled_from(ZONES),
    ),
    minutes=st.integers(min_value=1, max_value=10_000),
    micro=st.sampled_from([0, 1, 123456]),
)


@settings(max_examples=300, deadline=None)
@given(event=events, later=st.sampled_from([None, timedelta(0), timedelta(days=3)]))
def test_the_fast_and_the_slow_parser_agree(event: Event, later: timedelta | None) -> None:
    line = event.to_line(None if later is None else event.ts + later)
    assert parse(Path("f"), line) == parse(Path("f"), line.rstrip(b"\n"))  # torn-but-whole
    assert parse(Path("f"), line).events == [event]
    assert decode_line(line.rstrip(b"\n")).event == event
    assert decode_line(line).latest == event.ts + (later or timedelta(0))
    if event.detail is None:  # format 1 had no check-ins
        assert parse(Path("f"), format_1(event)).events == [event]
    assert decode_line(format_1(event)).latest is None  # format 1 cannot say


def test_a_history_of_format_1_lines_is_read_and_carried_on(tmp_path: Path) -> None:
    """Upgrading needs no migration: old lines stay as they are. The first new line learns
    the latest time from the whole file once, since format 1 lines cannot tell."""
    store = EventStore(tmp_path / "events.jsonl")
    old = [at(0), at(120), at(60)]  # a clock set back: not in time order
    store.path.write_bytes(b"".join(format_1(e) for e in old))
    assert store.read().events == old

    new = at(90)
    store.append(new)
    assert json.loads(store.path.read_bytes().splitlines()[-1])["latest"] == at(120).ts.isoformat()
    assert store.read() == store.read(since=NOW - timedelta(days=1))
    assert store.read(since=NOW + timedelta(minutes=100)).events == [old[1]]
    store.append(at(200))
    assert "latest" not in json.loads(store.path.read_bytes().splitlines()[-1])
    assert [e.ts for e in store.read(since=NOW + timedelta(minutes=150)).events] == [at(200).ts]


def test_a_format_1_line_written_after_format_2_lines_is_read_too(tmp_path: Path) -> None:
    # An old daemon still running after an upgrade keeps writing format 1.
    store = EventStore(tmp_path / "events.jsonl")
    store.append(at(0))
    with store.path.open("ab") as file:
        file.write(format_1(at(10)))
    store.append(at(5))
    assert [e.ts for e in store.read(since=NOW + timedelta(minutes=7)).events] == [at(10).ts]
    assert store.read().damaged == []


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(
        st.tuples(
            st.sampled_from(["append", "many", "new"]),
            st.lists(st.integers(min_value=-3000, max_value=3000), min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=12,
    ),
    since=st.lists(st.integers(min_value=-3100, max_value=3100), min_size=1, max_size=5),
)
def test_reading_since_a_moment_equals_filtering_the_whole_history(
    batches: list[tuple[str, list[int]]], since: list[int]
) -> None:
    """Whatever the order the events were written in (imports append older ones), reading
    backwards from the end finds every event since the moment, and no other."""
    with tempfile.TemporaryDirectory() as folder:
        store = EventStore(Path(folder) / "events.jsonl")
        for how, minutes in batches:
            batch = [at(m) for m in minutes]
            if how == "append":
                for event in batch:
                    store.append(event)
            elif how == "many":
                store.append_many(batch)
            else:
                store.append_new(batch)
        everything = store.read()
        assert everything.damaged == []
        for offset in since:
            moment = NOW + timedelta(minutes=offset)
            expected = [e for e in everything.events if e.ts >= moment]
            assert store.read(since=moment).events == expected


class CountingCalls(FileCalls):
    def __init__(self) -> None:
        self.read_bytes = 0

    def pread(self, fd: int, length: int, offset: int) -> bytes:
        data = super().pread(fd, length, offset)
        self.read_bytes += len(data)
        return data


def test_reading_today_reads_only_the_end_of_a_long_history(tmp_path: Path) -> None:
    calls = CountingCalls()
    store = EventStore(tmp_path / "events.jsonl", calls)
    start = NOW - timedelta(days=400)
    store.path.write_bytes(
        b"".join(Event.new("walk", Kind.DONE, "d", start + timedelta(hours=h)).to_line()
                 for h in range(400 * 24))
    )  # fmt: skip
    size = store.path.stat().st_size
    assert size > 1_000_000
    old = at(-60 * 24 * 300)
    store.append_new([old])  # an import: an old event after the new ones
    calls.read_bytes = 0

    today = store.read(since=NOW - timedelta(hours=5))
    assert [e.ts for e in today.events] == [NOW - timedelta(hours=h) for h in (5, 4, 3, 2, 1)]
    assert calls.read_bytes < 150_000
    calls.read_bytes = 0
    store.append(at(1))
    assert calls.read_bytes < 100_000

    assert store.read(since=old.ts).events[-2:] == [old, *store.read(since=NOW).events]


def test_a_damaged_line_read_from_the_end_is_reported_with_its_line_number(
    tmp_path: Path,
) -> None:
    store = EventStore(tmp_path / "events.jsonl")
    store.append_many([at(m) for m in range(100)])
    lines = store.path.read_bytes().splitlines(keepends=True)
    lines[97] = lines[97].replace(b'"walk"', b'"wall"')
    store.path.write_bytes(b"".join(lines))
    result = store.read(since=NOW + timedelta(minutes=95))
    assert result.damaged == [Damage(store.path, 98, BAD_CHECKSUM)]
    assert [(e.ts - NOW) // timedelta(minutes=1) for e in result.events] == [95, 96, 98, 99]


def test_append_new_adds_only_what_is_missing_in_the_order_given(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.jsonl")
    a, b, c = at(0), at(-10), at(-20)
    store.append(a)
    written, repair = store.append_new([b, a, c, b])
    assert written == [b, c] and repair is None
    assert store.append_new([a, b, c]) == ([], None)
    assert store.read().events == [a, b, c]
    assert store.append_new([]) == ([], None)


@pytest.mark.parametrize(
    "garbage",
    [b"\x00" * 4096, b"}\n{", b'"crc":"00000000"}', b"\n\n\n", "é".encode()[:1]],
)
def test_the_reader_never_raises_on_garbage_anywhere(tmp_path: Path, garbage: bytes) -> None:
    store = EventStore(tmp_path / "events.jsonl")
    store.append_many([at(m) for m in range(5)])
    data = store.path.read_bytes()
    for cut in range(0, len(data), 37):
        store.path.write_bytes(data[:cut] + garbage + data[cut:])
        whole = store.read()
        assert len(whole.events) >= 3
        since = store.read(since=NOW + timedelta(minutes=2))
        assert since.events == [e for e in whole.events if e.ts >= NOW + timedelta(minutes=2)]
