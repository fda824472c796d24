"""The apscheduler adapter with real threads: how it stops."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from postureping.scheduler import ReminderScheduler
from postureping.timescale import Timescale


def test_stop_waits_for_a_running_job_that_schedules_another() -> None:
    """A reminder schedules its answer deadline from inside its job. Stopping while such a
    job runs used to deadlock: apscheduler waited for the job while it held the lock that
    the job needed to add its own."""
    now = datetime.now(UTC)
    scheduler = ReminderScheduler(ZoneInfo("UTC"), Timescale(now), logging.getLogger("test"))
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def job() -> None:
        started.set()
        release.wait(10)
        scheduler.once("deadline", datetime.now(UTC) + timedelta(hours=1), print)
        finished.set()

    scheduler.start()
    scheduler.once("reminder", datetime.now(UTC), job)
    assert started.wait(10)
    stopper = threading.Thread(target=scheduler.stop, daemon=True)
    stopper.start()
    release.set()  # the job goes on while stop() is under way
    stopper.join(10)
    assert not stopper.is_alive(), "stop() hung"
    assert finished.is_set()
