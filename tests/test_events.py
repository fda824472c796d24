"""Events: one value, one stable line of JSON, and a clear refusal of anything malformed."""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postureping.checkin import CheckIn, Place, Symptom
from postureping.history.events import FORMAT_VERSION, Event, Kind, checksum
from tests.checkin_factory import detail_for

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 14, 14, 5, 30, tzinfo=BERLIN)


def stored(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "v": 1,
        "id": "0123456789abcdef0123456789abcdef",
        "ts": "2025-03-14T14:05:30+01:00",
        "routine": "walk",
        "kind": "done",
        "source": "cli",
    }
    obj.update(changes)
    return {k: v for k, v in obj.items() if v is not None}


def test_new_events_get_unique_uuid4_hex_ids() -> None:
    ids = {Event.new("walk", Kind.DONE, "cli", NOW).id for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_line_format_is_compact_ordered_versioned_and_checksummed() -> None:
    event = Event("0123456789abcdef0123456789abcdef", NOW, "walk", Kind.DONE, "cli")
    assert FORMAT_VERSION == 3  # check-in lines only: every other line stays format 2
    body = (
        b'{"v":2,"id":"0123456789abcdef0123456789abcdef","ts":"2025-03-14T14:05:30+01:00",'
        b'"routine":"walk","kind":"done","source":"cli"'
    )
    assert event.to_line() == body + b',"crc":"' + f"{zlib.crc32(body):08x}".encode() + b'"}\n'
    assert json.loads(event.to_line())["crc"] == checksum(body) == "6b62e60a"


def test_a_checkin_line_is_format_3_with_its_fields_before_the_checksum() -> None:
    checkin = CheckIn(6, frozenset({Place.BELOW_KNEE}), asked=True, yes=frozenset({Symptom.FEVER}))
    event = Event("0123456789abcdef0123456789abcdef", NOW, "checkin", Kind.CHECKIN, "cli",
                  detail=checkin)  # fmt: skip
    body = (
        b'{"v":3,"id":"0123456789abcdef0123456789abcdef","ts":"2025-03-14T14:05:30+01:00",'
        b'"routine":"checkin","kind":"checkin","source":"cli","pain":6,'
        b'"where":["below-knee","one-leg"],"yes":["fever"]'
    )
    assert event.to_line() == body + b',"crc":"' + checksum(body).encode() + b'"}\n'
    assert Event.from_json(json.loads(event.to_line())) == event
    # Not asked: no "yes" key, and read back as not asked (not as "all answered no").
    quiet = event._replace(detail=CheckIn(2))
    assert "yes" not in quiet.to_json()
    assert Event.from_json(quiet.to_json()).detail == CheckIn(2, asked=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pain": 11}, "pain must be a whole number from 0 to 10"),
        ({"pain": "6"}, '"pain" is missing or not a whole number'),
        ({"where": ["knee"]}, "unknown place 'knee' (one of: lower-back, buttock, one-leg"),
        ({"yes": ["cough"]}, "unknown symptom 'cough'"),
        ({"v": 2}, "kind checkin needs format 3, not 2"),
    ],
)
def test_a_bad_checkin_line_is_refused_with_a_reason(
    change: dict[str, object], message: str
) -> None:
    obj = {**stored(v=3, kind="checkin", routine="checkin"), "pain": 5, "where": [], **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        Event.from_json(obj)


def test_only_checkin_kinds_carry_a_detail() -> None:
    with pytest.raises(ValueError, match="needs its CheckIn detail"):
        Event.new("checkin", Kind.CHECKIN, "cli", NOW)
    with pytest.raises(ValueError, match="has no check-in detail"):
        Event.new("walk", Kind.DONE, "cli", NOW, detail=CheckIn(3))


def test_latest_is_stored_only_when_later_than_the_event() -> None:
    event = Event("0123456789abcdef0123456789abcdef", NOW, "walk", Kind.DONE, "cli")
    assert "latest" not in json.loads(event.to_line(NOW))
    assert "latest" not in json.loads(event.to_line(NOW - timedelta(hours=1)))
    later = NOW + timedelta(days=1)
    obj = json.loads(event.to_line(later))
    assert list(obj)[-2:] == ["latest", "crc"]
    assert obj["latest"] == later.isoformat()
    assert Event.from_json(obj) == event


def test_format_1_lines_are_still_read() -> None:
    event = Event.from_json(stored(v=1))
    assert event.id == "0123456789abcdef0123456789abcdef"
    assert Event.from_json(stored(v=2, crc="00000000")) == event


def test_an_event_is_an_immutable_value() -> None:
    event = Event.new("walk", Kind.DONE, "cli", NOW)
    with pytest.raises(AttributeError):
        event.routine = "stretch"  # type: ignore[misc]
    assert event == Event(*event) and hash(event) == hash(Event(*event))
    assert {event: 1}[Event.from_json(json.loads(event.to_line()))] == 1


def test_snooze_is_stored_as_a_duration_under_for() -> None:
    event = Event.new("walk", Kind.SNOOZED, "cli", NOW, snooze=timedelta(minutes=10))
    obj = json.loads(event.to_line())
    assert list(obj) == ["v", "id", "ts", "routine", "kind", "source", "for", "crc"]
    assert obj["for"] == "10m"
    assert Event.from_json(obj) == event


def test_round_trip_keeps_the_instant_and_the_offset() -> None:
    event = Event.new("stretch", Kind.PROMPTED, "daemon", NOW.replace(microsecond=123456))
    back = Event.from_json(json.loads(event.to_line()))
    assert back == event
    assert back.ts.utcoffset() == timedelta(hours=1)
    assert back.ts.microsecond == 123456


@given(
    ts=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, BERLIN, ZoneInfo("America/St_Johns")]),
    ),
    kind=st.sampled_from(list(Kind)),
    routine=st.text(min_size=1, max_size=20).filter(lambda s: "\n" not in s),
    minutes=st.integers(min_value=1, max_value=10_000),
)
def test_any_event_round_trips_through_one_line(
    ts: datetime, kind: Kind, routine: str, minutes: int
) -> None:
    snooze = timedelta(minutes=minutes) if kind is Kind.SNOOZED else None
    event = Event.new(routine, kind, "cli", ts, snooze, detail=detail_for(kind))
    line = event.to_line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert Event.from_json(json.loads(line)) == event


def test_naive_time_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        Event.new("walk", Kind.DONE, "cli", datetime(2025, 3, 14, 14, 5))


def test_snooze_only_on_snoozed_events() -> None:
    with pytest.raises(ValueError, match="only a snoozed event"):
        Event.new("walk", Kind.DONE, "cli", NOW, snooze=timedelta(minutes=5))


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([1, 2], "JSON object was expected"),
        (stored(v=None), "no format version"),
        (stored(v="1"), "no format version"),
        (stored(v=True), "no format version"),
        (stored(v=4), "unknown format version 4 (written by a newer postureping)"),
        (stored(v=0), "unknown format version 0"),
        (stored(id="not-hex"), "id must be 32 lowercase hex digits"),
        (stored(ts="2025-03-14T14:05:30"), "no UTC offset"),
        (stored(ts="yesterday"), "not ISO 8601"),
        (stored(kind="forgot"), "kind 'forgot' is not one of prompted, done, skipped"),
        (stored(routine=None), '"routine" is missing'),
        (stored(routine=7), '"routine" is not text'),
        (stored(routine=""), "routine id is empty"),
        (stored(source=""), "source is empty"),
        (stored(kind="snoozed", **{"for": "soon"}), '"for": not a duration'),
        (stored(kind="done", **{"for": "5m"}), "only a snoozed event"),
    ],
)
def test_malformed_objects_are_refused_with_a_reason(obj: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Event.from_json(obj)


def test_unknown_keys_are_ignored_for_forward_compatibility() -> None:
    event = Event.from_json(stored(mood="great"))
    assert event.routine == "walk"
    assert event.kind is Kind.DONE


def test_sources_are_open_ended() -> None:
    assert Event.from_json(stored(source="notification")).source == "notification"


def test_the_repeated_hour_of_a_dst_change_round_trips() -> None:
    # 02:30 happens twice in Berlin on 2025-10-26; fold=1 is the second time, in winter time.
    second = datetime(2025, 10, 26, 2, 30, tzinfo=BERLIN, fold=1)
    event = Event.new("walk", Kind.DONE, "cli", second)
    assert event.ts.isoformat() == "2025-10-26T02:30:00+01:00"
    assert event.ts.timestamp() == second.timestamp()
    assert Event.from_json(json.loads(event.to_line())) == event
