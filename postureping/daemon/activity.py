"""The daemon's reactions to activity: reminders held while the user is away or busy, natural
breaks, suspends and clock changes (see postureping.daemon.watcher for where these come from).

`ActivityReactions` is a part of `Daemon` (a mixin), kept apart so that the daemon's module
stays about reminders and answers. It works on the daemon's state under the daemon's lock;
the attributes and methods it uses are declared below and defined by `Daemon`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from postureping.daemon.config import DaemonConfig, Gate, OpenPrompt
from postureping.daemon.scheduler import ReminderScheduler
from postureping.durations import format_duration
from postureping.events import Kind
from postureping.hours import ActiveHours
from postureping.pause import PauseState
from postureping.presence import Absence, credited
from postureping.routines import Every, Routine
from postureping.schedule import may_fire
from postureping.timescale import Timescale

RELEASE_JOB = "release-held"
DEADLINE_JOB = "deadline:"


class ActivityReactions:
    # Defined by Daemon.
    config: DaemonConfig
    hours: ActiveHours
    timescale: Timescale
    gate: Gate | None
    _lock: threading.RLock
    _clock: Callable[[], datetime]
    _log: logging.Logger
    _scheduler: ReminderScheduler
    _routines: dict[str, Routine]
    _pause: PauseState
    _open: dict[str, OpenPrompt]
    _held: dict[str, str]  # routine id -> why its reminder waits
    _quiet_until: datetime | None  # no reminder before this (after a return)

    if TYPE_CHECKING:  # Daemon's methods, declared for the type checker only

        def remind(self, routine_id: str, *, forced: bool = False) -> None: ...

        def _prompt(self, routine: Routine, now: datetime) -> None: ...

        def _record(self, routine_id: str, kind: Kind, source: str, now: datetime) -> None: ...

        def _changed(self) -> None: ...

    def _hold_reminder(self, routine_id: str, reason: str, gate: Gate) -> None:
        if routine_id not in self._held:
            self._log.info("held the %r reminder: %s", routine_id, reason)
        self._held[routine_id] = reason
        gate.watch_hold()

    def release_held(self) -> None:
        """The hold ended: each held reminder is shown once now (a held one whose active hours
        ended meanwhile waits for its next time), unless something holds them again."""
        with self._lock:
            now = self._clock()
            if self._quiet_until is not None and now < self._quiet_until:
                self._scheduler.once(RELEASE_JOB, self._quiet_until, self.release_held)
                return
            if self.gate is not None and (reason := self.gate.hold_reason()) is not None:
                self._held = dict.fromkeys(self._held, reason)
                self.gate.watch_hold()
                return
            held, self._held = list(self._held), {}
            schedule_now = self.timescale.to_schedule(now)
            for routine_id in held:
                routine = self._routines.get(routine_id)
                if routine is None or self._pause.active(now):
                    continue
                if may_fire(routine, self.hours, self.config.zone, schedule_now):
                    self._prompt(routine, now)
                    if isinstance(routine.cadence, Every):  # its interval counts from now
                        when = self._scheduler.scaled(now, routine.cadence.interval)
                        self._scheduler.postpone(routine_id, when)
        self._changed()

    @property
    def holding(self) -> bool:
        with self._lock:
            return bool(self._held)

    # -- activity: absences, sleep, clock changes ------------------------------------------

    def returned(self, absence: Absence, source: str) -> None:
        """The user came back after `absence` (source "idle"), or the computer woke up after
        sleeping that long (source "sleep"). Each movement routine it counts for is recorded
        as done and its interval restarts; "active"-count intervals move by the absence; and
        nothing is shown for `after_return`."""
        with self._lock:
            now = self._clock()
            length = self.timescale.to_schedule(absence.end) - self.timescale.to_schedule(
                absence.start
            )
            done = credited(self.config.routines, length)
            for routine in done:
                self._record(routine.id, Kind.DONE, source, now)
                self._held.pop(routine.id, None)
                if self._open.pop(routine.id, None) is not None:
                    self._scheduler.cancel(DEADLINE_JOB + routine.id)
            if done:
                names = ", ".join(r.id for r in done)
                self._log.info(
                    "a break of %s (%s) counts for: %s", format_duration(length), source, names
                )
            self._quiet(now)
            if not self._pause.active(now):
                self._restart(done, absence, now)
        self._changed()

    def _restart(self, done: list[Routine], absence: Absence, now: datetime) -> None:
        times = self._scheduler.next_times()
        credited_ids = {r.id for r in done}
        for routine in self.config.routines:
            if not isinstance(routine.cadence, Every) or routine.id not in times:
                continue
            if routine.id in credited_ids:
                self._scheduler.postpone(
                    routine.id, self._scheduler.scaled(now, routine.cadence.interval)
                )
            elif routine.count_active:
                self._scheduler.postpone(routine.id, times[routine.id] + absence.length)

    def clock_changed(self) -> None:
        """The wall clock was set: every routine counts afresh from now, after a quiet time."""
        with self._lock:
            now = self._clock()
            self._log.info("the clock changed: every routine counts afresh from now")
            self._quiet(now)
            if not self._pause.active(now):
                self._scheduler.schedule_routines(self.config.routines, self.hours, self.remind)
        self._changed()

    def _quiet(self, now: datetime) -> None:
        """No reminder for `after_return`: the due ones wait, then the held ones come."""
        until = self._scheduler.scaled(now, self.config.after_return)
        self._quiet_until = until
        for routine_id, due in self._scheduler.next_times().items():
            if due < until:
                self._scheduler.postpone(routine_id, until)
        self._scheduler.wakeup()
        if self._held:
            self._scheduler.once(RELEASE_JOB, until, self.release_held)
