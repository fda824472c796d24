"""Stats are pure: a fixed clock, a fixed zone, events built in memory."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from postureping.events import Event, Kind
from postureping.stats import Counts, Stats, compute
from tests.routine_factory import at, every

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday 30 March 2025: the clocks go forward an hour in Berlin at 02:00.
NOW = datetime(2025, 3, 30, 15, 0, tzinfo=BERLIN)
WALK, STRETCH = every(45, rid="walk"), at("10:00", rid="stretch")
ROUTINES = (WALK, STRETCH)


def ev(kind: Kind, when: datetime, routine: str = "walk", source: str = "daemon") -> Event:
    snooze = timedelta(minutes=10) if kind is Kind.SNOOZED else None
    return Event.new(routine, kind, source, when, snooze)


def day(days_ago: int, hour: int = 12) -> datetime:
    """Local noon (or `hour`) so many days before NOW."""
    return datetime.combine(NOW.date() - timedelta(days=days_ago), time(hour), tzinfo=BERLIN)


def stats(events: list[Event], days: int = 7, daily_goal: int = 1, now: datetime = NOW) -> Stats:
    return compute(events, ROUTINES, now, BERLIN, days=days, daily_goal=daily_goal)


def test_counts_and_adherence_per_routine_and_overall() -> None:
    events = [
        *(ev(Kind.PROMPTED, day(1)) for _ in range(4)),
        *(ev(Kind.DONE, day(1)) for _ in range(3)),
        ev(Kind.SKIPPED, day(1)),
        ev(Kind.SNOOZED, day(2)),
        ev(Kind.MISSED, day(2)),
        ev(Kind.PROMPTED, day(2), "stretch"),
        ev(Kind.PROMPTED, day(3), "stretch"),
    ]
    result = stats(events)
    walk, stretch = result.routines
    assert (walk.id, walk.title) == ("walk", "Walk")
    assert walk.counts == Counts(prompted=4, done=3, skipped=1, snoozed=1, missed=1)
    assert walk.counts.adherence == 75.0
    assert stretch.counts == Counts(prompted=2)
    assert stretch.counts.adherence == 0.0
    assert result.overall == Counts(prompted=6, done=3, skipped=1, snoozed=1, missed=1)
    assert result.overall.adherence == 50.0


def test_adherence_is_none_without_prompts_and_capped_at_100() -> None:
    assert Counts().adherence is None
    assert Counts(done=3).adherence is None
    assert Counts(prompted=2, done=5).adherence == 100.0
    assert Counts(prompted=3, done=2).to_json()["adherence"] == 66.7


def test_the_window_is_whole_local_days_ending_today() -> None:
    first_minute = datetime(2025, 3, 24, 0, 0, tzinfo=BERLIN)  # 7 days back, counting today
    events = [
        ev(Kind.PROMPTED, first_minute),
        ev(Kind.PROMPTED, first_minute - timedelta(minutes=1)),  # the day before: left out
        # 23:30 UTC on the 23rd is already the 24th in Berlin.
        ev(Kind.PROMPTED, datetime(2025, 3, 23, 23, 30, tzinfo=ZoneInfo("UTC"))),
    ]
    result = stats(events, days=7)
    assert result.since == first_minute
    assert result.overall.prompted == 2
    assert stats(events, days=8).overall.prompted == 3


def test_todays_progress() -> None:
    events = [
        *(ev(Kind.PROMPTED, day(0, hour)) for hour in (9, 10, 11, 12, 13)),
        *(ev(Kind.DONE, day(0, hour)) for hour in (9, 11, 13)),
        ev(Kind.DONE, day(1)),
        ev(Kind.PROMPTED, day(1)),
    ]
    today = stats(events).today
    assert (today.date.isoformat(), today.done, today.prompted) == ("2025-03-30", 3, 5)


def test_streak_counts_back_from_today_once_today_meets_the_goal() -> None:
    events = [ev(Kind.DONE, day(n)) for n in (0, 1, 2, 4, 5)]  # a gap three days ago
    streak = stats(events).streak
    assert (streak.days, streak.includes_today) == (3, True)


def test_streak_ending_yesterday_stands_until_today_meets_the_goal() -> None:
    events = [ev(Kind.DONE, day(n)) for n in (1, 2, 3)]
    streak = stats(events).streak
    assert (streak.days, streak.includes_today) == (3, False)
    assert stats([*events, ev(Kind.DONE, day(0))]).streak.days == 4


def test_streak_is_broken_by_a_day_without_enough_done() -> None:
    events = [ev(Kind.DONE, day(n)) for n in (0, 0, 1, 2, 2)]  # one done yesterday
    assert stats(events, daily_goal=2).streak.days == 1
    assert stats(events, daily_goal=1).streak.days == 3
    assert stats([ev(Kind.DONE, day(2))]).streak.days == 0


def test_streak_spans_the_dst_change_and_reaches_past_the_window() -> None:
    # Late evening, local time, around the night the clocks went forward.
    events = [ev(Kind.DONE, day(n, hour=23)) for n in range(10)]
    streak = stats(events, days=1).streak
    assert streak.days == 10 and streak.daily_goal == 1


def test_streak_counts_done_events_only() -> None:
    events = [ev(kind, day(0)) for kind in (Kind.PROMPTED, Kind.SKIPPED, Kind.SNOOZED)]
    assert stats(events).streak.days == 0


def test_future_and_demo_events_are_left_out() -> None:
    events = [
        ev(Kind.DONE, NOW + timedelta(days=1)),  # another machine's clock
        ev(Kind.PROMPTED, day(0), source="demo"),
        ev(Kind.DONE, day(0, 23)),  # later today still counts
    ]
    result = stats(events)
    assert result.overall == Counts(done=1)
    assert result.today.done == 1


def test_which_routines_are_listed() -> None:
    idle = replace(every(30, rid="idle"), enabled=False)
    used = replace(every(30, rid="used"), enabled=False)
    events = [ev(Kind.DONE, day(1), "used"), ev(Kind.DONE, day(1), "gone"), ev(Kind.DONE, day(1))]
    result = compute(events, (*ROUTINES, idle, used), NOW, BERLIN, days=7)
    assert [(r.id, r.title) for r in result.routines] == [
        ("walk", "Walk"),
        ("stretch", "Stretch"),
        ("used", "Walk"),
        ("gone", None),
    ]


def test_json_shape() -> None:
    events = [ev(Kind.PROMPTED, day(0)), ev(Kind.DONE, day(0))]
    document = stats(events).to_json()
    assert json.loads(json.dumps(document)) == document
    assert list(document) == [
        "version",
        "generated_at",
        "days",
        "since",
        "routines",
        "overall",
        "today",
        "streak",
    ]
    assert document["version"] == 1
    assert document["generated_at"] == "2025-03-30T15:00:00+02:00"
    assert document["since"] == "2025-03-24T00:00:00+01:00"
    assert document["routines"][0] == {
        "id": "walk",
        "title": "Walk",
        "prompted": 1,
        "done": 1,
        "skipped": 0,
        "snoozed": 0,
        "missed": 0,
        "adherence": 100.0,
    }
    assert document["routines"][1]["adherence"] is None
    assert document["overall"]["done"] == 1
    assert document["today"] == {"date": "2025-03-30", "done": 1, "prompted": 1}
    assert document["streak"] == {"days": 1, "daily_goal": 1, "includes_today": True}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="days"):
        stats([], days=0)
    with pytest.raises(ValueError, match="daily_goal"):
        stats([], daily_goal=0)
    with pytest.raises(ValueError, match="aware"):
        stats([], now=NOW.replace(tzinfo=None))
