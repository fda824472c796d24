"""The activity watcher: the daemon's eyes on the user and the machine (an adapter).

One thread, "postureping-activity", owns the idle monitor and the hold probes, and samples:
- the idle time, when `Presence.next_check` says it is worth it (at most every 30 s, typically
  once per `away_after` while someone works), and reports each ended absence to the daemon
  (`Daemon.returned(absence, "idle")`);
- the three clocks (wallclock.py), at least once a minute and at once when woken (by logind's
  PrepareForSleep(false) through `wake()`), and reports a suspend (`returned(..., "sleep")`)
  or a clock change (`clock_changed()`);
- while the daemon holds reminders, every 30 s whether the hold is over (`release_held()`).

It is also the daemon's `Gate`: `hold_reason()` runs on the scheduler's thread with the
daemon's lock held, so it never calls the daemon; it takes a fresh idle sample only when the
last one is older than 30 s, and leaves an absence it finds for the thread to report.
Lock order: the daemon's lock, then this one; the thread calls the daemon without this lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from postureping.controller import Activity
from postureping.daemon_settings import DaemonSettings
from postureping.dnd.base import HoldProbe
from postureping.dnd.registry import choose_hold_probes
from postureping.dnd.registry import hold_reason as probes_reason
from postureping.idle.base import IdleMonitor, IdleUnavailable
from postureping.idle.registry import choose_idle_monitor
from postureping.presence import MIN_CHECK, Absence, Presence, break_thresholds
from postureping.wallclock import Reading, gap

CLOCK_CHECK = timedelta(minutes=1)
AWAY = "you are away from the computer"
BACK = "you just came back"
THREAD_NAME = "postureping-activity"


class Reactions(Protocol):
    """What the watcher tells the daemon (postureping.daemon.daemon.Daemon)."""

    @property
    def holding(self) -> bool: ...

    def returned(self, absence: Absence, source: str) -> None: ...

    def clock_changed(self) -> None: ...

    def release_held(self) -> None: ...


class ActivityWatcher:
    def __init__(
        self,
        presence: Presence,
        monitor: IdleMonitor | None,
        probes: Sequence[HoldProbe],
        clock: Callable[[], datetime],
        log: logging.Logger,
    ) -> None:
        self._presence = presence
        self._monitor = monitor
        self._probes = list(probes)
        self._clock = clock
        self._log = log
        self._daemon: Reactions | None = None
        self._lock = threading.Lock()  # the monitor, the probes, the presence, _ended
        self._ended: list[Absence] = []  # found by hold_reason(), reported by the thread
        self._holding: str | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._monitor_failed = False
        self.looks = 0  # how many times the thread looked (a spinning loop shows here)

    # -- life cycle -----------------------------------------------------------------------------

    def start(self, daemon: Reactions) -> None:
        self._daemon = daemon
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            _close(self._monitor, self._probes)

    def wake(self) -> None:
        """Look now (the machine just woke up, say)."""
        self._wake.set()

    def replace_sources(self, monitor: IdleMonitor | None, probes: Sequence[HoldProbe]) -> None:
        """Watch with these from now on (a reload changed `activity.idle`,
        `respect_do_not_disturb` or `never_hold`); the old ones are closed. An absence under
        way is forgotten: the new monitor is asked at once and starts afresh."""
        with self._lock:
            old_monitor, old_probes = self._monitor, self._probes
            self._monitor, self._probes = monitor, list(probes)
            self._monitor_failed = False
            self._presence.reset()
            self._ended.clear()
        _close(old_monitor, old_probes)
        self._wake.set()

    def retune(self, away_after: timedelta, thresholds: Sequence[timedelta]) -> None:
        """New settings (a reload): from now on, these thresholds; the current streak goes on."""
        with self._lock:
            self._presence.retune(away_after, thresholds)
        self._wake.set()

    # -- the Gate -------------------------------------------------------------------------------

    def hold_reason(self) -> str | None:
        with self._lock:
            now = self._clock()
            last = self._presence.last_sample
            if self._monitor is not None and (last is None or now - last >= MIN_CHECK):
                self._sample(now)
            if self._ended:
                reason: str | None = BACK  # the thread reports it; `after_return` follows
            elif self._monitor is not None and self._presence.away:
                reason = AWAY
            else:
                reason = probes_reason(self._probes)
            self._holding = reason
        if self._ended:
            self._wake.set()
        return reason

    def watch_hold(self) -> None:
        # From the watcher's own thread (release_held() found the hold still on), the next
        # look comes within MIN_CHECK anyway; waking it there would spin.
        if threading.current_thread() is not self._thread:
            self._wake.set()

    def activity(self) -> Activity:
        with self._lock:
            name = None if self._monitor is None or self._monitor_failed else self._monitor.name
            away = self._monitor is not None and self._presence.away
            return Activity(name, away, self._holding)

    # -- the thread ---------------------------------------------------------------------------

    def _sample(self, now: datetime) -> None:
        """One idle sample (under the lock); an ended absence goes to `_ended`."""
        assert self._monitor is not None
        try:
            idle = self._monitor.idle_time()
        except IdleUnavailable as reason:
            if not self._monitor_failed:
                self._log.warning("idle time unavailable (%s): %s", self._monitor.name, reason)
                self._monitor_failed = True
            self._presence.forget(now)  # unknown: as if present, so reminders are not held
            return
        if self._monitor_failed:
            self._log.info("idle time available again (%s)", self._monitor.name)
            self._monitor_failed = False
        if (absence := self._presence.observe(now, idle)) is not None:
            self._ended.append(absence)

    def _run(self) -> None:
        daemon = self._daemon
        assert daemon is not None
        before = Reading.now(self._clock())
        while not self._stopping.is_set():
            self._wake.wait(self._timeout(daemon))
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                before = self._look(daemon, before)
            except Exception:  # a bug here must not end the watching
                self._log.exception("the activity watcher failed; it goes on")

    def _timeout(self, daemon: Reactions) -> float:
        now = self._clock()
        wait = CLOCK_CHECK
        if daemon.holding:
            wait = min(wait, MIN_CHECK)
        if self._monitor is not None:
            with self._lock:
                wait = min(wait, self._presence.next_check(now) - now)
        return max(wait.total_seconds(), 0.0)

    def _look(self, daemon: Reactions, before: Reading) -> Reading:
        self.looks += 1
        now = self._clock()
        after = Reading.now(now)
        if (change := gap(before, after)) is not None:
            with self._lock:
                self._presence.forget(now)
                self._ended.clear()
            if change.slept:
                self._log.info("the computer slept for %s", change.slept)
                daemon.returned(Absence(change.start, change.start + change.slept), "sleep")
            if change.shift:
                daemon.clock_changed()
        with self._lock:
            if self._monitor is not None and now >= self._presence.next_check(now):
                self._sample(now)
            ended, self._ended = self._ended, []
        for absence in ended:
            daemon.returned(absence, "idle")
        if daemon.holding:
            daemon.release_held()  # it asks hold_reason() again and keeps what still waits
        return after


def _close(monitor: IdleMonitor | None, probes: Sequence[HoldProbe]) -> None:
    if monitor is not None:
        monitor.close()
    for probe in probes:
        probe.close()


def build_watcher(
    settings: DaemonSettings,
    environ: Mapping[str, str],
    clock: Callable[[], datetime],
    log: logging.Logger,
) -> ActivityWatcher:
    """The watcher the settings ask for, with the idle monitor and the hold probes that work
    on this desktop (each choice logged once)."""
    monitor, probes = choose_sources(settings, environ, log)
    presence = Presence(settings.away_after, break_thresholds(settings.routines))
    return ActivityWatcher(presence, monitor, probes, clock, log)


def sources_differ(old: DaemonSettings, new: DaemonSettings) -> bool:
    """Whether `new` asks for other idle and do-not-disturb sources than `old`."""
    return (old.idle, old.respect_do_not_disturb, old.never_hold) != (
        new.idle,
        new.respect_do_not_disturb,
        new.never_hold,
    )


def choose_sources(
    settings: DaemonSettings, environ: Mapping[str, str], log: logging.Logger
) -> tuple[IdleMonitor | None, list[HoldProbe]]:
    """The idle monitor and the hold probes the settings ask for that work on this desktop,
    each choice logged."""
    monitor: IdleMonitor | None = None
    if settings.idle:
        monitor, failed = choose_idle_monitor(environ)
        if monitor is not None:
            log.info("idle time from: %s", monitor.name)
        else:
            reasons = "; ".join(f"{name}: {why}" for name, why in failed)
            log.info(
                "idle time unavailable; reminders come whether you are there or not (%s)", reasons
            )
    else:
        log.info("idle time: not watched (activity.idle = false)")
    probes: list[HoldProbe] = []
    if settings.respect_do_not_disturb:
        probes, _ = choose_hold_probes(environ, settings.never_hold)
        if probes:
            log.info("reminders wait for: %s", ", ".join(p.name for p in probes))
    else:
        log.info("do not disturb: not respected (activity.respect_do_not_disturb = false)")
    return monitor, probes
