"""Fuzzing the history reader: whatever a history file holds (random bytes, NULs, invalid
UTF-8, huge lines, JSON of any shape, valid lines with extreme or odd timestamps), every
reader reports the damage and carries on, agrees with the others, and never raises; an
append after it cuts no valid event off; and the real `history`, `stats` and `export`
exit 0, with the damage on stderr and no traceback.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postureping.history.counts import tally_lines
from postureping.history.events import EARLIEST_TS, END_TS, Event, Kind, checksum
from postureping.history.format import decode_line, parse
from postureping.history.io import FileCalls
from postureping.history.layout import CHECKSUM_KEY
from postureping.history.store import EventStore
from postureping.stats.tally import Stamping, count
from tests.checkin_factory import detail_for
from tests.cli_helpers import data_dir, run_cli
from tests.faulty_calls import ShortReads

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = date(2025, 10, 26)
ZONES = ["Europe/Berlin", "America/St_Johns", "Pacific/Kiritimati", "UTC"]
STAMPINGS = {
    name: Stamping.of(
        ZoneInfo(name), today=TODAY, first=TODAY - timedelta(days=6), ignored_sources={"demo"}
    )
    for name in ZONES
}
EDGES = [
    "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1969-12-31T23:59:59+00:00",
    "1970-01-01T00:00:00+00:00", "2999-12-31T23:59:59.999999+00:00", "3000-01-01T00:00:00Z",
    "2025-03-14", "2025-03-14T14:00:00", "2025-02-30T10:00:00+01:00", "2025-03-14T14:00+24:00",
]  # fmt: skip

_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
_offsets = st.integers(-86399, 86399).map(lambda s: timezone(timedelta(seconds=s)))
_in_range = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30)),
    _offsets,
)
_recent = st.builds(
    lambda minutes, tz: (NOW - timedelta(minutes=minutes)).astimezone(tz),
    st.integers(0, 60 * 24 * 40),
    st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]),
)
# Stamps as text: in range, at its edges or past them (up to the years 1 and 9999), or not a
# stamp at all.
_stamp_text = st.one_of(
    _in_range.map(datetime.isoformat),
    _recent.map(datetime.isoformat),
    st.builds(
        lambda naive, tz: naive.replace(tzinfo=tz).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        _offsets,
    ),
    st.sampled_from(EDGES),
    _text,
)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def _objects(draw: st.DrawFn) -> bytes:
    """A JSON object shaped more or less like an event, checksummed or not."""
    obj = {
        "v": draw(st.sampled_from([2, 2, 1, 3, "2", None, 2.0])),
        "id": draw(st.one_of(st.just(uuid.uuid4().hex), _text)),
        "ts": draw(_stamp_text),
        "routine": draw(st.one_of(st.sampled_from(["walk", "stretch"]), _text)),
        "kind": draw(st.one_of(st.sampled_from([k.value for k in Kind]), _text)),
        "source": draw(st.one_of(st.sampled_from(["cli", "daemon", "demo"]), _text)),
        "for": draw(st.one_of(st.sampled_from(["10m", "0s", "1h30m"]), _json_values)),
        "latest": draw(_stamp_text),
        "extra": draw(_json_values),
    }
    keys = draw(st.lists(st.sampled_from(list(obj)), unique=True))
    body = json.dumps({k: obj[k] for k in sorted(keys, key=list(obj).index)},
                      ensure_ascii=draw(st.booleans()), separators=(",", ":")).encode()  # fmt: skip
    if draw(st.booleans()):
        return body[:-1] + CHECKSUM_KEY + checksum(body[:-1]).encode() + b'"}'
    return body


@st.composite
def _stamped(draw: st.DrawFn) -> bytes:
    """A line as the store writes it, but for its stamp (and "latest"), which may be any."""
    obj = {"v": 2, "id": draw(st.uuids()).hex, "ts": draw(_stamp_text), "routine": "walk"}
    obj |= {"kind": "done", "source": "cli"}
    if draw(st.booleans()):
        obj["latest"] = draw(_stamp_text)
    body = json.dumps(obj, separators=(",", ":")).encode()[:-1]
    return body + CHECKSUM_KEY + checksum(body).encode() + b'"}'


@st.composite
def _events(draw: st.DrawFn) -> Event:
    kind = draw(st.sampled_from(list(Kind)))
    return Event.new(
        draw(st.one_of(st.sampled_from(["walk", "stretch"]), _text.filter(bool))),
        kind,
        draw(st.sampled_from(["cli", "daemon", "demo", "ünï", 'we"ird\\'])),
        draw(st.one_of(_in_range, _recent)),
        timedelta(minutes=draw(st.integers(1, 600))) if kind is Kind.SNOOZED else None,
        detail=detail_for(kind),
    )


# One piece of a history: an event as the store writes it, or anything else on a line.
_pieces = st.one_of(
    _events(),
    _events(),
    _objects(),
    _stamped(),
    st.binary(max_size=80),
    st.sampled_from([b"", b"\x00" * 40, b"\xff\xfe\xc3", b"\r", b"{", b"}" * 3, b"  "]),
    st.sampled_from([70_000, 1_100_000]).map(lambda n: b'{"v":2,"id":"' + b"x" * n),
    st.builds(
        lambda n, ts: Event.new("r" * n, Kind.DONE, "cli", ts),
        st.sampled_from([70_000, 1_100_000]),
        _recent,
    ),
)


@dataclass
class History:
    """The bytes of a history file, and what a reader must make of them."""

    data: bytes = b""
    # Whether every valid line's "latest" tells the truth about the events before it, as
    # postureping writes them; reading the end of the file relies on that.
    honest: bool = True
    latest: datetime | None = field(default=None, repr=False)


@st.composite
def _histories(draw: st.DrawFn, max_size: int = 30) -> History:
    history = History()
    lines = []
    for piece in draw(st.lists(_pieces, max_size=max_size)):
        line = piece.to_line(history.latest) if isinstance(piece, Event) else piece + b"\n"
        decoded = decode_line(line[:-1])
        if decoded.event is not None:
            claim = decoded.latest
            if claim is not None and history.latest is not None and claim < history.latest:
                history.honest = False  # an odd line that says less than the truth
            ts = decoded.event.ts
            history.latest = ts if history.latest is None else max(history.latest, ts)
        lines.append(line)
    history.data = b"".join(lines)
    if draw(st.booleans()):  # the last line cut short, or missing its newline only
        history.data = history.data[: -draw(st.integers(1, 40))]
    return history


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def _names() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"fuzz-{n}"


_NAMES = _names()


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=_histories(),
    zone=st.sampled_from(ZONES),
    since=_recent,
    short_reads=st.one_of(st.none(), st.integers(0, 1000)),
)
def test_every_reader_takes_any_file_in_its_stride(
    folder: Path, history: History, zone: str, since: datetime, short_reads: int | None
) -> None:
    path = folder / next(_NAMES) / "events.jsonl"
    path.parent.mkdir()
    path.write_bytes(history.data)
    store = EventStore(path, FileCalls() if short_reads is None else ShortReads(short_reads))

    parsed = parse(path, history.data)
    assert all(EARLIEST_TS <= e.ts < END_TS for e in parsed.events)
    whole = store.read()
    assert whole == parsed
    if history.honest:
        assert store.read(since).events == [e for e in parsed.events if e.ts >= since]
    else:
        assert set(store.read(since).events) <= set(parsed.events)

    stamping = STAMPINGS[zone]
    counted = tally_lines(path, history.data, stamping)
    assert counted.damaged == parsed.damaged
    want = count(parsed.events, stamping.zone, today=TODAY, first=stamping.first,
                 ignored_sources={"demo"})  # fmt: skip
    assert counted.tally == want
    assert store.tally(stamping) == counted

    # A writer after it: every valid event stays, in order; only damage is moved aside.
    new = Event.new("walk", Kind.DONE, "cli", NOW)
    store.append(new)
    assert store.read().events == [*parsed.events, new]
    moved = store.damaged_path.read_bytes() if store.damaged_path.exists() else b""
    assert parse(path, moved).events == []
    assert len(moved) <= len(history.data) + 1
    assert new in store.read(since=NOW).events


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=_histories(max_size=12), zone=st.sampled_from(ZONES))
def test_the_commands_report_the_damage_and_carry_on(
    folder: Path, history: History, zone: str
) -> None:
    root = folder / next(_NAMES)
    path = data_dir(root) / "events.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(history.data)
    expected = EventStore(path).read()
    damage = {f"postureping: {d}" for d in expected.damaged}

    outputs = {}
    for args in (["history", "--json", "--since", "3650d"], ["stats", "--json"], ["export"]):
        result = run_cli(root, *args, env={"TZ": zone})
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr
        assert set(result.stderr.splitlines()) <= damage, args
        outputs[args[0]] = json.loads(result.stdout)

    in_time_order = sorted(expected.events, key=lambda e: e.ts)
    assert [e["id"] for e in outputs["export"]] == [e.id for e in in_time_order]
    listed = {e["id"] for e in outputs["history"]}
    assert listed <= {e.id for e in expected.events}
    if history.honest:
        assert {e.id for e in expected.events if e.ts >= NOW - timedelta(days=3649)} <= listed
    assert outputs["stats"]["days"] == 7
