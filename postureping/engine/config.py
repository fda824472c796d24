"""What the reminder engine is configured with: the settings it needs, as plain values
(made from the daemon's settings by postureping.daemon.settings.DaemonSettings.engine_config)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from postureping.hours import ActiveHours
from postureping.routines import Routine


@dataclass(frozen=True)
class EngineConfig:
    routines: tuple[Routine, ...]  # every routine, enabled or not (answers may name any)
    hours: ActiveHours
    zone: ZoneInfo
    notification_timeout: timedelta = timedelta(seconds=20)
    answer_within: timedelta = timedelta(minutes=10)
    renotify: int = 0
    away_after: timedelta = timedelta(minutes=2)
    after_return: timedelta = timedelta(minutes=2)
    # The idle monitor in use ("x11", "gnome"...), None when idle time is not watched: then
    # no idle samples are asked for and nobody is ever "away".
    idle_monitor: str | None = None
    demo: bool = False
    # Routines not reminded while the desktop's own movement breaks are on (GNOME's, with
    # activity.gnome_movement_breaks = "skip-walk"): each such reminder counts afresh instead.
    left_to_desktop: frozenset[str] = frozenset()

    @cached_property
    def enabled(self) -> tuple[Routine, ...]:
        return tuple(r for r in self.routines if r.enabled)
