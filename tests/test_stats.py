"""Stats are pure: a fixed clock, a fixed zone, events built in memory."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postureping.history.events import Event, Kind
from postureping.hours import ActiveHours
from postureping.stats.compute import Counts, Stats, most_skipped, percent, summarize, window
from postureping.stats.streaks import Run
from postureping.stats.tally import Tally, count, offset_changes
from tests.checkin_factory import detail_for
from tests.routine_factory import at, every

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday 30 March 2025: the clocks go forward an hour in Berlin at 02:00.
NOW = datetime(2025, 3, 30, 15, 0, tzinfo=BERLIN)
WALK, STRETCH = every(45, rid="walk"), at("10:00", rid="stretch")
ROUTINES = (WALK, STRETCH)
ALWAYS = ActiveHours.always()  # no rest days: see test_streaks.py for those


def ev(kind: Kind, when: datetime, routine: str = "walk", source: str = "daemon") -> Event:
    snooze = timedelta(minutes=10) if kind is Kind.SNOOZED else None
    return Event.new(routine, kind, source, when, snooze)


def day(days_ago: int, hour: int = 12) -> datetime:
    """Local noon (or `hour`) so many days before NOW."""
    return datetime.combine(NOW.date() - timedelta(days=days_ago), time(hour), tzinfo=BERLIN)


def stats(events: list[Event], days: int = 7, daily_goal: int = 1, now: datetime = NOW) -> Stats:
    tally = window(now, BERLIN, days).count(events)
    return summarize(tally, ROUTINES, now, BERLIN, daily_goal=daily_goal, hours=ALWAYS)


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
    tally = window(NOW, BERLIN, 7).count(events)
    result = summarize(tally, (*ROUTINES, idle, used), NOW, BERLIN, daily_goal=1, hours=ALWAYS)
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
    # The first keys are those of the first release, unchanged; later keys only follow.
    assert list(document) == [
        "version",
        "generated_at",
        "days",
        "since",
        "routines",
        "overall",
        "today",
        "streak",
        "daily",
        "hours",
        "most_skipped_hours",
    ]
    assert document["version"] == 1
    assert document["generated_at"] == "2025-03-30T15:00:00+02:00"
    assert document["since"] == "2025-03-24T00:00:00+01:00"
    walk = document["routines"][0]
    assert walk.pop("streak") == {
        "days": 1,
        "daily_goal": 1,
        "includes_today": True,
        "best": {"days": 1, "first": "2025-03-30", "last": "2025-03-30"},
        "rest_days": [],
    }
    assert walk == {
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
    assert document["streak"] == {
        "days": 1,
        "daily_goal": 1,
        "includes_today": True,
        "best": {"days": 1, "first": "2025-03-30", "last": "2025-03-30"},
        "rest_days": [],
    }
    assert [d["date"] for d in document["daily"]] == [f"2025-03-{n}" for n in range(24, 31)]
    assert document["daily"][-1] == {
        "date": "2025-03-30",
        "prompted": 1,
        "done": 1,
        "skipped": 0,
        "snoozed": 0,
        "missed": 0,
        "adherence": 100.0,
        "goal_met": True,
        "rest_day": False,
    }
    assert [h["hour"] for h in document["hours"]] == list(range(24))
    assert document["hours"][12] == {"hour": 12, **document["overall"]}
    assert document["most_skipped_hours"] == []


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="days"):
        stats([], days=0)
    with pytest.raises(ValueError, match="daily_goal"):
        stats([], daily_goal=0)
    with pytest.raises(ValueError, match="aware"):
        stats([], now=NOW.replace(tzinfo=None))


# --- Rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "prompted", "decimals", "expected"),
    [
        (2, 3, 1, 66.7),
        (1, 3, 0, 33.0),
        (1, 8, 0, 13.0),  # 12.5 rounds up; a float's round() would give 12
        (1, 8, 1, 12.5),
        (13, 80, 1, 16.3),  # 16.25: round(16.25, 1) gives 16.2
        (1, 2000, 1, 0.1),  # 0.05
        (1, 3000, 1, 0.0),
        (5, 2, 1, 100.0),  # done without a prompt counts, up to 100
        (0, 4, 1, 0.0),
    ],
)
def test_percent_rounds_half_up_exactly(
    done: int, prompted: int, decimals: int, expected: float
) -> None:
    assert percent(done, prompted, decimals) == expected


def test_adherence_in_json_and_no_prompts() -> None:
    assert percent(3, 0) is None
    assert Counts(prompted=80, done=13).to_json()["adherence"] == 16.3


# --- Streaks ----------------------------------------------------------------------------------


def test_best_streak_is_the_longest_run_in_the_whole_history() -> None:
    done_days = [0, 1, *range(5, 10), *range(20, 23)]  # 2 now, 5 at 5-9 days ago, 3 before
    streak = stats([ev(Kind.DONE, day(n)) for n in done_days], days=1).streak
    assert (streak.days, streak.includes_today) == (2, True)
    assert streak.best == Run(5, NOW.date() - timedelta(days=9), NOW.date() - timedelta(days=5))


def test_the_latest_of_equal_runs_is_the_best_and_the_current_one_can_be_it() -> None:
    streak = stats([ev(Kind.DONE, day(n)) for n in (1, 2, 4, 5)]).streak
    assert streak.days == 2 and streak.best.last == NOW.date() - timedelta(days=1)
    assert streak.best.days == 2
    empty = stats([]).streak
    assert empty.best == Run(0, None, None)
    assert empty.to_json()["best"] == {"days": 0, "first": None, "last": None}


def test_best_streak_uses_the_daily_goal_and_ignores_later_days() -> None:
    events = [ev(Kind.DONE, day(n)) for n in (3, 3, 4, 4, 5, 6, 6)]
    events.append(ev(Kind.DONE, NOW + timedelta(days=1)))  # a clock ahead: not counted
    assert stats(events, daily_goal=2).streak.best == Run(
        2, NOW.date() - timedelta(days=4), NOW.date() - timedelta(days=3)
    )
    assert stats(events, daily_goal=1).streak.best.days == 4


def test_each_routine_has_its_own_streak_of_days_done_at_least_once() -> None:
    events = [
        *(ev(Kind.DONE, day(n)) for n in (0, 1, 2)),
        *(ev(Kind.DONE, day(n), "stretch") for n in (1, 3, 4, 5, 6)),
        ev(Kind.SKIPPED, day(0), "stretch"),
    ]
    walk, stretch = stats(events, daily_goal=3).routines
    assert (walk.streak.days, walk.streak.includes_today, walk.streak.best.days) == (3, True, 3)
    assert (stretch.streak.days, stretch.streak.includes_today) == (1, False)
    assert stretch.streak.best.days == 4 and stretch.streak.daily_goal == 1


# --- Days and hours ---------------------------------------------------------------------------


def test_daily_counts_cover_each_day_of_the_window() -> None:
    events = [
        ev(Kind.PROMPTED, day(2)),
        ev(Kind.DONE, day(2)),
        ev(Kind.DONE, day(2), "stretch"),
        ev(Kind.MISSED, day(0)),
        ev(Kind.DONE, day(9)),  # before the window
    ]
    result = stats(events, days=3, daily_goal=2)
    assert [(d.date.day, d.counts, d.goal_met) for d in result.daily] == [
        (28, Counts(prompted=1, done=2), True),
        (29, Counts(), False),
        (30, Counts(missed=1), False),
    ]
    assert result.day(NOW.date() - timedelta(days=9)).counts == Counts(done=1)


def test_hours_count_local_hours_of_the_window() -> None:
    events = [
        *(ev(Kind.SKIPPED, day(1, 14)) for _ in range(3)),
        ev(Kind.MISSED, day(2, 9)),
        ev(Kind.SKIPPED, day(2, 9)),
        ev(Kind.MISSED, day(3, 9)),
        ev(Kind.SKIPPED, day(1, 16)),
        ev(Kind.PROMPTED, day(1, 14)),
        ev(Kind.SKIPPED, day(20, 11)),  # before the window
        # 01:30 UTC on the DST morning is 03:30 CEST.
        ev(Kind.MISSED, datetime(2025, 3, 30, 1, 30, tzinfo=ZoneInfo("UTC"))),
    ]
    result = stats(events)
    assert result.hours[14] == Counts(prompted=1, skipped=3)
    assert result.hours[9] == Counts(skipped=1, missed=2)
    assert result.hours[3] == Counts(missed=1)
    assert result.hours[11] == Counts()
    assert len(result.hours) == 24
    # 9 and 14 tie at 3: the earlier first; 16 and 3 tie at 1 and only three are listed.
    assert result.most_skipped_hours == (9, 14, 3)
    assert most_skipped([Counts()] * 24) == ()


def test_days_are_local_days_whatever_offset_an_event_was_stamped_with() -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    events = [
        # 04:00 in India on the 30th is 23:30 on the 29th in Berlin.
        ev(Kind.DONE, datetime(2025, 3, 30, 4, 0, tzinfo=kolkata)),
        # 23:45 UTC on the 29th is 00:45 on the 30th in Berlin (still winter time).
        ev(Kind.DONE, datetime(2025, 3, 29, 23, 45, tzinfo=ZoneInfo("UTC"))),
        # Stamped by a machine in New York: 18:10 there is 00:10 the next day in Berlin.
        ev(Kind.SKIPPED, datetime(2025, 3, 28, 19, 10, tzinfo=ZoneInfo("America/New_York"))),
    ]
    result = stats(events, days=3)
    assert [(d.date.day, d.counts) for d in result.daily] == [
        (28, Counts()),
        (29, Counts(done=1, skipped=1)),
        (30, Counts(done=1)),
    ]
    assert (result.hours[23], result.hours[0]) == (Counts(done=1), Counts(done=1, skipped=1))


def test_offset_changes_are_the_dst_days_and_their_neighbours() -> None:
    changes = offset_changes(BERLIN, date(2025, 1, 1), date(2025, 12, 31))
    assert sorted(date.fromordinal(n).isoformat() for n in changes) == [
        "2025-03-29",
        "2025-03-30",
        "2025-03-31",
        "2025-10-25",
        "2025-10-26",
        "2025-10-27",
    ]
    assert not offset_changes(ZoneInfo("UTC"), date(2025, 1, 1), date(2025, 12, 31))


# Instants around Berlin's DST changes and across midnights, stamped with the zone's own
# offset or another one, whole hours apart or not.
_OFFSETS = st.sampled_from([None, 0, 60, 120, 330, -300, -570, 345])
_INSTANTS = st.datetimes(
    min_value=datetime(2025, 3, 20), max_value=datetime(2025, 4, 2)
) | st.datetimes(min_value=datetime(2025, 10, 20), max_value=datetime(2025, 10, 30))


@given(
    st.lists(
        st.tuples(_INSTANTS, _OFFSETS, st.sampled_from(list(Kind)), st.sampled_from("ab")),
        max_size=60,
    ),
    st.sampled_from(["Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "UTC"]),
    st.integers(min_value=1, max_value=12),
)
@settings(max_examples=150, deadline=None)
def test_tally_matches_converting_every_event(
    stamps: list[tuple[datetime, int | None, Kind, str]], zone_name: str, days: int
) -> None:
    zone = ZoneInfo(zone_name)
    events = []
    for naive, minutes, kind, routine in stamps:
        utc = naive.replace(tzinfo=ZoneInfo("UTC"))
        tz = BERLIN if minutes is None else timezone(timedelta(minutes=minutes))
        events.append(
            Event.new(routine, kind, "daemon", utc.astimezone(tz), detail=detail_for(kind))
        )
    today, first = date(2025, 10, 26), date(2025, 10, 26) - timedelta(days=days - 1)
    got = count(events, zone, today=today, first=first)
    want = Tally(today, first)
    for event in events:
        local = event.ts.astimezone(zone)
        want.add(local.date(), local.hour, event.routine, event.kind)
    assert got.per_day == want.per_day
    assert got.done_per_routine_day == want.done_per_routine_day
    assert got.window == want.window
    assert got.window_hours == want.window_hours
