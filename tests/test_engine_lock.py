"""Rule 8 of the reminder engine: a locked screen is an absence (`ScreenLock` events), on a
made-up clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from postureping.engine.engine import AWAY
from postureping.engine.inputs import ScreenLock, Slept
from tests.routine_factory import every
from tests.test_engine import MONDAY_9, SWITCH, WALK, M, Rig, S, office


def done(rig: Rig) -> list[tuple[str, str]]:
    return [(r, s) for _, r, k, s in rig.records() if k == "done"]


def test_a_lock_holds_reminders_and_its_end_counts_as_a_break() -> None:
    rig = Rig(office(WALK, SWITCH))
    start = MONDAY_9 + 45 * M  # walk due at 10:00, more than half over; switch at 09:50
    rig.run_until(start)
    shown = len(rig.shown())
    rig.feed(ScreenLock(rig.now, locked=True))
    status = rig.engine.status(rig.now)
    assert status.activity is not None and status.activity.away  # at once, not after 2 min
    assert status.activity.holding == AWAY
    # The person walks away; the idle monitor is not even asked (idle stays 0: a cat, a
    # video, or an idle time that does not count on this desktop).
    rig.run_until(start + 20 * M)
    assert len(rig.shown()) == shown  # switch (09:50, 10:15) and walk (10:00) wait
    assert set(rig.engine.status(rig.now).held) == {"walk", "switch"}
    rig.feed(ScreenLock(rig.now, locked=False))
    assert done(rig) == [("walk", "lock"), ("switch", "lock")]
    assert rig.notices() == ["Break counted for: walk, switch"]
    last = rig.engine.status(rig.now).last_break
    assert last is not None and last.source == "lock"
    rig.run_until(rig.now + 10 * M)
    assert len(rig.shown()) == shown  # both counted: nothing comes after the quiet time


def test_a_short_lock_counts_for_nothing() -> None:
    rig = Rig(office(WALK))
    rig.run_until(MONDAY_9 + 45 * M)
    rig.feed(ScreenLock(rig.now, locked=True))
    rig.now += 90 * S  # under away_after (2 min)
    rig.feed(ScreenLock(rig.now, locked=False))
    assert done(rig) == []
    assert rig.notices() == []
    status = rig.engine.status(rig.now)
    assert status.activity is not None and not status.activity.away


def test_a_lock_told_twice_is_one_lock() -> None:
    rig = Rig(office(WALK))
    rig.run_until(MONDAY_9 + 45 * M)
    rig.feed(ScreenLock(rig.now, locked=True))  # GNOME's screen saver
    rig.now += 4 * M
    rig.feed(ScreenLock(rig.now, locked=True))  # and logind's LockedHint
    rig.now += 1 * M
    rig.feed(ScreenLock(rig.now, locked=False))
    rig.feed(ScreenLock(rig.now, locked=False))
    assert done(rig) == [("walk", "lock")]
    logs = [getattr(a, "text", "") for _, a in rig.actions]
    assert [t for t in logs if "unlocked after" in t] == ["the screen is unlocked after 5 min"]


def test_the_idle_streak_before_an_automatic_lock_is_part_of_the_break() -> None:
    """The screen saver locks after some idle minutes: the break began at the last input,
    as the idle samples taken during the lock show."""
    walk = replace(WALK, break_after=5 * M)
    rig = Rig(office(walk))
    left = MONDAY_9 + 45 * M
    rig.run_until(left)
    rig.run_until(left + 3 * M, away_from=left)  # seen away after 2 min
    rig.feed(ScreenLock(rig.now, locked=True))  # the screen saver locks at 3 min
    rig.run_until(left + 4 * M + 30 * S, away_from=left)  # a sample during the lock
    rig.idle = timedelta(0)  # the password typed
    rig.feed(ScreenLock(rig.now, locked=False))  # 1.5 min locked, 4.5 min away: under 5 min
    assert done(rig) == []
    rig2 = Rig(office(walk))
    rig2.run_until(left)
    rig2.run_until(left + 3 * M, away_from=left)
    rig2.feed(ScreenLock(rig2.now, locked=True))
    rig2.run_until(left + 5 * M + 30 * S, away_from=left)
    rig2.idle = timedelta(0)
    rig2.feed(ScreenLock(rig2.now, locked=False))
    assert done(rig2) == [("walk", "lock")]  # 5.5 min, of which 2.5 locked
    rig2.run_until(rig2.now + 5 * M)
    assert done(rig2) == [("walk", "lock")]  # the idle streak is not counted again


def test_input_on_the_lock_screen_is_no_return() -> None:
    rig = Rig(office(WALK))
    left = MONDAY_9 + 45 * M
    rig.run_until(left)
    rig.feed(ScreenLock(rig.now, locked=True))
    rig.run_until(left + 5 * M, away_from=left)
    rig.idle = timedelta(0)  # a cat on the keyboard: the idle streak ends, the lock does not
    rig.run_until(left + 6 * M)
    assert done(rig) == []
    assert rig.engine.status(rig.now).activity.away  # type: ignore[union-attr]
    rig.run_until(left + 10 * M, away_from=left + 6 * M)
    rig.feed(ScreenLock(rig.now, locked=False))
    assert done(rig) == [("walk", "lock")]


def test_a_suspend_while_locked_is_one_break_with_the_lock() -> None:
    rig = Rig(office(WALK, SWITCH, idle_monitor=None))
    rig.run_until(MONDAY_9 + 45 * M)
    rig.feed(ScreenLock(rig.now, locked=True))
    slept_at = rig.now + M
    rig.now = slept_at + 30 * M
    rig.feed(Slept(rig.now, slept_at, 30 * M))
    assert done(rig) == []  # not yet: the lock screen is still up
    rig.now += 2 * M
    rig.feed(ScreenLock(rig.now, locked=False))
    assert done(rig) == [("walk", "lock"), ("switch", "lock")]
    assert len(rig.notices()) == 1


def test_a_lock_without_an_idle_monitor_still_holds() -> None:
    rig = Rig(office(replace(every(10), break_after=None), idle_monitor=None))
    rig.feed(ScreenLock(rig.now, locked=True))
    rig.run_until(MONDAY_9 + 30 * M)
    assert rig.shown() == []
    rig.feed(ScreenLock(rig.now, locked=False))
    rig.run_until(rig.now + 3 * M)  # after the quiet time after a return: once
    assert len(rig.shown()) == 1
