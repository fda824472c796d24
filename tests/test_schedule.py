"""Schedule decisions with an injected clock: active hours, weekdays, catch-up, DST."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from postureping.hours import ActiveHours, TimeRange
from postureping.routines import Routine
from postureping.schedule import may_fire, next_due, schedule_warnings
from tests.routine_factory import at, every

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WORKDAYS = frozenset(range(5))


def office(*ranges: tuple[int, int]) -> ActiveHours:
    day = tuple(TimeRange(a * 60, b * 60) for a, b in ranges) or (TimeRange(9 * 60, 18 * 60),)
    return ActiveHours((day,) * 5 + ((), ()))


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def fire_times(
    routine: Routine, hours: ActiveHours, zone: ZoneInfo, start: datetime, end: datetime
) -> list[datetime]:
    """Drive next_due the way the scheduler does: each reminder fires on time."""
    times: list[datetime] = []
    previous: datetime | None = None
    now = start
    while True:
        due = next_due(routine, hours, zone, previous, now)
        if due is None or due >= end:
            return times
        times.append(due)
        previous = now = due


def test_interval_starts_counting_when_the_daemon_starts() -> None:
    now = local(BERLIN, 2026, 3, 2, 10, 7)  # a Monday
    assert next_due(every(30), office(), BERLIN, None, now) == now + timedelta(minutes=30)


def test_interval_restarts_when_active_hours_begin() -> None:
    evening = local(BERLIN, 2026, 3, 2, 17, 50)
    due = next_due(every(30), office(), BERLIN, evening, evening)
    assert due == local(BERLIN, 2026, 3, 3, 9, 30)


def test_no_reminder_outside_active_hours_or_on_days_off() -> None:
    hours = office((9, 12), (13, 18))
    start = local(BERLIN, 2026, 3, 6, 0, 0)  # Friday
    times = fire_times(every(45), hours, BERLIN, start, start + timedelta(days=4))
    assert times
    for moment in (t.astimezone(BERLIN) for t in times):
        assert moment.weekday() in WORKDAYS
        minutes = moment.hour * 60 + moment.minute
        assert 9 * 60 < minutes < 12 * 60 or 13 * 60 < minutes < 18 * 60
    assert not [t for t in times if t.astimezone(BERLIN).weekday() in (5, 6)]


def test_routine_days_limit_reminders() -> None:
    monday_only = at("10:00", days=frozenset({0}))
    start = local(BERLIN, 2026, 3, 2, 8, 0)
    times = fire_times(monday_only, ActiveHours.always(), BERLIN, start, start + timedelta(days=14))
    assert [t.astimezone(BERLIN).date().isoformat() for t in times] == ["2026-03-02", "2026-03-09"]


def test_fixed_time_outside_active_hours_never_fires_and_is_warned_about() -> None:
    late = at("20:00")
    start = local(BERLIN, 2026, 3, 2, 8, 0)
    assert next_due(late, office(), BERLIN, None, start) is None
    assert any("20:00 never fires" in w for w in schedule_warnings((late,), office()))


def test_interval_longer_than_any_window_is_warned_about() -> None:
    assert schedule_warnings((every(600),), office())
    assert schedule_warnings((every(30),), office()) == []


def test_frozen_for_hours_fires_once_then_counts_on() -> None:
    routine = every(30)
    previous = local(BERLIN, 2026, 3, 2, 10, 0)
    woke = local(BERLIN, 2026, 3, 2, 13, 7)
    due = next_due(routine, office(), BERLIN, previous, woke)
    assert due == woke  # one catch-up, now
    assert next_due(routine, office(), BERLIN, due, woke) == woke + timedelta(minutes=30)


def test_frozen_across_the_night_waits_for_active_hours() -> None:
    routine = every(30)
    previous = local(BERLIN, 2026, 3, 2, 17, 45)
    woke = local(BERLIN, 2026, 3, 2, 23, 0)
    assert next_due(routine, office(), BERLIN, previous, woke) == local(BERLIN, 2026, 3, 3, 9, 30)


def test_slightly_late_interval_keeps_its_slot() -> None:
    routine = every(30)
    previous = local(BERLIN, 2026, 3, 2, 10, 0)
    now = local(BERLIN, 2026, 3, 2, 10, 40)
    assert next_due(routine, office(), BERLIN, previous, now) == local(BERLIN, 2026, 3, 2, 10, 30)


def test_may_fire_matches_the_windows() -> None:
    routine = every(30)
    assert may_fire(routine, office(), BERLIN, local(BERLIN, 2026, 3, 2, 9, 0))
    assert not may_fire(routine, office(), BERLIN, local(BERLIN, 2026, 3, 2, 18, 0))
    assert not may_fire(routine, office(), BERLIN, local(BERLIN, 2026, 3, 7, 12, 0))  # Saturday


def test_whole_day_windows_join_across_midnight() -> None:
    routine = every(90)
    start = local(BERLIN, 2026, 3, 2, 23, 0)
    assert next_due(routine, ActiveHours.always(), BERLIN, None, start) == start + timedelta(
        minutes=90
    )


# DST change days: Europe/Berlin springs forward on 2026-03-29 and falls back on 2026-10-25;
# America/New_York on 2026-03-08 and 2026-11-01.
DST_DAYS = [
    (BERLIN, (2026, 3, 29)),
    (BERLIN, (2026, 10, 25)),
    (NEW_YORK, (2026, 3, 8)),
    (NEW_YORK, (2026, 11, 1)),
]


@pytest.mark.parametrize(("zone", "day"), DST_DAYS)
@pytest.mark.parametrize("hhmm", ["00:30", "01:30", "02:00", "02:30", "03:00", "09:00", "23:30"])
def test_daily_routine_fires_exactly_once_on_dst_days(
    zone: ZoneInfo, day: tuple[int, int, int], hhmm: str
) -> None:
    routine = at(hhmm)
    start = local(zone, *day) - timedelta(days=3)
    times = fire_times(routine, ActiveHours.always(), zone, start, start + timedelta(days=7))
    per_day = Counter(t.astimezone(zone).date() for t in times)
    assert len(per_day) == 7
    assert set(per_day.values()) == {1}
    assert times == sorted(set(times))


@pytest.mark.parametrize(("zone", "day"), DST_DAYS)
@pytest.mark.parametrize("minutes", [20, 45, 60, 90])
def test_interval_routine_never_fires_twice_within_its_interval_on_dst_days(
    zone: ZoneInfo, day: tuple[int, int, int], minutes: int
) -> None:
    routine = every(minutes)
    start = local(zone, *day) - timedelta(hours=6)
    times = fire_times(routine, ActiveHours.always(), zone, start, start + timedelta(hours=30))
    gaps = {b.astimezone(UTC) - a.astimezone(UTC) for a, b in itertools.pairwise(times)}
    assert gaps == {timedelta(minutes=minutes)}


@pytest.mark.parametrize(("zone", "day"), DST_DAYS)
def test_active_hours_on_dst_days_follow_the_wall_clock(
    zone: ZoneInfo, day: tuple[int, int, int]
) -> None:
    hours = ActiveHours(((TimeRange(9 * 60, 18 * 60),),) * 7)
    start = local(zone, *day)
    times = fire_times(every(60), hours, zone, start, start + timedelta(days=1))
    local_hours = [t.astimezone(zone).hour for t in times]
    assert local_hours == list(range(10, 18))


def test_waking_inside_active_hours_after_a_night_asleep_restarts_the_interval() -> None:
    routine = every(60)
    friday_evening = local(BERLIN, 2026, 3, 6, 17, 50)
    monday_morning = local(BERLIN, 2026, 3, 9, 9, 5)
    due = next_due(routine, office(), BERLIN, friday_evening, monday_morning)
    assert due == local(BERLIN, 2026, 3, 9, 10, 0)
    # Well into the day, the one catch-up reminder comes at once.
    monday_noon = local(BERLIN, 2026, 3, 9, 12, 0)
    assert next_due(routine, office(), BERLIN, friday_evening, monday_noon) == monday_noon
