"""The daemon's reactions to activity, in process: holds, natural breaks, sleep, clock changes.

A real store and scheduler; the watcher is replaced by a gate whose answer the test sets, and
absences are handed to the daemon as the watcher would.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postureping.controller import Activity
from postureping.daemon.daemon import Daemon, DaemonConfig
from postureping.daemon.watcher import AWAY, ActivityWatcher
from postureping.hours import ActiveHours
from postureping.notify.service import NotificationService
from postureping.presence import Absence, Presence
from postureping.store import EventStore
from tests.desktop import wait_until
from tests.routine_factory import at, every
from tests.test_daemon import BERLIN, Clock, Shown

M = timedelta(minutes=1)
WALK = replace(every(60), break_after=3 * M)
SWITCH = replace(every(25, rid="switch"), break_after=2 * M)
FOCUS = replace(every(50, rid="focus"), break_after=None, count_active=True)
STRETCH = replace(at("11:45"), break_after=None)


class Gate:
    def __init__(self) -> None:
        self.reason: str | None = None
        self.watched = 0

    def hold_reason(self) -> str | None:
        return self.reason

    def watch_hold(self) -> None:
        self.watched += 1

    def activity(self) -> Activity:
        return Activity("test", self.reason is not None, self.reason)


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = Clock(datetime.now(UTC))
        self.shown = Shown()
        log = logging.getLogger("test-daemon-activity")
        self.service = NotificationService(self.shown, None, 5.0, log)
        self.store = EventStore(tmp_path / "events.jsonl")
        config = DaemonConfig(
            (WALK, SWITCH, FOCUS, STRETCH), ActiveHours.always(), BERLIN, timedelta(seconds=20)
        )
        self.daemon = Daemon(config, self.store, self.service, log, self.clock)
        self.gate = Gate()
        self.daemon.gate = self.gate

    def titles(self) -> list[str]:
        return [r.routine_id for r in self.shown.wait(self.service)]

    def events(self) -> list[tuple[str, str, str]]:
        return [(e.routine, str(e.kind), e.source) for e in self.store.read().events]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path)
    made.daemon.start()
    yield made
    made.daemon.stop()
    assert made.service.close(timeout=5)


def test_a_held_reminder_comes_once_when_the_hold_ends(rig: Rig) -> None:
    rig.gate.reason = "fullscreen window: impress"
    rig.daemon.remind("walk")
    rig.daemon.remind("walk")  # due again while held: still one
    assert rig.titles() == []
    assert rig.daemon.status().held == ("walk",)
    assert rig.daemon.status().to_json()["activity"]["holding"] == "fullscreen window: impress"
    assert rig.gate.watched >= 1
    rig.daemon.release_held()  # still held: nothing
    assert rig.titles() == []
    rig.gate.reason = None
    rig.daemon.release_held()
    rig.daemon.release_held()
    assert rig.titles() == ["walk"]
    assert rig.events() == [("walk", "prompted", "daemon")]
    assert rig.daemon.status().held == ()


def test_a_forced_reminder_is_never_held(rig: Rig) -> None:
    rig.gate.reason = "you are away from the computer"
    rig.daemon.trigger("walk")
    assert rig.titles() == ["walk"]


def test_a_natural_break_counts_for_the_movement_routines(rig: Rig) -> None:
    now = rig.clock.now
    rig.gate.reason = "you are away from the computer"
    rig.daemon.remind("walk")  # held while away
    rig.gate.reason = None
    rig.daemon.returned(Absence(now - 4 * M, now), "idle")
    assert rig.events() == [("walk", "done", "idle"), ("switch", "done", "idle")]
    # Credited: the held walk reminder is dropped, and both intervals restart from now.
    times = rig.daemon.status().upcoming
    due = {u.routine_id: u.due for u in times}
    assert due["walk"] == now + 60 * M
    assert due["switch"] == now + 25 * M
    assert rig.daemon.status().held == ()
    rig.daemon.release_held()
    assert rig.titles() == []


def test_a_short_absence_credits_only_what_it_covers(rig: Rig) -> None:
    now = rig.clock.now
    rig.daemon.returned(Absence(now - 150 * timedelta(seconds=1), now), "idle")
    assert rig.events() == [("switch", "done", "idle")]


def test_no_greeting_right_after_a_return(rig: Rig) -> None:
    now = rig.clock.now
    rig.daemon.returned(Absence(now - 3 * M, now), "idle")
    rig.daemon.remind("stretch")  # due, but the user only just came back
    assert rig.titles() == []
    due = {u.routine_id: u.due for u in rig.daemon.status().upcoming}
    assert due["stretch"] == now + 2 * M  # after_return
    rig.clock.now = now + 2 * M
    rig.daemon.remind("stretch")
    assert rig.titles() == ["stretch"]


def test_an_active_count_interval_moves_by_the_absence(rig: Rig) -> None:
    before = {u.routine_id: u.due for u in rig.daemon.status().upcoming}["focus"]
    now = rig.clock.now
    rig.daemon.returned(Absence(now - 10 * M, now), "idle")
    after = {u.routine_id: u.due for u in rig.daemon.status().upcoming}["focus"]
    assert after == before + 10 * M


def test_a_long_sleep_is_a_break(rig: Rig) -> None:
    now = rig.clock.now
    rig.daemon.returned(Absence(now - 8 * 60 * M, now), "sleep")
    assert rig.events() == [("walk", "done", "sleep"), ("switch", "done", "sleep")]
    due = {u.routine_id: u.due for u in rig.daemon.status().upcoming}
    assert min(due.values()) >= now + 2 * M  # none in the first minutes after waking


def test_a_clock_change_restarts_every_routine_once(rig: Rig) -> None:
    now = rig.clock.now
    rig.daemon.clock_changed()
    due = {u.routine_id: u.due for u in rig.daemon.status().upcoming}
    # The scheduler counts from the real clock's now, which the test's clock is a moment behind.
    assert timedelta(0) <= due["walk"] - (now + 60 * M) < timedelta(seconds=5)
    assert all(when >= now + 2 * M for when in due.values())
    assert rig.events() == []


def test_while_paused_a_return_restarts_nothing(rig: Rig) -> None:
    now = rig.clock.now
    rig.daemon.pause(None)
    rig.daemon.returned(Absence(now - 5 * M, now), "idle")
    assert rig.daemon.status().upcoming == ()
    assert rig.events() == [("walk", "done", "idle"), ("switch", "done", "idle")]


# -- the watcher's thread with the daemon -----------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.mark.parametrize("jump", [timedelta(hours=5), timedelta(days=-2)])
def test_a_clock_jump_restarts_each_routine_once_and_the_watcher_rests(
    rig: Rig, jump: timedelta
) -> None:
    lines = Lines()
    log = logging.getLogger("test-daemon-activity")  # the daemon's
    log.addHandler(lines)
    log.setLevel(logging.INFO)
    watcher = ActivityWatcher(Presence(2 * M), None, [], rig.clock, log)
    rig.daemon.gate = watcher
    watcher.start(rig.daemon)
    try:
        rig.clock.now += jump
        watcher.wake()
        wait_until(lambda: watcher.looks >= 1 or None, timeout=5, what="a look")
        time.sleep(1)
        assert watcher.looks == 1  # it looked once, and rests until the next minute
        assert lines.lines == ["the clock changed: every routine counts afresh from now"]
        due = [u.due for u in rig.daemon.status().upcoming]
        assert len(due) == 4  # one next time per routine: no burst, no hang
        assert rig.titles() == []
    finally:
        watcher.stop()
        log.removeHandler(lines)


class Source:
    """An idle monitor and a hold probe at once, that counts its closes."""

    def __init__(self, name: str, idle: timedelta = timedelta(0), hold: str | None = None) -> None:
        self.name = name
        self.idle = idle
        self.hold = hold
        self.closed = 0

    def idle_time(self) -> timedelta:
        return self.idle

    def hold_reason(self) -> str | None:
        return self.hold

    def close(self) -> None:
        self.closed += 1


def test_replaced_sources_are_used_at_once_and_the_old_ones_closed(rig: Rig) -> None:
    log = logging.getLogger("test-daemon-activity")
    old_monitor, old_probe = Source("old"), Source("old-probe", hold="presenting")
    watcher = ActivityWatcher(Presence(2 * M), old_monitor, [old_probe], rig.clock, log)
    assert watcher.hold_reason() == "presenting"
    assert watcher.activity().idle_monitor == "old"

    new_monitor = Source("new", idle=10 * M)  # someone away for ten minutes
    watcher.replace_sources(new_monitor, [])
    assert (old_monitor.closed, old_probe.closed) == (1, 1)
    assert watcher.activity().idle_monitor == "new"
    assert watcher.hold_reason() == AWAY

    watcher.replace_sources(None, [])  # idle detection turned off
    assert new_monitor.closed == 1
    assert watcher.hold_reason() is None
    assert watcher.activity().idle_monitor is None
    watcher.stop()
