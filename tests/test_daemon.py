"""The daemon's adapters, in process: a real store in tmp_path, a recording notifier, a fake
clock and fake desktop sources; the engine decides, the daemon carries it out."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.controller import Answer
from postureping.daemon.daemon import Daemon
from postureping.daemon.sources import Sources
from postureping.engine.config import EngineConfig
from postureping.errors import UserError
from postureping.history.events import Kind
from postureping.history.pending import PendingWrites
from postureping.history.store import EventStore
from postureping.hours import ActiveHours, TimeRange
from postureping.notify.service import NotificationService
from postureping.pause import PauseState, load_pause
from postureping.reminder import Reminder
from postureping.routines import Routine
from postureping.wallclock import Reading
from tests.faulty_calls import FaultyCalls
from tests.routine_factory import at, every
from tests.test_notify import Recorder

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = ActiveHours(((TimeRange(9 * 60, 18 * 60),),) * 5 + ((), ()))
M = timedelta(minutes=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Shown(Recorder):
    """The reminders shown, once the service has finished showing them."""

    def wait(self, service: NotificationService) -> list[Reminder]:
        assert service.flush(5)
        return self.shown


class Desk:
    """An idle monitor and a hold probe at once, set by the test, that counts its closes."""

    name = "test"

    def __init__(self) -> None:
        self.idle = timedelta(0)
        self.hold: str | None = None
        self.closed = 0
        self.looks = 0
        self.probed = 0

    def idle_time(self) -> timedelta:
        self.looks += 1
        return self.idle

    def hold_reason(self) -> str | None:
        self.probed += 1
        return self.hold

    def close(self) -> None:
        self.closed += 1


class Timer:
    """The daemon's alarm clock, set but never ringing: the test calls `wake` itself."""

    def __init__(self) -> None:
        self.armed: datetime | None = None
        self.woken = 0

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def arm(self, when: datetime) -> None:
        self.armed = when

    def wake_now(self) -> None:
        self.woken += 1


class Clocks:
    """The three clocks, moving with the test's wall clock unless the test sets it."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.jumped = timedelta(0)  # wall-clock time that the other clocks did not see

    def __call__(self, wall: datetime) -> Reading:
        elapsed = (wall - self.start - self.jumped).total_seconds()
        return Reading(wall, elapsed, elapsed)


class Rig:
    def __init__(
        self,
        tmp_path: Path,
        now: datetime,
        *,
        demo: bool = False,
        routines: tuple[Routine, ...] = (every(30), at("12:00")),
    ) -> None:
        self.clock = Clock(now)
        self.clocks = Clocks(now)
        self.timer = Timer()
        self.shown = Shown()
        self.log = logging.getLogger("test-daemon")
        self.service = NotificationService(self.shown, None, 5.0, self.log)
        self.store = EventStore(tmp_path / "events.jsonl")
        self.desk = Desk()
        self.pause_file = tmp_path / "state" / "pause.json"
        config = EngineConfig(routines, OFFICE, BERLIN, idle_monitor="test", demo=demo)
        if demo:
            config = replace(config, hours=ActiveHours.always())
        self.daemon = Daemon(
            config,
            store=self.store,
            notifications=self.service,
            sources=Sources(self.desk, [self.desk], self.log),
            log=self.log,
            clock=self.clock,
            pause_file=self.pause_file,
            timer=self.timer,
            readings=self.clocks,
        )

    def titles(self) -> list[str]:
        return [r.title for r in self.shown.wait(self.service)]

    def events(self) -> list[tuple[str, Kind, str]]:
        return [(e.routine, e.kind, e.source) for e in self.store.read().events]

    def at(self, when: datetime) -> None:
        self.clock.now = when
        self.daemon.wake()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path, datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN))  # a Monday
    made.daemon.start()
    yield made
    made.daemon.stop()
    assert made.service.close(timeout=5)


def test_a_due_routine_is_shown_then_recorded(rig: Rig) -> None:
    rig.at(datetime(2026, 3, 2, 9, 30, tzinfo=BERLIN))
    assert rig.titles() == ["Walk"]
    assert rig.events() == [("walk", Kind.PROMPTED, "daemon")]
    assert rig.shown.shown[0].timeout == timedelta(seconds=20)
    assert (rig.desk.looks, rig.desk.probed) == (1, 1)  # a look before showing it


def test_the_timer_is_armed_for_the_engines_next_wake(rig: Rig) -> None:
    start = rig.clock.now
    assert rig.timer.armed == start  # a first look at the desktop at once
    rig.at(start)
    assert rig.desk.looks == 1
    assert rig.desk.probed == 0  # with nothing due, the hold probes are not asked
    # The engine's next wake: the idle check at 09:02 (away_after). (The timer wakes the
    # daemon every minute besides, to compare the clocks.)
    assert rig.timer.armed == start + 2 * M
    rig.daemon.poke()  # logind: the machine woke up
    assert rig.timer.woken == 1


def test_a_hold_and_its_end(rig: Rig) -> None:
    rig.desk.hold = "fullscreen window: impress"
    rig.at(datetime(2026, 3, 2, 9, 30, tzinfo=BERLIN))
    assert rig.titles() == []
    status = rig.daemon.status()
    assert status.held == ("walk",)
    assert status.to_json()["activity"]["holding"] == "fullscreen window: impress"
    rig.desk.hold = None
    rig.at(datetime(2026, 3, 2, 9, 30, 30, tzinfo=BERLIN))
    assert rig.titles() == ["Walk"]


def test_outside_active_hours_nothing_fires(tmp_path: Path) -> None:
    rig = Rig(tmp_path, datetime(2026, 3, 7, 10, 0, tzinfo=BERLIN))  # Saturday
    rig.daemon.start()
    try:
        rig.at(datetime(2026, 3, 7, 16, 0, tzinfo=BERLIN))
        assert rig.titles() == []
        assert rig.daemon.status().upcoming[0].due == datetime(2026, 3, 9, 9, 30, tzinfo=BERLIN)
    finally:
        rig.daemon.stop()
        rig.service.close(5)


def test_demo_ignores_active_hours_and_says_so(tmp_path: Path) -> None:
    rig = Rig(tmp_path, datetime(2026, 3, 7, 23, 0, tzinfo=BERLIN), demo=True)  # Saturday night
    rig.daemon.start()
    try:
        rig.at(rig.clock.now + timedelta(seconds=30))  # 30 minutes of the schedule
        [reminder] = rig.shown.wait(rig.service)
        assert reminder.title.startswith("[demo]") and "demo" in reminder.body
        assert rig.events() == [("walk", Kind.PROMPTED, "demo")]
    finally:
        rig.daemon.stop()
        rig.service.close(5)


def test_answers_pause_and_listeners(rig: Rig) -> None:
    seen: list[bool] = []
    rig.daemon.subscribe(lambda status: seen.append(status.paused))
    rig.at(datetime(2026, 3, 2, 9, 30, tzinfo=BERLIN))
    assert rig.daemon.answer(Answer.DONE, None, "cli") == "Walk: done"
    assert rig.daemon.status().done_today == 1
    rig.daemon.pause(rig.clock.now + timedelta(hours=1))
    assert load_pause(rig.pause_file)[0].paused
    rig.daemon.resume()
    assert load_pause(rig.pause_file)[0] == PauseState()
    assert seen[-2:] == [True, False]


def test_a_full_disk_keeps_events_in_memory_and_writes_them_later(rig: Rig) -> None:
    calls = FaultyCalls()
    store = EventStore(rig.store.path, calls)
    rig.daemon._store = store  # the same file, through calls that can fail
    rig.daemon._writes = PendingWrites(store)
    calls.fail_at, calls.persistent, calls.error = len(calls.calls), True, errno.ENOSPC
    rig.at(datetime(2026, 3, 2, 9, 30, tzinfo=BERLIN))  # shown all the same
    with pytest.raises(UserError, match=r"not recorded: .*keeps the answer in memory"):
        rig.daemon.answer(Answer.DONE, ("walk",), "cli")  # not acknowledged
    assert rig.titles() == ["Walk"]
    assert rig.daemon._writes.pending == 2
    assert rig.daemon.status().done_today == 1
    calls.fail_at = None  # space again: the next wake-up writes them
    rig.at(datetime(2026, 3, 2, 9, 31, tzinfo=BERLIN))
    assert rig.daemon._writes.pending == 0
    assert rig.events() == [("walk", Kind.PROMPTED, "daemon"), ("walk", Kind.DONE, "cli")]


def test_a_clock_jump_is_told_by_the_clocks(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "test-daemon")
    rig.clocks.jumped = timedelta(hours=5)
    rig.at(rig.clock.now + timedelta(hours=5))  # the wall clock moved, the others did not
    assert "the clock changed: every routine counts afresh from now" in caplog.text
    due = [u.due for u in rig.daemon.status().upcoming]
    assert len(due) == 2 and min(due) >= rig.clock.now + 2 * M  # counted afresh, quietly
    assert rig.titles() == []


def test_replaced_sources_are_used_at_once_and_the_old_ones_closed(rig: Rig) -> None:
    sources = rig.daemon._sources
    new = Desk()
    new.idle = timedelta(minutes=10)  # someone away for ten minutes
    sources.replace(new, [])
    assert rig.desk.closed == 2  # as monitor and as probe
    assert sources.look() == (timedelta(minutes=10), None)
    sources.replace(None, [])  # idle detection turned off
    assert new.closed == 1
    assert sources.monitor_name is None
    assert sources.look() == (None, None)


def test_a_failing_wake_up_is_logged(
    rig: Rig, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(event: object) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(rig.daemon.engine, "handle", broken)
    rig.at(rig.clock.now + M)  # raises nothing: the timer's next wake-up comes all the same
    assert "the daemon's wake-up failed; it goes on" in caplog.text


def test_after_a_freeze_each_routine_is_shown_once(tmp_path: Path) -> None:
    """The process was frozen (SIGSTOP, a debugger) through three walk intervals and two
    switch-position intervals, its clocks running on: the first wake-up after it shows each
    routine once, not one reminder per missed interval, and nothing more comes at the next
    wake-ups, until a routine's next interval has passed. (On a made-up clock: the real-time
    version of this test froze a daemon for 20 s.)"""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)  # a Monday
    routines = (every(30), every(40, rid="switch-position"))
    rig = Rig(tmp_path, start, routines=routines)
    rig.daemon.start()
    try:
        rig.at(start)
        rig.at(start + 100 * M)  # frozen from 09:00 to 10:40: no wake-up in between
        rig.shown.wait(rig.service)
        prompted = [(routine, kind) for routine, kind, _ in rig.events()]
        assert sorted(prompted) == [
            ("switch-position", Kind.PROMPTED),
            ("walk", Kind.PROMPTED),
        ]
        for minutes in range(101, 110):  # the timer's wake-ups, each minute
            rig.at(start + minutes * M)
        rig.shown.wait(rig.service)
        assert len(rig.events()) == 2, f"a burst after the freeze: {rig.events()}"
        rig.at(start + 130 * M)  # a walk interval after the catch-up
        rig.shown.wait(rig.service)
        later = [routine for routine, kind, _ in rig.events()[2:] if kind is Kind.PROMPTED]
        assert later == ["walk"]  # (the unanswered ones are recorded as missed meanwhile)
    finally:
        rig.daemon.stop()
        rig.service.close(5)
