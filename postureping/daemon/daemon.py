"""The reminder daemon: wires the schedule, the store and the notifiers together, and answers
the tray, the notification buttons and the control socket (it implements Controller).

Data flow: the scheduler's thread calls `remind(routine_id)` when a routine is due; it checks
the pause and the active window, appends a `prompted` event to the store, opens the prompt
(awaiting an answer until `answer_within`, then recorded as `missed`), and hands the reminder
to the notification service, whose own worker thread shows it.

Threading: every public method may be called from any thread (scheduler, control socket,
tray, notification actions, activity watcher); one lock guards the state below. The reactions
to activity (holds, natural breaks, sleep, clock changes) are in daemon_activity.py.

`DaemonConfig` and `Gate` are imported from daemon_config.py and re-exported here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from postureping.controller import Answer, Prompt, Status, Upcoming
from postureping.daemon.activity import DEADLINE_JOB, ActivityReactions
from postureping.daemon.config import DaemonConfig, Gate, OpenPrompt
from postureping.daemon.scheduler import ReminderScheduler
from postureping.durations import format_duration
from postureping.errors import UserError
from postureping.events import IGNORED_SOURCES, Event, Kind
from postureping.hours import ActiveHours
from postureping.notify.service import NotificationService
from postureping.pause import PauseState, load_pause, save_pause
from postureping.pending_writes import PendingWrites
from postureping.reminder import Reminder
from postureping.routines import Routine
from postureping.schedule import may_fire
from postureping.store import EventStore, StoreError
from postureping.timescale import Timescale

__all__ = ["Daemon", "DaemonConfig", "Gate"]

ANSWER_KINDS = {Answer.DONE: Kind.DONE, Answer.SKIP: Kind.SKIPPED, Answer.SNOOZE: Kind.SNOOZED}
DEFAULT_SNOOZE = timedelta(minutes=10)
RESUME_JOB = "resume"
RETRY_JOB = "retry-writes"
RETRY_WRITES = timedelta(minutes=1)  # how soon to try again to write kept events


class Daemon(ActivityReactions):
    def __init__(
        self,
        config: DaemonConfig,
        store: EventStore,
        notifications: NotificationService,
        log: logging.Logger,
        clock: Callable[[], datetime],
        *,
        pause_file: Path | None = None,
        reload: Callable[[], DaemonConfig] | None = None,
        on_quit: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._writes = PendingWrites(store)
        self._notifications = notifications
        self._log = log
        self._clock = clock
        self._pause_file = pause_file
        self._reload = reload
        self._on_quit = on_quit
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Status], None]] = []
        now = clock()
        self.timescale = Timescale.demo(now) if config.demo else Timescale(now)
        self._scheduler = ReminderScheduler(config.zone, self.timescale, log)
        self._apply(config)
        self._open: dict[str, OpenPrompt] = {}
        self._held: dict[str, str] = {}  # routine id -> why its reminder waits
        self._quiet_until: datetime | None = None  # no reminder before (after a return)
        self.gate: Gate | None = None
        self._pause = PauseState()
        self._day = now.astimezone(config.zone).date()
        self._done_today, self._prompted_today = self._count_today(now)

    def _apply(self, config: DaemonConfig) -> None:
        self.config = config
        # Demo mode ignores active hours so a newcomer sees reminders at any time of day.
        self.hours = ActiveHours.always() if config.demo else config.hours
        self._routines = {r.id: r for r in config.routines}

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._scheduler.start()
        now = self._clock()
        if self._pause_file is not None:
            state, warning = load_pause(self._pause_file)
            if warning:
                self._log.warning("%s", warning)
            if state.active(now):
                self._hold(state)
                return
            if state.paused:
                self._save_pause(PauseState())  # it ended while the daemon was not running
        self._scheduler.schedule_routines(self.config.routines, self.hours, self.remind)

    def stop(self) -> None:
        self._scheduler.stop()
        with self._lock:
            if self._writes.pending and not self._writes.retry():
                self._log.error(
                    "%d event(s) could not be written to %s and are lost: %s",
                    self._writes.pending, self._store.path, self._writes.last_error,
                )  # fmt: skip

    # -- reminders ----------------------------------------------------------------------

    def remind(self, routine_id: str, *, forced: bool = False) -> None:
        """Show a routine's reminder: called on the scheduler's thread when it is due, or
        with `forced` for "remind me now" (no pause or active-hours check)."""
        with self._lock:
            routine = self._routines[routine_id]
            now = self._clock()
            if not forced:
                if self._pause.active(now):
                    return
                if not may_fire(
                    routine, self.hours, self.config.zone, self.timescale.to_schedule(now)
                ):
                    self._log.info("held the %r reminder: outside active hours", routine_id)
                    return
                if self._quiet_until is not None and now < self._quiet_until:
                    self._scheduler.postpone(routine_id, self._quiet_until)
                    return
                if self.gate is not None and (reason := self.gate.hold_reason()) is not None:
                    self._hold_reminder(routine_id, reason, self.gate)
                    return
            self._prompt(routine, now)
        self._changed()

    def _prompt(self, routine: Routine, now: datetime) -> None:
        """Show the reminder and open its prompt (under the lock)."""
        routine_id = routine.id
        # Shown first: a slow history file (see filelock) must not delay the reminder.
        self._log.info("reminder: %s", routine.title)
        self._show(routine)
        if routine_id in self._open:
            self._record(routine_id, Kind.MISSED, "daemon", now)  # a new prompt replaces it
        self._record(routine_id, Kind.PROMPTED, self._source, now)
        self._open[routine_id] = OpenPrompt(
            Prompt(routine_id, routine.title, now), self.config.renotify
        )
        self._schedule_deadline(routine_id, now)

    def _show(self, routine: Routine) -> None:
        self._notifications.deliver(
            Reminder.for_routine(routine, self.config.notification_timeout, demo=self.config.demo)
        )

    def _schedule_deadline(self, routine_id: str, now: datetime) -> None:
        """The next check of an open prompt: a re-notification, or the deadline itself;
        re-notifications split the answer time evenly."""
        steps = self.config.renotify + 1
        when = self._scheduler.scaled(now, self.config.answer_within / steps)
        self._scheduler.once(DEADLINE_JOB + routine_id, when, self._deadline, routine_id)

    def _deadline(self, routine_id: str) -> None:
        with self._lock:
            entry = self._open.get(routine_id)
            if entry is None:
                return
            now = self._clock()
            if entry.renotify_left > 0:
                entry.renotify_left -= 1
                self._log.info("reminder again: %s", entry.prompt.title)
                self._show(self._routines[routine_id])
                self._schedule_deadline(routine_id, now)
                return
            del self._open[routine_id]
            self._record(routine_id, Kind.MISSED, "daemon", now)
            self._log.info("no answer to the %r reminder: recorded as missed", routine_id)
        self._changed()

    @property
    def _source(self) -> str:
        return "demo" if self.config.demo else "daemon"

    def _record(
        self,
        routine_id: str,
        kind: Kind,
        source: str,
        now: datetime,
        snooze: timedelta | None = None,
    ) -> None:
        # Never raises: an event the history cannot take now (a full disk) waits in memory
        # and is written by _retry_writes, so the reminders go on and nothing is lost.
        if not self._writes.append(Event.new(routine_id, kind, source, now, snooze)):
            when = self._clock() + RETRY_WRITES
            self._scheduler.once(RETRY_JOB, when, self._retry_writes)
        self._roll_day(now)
        if source in IGNORED_SOURCES and not self.config.demo:
            return
        if kind is Kind.DONE:
            self._done_today += 1
        elif kind is Kind.PROMPTED:
            self._prompted_today += 1

    def _retry_writes(self) -> None:
        with self._lock:
            self._writes.retry()
            if self._writes.pending:
                self._scheduler.once(RETRY_JOB, self._clock() + RETRY_WRITES, self._retry_writes)

    def _roll_day(self, now: datetime) -> None:
        today = now.astimezone(self.config.zone).date()
        if today != self._day:
            self._day, self._done_today, self._prompted_today = today, 0, 0

    def _count_today(self, now: datetime) -> tuple[int, int]:
        midnight = datetime.combine(self._day, datetime.min.time(), self.config.zone)
        try:
            events = self._store.read(since=midnight).events
        except StoreError as error:
            self._log.warning("%s", error)
            return 0, 0
        counted = [e for e in events if self.config.demo or e.source not in IGNORED_SOURCES]
        return (
            sum(e.kind is Kind.DONE for e in counted),
            sum(e.kind is Kind.PROMPTED for e in counted),
        )

    # -- Controller -----------------------------------------------------------------------

    def status(self) -> Status:
        with self._lock:
            now = self._clock()
            self._roll_day(now)
            paused = self._pause.active(now)
            upcoming = tuple(
                Upcoming(rid, self._routines[rid].title, due)
                for rid, due in sorted(self._scheduler.next_times().items(), key=lambda p: p[1])
                if rid in self._routines
            )
            latest = max(self._open.values(), key=lambda e: e.prompt.shown_at, default=None)
            return Status(
                now=now,
                paused=paused,
                paused_until=self._pause.until if paused else None,
                upcoming=upcoming,
                awaiting=latest.prompt if latest else None,
                done_today=self._done_today,
                prompted_today=self._prompted_today,
                demo=self.config.demo,
                routines=tuple((r.id, r.title) for r in self.config.routines if r.enabled),
                activity=self.gate.activity() if self.gate is not None else None,
                held=tuple(self._held),
            )

    def pause(self, until: datetime | None) -> Status:
        with self._lock:
            if until is not None and until <= self._clock():
                raise UserError("a pause must end in the future")
            self._hold(PauseState(paused=True, until=until))
            self._save_pause(self._pause)
            self._log.info("paused %s", f"until {until:%a %H:%M}" if until else "until resumed")
        self._changed()
        return self.status()

    def _hold(self, state: PauseState) -> None:
        self._pause = state
        self._scheduler.clear_routines()
        if state.until is not None:
            self._scheduler.once(RESUME_JOB, state.until, self._resume_at_end)
        else:
            self._scheduler.cancel(RESUME_JOB)

    def _resume_at_end(self) -> None:
        self.resume()

    def resume(self) -> Status:
        with self._lock:
            was_paused = self._pause.paused
            self._pause = PauseState()
            self._save_pause(self._pause)
            self._scheduler.cancel(RESUME_JOB)
            # Every routine counts afresh from now: no burst of what the pause held back.
            self._scheduler.schedule_routines(self.config.routines, self.hours, self.remind)
            if was_paused:
                self._log.info("resumed")
        self._changed()
        return self.status()

    def _save_pause(self, state: PauseState) -> None:
        if self._pause_file is None:
            return
        try:
            save_pause(self._pause_file, state)
        except OSError as error:
            self._log.error("could not save the pause state %s: %s", self._pause_file, error)

    def answer(
        self, answer: Answer, routine_id: str | None, source: str, snooze: timedelta | None = None
    ) -> str:
        with self._lock:
            now = self._clock()
            if routine_id is None:
                latest = max(self._open.values(), key=lambda e: e.prompt.shown_at, default=None)
                if latest is None:
                    raise UserError("no reminder awaits an answer; name the routine")
                routine_id = latest.prompt.routine_id
            routine = self._routine(routine_id)
            kind = ANSWER_KINDS[answer]
            duration = (snooze or DEFAULT_SNOOZE) if answer is Answer.SNOOZE else None
            self._record(routine.id, kind, source, now, duration)
            if self._open.pop(routine.id, None) is not None:
                self._scheduler.cancel(DEADLINE_JOB + routine.id)
            message = f"{routine.title}: {kind}"
            if duration is not None:
                when = self._scheduler.scaled(now, duration)
                if not self._pause.active(now):
                    self._scheduler.postpone(routine.id, when)
                local = when.astimezone(self.config.zone)
                message = (
                    f"{routine.title}: snoozed for {format_duration(duration)}, until {local:%H:%M}"
                )
            self._log.info("%s (%s)", message, source)
        self._changed()
        return message

    def trigger(self, routine_id: str) -> None:
        self.remind(self._routine(routine_id).id, forced=True)

    def reload(self) -> str:
        if self._reload is None:
            raise UserError("this daemon cannot reload its settings")
        config = replace(
            self._reload(), zone=self.config.zone, demo=self.config.demo
        )  # raises ConfigError
        with self._lock:
            self._apply(config)
            for routine_id in [r for r in self._open if r not in self._routines]:
                del self._open[routine_id]
            if not self._pause.active(self._clock()):
                self._scheduler.schedule_routines(config.routines, self.hours, self.remind)
            enabled = sum(r.enabled for r in config.routines)
            self._log.info("settings reloaded: %d routines enabled", enabled)
        self._changed()
        return f"Settings reloaded: {enabled} routines enabled."

    def quit(self) -> None:
        if self._on_quit is not None:
            self._on_quit()

    def subscribe(self, listener: Callable[[Status], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _changed(self) -> None:
        """Tell the listeners (the tray), outside the lock so they may call back."""
        with self._lock:
            listeners = list(self._listeners)
        if not listeners:
            return
        status = self.status()
        for listener in listeners:
            try:
                listener(status)
            except Exception:  # a listener's bug must not break the daemon
                self._log.exception("a status listener failed")

    def _routine(self, routine_id: str) -> Routine:
        routine = self._routines.get(routine_id)
        if routine is None:
            valid = ", ".join(self._routines)
            raise UserError(f"unknown routine {routine_id!r}; valid routines: {valid}")
        return routine

    def next_reminders(self) -> list[tuple[Routine, datetime]]:
        """Enabled routines with their next real due time, soonest first."""
        return [(self._routines[u.routine_id], u.due) for u in self.status().upcoming]
