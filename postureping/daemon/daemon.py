"""The reminder daemon: the engine's adapters, and the Controller the tray, the notification
buttons and the control channel talk to.

Every decision is the engine's (postureping.engine). The daemon feeds it, one event at a time
under one lock, and carries out the actions it returns: notifications go to the notification
service (shown on its own thread), events to the history (kept in memory while the disk
fails, written later), the pause to its file, lines to the log. After each event it arms the
timer (postureping.daemon.timer) for the engine's next wake-up; the timer also wakes it every
minute, so that a suspend or a clock change (told by the three clocks, postureping.wallclock)
is seen within a minute.

A wake-up, on the timer's thread: compare the clocks (a suspend or a clock change goes to the
engine first), look at the desktop if the engine asks (the idle monitor, and the hold probes
when a reminder is due; outside the lock: a slow D-Bus call must not block the CLI), then
tick.

Threading: every public method may be called from any thread. Listeners (the tray) are told
of a changed status after the lock is released, so they may call back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from postureping.checkin import DEFAULT_LEVELS, ROUTINE_ID, CheckIn, Levels
from postureping.controller import Answer, Status
from postureping.daemon.checkins import follow_up
from postureping.daemon.sources import Sources
from postureping.daemon.timer import Timer, WakeTimer
from postureping.engine.actions import Action, Log, Record, Said, SavePause, Show, Withdraw
from postureping.engine.config import EngineConfig
from postureping.engine.engine import Engine
from postureping.engine.inputs import (
    Answered,
    AnsweredShown,
    ClockChanged,
    Input,
    Look,
    Paused,
    Reloaded,
    Resumed,
    ScreenLock,
    Slept,
    Start,
    Tick,
    Triggered,
)
from postureping.errors import UserError
from postureping.history.checkins import LOOK_BACK, MARKER, record
from postureping.history.events import Kind
from postureping.history.pending import PendingWrites
from postureping.history.store import EventStore, StoreError
from postureping.notify.service import NotificationService
from postureping.pause import PauseState, load_pause, save_pause
from postureping.timescale import Timescale
from postureping.wallclock import Reading, gap

CLOCK_CHECK = timedelta(minutes=1)  # the clocks are compared at least this often
# Opens a routine's guided window: (routine id, what to do if it cannot be shown).
GuideOpener = Callable[[str, Callable[[], None] | None], None]


@dataclass
class _Outcome:
    """What carrying out one event's actions came to."""

    said: str = ""  # the engine's answer to a request
    unwritten: int = 0  # events the history could not take (kept in memory)


_EPOCH = datetime.fromtimestamp(0).astimezone()


class Daemon:
    def __init__(
        self,
        config: EngineConfig,
        *,
        store: EventStore,
        notifications: NotificationService,
        sources: Sources,
        log: logging.Logger,
        clock: Callable[[], datetime],
        pause_file: Path | None = None,
        reload: Callable[[], EngineConfig] | None = None,
        on_quit: Callable[[], None] | None = None,
        timer: Timer | None = None,
        readings: Callable[[datetime], Reading] = Reading.now,
        guide: GuideOpener | None = None,
        checkin: Levels = DEFAULT_LEVELS,
    ) -> None:
        """`timer` (default: apscheduler's, WakeTimer) calls `wake`; `readings` reads the three
        clocks at a wall time (tests with a made-up clock give their own); `guide` opens a
        routine's guided window (postureping.guide.launch), without waiting for it, and calls
        its second argument, when given, if the window could not be shown."""
        self._guide = guide
        self._store = store
        self._writes = PendingWrites(store)
        self._notifications = notifications
        self._sources = sources
        self._log = log
        self._clock = clock
        self._pause_file = pause_file
        self._reload = reload
        self._on_quit = on_quit
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Status], None]] = []
        self._shown: Status | None = None  # the status the listeners saw last
        now = clock()
        self.timescale = Timescale.demo(now) if config.demo else Timescale(now)
        self.engine = Engine(config, self.timescale)
        self._timer = timer if timer is not None else WakeTimer(self.wake, log, CLOCK_CHECK)
        self._readings = readings
        self._reading = readings(now)
        self._checkin = checkin

    @property
    def config(self) -> EngineConfig:
        return self.engine.config

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        now = self._clock()
        pause = PauseState()
        if self._pause_file is not None:
            pause, warning = load_pause(self._pause_file)
            if warning:
                self._log.warning("%s", warning)
        done, prompted, last_prompts = self._count_today(now)
        self._timer.start()
        with self._lock:
            self._handle(Start(now, pause, done, prompted, last_prompts))
        self._tell_listeners()

    def stop(self) -> None:
        self._timer.stop()
        with self._lock:
            if self._writes.pending and not self._writes.retry():
                self._log.error(
                    "%d event(s) could not be written to %s and are lost: %s",
                    self._writes.pending, self._store.path, self._writes.last_error,
                )  # fmt: skip

    # -- the engine's clock -------------------------------------------------------------

    def wake(self) -> None:
        """The timer's call (and logind's, after a resume, through `poke`). A bug here must
        not end the reminders: it is logged, and the timer armed again."""
        try:
            self._wake()
        except Exception:  # the timer's periodic wake-up comes all the same
            self._log.exception("the daemon's wake-up failed; it goes on")

    def _wake(self) -> None:
        now = self._clock()
        with self._lock:
            self._check_clocks(now)
            if self._writes.pending:
                self._writes.retry()
            looking = self.engine.wants_look(now)
            holds = looking and self.engine.wants_holds(now)
        if looking:
            idle, hold = self._sources.look(holds=holds)
            breaks = holds and self._sources.breaks()
        with self._lock:
            if looking:
                look = Look(now, idle, hold, holds_asked=holds, desktop_breaks=breaks)
                self._handle(look, rearm=False)
            self._handle(Tick(now))
        self._tell_listeners()

    def screen_lock(self, locked: bool) -> None:
        """The screen was locked or unlocked (the screen saver's or logind's reader thread)."""
        self._request(ScreenLock(self._clock(), locked))

    def poke(self) -> None:
        """Look now: the machine just woke up."""
        self._timer.wake_now()

    def _check_clocks(self, now: datetime) -> None:
        after = self._readings(now)
        change, self._reading = gap(self._reading, after), after
        if change is None:
            return
        if change.slept:
            self._handle(Slept(now, change.start, change.slept), rearm=False)
        if change.shift:
            self._handle(ClockChanged(now, change.shift), rearm=False)

    # -- carrying out what the engine says ----------------------------------------------

    def _handle(self, event: Input, *, rearm: bool = True) -> _Outcome:
        """Feed one event (under the lock) and carry out its actions."""
        outcome = _Outcome()
        for action in self.engine.handle(event):
            self._carry_out(action, outcome)
        if rearm:
            self._rearm(event.now)
        return outcome

    def _carry_out(self, action: Action, outcome: _Outcome) -> None:
        match action:
            case Show(reminder) if reminder.auto_guide and self._guide is not None:
                assert reminder.guide is not None
                # guide = "auto": the window instead; the notification if it cannot open.
                fallback = replace(reminder, auto_guide=False)
                self._guide(reminder.guide, lambda: self._notifications.deliver(fallback))
            case Show(reminder):
                self._notifications.deliver(reminder)
            case Withdraw(key):
                self._notifications.withdraw(key)
            case Record(event):
                # Never raises: an event the history cannot take now (a full disk) waits in
                # memory and is written at a later wake-up; the reminders go on.
                if not self._writes.append(event):
                    outcome.unwritten += 1
            case SavePause(state):
                if self._pause_file is not None:
                    try:
                        save_pause(self._pause_file, state)
                    except OSError as error:
                        self._log.error(
                            "could not save the pause state %s: %s", self._pause_file, error
                        )
            case Log(text, warning):
                self._log.log(logging.WARNING if warning else logging.INFO, "%s", text)
            case Said(text):
                outcome.said = text

    def _rearm(self, now: datetime) -> None:
        if (wake := self.engine.next_wake(now)) is not None:
            self._timer.arm(wake)

    def _count_today(self, now: datetime) -> tuple[int, int, tuple[tuple[str, datetime], ...]]:
        """Today's done and prompted counts, and each routine's latest prompt today."""
        zone = self.config.zone
        midnight = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), zone)
        try:
            events = self._store.read(since=midnight).events
        except StoreError as error:
            self._log.warning("%s", error)
            return 0, 0, ()
        prompts = {e.routine: e.ts for e in events if e.kind is Kind.PROMPTED}
        return (
            sum(e.kind is Kind.DONE for e in events),
            len([e for e in events if e.kind is Kind.PROMPTED]),
            tuple(prompts.items()),
        )

    # -- Controller -----------------------------------------------------------------------

    def status(self) -> Status:
        with self._lock:
            status = self.engine.status(self._clock())
        return replace(status, notifications=self._notifications.health())

    def pause(self, until: datetime | None) -> Status:
        self._request(Paused(self._clock(), until))
        return self.status()

    def resume(self) -> Status:
        self._request(Resumed(self._clock()))
        return self.status()

    def answer(
        self,
        answer: Answer,
        routines: tuple[str, ...] | None,
        source: str,
        snooze: timedelta | None = None,
    ) -> str:
        """The confirmation, once the answer is on disk; a UserError if it could not be
        written (it is kept in memory, and written when the history takes it again)."""
        outcome = self._request(Answered(self._clock(), answer, routines, source, snooze))
        if outcome.unwritten:
            raise UserError(
                f"not recorded: {self._writes.last_error}; the daemon keeps the answer in "
                "memory and writes it to the history when it can (it is lost if the daemon "
                "stops before then)"
            )
        return outcome.said

    def answer_shown(self, key: str, answer: Answer) -> None:
        """A button on a notification (the notifier's bus thread)."""
        self._request(AnsweredShown(self._clock(), key, answer))

    def check_in_shown(self, key: str, pain: int) -> None:
        """A pain level picked on the check-in's notification (the notifier's bus thread):
        the check-in is recorded and that reminder answered as done."""
        self._check_in(pain, "notification", lambda: self.answer_shown(key, Answer.DONE))

    def check_in(self, pain: int, source: str) -> str:
        """A pain level picked elsewhere (the tray): recorded, and an open check-in reminder
        answered as done."""

        def answer_open() -> None:
            with self._lock:
                status = self.engine.status(self._clock())
            if any(p.routine_id == ROUTINE_ID for p in status.open):
                self.answer(Answer.DONE, (ROUTINE_ID,), source)

        self._check_in(pain, source, answer_open)
        return f"Recorded: check-in, pain {pain}/10."

    def _check_in(self, pain: int, source: str, answer: Callable[[], None]) -> None:
        """Record the check-in, then `answer` its reminder, then show what it calls for
        (postureping.daemon.checkins)."""
        now = self._clock()
        try:
            before = self._store.read_marked(now - LOOK_BACK, MARKER)
        except StoreError as error:
            self._log.warning("%s", error)
            before = []
        recorded = record(before, CheckIn(pain), source, now, self._checkin.lasting_above)
        with self._lock:  # the history's pending writes are the daemon's, under its lock
            for event in recorded.events:
                self._writes.append(event)
        self._log.info("check-in: pain %d/10 (%s)", pain, source)
        answer()
        if recorded.guidance is not None:
            self._log.warning("check-in guidance: %s", ", ".join(recorded.guidance.flags))
        if (reminder := follow_up(recorded, pain, self._checkin)) is not None:
            self._notifications.deliver(reminder)

    def trigger(self, routine_id: str) -> None:
        self._request(Triggered(self._clock(), routine_id))

    def guide(self, routine_id: str) -> None:
        routine = next((r for r in self.config.routines if r.id == routine_id), None)
        if routine is None:
            valid = ", ".join(r.id for r in self.config.routines)
            raise UserError(f"unknown routine {routine_id!r}; valid routines: {valid}")
        if not routine.steps:
            raise UserError(f"routine {routine_id!r} has no steps to guide you through")
        if self._guide is None:
            raise UserError("this daemon cannot open the guide")
        self._guide(routine_id, None)

    def reload(self) -> str:
        if self._reload is None:
            raise UserError("this daemon cannot reload its settings")
        config = self._reload()  # raises ConfigError: the old settings stay
        return self._request(Reloaded(self._clock(), replace(config, demo=self.config.demo))).said

    def quit(self) -> None:
        if self._on_quit is not None:
            self._on_quit()

    def subscribe(self, listener: Callable[[Status], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _request(self, event: Input) -> _Outcome:
        with self._lock:
            outcome = self._handle(event)
        self._tell_listeners()
        return outcome

    def _tell_listeners(self) -> None:
        """Tell the listeners (the tray) of a changed status, outside the lock."""
        with self._lock:
            if not self._listeners:
                return
            status = self.engine.status(self._clock())
            seen = replace(status, now=_EPOCH)
            if seen == self._shown:
                return
            self._shown = seen
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(status)
            except Exception:  # a listener's bug must not break the daemon
                self._log.exception("a status listener failed")
