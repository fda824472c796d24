"""Absences, natural breaks and clock gaps: the pure decisions, with a made-up clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from postureping.presence import (
    MIN_CHECK,
    SAME_STREAK,
    Absence,
    Presence,
    break_thresholds,
    credited,
)
from postureping.wallclock import Gap, Reading, gap
from tests.routine_factory import at, every

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
S = timedelta(seconds=1)
M = timedelta(minutes=1)


def test_an_absence_is_reported_once_the_user_is_back() -> None:
    presence = Presence(away_after=2 * M)
    assert presence.observe(T0, 5 * S) is None
    assert presence.observe(T0 + 4 * M, 4 * M + 5 * S) is None  # still no input
    assert presence.away
    # Input 10 s ago: the streak that began at T0 - 5 s ended.
    absence = presence.observe(T0 + 5 * M, 10 * S)
    assert absence == Absence(T0 - 5 * S, T0 + 4 * M)
    assert absence.length == 4 * M + 5 * S
    assert not presence.away
    assert presence.observe(T0 + 6 * M, 70 * S) is None  # the new streak goes on


def test_a_short_pause_is_no_absence() -> None:
    presence = Presence(away_after=2 * M)
    presence.observe(T0, 90 * S)
    assert presence.observe(T0 + M, 5 * S) is None


def test_jitter_in_the_idle_time_is_the_same_streak() -> None:
    presence = Presence(away_after=2 * M)
    presence.observe(T0, 3 * M)
    assert presence.observe(T0 + MIN_CHECK, 3 * M + MIN_CHECK - S) is None
    assert presence.away


def test_checks_land_on_the_thresholds_while_active() -> None:
    presence = Presence(away_after=2 * M, thresholds=[3 * M, 5 * M])
    presence.observe(T0, 20 * S)
    # The streak (began T0 - 20 s) would reach 2 min at T0 + 100 s: look then.
    assert presence.next_check(T0) == T0 + 100 * S
    presence.observe(T0 + 100 * S, 2 * M)
    # Away now: every MIN_CHECK, to notice the return soon.
    assert presence.next_check(T0 + 100 * S) == T0 + 100 * S + MIN_CHECK


def test_never_more_often_than_every_30_seconds() -> None:
    presence = Presence(away_after=2 * M)
    presence.observe(T0, 119 * S)  # the threshold is a second away
    assert presence.next_check(T0) == T0 + MIN_CHECK


@given(
    active=st.integers(0, 600),  # seconds of activity before leaving
    away=st.integers(0, 1800),  # seconds away
)
def test_every_absence_past_the_threshold_is_seen_past_it(active: int, away: int) -> None:
    """Sampled only when next_check says so, an absence longer than `away_after` plus
    MIN_CHECK (the least time between samples) is always reported, with a length of at least
    `away_after`; one shorter than `away_after` never is."""
    threshold = 2 * M
    presence = Presence(away_after=threshold, thresholds=[3 * M])
    leave = T0 + active * S
    back = leave + away * S
    now = T0
    reported: list[Absence] = []
    while now < back + 10 * M:
        if now < leave:
            idle = timedelta(0)
        elif now < back:
            idle = now - leave
        else:
            idle = timedelta(0)
        if (absence := presence.observe(now, idle)) is not None:
            reported.append(absence)
        now = presence.next_check(now)
    if away * S > threshold + MIN_CHECK:
        assert len(reported) == 1
        assert reported[0].length >= threshold
        assert abs(reported[0].start - leave) <= SAME_STREAK  # input moments apart: one streak
    elif away * S < threshold:
        assert reported == []


def test_forget_starts_afresh() -> None:
    presence = Presence(away_after=2 * M)
    presence.observe(T0, 10 * M)
    presence.forget(T0 + M)
    assert not presence.away
    assert presence.observe(T0 + 2 * M, 5 * S) is None


def test_credited_routines_and_thresholds() -> None:
    walk = replace(every(60), break_after=3 * M)
    switch = replace(every(25, rid="switch"), break_after=2 * M)
    stretch = replace(at("11:45"), break_after=None)
    off = replace(every(60, rid="off"), break_after=M, enabled=False)
    routines = [walk, switch, stretch, off]
    assert credited(routines, 2 * M) == [switch]
    assert credited(routines, 3 * M) == [walk, switch]
    assert sorted(break_thresholds(routines)) == [2 * M, 3 * M]


# -- the clocks --------------------------------------------------------------------------------


def reading(wall: timedelta, mono: float, boot: float | None) -> Reading:
    return Reading(T0 + wall, mono, boot)


def test_nothing_happened() -> None:
    assert gap(reading(0 * S, 100, 500), reading(61 * S, 161, 561)) is None


def test_a_suspend_is_a_sleep() -> None:
    # An hour asleep: boot time and the wall clock ran on, monotonic time did not.
    change = gap(reading(0 * S, 100, 500), reading(3660 * S, 160, 4160))
    assert change == Gap(slept=timedelta(hours=1), shift=timedelta(0), start=T0)


def test_a_clock_set_back_or_forward_is_a_shift() -> None:
    back = gap(reading(0 * S, 100, 500), reading(-3 * 3600 * S + 60 * S, 160, 560))
    assert back == Gap(slept=timedelta(0), shift=timedelta(hours=-3), start=T0)
    ahead = gap(reading(0 * S, 100, 500), reading(2 * 86400 * S + 60 * S, 160, 560))
    assert ahead == Gap(slept=timedelta(0), shift=timedelta(days=2), start=T0)


def test_without_a_boot_clock_a_wall_gap_is_a_sleep() -> None:
    # macOS and Windows have no boot-time clock.
    change = gap(reading(0 * S, 100, None), reading(3660 * S, 160, None))
    assert change == Gap(slept=timedelta(hours=1), shift=timedelta(0), start=T0)
    back = gap(reading(0 * S, 100, None), reading(-3600 * S, 160, None))
    assert back is not None and back.shift < timedelta(0) and not back.slept


def test_scheduling_noise_is_no_gap() -> None:
    assert gap(reading(0 * S, 100, 500), reading(75 * S, 160, 560)) is None
