"""Streaks skip rest days: days without active hours and, for a routine, days it is not set
to fire on. Pure: a fixed clock, a fixed zone, events built in memory."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from postureping.history.events import Event, Kind
from postureping.hours import ActiveHours, TimeRange
from postureping.routines import Routine
from postureping.stats.compute import Stats, summarize, window
from tests.routine_factory import at, every

BERLIN = ZoneInfo("Europe/Berlin")
WORKDAY = (TimeRange(9 * 60, 18 * 60),)
MON_FRI = ActiveHours((WORKDAY,) * 5 + ((),) * 2)  # the default active hours
# March 2025: Monday 17 to Sunday 30 (when the clocks go forward in Berlin).
SUNDAY = datetime(2025, 3, 30, 15, 0, tzinfo=BERLIN)
MONDAY = datetime(2025, 3, 31, 10, 0, tzinfo=BERLIN)
TWO_WEEKS = (17, 18, 19, 20, 21, 24, 25, 26, 27, 28)  # the weekdays
ROUTINES = (every(45, rid="walk"), at("10:00", rid="stretch"))


def march(*days: int) -> tuple[date, ...]:
    return tuple(date(2025, 3, n) for n in days)


def done(*days: int, routine: str = "walk") -> list[Event]:
    """A done event at local noon on each of these days of March 2025."""
    return [
        Event.new(routine, Kind.DONE, "cli", datetime.combine(d, time(12), tzinfo=BERLIN))
        for d in march(*days)
    ]


def stats(
    events: list[Event],
    *,
    now: datetime = SUNDAY,
    hours: ActiveHours = MON_FRI,
    routines: tuple[Routine, ...] = ROUTINES,
    daily_goal: int = 1,
) -> Stats:
    tally = window(now, BERLIN, 7).count(events)
    return summarize(tally, routines, now, BERLIN, daily_goal=daily_goal, hours=hours)


def test_two_working_weeks_make_a_streak_of_ten_days() -> None:
    streak = stats(done(*TWO_WEEKS)).streak
    assert (streak.days, streak.includes_today) == (10, False)
    assert streak.rest_days == march(22, 23)
    best = streak.best
    assert (best.days, best.first, best.last) == (10, *march(17, 28))


def test_a_done_on_a_rest_day_neither_extends_nor_breaks_the_streak() -> None:
    streak = stats(done(*TWO_WEEKS, 22, 29, 30)).streak  # both Saturdays and today, a Sunday
    assert (streak.days, streak.includes_today, streak.best.days) == (10, False, 10)
    assert (streak.best.first, streak.best.last) == march(17, 28)
    weekends = stats(done(22, 23, 29, 30)).streak
    assert (weekends.days, weekends.includes_today, weekends.rest_days) == (0, False, ())
    assert (weekends.best.days, weekends.best.first, weekends.best.last) == (0, None, None)


def test_a_weekday_without_a_done_breaks_the_streak() -> None:
    streak = stats(done(17, 18, 19, 20, 21, 24, 25, 27, 28)).streak  # nothing on Wednesday 26
    assert (streak.days, streak.rest_days) == (2, ())
    best = streak.best  # across the weekend: 7 working days in 9 calendar days
    assert (best.days, best.first, best.last) == (7, *march(17, 25))


def test_the_streak_up_to_the_last_working_day_stands_until_today_meets_the_goal() -> None:
    streak = stats(done(*TWO_WEEKS), now=MONDAY).streak
    assert (streak.days, streak.includes_today, streak.rest_days) == (10, False, march(22, 23))
    streak = stats(done(*TWO_WEEKS, 31), now=MONDAY).streak
    assert (streak.days, streak.includes_today) == (11, True)
    assert streak.rest_days == march(22, 23, 29, 30)


def test_the_daily_goal_applies_to_working_days_only() -> None:
    events = [*done(*TWO_WEEKS), *done(*TWO_WEEKS), *done(22)]  # two a weekday, one Saturday
    assert stats(events, daily_goal=2).streak.days == 10
    assert stats(events[:-2], daily_goal=2).streak.days == 0  # one on Friday 28: not enough


def test_a_routines_streak_skips_the_days_it_does_not_fire() -> None:
    strengthen = every(60, rid="strengthen", days=frozenset({0, 2, 4}))  # mon, wed, fri
    events = [*done(17, 19, 21, 24, 26, 28, routine="strengthen"), *done(25, routine="walk")]
    result = stats(events, hours=ActiveHours.always(), routines=(strengthen,))
    (row, walk) = result.routines
    assert (row.id, row.streak.days, row.streak.includes_today) == ("strengthen", 6, False)
    assert row.streak.rest_days == march(18, 20, 22, 23, 25, 27)
    assert (row.streak.best.days, row.streak.best.first, row.streak.best.last) == (
        6,
        *march(17, 28),
    )
    # A routine no longer in the settings: only the active hours say which days count.
    assert (walk.id, walk.title, walk.streak.days) == ("walk", None, 0)
    # Every day is active: the Thursday without anything done breaks the overall streak.
    assert result.streak.days == 0 and result.streak.best.days == 3


def test_a_routines_day_without_active_hours_is_a_rest_day_for_it() -> None:
    weekly = every(60, rid="weekly", days=frozenset({0, 5}))  # mon, sat; no hours on sat
    events = done(17, 22, 24, 29, routine="weekly")
    (row,) = stats(events, routines=(weekly,)).routines
    assert (row.streak.days, row.streak.rest_days) == (2, march(18, 19, 20, 21, 22, 23))


def test_without_any_active_hours_there_is_no_streak() -> None:
    never = ActiveHours(((),) * 7)
    streak = stats(done(24, 25, 26, 27, 28, 29, 30), hours=never).streak
    assert (streak.days, streak.includes_today, streak.rest_days) == (0, False, ())
    assert streak.best.days == 0


def test_json_marks_rest_days_and_the_days_a_streak_skips() -> None:
    document = stats(done(*TWO_WEEKS)).to_json()
    streak = document["streak"]
    assert list(streak) == ["days", "daily_goal", "includes_today", "best", "rest_days"]
    assert streak["rest_days"] == ["2025-03-22", "2025-03-23"]
    assert (streak["days"], streak["best"]) == (
        10,
        {"days": 10, "first": "2025-03-17", "last": "2025-03-28"},
    )
    walk, stretch = document["routines"]
    assert walk["streak"]["rest_days"] == ["2025-03-22", "2025-03-23"]
    assert stretch["streak"]["rest_days"] == []
    assert [(d["date"], d["rest_day"], d["goal_met"]) for d in document["daily"]] == [
        ("2025-03-24", False, True),
        ("2025-03-25", False, True),
        ("2025-03-26", False, True),
        ("2025-03-27", False, True),
        ("2025-03-28", False, True),
        ("2025-03-29", True, False),
        ("2025-03-30", True, False),
    ]
    assert list(document["daily"][0])[-2:] == ["goal_met", "rest_day"]


# --- Against a plain model: days that count in a list, runs of met days in it --------------

TODAY = date(2025, 3, 30)
SPAN = 30  # days of history


def _model(
    done_per_day: dict[date, int], goal: int, rest: frozenset[int]
) -> tuple[int, bool, tuple[date, ...], tuple[int, date | None, date | None]]:
    """(days, includes_today, rest_days, best) from the list of the days that count."""
    days = [TODAY - timedelta(days=n) for n in reversed(range(SPAN + 7))]
    counted = [d for d in days if d.weekday() not in rest]
    runs: list[list[date]] = []
    previous_met = False
    for d in counted:
        met = done_per_day.get(d, 0) >= goal
        if met:
            if previous_met:
                runs[-1].append(d)
            else:
                runs.append([d])
        previous_met = met
    best = max(reversed(runs), key=len, default=[])  # the latest of the longest
    includes_today = bool(counted) and counted[-1] == TODAY and bool(runs) and runs[-1][-1] == TODAY
    last = [d for d in counted if d < TODAY or includes_today][-1:]
    current = runs[-1] if runs and last and runs[-1][-1] == last[0] else []
    skipped = tuple(
        d for d in days if current and current[0] < d < current[-1] and d.weekday() in rest
    )
    first_last = (best[0], best[-1]) if best else (None, None)
    return len(current), includes_today, skipped, (len(best), *first_last)


@given(
    st.dictionaries(st.integers(0, SPAN - 1), st.integers(1, 2), max_size=SPAN),
    st.frozensets(st.integers(0, 6), max_size=7),
    st.integers(1, 2),
)
@settings(max_examples=300, deadline=None)
def test_streaks_match_a_plain_model(
    done_days: dict[int, int], rest: frozenset[int], goal: int
) -> None:
    hours = ActiveHours(tuple(() if n in rest else WORKDAY for n in range(7)))
    done_per_day = {TODAY - timedelta(days=n): k for n, k in done_days.items()}
    events = [
        Event.new("walk", Kind.DONE, "cli", datetime.combine(d, time(12), tzinfo=BERLIN))
        for d, k in done_per_day.items()
        for _ in range(k)
    ]
    streak = stats(events, hours=hours, daily_goal=goal).streak
    best = streak.best
    got = (streak.days, streak.includes_today, streak.rest_days, (best.days, best.first, best.last))
    assert got == _model(done_per_day, goal, rest)
