"""The reminder engine, one rule at a time, on a made-up clock.

The faults listed in issue 11 each have a test here that reproduces them; each failed on the
daemon before the engine (the same scenarios, run against the old Daemon class).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.controller import Answer
from postureping.engine.actions import Action, Record, Said, SavePause, Show, Withdraw
from postureping.engine.config import EngineConfig
from postureping.engine.engine import AWAY, Engine
from postureping.engine.inputs import (
    Answered,
    AnsweredShown,
    ClockChanged,
    Input,
    Look,
    Paused,
    Reloaded,
    Resumed,
    Slept,
    Start,
    Tick,
    Triggered,
)
from postureping.errors import UserError
from postureping.hours import ActiveHours, TimeRange
from postureping.pause import PauseState
from postureping.routines import Every
from postureping.timescale import Timescale
from postureping.tray.menu import build_view
from tests.routine_factory import at, every

BERLIN = ZoneInfo("Europe/Berlin")
S = timedelta(seconds=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)
OFFICE = ActiveHours(((TimeRange(9 * 60, 18 * 60),),) * 5 + ((), ()))
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)

WALK = replace(every(60), break_after=3 * M)
SWITCH = replace(every(25, rid="switch"), title="Switch", break_after=2 * M)
STRETCH = replace(at("11:45"), break_after=2 * M)
SETUP = replace(at("10:00", rid="setup"), title="Setup", break_after=None)


class Rig:
    """The engine driven as the daemon drives it, with a desktop the test sets."""

    def __init__(self, config: EngineConfig, now: datetime = MONDAY_9, **start: object) -> None:
        self.engine = Engine(config)
        self.now = now
        self.idle = timedelta(0)
        self.hold: str | None = None
        self.actions: list[tuple[datetime, Action]] = []
        self.feed(Start(now, **start))  # type: ignore[arg-type]

    def feed(self, event: Input) -> list[Action]:
        actions = self.engine.handle(event)
        self.actions += [(self.now, a) for a in actions]
        return actions

    def wake(self) -> None:
        if self.engine.wants_look(self.now):
            holds = self.engine.wants_holds(self.now)
            self.feed(Look(self.now, self.idle, self.hold if holds else None, holds))
        self.feed(Tick(self.now))

    def run_until(self, until: datetime, *, away_from: datetime | None = None) -> None:
        """Wake whenever the engine asks, up to `until`; with `away_from`, nobody touches the
        computer from then on."""
        while (wake := self.engine.next_wake(self.now)) is not None and wake <= until:
            self.now = max(wake, self.now)
            if away_from is not None:
                self.idle = max(self.now - away_from, timedelta(0))
            self.wake()
        self.now = until

    def shown(self) -> list[tuple[datetime, tuple[str, ...], str]]:
        """(time, routines, key) of each notification drawn, news left out."""
        return [
            (t, a.reminder.routine_ids, a.reminder.key)
            for t, a in self.actions
            if isinstance(a, Show) and not a.reminder.quiet
        ]

    def records(self) -> list[tuple[datetime, str, str, str]]:
        return [
            (t, a.event.routine, str(a.event.kind), a.event.source)
            for t, a in self.actions
            if isinstance(a, Record)
        ]

    def notices(self) -> list[str]:
        return [
            a.reminder.title for _, a in self.actions if isinstance(a, Show) and a.reminder.quiet
        ]


def office(*routines: object, **changes: object) -> EngineConfig:
    config = EngineConfig(routines, OFFICE, BERLIN, idle_monitor="x11")  # type: ignore[arg-type]
    return replace(config, **changes)  # type: ignore[arg-type]


# -- issue 11's faults ---------------------------------------------------------------------


def test_a_held_reminder_due_again_after_the_hold_is_shown_once() -> None:
    """Fault: do-not-disturb ended just before the routine's own job came due: remind()
    showed it and left it held, and the release check showed it again."""
    rig = Rig(office(replace(every(10), break_after=None)))
    rig.hold = "do not disturb is on (GNOME)"
    rig.run_until(MONDAY_9 + 19 * M + 50 * S)  # due at 09:10: held
    assert rig.engine.status(rig.now).held == ("walk",)
    rig.hold = None  # do-not-disturb ends at 09:19:50, and the next due time (09:20) comes
    rig.run_until(MONDAY_9 + 25 * M)
    assert [(t, ids) for t, ids, _ in rig.shown()] == [(MONDAY_9 + 20 * M, ("walk",))]
    assert [k for _, _, k, _ in rig.records()] == ["prompted"]


def test_a_stale_deadline_never_reaches_a_fresh_prompt() -> None:
    """Fault: after a clock jump forward the first prompt's deadline marked the fresh prompt
    missed a second after it was shown."""
    rig = Rig(office(every(60), idle_monitor=None))
    rig.run_until(MONDAY_9 + H)  # the walk at 10:00, answer by 10:10
    rig.now += 3 * H  # the clock is set forward
    rig.feed(ClockChanged(rig.now, 3 * H))
    rig.feed(Triggered(rig.now, "walk"))  # a fresh prompt at 13:00
    rig.run_until(rig.now + 5 * M)
    kinds = [k for _, r, k, _ in rig.records()]
    assert kinds == ["prompted", "missed", "prompted"]  # the old one missed, the new one open
    assert rig.engine.status(rig.now).awaiting is not None


def test_remind_again_waits_out_do_not_disturb() -> None:
    """Fault: "remind again" came during do-not-disturb."""
    rig = Rig(office(every(60), renotify=1, idle_monitor=None))
    rig.run_until(MONDAY_9 + H)
    rig.hold = "do not disturb is on (GNOME)"
    rig.run_until(MONDAY_9 + H + 10 * M)  # the renotify at 10:05 and the deadline at 10:10
    assert len(rig.shown()) == 1
    assert [k for _, _, k, _ in rig.records()] == ["prompted", "missed"]


def test_remind_again_never_just_before_a_fresh_reminder() -> None:
    """Fault: "remind again" came in the same second as a fresh reminder of the routine."""
    rig = Rig(office(every(10), answer_within=20 * M, renotify=1, idle_monitor=None))
    rig.run_until(MONDAY_9 + 25 * M)
    times = [t for t, _, _ in rig.shown()]
    assert times == [MONDAY_9 + 10 * M, MONDAY_9 + 20 * M]  # no "again" at 09:20


def test_a_break_counts_only_for_what_is_due() -> None:
    """Fault: a 4-minute absence at midnight recorded `stretch done` (due at 11:45)."""
    midnight = datetime(2026, 3, 2, 23, 55, tzinfo=BERLIN)
    rig = Rig(office(WALK, SWITCH, STRETCH), midnight)
    rig.run_until(midnight + 5 * M, away_from=midnight)
    rig.idle = timedelta(0)
    rig.run_until(midnight + 6 * M)
    assert [r for _, r, k, _ in rig.records() if k == "done"] == []
    assert rig.notices() == []


def test_a_break_counts_for_routines_due_or_half_over_and_says_so() -> None:
    rig = Rig(office(WALK, SWITCH, STRETCH))
    start = MONDAY_9 + 45 * M  # walk due at 10:00 (half over), switch shown at 09:25, 09:50
    rig.run_until(start)
    rig.run_until(start + 6 * M, away_from=start)
    rig.idle = timedelta(0)
    rig.run_until(start + 7 * M)
    done = [(r, s) for _, r, k, s in rig.records() if k == "done"]
    assert ("walk", "idle") in done and ("stretch", "idle") not in done
    assert rig.notices() == ["Break counted for: " + ", ".join(r for r, _ in done)]
    last = rig.engine.status(rig.now).last_break
    assert last is not None and last.routines == tuple(r for r, _ in done)


def test_an_absence_is_seen_with_no_reminder_due() -> None:
    """Fault: the idle sample was put off at each threshold; only a due reminder took one."""
    rig = Rig(office(replace(every(240), break_after=60 * S), away_after=40 * S))
    rig.run_until(MONDAY_9 + 5 * M)
    left = rig.now
    rig.run_until(left + 40 * S + 30 * S, away_from=left)  # away_after, then MIN_CHECK
    status = rig.engine.status(rig.now)
    assert status.activity is not None and status.activity.away
    assert status.activity.holding == AWAY


# -- the rules -----------------------------------------------------------------------------


def test_routines_due_within_a_minute_share_one_notification() -> None:
    early = replace(at("09:30"), title="Stretch")
    late = replace(at("09:30", rid="setup"), title="Setup")
    later = replace(every(30, rid="walk"), title="Walk")  # 09:30 too, from 09:00
    rig = Rig(office(early, late, later, idle_monitor=None))
    rig.run_until(MONDAY_9 + 31 * M)
    [(_, ids, key)] = rig.shown()
    assert set(ids) == {"stretch", "setup", "walk"}
    rig.feed(AnsweredShown(rig.now, key, Answer.DONE))
    done = sorted(r for _, r, k, s in rig.records() if k == "done" and s == "notification")
    assert done == ["setup", "stretch", "walk"]
    assert any(isinstance(a, Withdraw) and a.key == key for _, a in rig.actions)


def test_a_button_answers_the_whole_notification_with_one_withdrawal() -> None:
    rig = Rig(office(at("09:30"), at("09:30", rid="setup"), idle_monitor=None))
    rig.run_until(MONDAY_9 + 30 * M)
    [(_, _, key)] = rig.shown()
    actions = rig.feed(AnsweredShown(rig.now + S, key, Answer.DONE))
    assert [a for a in actions if isinstance(a, Show | Withdraw)] == [Withdraw(key)]


def test_answering_one_routine_of_a_visible_notification_redraws_it() -> None:
    rig = Rig(office(at("09:30"), at("09:30", rid="setup"), idle_monitor=None))
    rig.run_until(MONDAY_9 + 30 * M)
    [(_, ids, key)] = rig.shown()
    assert ids == ("stretch", "setup")
    rig.now += 5 * S
    rig.feed(Answered(rig.now, Answer.DONE, ("stretch",), "cli"))
    assert rig.shown()[-1] == (rig.now, ("setup",), key)  # the same notification, redrawn
    redraw = [a for _, a in rig.actions if isinstance(a, Show)][-1].reminder
    assert redraw.redraw and not redraw.title.startswith("Reminder:")
    status = rig.engine.status(rig.now)
    assert [p.routine_id for p in status.open] == ["setup"]


def test_status_and_tray_show_the_snoozed_time(tmp_path: Path) -> None:
    """Fault: after a snooze `status` said 00:51 and the tray 9 h 32 min."""
    rig = Rig(office(every(60), idle_monitor=None))
    rig.run_until(MONDAY_9 + H)
    rig.feed(Answered(rig.now, Answer.SNOOZE, None, "cli", 10 * M))
    status = rig.engine.status(rig.now)
    assert [(u.routine_id, u.due) for u in status.upcoming] == [("walk", rig.now + 10 * M)]
    assert rig.engine.next_wake(rig.now) == rig.now + 10 * M
    view = build_view(status, rig.now, tmp_path / "config.toml", BERLIN)
    assert view.title == "postureping: Walk in 10 min"
    rig.run_until(rig.now + 10 * M)
    assert [t for t, _, _ in rig.shown()][-1] == MONDAY_9 + H + 10 * M


def test_a_routine_reminded_anew_leaves_its_old_notification() -> None:
    rig = Rig(office(every(5), answer_within=30 * M, idle_monitor=None))
    rig.run_until(MONDAY_9 + 10 * M)
    kinds = [k for _, _, k, _ in rig.records()]
    assert kinds == ["prompted", "missed", "prompted"]
    assert len(rig.engine.status(rig.now).open) == 1


def test_quiet_after_a_return_then_what_waited_comes_once() -> None:
    rig = Rig(office(replace(every(60), break_after=None), SETUP))
    rig.run_until(MONDAY_9 + 55 * M)
    rig.run_until(MONDAY_9 + 65 * M, away_from=MONDAY_9 + 55 * M)  # away over 10:00
    assert rig.engine.status(rig.now).held == ("walk", "setup")
    rig.idle = timedelta(0)
    rig.run_until(MONDAY_9 + 70 * M)
    [(when, ids, _)] = rig.shown()
    assert ids == ("walk", "setup")
    assert MONDAY_9 + 67 * M <= when <= MONDAY_9 + 68 * M  # after_return (2 min)


def test_a_suspend_counts_as_a_break_and_catches_up_once() -> None:
    rig = Rig(office(WALK, SWITCH, idle_monitor=None))
    rig.run_until(MONDAY_9 + 20 * M)
    rig.now += 3 * H  # asleep from 09:20 to 12:20
    rig.feed(Slept(rig.now, MONDAY_9 + 20 * M, 3 * H))
    rig.run_until(rig.now + 30 * M)
    done = [(r, s) for _, r, k, s in rig.records() if k == "done"]
    assert done == [("walk", "sleep"), ("switch", "sleep")]
    times = [t - MONDAY_9 for t, _, _ in rig.shown()]
    assert times == [3 * H + 20 * M + 25 * M]  # switch, 25 min after waking


def test_a_time_of_day_reminder_slept_through_is_dropped() -> None:
    rig = Rig(office(SETUP, idle_monitor=None))
    rig.now = MONDAY_9 + 3 * H  # asleep through 10:00 until 12:00, with no wake-up
    rig.wake()
    assert rig.shown() == []
    assert rig.engine.dues()["setup"] == datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)


def test_pause_resume_and_a_pause_that_ends() -> None:
    rig = Rig(office(every(30), idle_monitor=None))
    until = MONDAY_9 + 2 * H
    rig.feed(Paused(rig.now, until))
    assert rig.engine.status(rig.now).upcoming == ()
    rig.run_until(until + M)
    assert rig.shown() == []
    assert [a for _, a in rig.actions if isinstance(a, SavePause)][-1].state == PauseState()
    assert rig.engine.dues()["walk"] == until + 30 * M  # counts afresh from the end
    with pytest.raises(UserError, match="in the future"):
        rig.feed(Paused(rig.now, rig.now - S))
    rig.feed(Paused(rig.now, None))
    rig.feed(Resumed(rig.now + M))
    assert rig.engine.status(rig.now + M).upcoming[0].due == rig.now + 31 * M


def test_a_saved_pause_holds_from_the_start() -> None:
    pause = PauseState(True, MONDAY_9 + H)
    rig = Rig(office(every(10), idle_monitor=None), pause=pause)
    assert rig.engine.status(rig.now).paused_until == MONDAY_9 + H
    ended = Rig(office(every(10)), pause=PauseState(True, MONDAY_9 - M))
    assert [a for _, a in ended.actions if isinstance(a, SavePause)] == [SavePause(PauseState())]


def test_answers_name_routines_or_the_latest_notification() -> None:
    rig = Rig(office(every(60), SETUP, idle_monitor=None))
    with pytest.raises(UserError, match="no reminder awaits an answer"):
        rig.feed(Answered(rig.now, Answer.DONE, None, "cli"))
    with pytest.raises(UserError, match="unknown routine 'nope'; valid routines: walk, setup"):
        rig.feed(Answered(rig.now, Answer.DONE, ("nope",), "cli"))
    said = rig.feed(Answered(rig.now, Answer.DONE, ("walk",), "cli"))
    assert said[-1] == Said("Walk: done")
    assert rig.engine.dues()["walk"] == rig.now + H  # done on one's own: counts from now


def test_reload_keeps_a_snooze_and_recomputes_what_changed() -> None:
    rig = Rig(office(every(60), SETUP, idle_monitor=None))
    rig.feed(Answered(rig.now, Answer.SNOOZE, ("walk",), "cli", 5 * M))
    config = rig.engine.config
    rig.feed(Reloaded(rig.now, config))
    assert rig.engine.dues()["walk"] == rig.now + 5 * M
    faster = replace(every(60), cadence=Every(20 * M))
    rig.feed(Reloaded(rig.now, replace(config, routines=(faster, SETUP))))
    assert rig.engine.dues()["walk"] == MONDAY_9 + 20 * M


def test_a_clock_change_moves_deadlines_along() -> None:
    rig = Rig(office(every(60), idle_monitor=None))
    rig.run_until(MONDAY_9 + H)
    rig.now -= 2 * H
    rig.feed(ClockChanged(rig.now, -2 * H))
    rig.run_until(rig.now + 11 * M)
    assert [k for _, _, k, _ in rig.records()] == ["prompted", "missed"]


def test_demo_time_runs_sixty_times_faster() -> None:
    config = replace(office(every(30), idle_monitor=None), demo=True, hours=ActiveHours.always())
    engine = Engine(config, Timescale.demo(MONDAY_9))
    engine.handle(Start(MONDAY_9))
    assert engine.dues()["walk"] == MONDAY_9 + 30 * S
    actions = engine.handle(Tick(MONDAY_9 + 30 * S))
    shows = [a.reminder for a in actions if isinstance(a, Show)]
    assert shows[0].title.startswith("[demo]")
    assert {a.event.source for a in actions if isinstance(a, Record)} == {"demo"}


def test_a_snoozed_time_of_day_reminder_stands_for_its_next_time_close_by() -> None:
    """Found by the simulated days: a stretch (11:45) snoozed until 15:29 came again at 15:30,
    its next time of day, and the 15:29 reminder was recorded as missed."""
    rig = Rig(office(at("11:45", "15:30"), idle_monitor=None))
    rig.run_until(datetime(2026, 3, 2, 11, 45, tzinfo=BERLIN))
    snoozed = datetime(2026, 3, 2, 15, 29, 5, tzinfo=BERLIN) - rig.now
    rig.feed(Answered(rig.now, Answer.SNOOZE, ("stretch",), "cli", snoozed))
    rig.run_until(datetime(2026, 3, 2, 16, 0, tzinfo=BERLIN))
    assert [t.astimezone(BERLIN).strftime("%H:%M:%S") for t, _, _ in rig.shown()] == [
        "11:45:00",
        "15:29:05",
    ]
    assert rig.engine.dues()["stretch"] == datetime(2026, 3, 3, 11, 45, tzinfo=BERLIN)


def test_a_snooze_never_lands_outside_active_hours() -> None:
    """Fault: `snooze walk` at 17:55 with no reminder waiting was set for 18:05, outside the
    active hours (and came then). A snooze that would end outside them moves to the start of
    the next active period, and the answer says so."""
    evening = datetime(2026, 3, 2, 17, 55, tzinfo=BERLIN)
    tuesday_9 = datetime(2026, 3, 3, 9, 0, tzinfo=BERLIN)
    rig = Rig(office(every(60), idle_monitor=None), evening)
    said = rig.feed(Answered(rig.now, Answer.SNOOZE, ("walk",), "cli", 10 * M))
    assert said[-1] == Said(
        "Walk: snoozed until Tue 09:00, the start of the next active hours (18:05 is outside them)"
    )
    assert rig.engine.status(rig.now).upcoming[0].due == tuesday_9
    rig.run_until(tuesday_9 + 30 * M)
    assert [t for t, _, _ in rig.shown()] == [tuesday_9]


def test_a_shown_reminder_snoozed_past_the_active_hours_comes_at_their_next_start() -> None:
    """The rule holds for a reminder on screen too (it used to come at the snooze's end,
    whenever that was)."""
    evening = datetime(2026, 3, 2, 17, 50, tzinfo=BERLIN)
    tuesday_9 = datetime(2026, 3, 3, 9, 0, tzinfo=BERLIN)
    rig = Rig(office(every(60), idle_monitor=None), evening)
    rig.feed(Triggered(rig.now, "walk"))
    said = rig.feed(Answered(rig.now, Answer.SNOOZE, None, "cli", 30 * M))
    assert said[-1] == Said(
        "Walk: snoozed until Tue 09:00, the start of the next active hours (18:20 is outside them)"
    )
    rig.run_until(tuesday_9 + 30 * M)
    assert [t for t, _, _ in rig.shown()] == [evening, tuesday_9]


def test_a_snooze_inside_active_hours_ends_when_asked() -> None:
    rig = Rig(office(every(60), idle_monitor=None), MONDAY_9 + H)
    said = rig.feed(Answered(rig.now, Answer.SNOOZE, ("walk",), "cli", 10 * M))
    assert said[-1] == Said("Walk: snoozed for 10m, until 10:10")
    rig.run_until(MONDAY_9 + H + 15 * M)
    assert [t for t, _, _ in rig.shown()] == [MONDAY_9 + H + 10 * M]
