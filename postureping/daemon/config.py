"""What the daemon is configured with, and what it asks the activity watcher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from postureping.controller import Activity, Prompt
from postureping.daemon_settings import DaemonSettings
from postureping.hours import ActiveHours
from postureping.routines import Routine


class Gate(Protocol):
    """The activity watcher, as the daemon sees it (postureping.daemon.watcher)."""

    def hold_reason(self) -> str | None:
        """Why reminders must wait now (away, do not disturb...), or None."""
        ...

    def watch_hold(self) -> None:
        """A reminder is held: look for the end of the hold (call `release_held` then)."""
        ...

    def activity(self) -> Activity: ...


@dataclass(frozen=True)
class DaemonConfig:
    routines: tuple[Routine, ...]
    hours: ActiveHours
    zone: ZoneInfo
    notification_timeout: timedelta
    answer_within: timedelta = timedelta(minutes=10)
    renotify: int = 0
    after_return: timedelta = timedelta(minutes=2)
    demo: bool = False

    @classmethod
    def from_settings(cls, settings: DaemonSettings, zone: ZoneInfo, *, demo: bool) -> DaemonConfig:
        return cls(
            routines=settings.routines,
            hours=settings.hours,
            zone=zone,
            notification_timeout=settings.notification_timeout,
            answer_within=settings.answer_within,
            renotify=settings.renotify,
            after_return=settings.after_return,
            demo=demo,
        )


@dataclass
class OpenPrompt:
    """A prompt awaiting an answer, and how many more times it may be shown again."""

    prompt: Prompt
    renotify_left: int
