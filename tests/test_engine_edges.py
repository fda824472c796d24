"""The reminder engine at its edges: snoozes answered after all, holds over an hour, the quiet
time, a clock set back, resume when not paused, idle-only looks. Found by a review of the
engine; each failed before its fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from postureping.controller import Answer
from postureping.engine.inputs import (
    Answered,
    ClockChanged,
    Reloaded,
    Resumed,
    Triggered,
)
from tests.routine_factory import at, every
from tests.test_engine import BERLIN, MONDAY_9, H, M, Rig, S, office

MS = timedelta(milliseconds=1)


def test_a_fresh_idle_only_look_lets_a_reminder_through_do_not_disturb() -> None:
    """An idle sample (holds not asked) half a second before a routine comes due: the tick
    at the due time asks for no look (the last one is 'fresh'), so the hold is never probed
    and the reminder is shown during do-not-disturb."""
    start = MONDAY_9 - 500 * MS  # idle samples every 2 min from here: 09:59:59.5 is one
    rig = Rig(office(at("10:00", rid="setup")), start)
    rig.run_until(MONDAY_9 + 30 * M)
    rig.hold = "do not disturb is on (GNOME)"
    rig.run_until(MONDAY_9 + H + M)
    assert rig.shown() == []  # held until do-not-disturb ends


def test_done_after_a_snooze_cancels_the_snoozed_time_of_day_reminder() -> None:
    """stretch (11:45) snoozed 10 min; `postureping done stretch` at 11:50: the snooze
    still fires at 11:55, a reminder for something just done."""
    rig = Rig(office(at("11:45"), idle_monitor=None))
    rig.run_until(datetime(2026, 3, 2, 11, 45, tzinfo=BERLIN))
    rig.feed(Answered(rig.now, Answer.SNOOZE, ("stretch",), "cli", 10 * M))
    rig.now += 5 * M
    rig.feed(Answered(rig.now, Answer.DONE, ("stretch",), "cli"))
    rig.run_until(datetime(2026, 3, 2, 13, 0, tzinfo=BERLIN))
    assert len(rig.shown()) == 1  # only the 11:45 one


def test_skip_after_a_snooze_cancels_the_snooze() -> None:
    rig = Rig(office(every(60), idle_monitor=None))
    rig.run_until(MONDAY_9 + H)
    rig.feed(Answered(rig.now, Answer.SNOOZE, ("walk",), "cli", 10 * M))
    rig.now += 2 * M
    rig.feed(Answered(rig.now, Answer.SKIP, ("walk",), "cli"))
    rig.run_until(MONDAY_9 + H + 30 * M)
    assert len(rig.shown()) == 1  # skipped: no reminder at 10:10


def test_a_short_absence_keeps_a_count_active_routines_snooze() -> None:
    """walk (count_active, break_after 5 min) snoozed at 10:00 "until 10:10"; away for 3 min
    (not a break for it): the snooze is recomputed from the interval and comes at 11:03."""
    walk = replace(every(60), count_active=True, break_after=5 * M)
    rig = Rig(office(walk))
    rig.run_until(MONDAY_9 + H)
    rig.feed(Answered(rig.now, Answer.SNOOZE, ("walk",), "cli", 10 * M))
    rig.run_until(MONDAY_9 + H + M)
    rig.run_until(MONDAY_9 + H + 4 * M, away_from=MONDAY_9 + H + M)
    rig.idle = timedelta(0)
    rig.run_until(MONDAY_9 + H + 30 * M)
    times = [t - MONDAY_9 for t, _, _ in rig.shown()]
    assert times[1:2] == [H + 10 * M], (times, rig.engine.dues())


def test_next_wake_is_ahead_after_a_reload_that_changes_the_idle_monitor() -> None:
    """A reload that switches the idle monitor within a second of a look: the new monitor's
    first sample is due 'now', but wants_look refuses (the last look is fresh), so every
    tick leaves next_wake == now and the timer spins until the second is over."""
    rig = Rig(office(every(60)))
    rig.run_until(MONDAY_9 + 10 * M)
    rig.wake()  # a look at 09:10
    rig.now += 200 * MS
    rig.feed(Reloaded(rig.now, replace(rig.engine.config, idle_monitor="gnome")))
    rig.wake()
    wake = rig.engine.next_wake(rig.now)
    assert wake is not None and wake > rig.now


def test_a_time_of_day_reminder_held_over_an_hour_is_still_shown_once() -> None:
    """Rule 1: a routine due while held is shown exactly once after the hold ends. A 10:00
    reminder held by do-not-disturb (a long meeting) until 11:30 is dropped as 'too late
    (the computer was asleep...)': too_late() is applied to held reminders too."""
    rig = Rig(office(at("10:00", rid="setup"), idle_monitor=None))
    rig.hold = "do not disturb is on (GNOME)"
    rig.run_until(MONDAY_9 + 2 * H + 30 * M)
    rig.hold = None
    rig.run_until(MONDAY_9 + 2 * H + 35 * M)
    assert [ids for _, ids, _ in rig.shown()] == [("setup",)]


def test_resume_when_not_paused_changes_nothing() -> None:
    """`postureping resume` while not paused restarts every routine: a snooze (and every
    countdown) is lost."""
    rig = Rig(office(every(60), idle_monitor=None))
    rig.run_until(MONDAY_9 + H)
    rig.feed(Answered(rig.now, Answer.SNOOZE, ("walk",), "cli", 10 * M))
    before = rig.engine.dues()
    rig.feed(Resumed(rig.now + M))
    assert rig.engine.dues() == before


def test_after_the_clock_is_set_back_the_latest_notification_is_the_newest() -> None:
    """walk shown at 10:00, unanswered; the clock is set back an hour; switch is shown at
    09:06 (new clock). `postureping done` (no routine) should answer the newest reminder
    (switch): Bubbles.latest() orders by shown_at, which _clock_changed does not shift, so
    it answers the older walk, and status/tray offer the walk's buttons."""
    switch = every(25, rid="switch")
    rig = Rig(office(every(60), switch, answer_within=30 * M, idle_monitor=None))
    rig.run_until(MONDAY_9 + H)  # 09:25 switch, 09:50 switch, 10:00 walk
    rig.feed(Answered(rig.now, Answer.DONE, ("switch",), "cli"))
    rig.now += M
    rig.now -= H
    rig.feed(ClockChanged(rig.now, -H))
    rig.now += 5 * M
    rig.feed(Triggered(rig.now, "switch"))
    status = rig.engine.status(rig.now)
    assert status.awaiting is not None and status.awaiting.routine_id == "switch"


def test_nothing_is_shown_for_after_return_not_even_remind_again() -> None:
    """README: after a return 'nothing is shown for after_return'. walk shown at 10:00
    (renotify 1, answer within 10 min: again at 10:05); away 10:01-10:04:40; the look at
    10:05 sees the return (quiet until 10:07), and the same tick shows the remind-again.
    _again() checks holds and the pause, not the quiet time."""
    walk = replace(every(60), break_after=None)
    rig = Rig(office(walk, renotify=1))
    rig.run_until(MONDAY_9 + H + M)
    rig.run_until(MONDAY_9 + H + 4 * M + 40 * S, away_from=MONDAY_9 + H + M)
    rig.idle = timedelta(0)
    rig.run_until(MONDAY_9 + H + 8 * M)
    shows = [(t - MONDAY_9) for t, _, _ in rig.shown()]
    assert shows == [H], shows


def test_status_does_not_report_a_hold_that_ended_long_ago() -> None:
    """The hold is probed only while something is due: after the held walk is answered from
    the CLI, do-not-disturb ends, but status (and the tray's 'Waiting: ...') keeps saying
    reminders are held by it until the next reminder is due, an hour later."""
    rig = Rig(office(every(60), idle_monitor=None))
    rig.hold = "do not disturb is on (GNOME)"
    rig.run_until(MONDAY_9 + H + 2 * M)  # walk held since 10:00
    rig.feed(Answered(rig.now, Answer.DONE, ("walk",), "cli"))
    rig.hold = None
    rig.run_until(MONDAY_9 + H + 30 * M)
    activity = rig.engine.status(rig.now).activity
    assert activity is not None and activity.holding is None
