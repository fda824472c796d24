"""The apscheduler adapter: one job per enabled routine, timed by the pure schedule core.

apscheduler sleeps until the next due job (no polling), runs jobs on its own worker thread,
and with coalesce=True turns the runs missed while the process was frozen into one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from postureping.hours import ActiveHours
from postureping.routines import At, Routine
from postureping.schedule import LATE_LIMIT, next_due
from postureping.timescale import Timescale


class _PoolExecutor(BasePoolExecutor):  # type: ignore[misc]
    """apscheduler's thread pool executor, on a pool of ours (see ReminderScheduler.stop)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        super().__init__(pool)


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


ROUTINE_JOB = "routine:"  # job ids: "routine:walk"; one-off jobs use other prefixes


class ReminderScheduler:
    """apscheduler with one job per enabled routine, and one-off jobs for the daemon's own
    timers (a snooze, the deadline for an answer, the end of a pause). Thread-safe."""

    def __init__(self, zone: ZoneInfo, timescale: Timescale, log: logging.Logger) -> None:
        self._zone = zone
        self._log = log
        self._timescale = timescale
        # One worker is enough: a job only records an event and queues a notification.
        self._workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postureping-job")
        self._scheduler = BackgroundScheduler(
            timezone=zone,
            executors={"default": _PoolExecutor(self._workers)},
            # Two instances: a run that comes due while the last one of the same job is still
            # going (it was frozen mid-write by a suspend) waits for it instead of being
            # dropped; coalescing still makes all the runs missed meanwhile one.
            job_defaults={"coalesce": True, "max_instances": 2},
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        """Stop, after the job that is running, if one is, has finished."""
        if self._scheduler.running:
            # Not shutdown(wait=True): apscheduler waits for the running job while it holds
            # the lock that the job needs to add a job of its own (a reminder schedules its
            # deadline), and the daemon hung on SIGTERM. The pool is waited for outside it.
            self._scheduler.shutdown(wait=False)
        # Runs queued meanwhile (a catch-up reminder) are dropped: the daemon is going away.
        self._workers.shutdown(wait=True, cancel_futures=True)

    def schedule_routines(
        self, routines: tuple[Routine, ...], hours: ActiveHours, on_due: Callable[[str], None]
    ) -> None:
        """Replace the routine jobs: each enabled routine counts from now."""
        self.clear_routines()
        late_limit = max(1, round(LATE_LIMIT.total_seconds() / self._timescale.speed))
        for routine in routines:
            if not routine.enabled:
                continue
            self._scheduler.add_job(
                on_due,
                trigger=RoutineTrigger(routine, hours, self._zone, self._timescale),
                args=(routine.id,),
                id=ROUTINE_JOB + routine.id,
                name=routine.title,
                # Interval routines catch up once by themselves (see schedule.next_due);
                # a fixed-time reminder that is too late is dropped rather than shown stale.
                misfire_grace_time=late_limit if isinstance(routine.cadence, At) else None,
            )

    def clear_routines(self) -> None:
        for job in self._scheduler.get_jobs():
            if job.id.startswith(ROUTINE_JOB):
                job.remove()

    def postpone(self, routine_id: str, when: datetime) -> bool:
        """Move a routine's next reminder to `when`; its cadence goes on from there."""
        job = self._scheduler.get_job(ROUTINE_JOB + routine_id)
        if job is None:
            return False
        job.modify(next_run_time=when)
        return True

    def once(self, job_id: str, when: datetime, func: Callable[..., None], *args: object) -> None:
        """Run `func(*args)` at `when` (a real time), replacing a job of the same id."""
        self._scheduler.add_job(
            func, "date", run_date=when, args=args, id=job_id, replace_existing=True,
            misfire_grace_time=None,
        )  # fmt: skip

    def wakeup(self) -> None:
        """Have the scheduler look at its jobs now: its wait for the next one runs on the
        monotonic clock, which stops during a suspend, so after a resume it would oversleep."""
        self._scheduler.wakeup()

    def cancel(self, job_id: str) -> None:
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def scaled(self, now: datetime, duration: timedelta) -> datetime:
        """The real time `duration` of schedule time after `now` (shorter in demo mode)."""
        return self._timescale.to_real(self._timescale.to_schedule(now) + duration)

    def next_times(self) -> dict[str, datetime]:
        """The next real time each scheduled routine fires, by routine id."""
        return {
            job.id.removeprefix(ROUTINE_JOB): job.next_run_time
            for job in self._scheduler.get_jobs()
            if job.id.startswith(ROUTINE_JOB) and job.next_run_time is not None
        }

    def _on_missed(self, event: JobExecutionEvent) -> None:
        scheduled = self._timescale.to_schedule(event.scheduled_run_time).astimezone(self._zone)
        self._log.info(
            "skipped the %s reminder for %r: it is too late now (the computer was asleep "
            "or postureping was not running)",
            scheduled.strftime("%H:%M"),
            event.job_id.removeprefix(ROUTINE_JOB),
        )
