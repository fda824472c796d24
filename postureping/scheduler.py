"""The apscheduler adapter: one job per enabled routine, timed by the pure schedule core.

apscheduler sleeps until the next due job (no polling), runs jobs on its own worker thread,
and with coalesce=True turns the runs missed while the process was frozen into one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from postureping.hours import ActiveHours
from postureping.routines import At, Routine
from postureping.schedule import LATE_LIMIT, next_due
from postureping.timescale import Timescale


class RoutineTrigger(BaseTrigger):  # type: ignore[misc]
    """Asks postureping.schedule when the routine is next due, in schedule time."""

    __slots__ = ("hours", "routine", "timescale", "zone")

    def __init__(
        self, routine: Routine, hours: ActiveHours, zone: ZoneInfo, timescale: Timescale
    ) -> None:
        self.routine = routine
        self.hours = hours
        self.zone = zone
        self.timescale = timescale

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        scale = self.timescale
        previous = scale.to_schedule(previous_fire_time) if previous_fire_time else None
        due = next_due(self.routine, self.hours, self.zone, previous, scale.to_schedule(now))
        return scale.to_real(due) if due is not None else None

    def __str__(self) -> str:
        return f"routine[{self.routine.id}: {self.routine.describe_cadence()}]"


class ReminderScheduler:
    """Runs `on_due(routine_id)` whenever a routine is due."""

    def __init__(
        self,
        routines: tuple[Routine, ...],
        hours: ActiveHours,
        zone: ZoneInfo,
        timescale: Timescale,
        *,
        on_due: Callable[[str], None],
        log: logging.Logger,
    ) -> None:
        self._log = log
        self._timescale = timescale
        # One worker is enough: a job only records an event and queues a notification.
        self._scheduler = BackgroundScheduler(
            timezone=zone,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        for routine in routines:
            if not routine.enabled:
                continue
            late_limit = max(1, round(LATE_LIMIT.total_seconds() / timescale.speed))
            self._scheduler.add_job(
                on_due,
                trigger=RoutineTrigger(routine, hours, zone, timescale),
                args=(routine.id,),
                id=routine.id,
                name=routine.title,
                # Interval routines catch up once by themselves (see schedule.next_due);
                # a fixed-time reminder that is too late is dropped rather than shown stale.
                misfire_grace_time=late_limit if isinstance(routine.cadence, At) else None,
            )

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def next_times(self) -> dict[str, datetime]:
        """The next real time each scheduled routine fires, by routine id."""
        return {
            job.id: job.next_run_time
            for job in self._scheduler.get_jobs()
            if job.next_run_time is not None
        }

    def _on_missed(self, event: JobExecutionEvent) -> None:
        scheduled = self._timescale.to_schedule(event.scheduled_run_time)
        self._log.info(
            "skipped the %s reminder for %r: it is too late now (the computer was asleep "
            "or postureping was not running)",
            scheduled.strftime("%H:%M"),
            event.job_id,
        )
