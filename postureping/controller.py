"""What the tray, the notification buttons and the control socket may ask of the daemon.

The daemon implements `Controller`; the adapters (tray, notification actions, socket server)
only talk to it through this protocol. Every method is thread-safe: adapters call from their
own threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol


class Answer(StrEnum):
    DONE = "done"
    SKIP = "skip"
    SNOOZE = "snooze"


@dataclass(frozen=True)
class PainPicked:
    """A pain level picked on the check-in's notification (postureping.checkin.BANDS)."""

    pain: int


@dataclass(frozen=True)
class Upcoming:
    routine_id: str
    title: str
    due: datetime  # aware


@dataclass(frozen=True)
class Prompt:
    """A reminder that was shown and awaits an answer."""

    routine_id: str
    title: str
    shown_at: datetime  # aware


@dataclass(frozen=True)
class BreakCounted:
    """A natural break that counted as done for some routines."""

    at: datetime  # when it was seen to end
    routines: tuple[str, ...]
    source: str  # "idle" (away from the computer) or "sleep" (the computer was suspended)


@dataclass(frozen=True)
class Activity:
    """What the daemon knows of the desktop (see postureping.daemon.sources and the engine)."""

    idle_monitor: str | None  # "x11", "gnome"...; None: idle time cannot be told here
    away: bool  # nobody at the computer, at the last look
    holding: str | None  # why reminders are held now ("fullscreen window: obs"), or None


@dataclass(frozen=True)
class NotifyHealth:
    """How the daemon's notifications have fared since it started (the daemon's, not the
    engine's: the engine never sees the desktop)."""

    backend: str  # "freedesktop", "plyer", "console"
    on_terminal: int  # reminders printed on the terminal because the backend failed
    troubles: tuple[str, ...] = ()  # the backend's latest troubles, oldest first, with times


@dataclass(frozen=True)
class Status:
    """A snapshot of the running daemon."""

    now: datetime
    paused: bool
    paused_until: datetime | None  # None while paused: indefinitely
    upcoming: tuple[Upcoming, ...]  # soonest first; empty while paused indefinitely
    awaiting: Prompt | None
    done_today: int
    prompted_today: int
    demo: bool = False
    routines: tuple[tuple[str, str], ...] = field(default=())  # (id, title) of enabled routines
    activity: Activity | None = None  # None: the daemon does not watch activity
    held: tuple[str, ...] = ()  # routines whose reminder waits for the hold to end
    open: tuple[Prompt, ...] = ()  # every reminder that awaits an answer, oldest first
    last_break: BreakCounted | None = None  # the latest break that counted as done
    notifications: NotifyHealth | None = None  # None: not known (the engine's own status)
    guided: tuple[str, ...] = ()  # routines with a guided window (steps, guide not "off")

    def to_json(self) -> dict[str, Any]:
        """The `status --json` document (see the README)."""
        return {
            "version": 1,
            "running": True,
            "demo": self.demo,
            "now": self.now.isoformat(),
            "paused": self.paused,
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
            "next": [
                {"routine": u.routine_id, "title": u.title, "due": u.due.isoformat()}
                for u in self.upcoming
            ],
            "awaiting": None
            if self.awaiting is None
            else {
                "routine": self.awaiting.routine_id,
                "title": self.awaiting.title,
                "shown_at": self.awaiting.shown_at.isoformat(),
            },
            "open": [
                {"routine": p.routine_id, "title": p.title, "shown_at": p.shown_at.isoformat()}
                for p in self.open
            ],
            "today": {"done": self.done_today, "prompted": self.prompted_today},
            "last_break": None
            if self.last_break is None
            else {
                "at": self.last_break.at.isoformat(),
                "routines": list(self.last_break.routines),
                "source": self.last_break.source,
            },
            "activity": {
                "idle_monitor": self.activity.idle_monitor if self.activity else None,
                "away": self.activity.away if self.activity else False,
                "holding": self.activity.holding if self.activity else None,
                "held": list(self.held),
            },
            "notifications": None
            if self.notifications is None
            else {
                "backend": self.notifications.backend,
                "on_terminal": self.notifications.on_terminal,
                "troubles": list(self.notifications.troubles),
            },
        }


class Controller(Protocol):
    """The daemon, as its adapters see it. Methods raise UserError for requests that cannot
    be done (an unknown routine, nothing awaiting an answer...), with a message for the user."""

    def status(self) -> Status: ...

    def pause(self, until: datetime | None) -> Status:
        """Hold every reminder until `until` (None: until resumed)."""
        ...

    def resume(self) -> Status: ...

    def answer(
        self,
        answer: Answer,
        routines: tuple[str, ...] | None,
        source: str,
        snooze: timedelta | None = None,
    ) -> str:
        """Record an answer for these routines, or, when None, for the reminder that awaits
        one (every routine of the latest notification); a snooze also reminds again after
        `snooze`. Returns a one-line confirmation."""
        ...

    def check_in(self, pain: int, source: str) -> str:
        """Record a pain check-in (0-10) and answer an open check-in reminder as done; show
        the guidance its warning signs call for. Returns a one-line confirmation."""
        ...

    def trigger(self, routine_id: str) -> None:
        """Remind now, whatever the schedule and the active hours."""
        ...

    def guide(self, routine_id: str) -> None:
        """Open the routine's guided window (in a process of its own), without waiting."""
        ...

    def reload(self) -> str:
        """Read the settings file again; raises ConfigError and keeps the old settings when
        it is invalid. Returns a one-line summary."""
        ...

    def quit(self) -> None: ...

    def subscribe(self, listener: Callable[[Status], None]) -> None:
        """Call `listener` (from any thread) whenever the status changes."""
        ...
