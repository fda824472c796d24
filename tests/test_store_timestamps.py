"""Timestamps outside the accepted range (1970 up to, not including, 3000, in UTC; see the
README's "The history file"): refused when an event is made, reported as a damaged line and
skipped when read or imported, so that one such line cannot break `stats`, `report` or
`history` (turning year 9999 into the local zone overflowed, on every run)."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.history.counts import tally_lines
from postureping.history.events import Event, Kind, checksum
from postureping.history.format import decode_line, parse
from postureping.history.layout import CHECKSUM_KEY
from postureping.history.merge import import_file
from postureping.history.store import EventStore
from postureping.history.tail import inspect_tail
from postureping.stats.tally import Stamping, count
from tests.cli_helpers import EVERY_DAY, data_dir, run_cli, write_settings

PATH = Path("events.jsonl")
NOW = datetime.now(UTC).replace(microsecond=0)
BERLIN = ZoneInfo("Europe/Berlin")

OUTSIDE = [
    "0001-01-01T00:00:00+05:00",  # the two of the bug report
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59.999999+00:00",
    "1969-12-31T23:59:59.999999+00:00",  # just before the range, in UTC
    "1970-01-01T00:00:00+00:01",  # 1969-12-31T23:59 in UTC
    "1970-01-01T05:00:00+23:59",
    "3000-01-01T00:00:00+00:00",  # the end of the range is not in it
    "2999-12-31T23:59:59-00:01",  # 3000-01-01T00:00:59 in UTC
    "2999-12-31T12:00:00-23:59:59",
]
INSIDE = [
    "1970-01-01T00:00:00+00:00",
    "1970-01-01T00:00:00-00:01",
    "1970-01-01T23:00:00+23:00",
    "1970-06-01T12:00:00+02:00",
    "2999-12-31T23:59:59.999999+00:00",
    "2999-12-31T23:00:00+00:01",
    "2999-12-31T10:00:00-13:00",
    "2998-07-01T12:00:00+01:00",
]


def line(ts: str, routine: str = "walk", latest: str | None = None, kind: str = "done") -> bytes:
    """A format 2 line with a good checksum, as `Event.to_line` writes it, whatever `ts`."""
    obj = {"v": 2, "id": uuid.uuid4().hex, "ts": ts, "routine": routine, "kind": kind}
    obj["source"] = "cli"
    if latest is not None:
        obj["latest"] = latest
    body = json.dumps(obj, separators=(",", ":")).encode()[:-1]
    return body + CHECKSUM_KEY + checksum(body).encode() + b'"}\n'


def good(hours_ago: float, routine: str = "walk") -> Event:
    return Event.new(routine, Kind.DONE, "cli", NOW - timedelta(hours=hours_ago))


@pytest.mark.parametrize("ts", OUTSIDE)
def test_an_event_outside_the_range_is_refused_when_made(ts: str) -> None:
    with pytest.raises(ValueError, match="outside the accepted range"):
        Event.new("walk", Kind.DONE, "cli", datetime.fromisoformat(ts))


@pytest.mark.parametrize("ts", INSIDE)
def test_an_event_at_the_edges_of_the_range_is_read_by_the_fast_and_the_slow_path(
    ts: str,
) -> None:
    stamp = datetime.fromisoformat(ts)
    event = Event.new("walk", Kind.DONE, "cli", stamp)
    assert event.ts == stamp
    assert parse(PATH, event.to_line()).events == [event]  # the fast path
    assert decode_line(event.to_line()).event == event  # the slow path
    stamping = Stamping.of(BERLIN, today=date(2999, 12, 31), first=date(2999, 12, 1))
    want = count([event], BERLIN, today=stamping.today, first=stamping.first)
    assert tally_lines(PATH, event.to_line(), stamping).tally == want


@pytest.mark.parametrize("ts", OUTSIDE)
def test_a_line_outside_the_range_is_reported_and_skipped_by_every_reader(
    tmp_path: Path, ts: str
) -> None:
    before, after = good(3), good(1)
    data = before.to_line() + line(ts) + after.to_line()
    reason = f"not a valid event: timestamp {datetime.fromisoformat(ts).isoformat()} is outside"

    parsed = parse(PATH, data)
    assert parsed.events == [before, after]
    assert [(d.line_number, d.reason[: len(reason)]) for d in parsed.damaged] == [(2, reason)]

    today = NOW.date()
    stamping = Stamping.of(BERLIN, today=today, first=today - timedelta(days=6))
    counted = tally_lines(PATH, data, stamping)
    assert counted.tally == count([before, after], BERLIN, today=today, first=stamping.first)
    assert counted.damaged == parsed.damaged

    store = EventStore(tmp_path / "events.jsonl")
    store.path.write_bytes(data)
    assert store.read(since=NOW - timedelta(hours=2)).events == [after]
    whole = store.read()
    assert whole.events == parsed.events
    assert [(d.line_number, d.reason) for d in whole.damaged] == [
        (d.line_number, d.reason) for d in parsed.damaged
    ]


def test_a_latest_outside_the_range_is_not_trusted_and_the_next_line_sets_it_right(
    tmp_path: Path,
) -> None:
    """An older version wrote "latest": "9999-..." on every line after it imported such an
    event. Those lines are valid; their "latest" only cannot say how far back to read."""
    store = EventStore(tmp_path / "events.jsonl")
    old, recent = good(30), good(2)
    data = old.to_line() + line("9999-12-31T23:59:59-05:00")
    data += recent.to_line(latest=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    store.path.write_bytes(data)
    assert store.read().events == [old, recent]
    assert store.read(since=NOW - timedelta(hours=3)).events == [recent]

    newest = good(1)
    assert store.append(newest) is None
    assert store.read().events == [old, recent, newest]
    assert b"9999" not in store.path.read_bytes().splitlines()[-1]
    with store.path.open("rb") as file:
        assert inspect_tail(store._calls, file.fileno()).latest == newest.ts


def test_import_skips_events_outside_the_range_and_names_their_lines(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.jsonl")
    fine = good(5)
    source = tmp_path / "other.jsonl"
    source.write_bytes(line(OUTSIDE[0]) + fine.to_line() + line(OUTSIDE[1]))

    report = import_file(store, source)

    assert (report.new, report.present) == (1, 0)
    assert [d.line_number for d in report.damaged] == [1, 3]
    assert all("outside the accepted range" in d.reason for d in report.damaged)
    assert store.read().events == [fine]


def _no_crash(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "unexpected error" not in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_carries_on_over_a_line_outside_the_range(tmp_path: Path) -> None:
    write_settings(tmp_path, EVERY_DAY)
    history = data_dir(tmp_path) / "events.jsonl"
    history.parent.mkdir(parents=True)
    events = [good(30), good(2)]
    history.write_bytes(
        events[0].to_line() + line(OUTSIDE[0]) + line(OUTSIDE[1]) + events[1].to_line()
    )
    damaged = f"{history}:2: damaged line skipped (not a valid event: timestamp "

    for args in (
        ["stats", "--json"],
        ["stats", "--view", "month"],
        ["history"],
        ["history", "--json"],
        ["export", "--format", "csv"],
        ["report", "--output", str(tmp_path / "report.html")],
    ):
        result = run_cli(tmp_path, *args)
        _no_crash(result)
        assert damaged in result.stderr, args

    listed = json.loads(run_cli(tmp_path, "history", "--json", "--since", "3d").stdout)
    assert [e["id"] for e in listed] == [e.id for e in events]


def test_the_cli_import_reports_lines_outside_the_range_then_stats_works(tmp_path: Path) -> None:
    write_settings(tmp_path, EVERY_DAY)
    source = tmp_path / "other.jsonl"
    fine = good(5)
    source.write_bytes(line(OUTSIDE[0]) + fine.to_line() + line(OUTSIDE[1]))

    result = run_cli(tmp_path, "import", str(source))

    _no_crash(result)
    assert result.stdout == f"Imported {source}: 1 new, 0 already present, 2 damaged (skipped).\n"
    assert result.stderr.count("is outside the accepted range") == 2
    stats = run_cli(tmp_path, "stats", "--json")
    _no_crash(stats)
    assert stats.stderr == ""
