"""The reminder daemon: wires the schedule, the store and the notifiers together.

Data flow: the scheduler's thread calls `remind(routine_id)` when a routine is due; it checks
the active window once more, appends a `prompted` event to the store, and hands the reminder
to the notification service, whose own worker thread shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from postureping.events import Event, Kind
from postureping.hours import ActiveHours
from postureping.notify.service import NotificationService
from postureping.reminder import Reminder
from postureping.routines import Routine
from postureping.schedule import may_fire
from postureping.scheduler import ReminderScheduler
from postureping.store import EventStore, StoreError
from postureping.timescale import Timescale


@dataclass(frozen=True)
class DaemonConfig:
    routines: tuple[Routine, ...]
    hours: ActiveHours
    zone: ZoneInfo
    notification_timeout: timedelta
    demo: bool = False


class Daemon:
    def __init__(
        self,
        config: DaemonConfig,
        store: EventStore,
        notifications: NotificationService,
        log: logging.Logger,
        clock: Callable[[], datetime],
    ) -> None:
        self.config = config
        self._store = store
        self._notifications = notifications
        self._log = log
        self._clock = clock
        now = clock()
        self.timescale = Timescale.demo(now) if config.demo else Timescale(now)
        # Demo mode ignores active hours so a newcomer sees reminders at any time of day.
        self.hours = ActiveHours.always() if config.demo else config.hours
        self._routines = {r.id: r for r in config.routines}
        self._scheduler = ReminderScheduler(
            config.routines, self.hours, config.zone, self.timescale, on_due=self.remind, log=log
        )

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        self._scheduler.stop()

    def next_reminders(self) -> list[tuple[Routine, datetime]]:
        """Enabled routines with their next real due time, soonest first."""
        times = self._scheduler.next_times()
        pairs = [(self._routines[rid], due) for rid, due in times.items()]
        return sorted(pairs, key=lambda pair: pair[1])

    def remind(self, routine_id: str) -> None:
        """Called on the scheduler's thread when a routine is due."""
        routine = self._routines[routine_id]
        now = self._clock()
        if not may_fire(routine, self.hours, self.config.zone, self.timescale.to_schedule(now)):
            self._log.info("held the %r reminder: outside active hours", routine_id)
            return
        source = "demo" if self.config.demo else "daemon"
        try:
            self._store.append(Event.new(routine.id, Kind.PROMPTED, source, now))
        except StoreError as error:
            # The reminder still matters more than its record; a later issue retries writes.
            self._log.error("could not record the %r reminder: %s", routine_id, error)
        self._log.info("reminder: %s", routine.title)
        self._notifications.deliver(
            Reminder.for_routine(routine, self.config.notification_timeout, demo=self.config.demo)
        )
