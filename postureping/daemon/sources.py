"""The desktop as the reminder engine sees it: the idle monitor and the hold probes.

`Sources.look()` asks both once: how long since the last input (None when it cannot be told
now), and why reminders must wait (do not disturb, a fullscreen window...), or None. The
engine says when to look (`Engine.wants_look`), and whether the probes matter then
(`Engine.wants_holds`); the daemon looks on its timer's thread. With the holds it also asks
`breaks()`: whether the desktop's own movement breaks are on (GNOME's, read by
postureping.desktop.gnome_breaks), where the settings leave the walk to them (`desktop_breaks`).

Threading: `look`, `replace` and `close` may come from different threads (the timer's, a
reload's); one lock keeps them apart, as the monitor and probe contracts ask (one call at a
time). Each look returns within about 2 s: their D-Bus calls carry timeouts.

Probes that can tell when their answer changes (dnd.base.WatchingProbe: sway's windows, the
notification server's `Inhibited`) call the function given to `on_change` from their own
threads; the daemon passes its `poke`, so a reminder held by a fullscreen window comes as soon
as the window leaves fullscreen, not at the next look.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from postureping.daemon.settings import DaemonSettings
from postureping.dnd.base import HoldProbe, can_watch
from postureping.dnd.registry import choose_hold_probes
from postureping.dnd.registry import hold_reason as probes_reason
from postureping.idle.base import IdleMonitor, IdleUnavailable
from postureping.idle.registry import choose_idle_monitor, describe


class Sources:
    def __init__(
        self, monitor: IdleMonitor | None, probes: Sequence[HoldProbe], log: logging.Logger
    ) -> None:
        self._monitor = monitor
        self._probes = list(probes)
        self._log = log
        self._lock = threading.Lock()
        self._failing = False  # the monitor failed at the last look (logged once)
        # Whether the desktop's own movement breaks are on (GNOME's), when the settings leave
        # routines to them; None: not asked. Set by the daemon's wiring, at start and reload.
        self.desktop_breaks: Callable[[], bool] | None = None
        self._breaks_seen: bool | None = None
        self._changed: Callable[[], None] | None = None
        self._watch(self._probes)

    @property
    def monitor_name(self) -> str | None:
        """The idle monitor in use ("x11", "gnome"...), None when idle time is not watched."""
        return None if self._monitor is None else self._monitor.name

    def on_change(self, changed: Callable[[], None]) -> None:
        """Call `changed()` (from a probe's thread; it must return at once) when a probe's
        answer may have changed."""
        self._changed = changed

    def _probe_changed(self) -> None:
        if (changed := self._changed) is not None:
            changed()

    def _watch(self, probes: Sequence[HoldProbe]) -> None:
        for probe in probes:
            if can_watch(probe):
                probe.watch(self._probe_changed)

    def look(self, *, holds: bool = True) -> tuple[timedelta | None, str | None]:
        """(idle time, hold reason) now; the idle time is None without a monitor, or when it
        fails (logged once until it works again); the hold reason None also when `holds` is
        false (the probes are not asked)."""
        with self._lock:
            return self._idle(), probes_reason(self._probes) if holds else None

    def breaks(self) -> bool:
        """Whether the desktop's own movement breaks are on now (False when not asked); a
        change is logged."""
        reader = self.desktop_breaks
        on = reader() if reader is not None else False
        if reader is not None and on != self._breaks_seen:
            self._breaks_seen = on
            self._log.info("GNOME's movement breaks are %s", "on" if on else "off")
        return on

    def _idle(self) -> timedelta | None:
        monitor = self._monitor
        if monitor is None:
            return None
        try:
            idle = monitor.idle_time()
        except IdleUnavailable as reason:
            if not self._failing:
                self._log.warning("idle time unavailable (%s): %s", monitor.name, reason)
                self._failing = True
            return None
        if self._failing:
            self._log.info("idle time available again (%s)", monitor.name)
            self._failing = False
        return idle

    def replace(self, monitor: IdleMonitor | None, probes: Sequence[HoldProbe]) -> None:
        """Watch with these from now on (a reload changed `activity.idle`,
        `respect_do_not_disturb` or `never_hold`); the old ones are closed."""
        with self._lock:
            old_monitor, old_probes = self._monitor, self._probes
            self._monitor, self._probes = monitor, list(probes)
            self._failing = False
            _close(old_monitor, old_probes)
            self._watch(self._probes)

    def close(self) -> None:
        with self._lock:
            _close(self._monitor, self._probes)


def _close(monitor: IdleMonitor | None, probes: Sequence[HoldProbe]) -> None:
    if monitor is not None:
        monitor.close()
    for probe in probes:
        probe.close()


def sources_differ(old: DaemonSettings, new: DaemonSettings) -> bool:
    """Whether `new` asks for other idle and do-not-disturb sources than `old`."""
    return (old.activity.idle, old.activity.respect_do_not_disturb, old.activity.never_hold) != (
        new.activity.idle,
        new.activity.respect_do_not_disturb,
        new.activity.never_hold,
    )


def choose_sources(
    settings: DaemonSettings, environ: Mapping[str, str], log: logging.Logger
) -> tuple[IdleMonitor | None, list[HoldProbe]]:
    """The idle monitor and the hold probes the settings ask for that work on this desktop,
    each choice logged."""
    monitor: IdleMonitor | None = None
    if settings.activity.idle:
        monitor, failed = choose_idle_monitor(environ)
        if monitor is not None:
            log.info("idle time from: %s", describe(monitor))
        else:
            reasons = "; ".join(f"{name}: {why}" for name, why in failed)
            log.info(
                "idle time unavailable; reminders come whether you are there or not (%s)", reasons
            )
    else:
        log.info("idle time: not watched (activity.idle = false)")
    probes: list[HoldProbe] = []
    if settings.activity.respect_do_not_disturb:
        probes, _ = choose_hold_probes(environ, frozenset(settings.activity.never_hold))
        if probes:
            log.info("reminders wait for: %s", ", ".join(p.name for p in probes))
    else:
        log.info("do not disturb: not respected (activity.respect_do_not_disturb = false)")
    return monitor, probes
