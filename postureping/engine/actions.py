"""What the reminder engine asks its adapters to do, in order."""

from __future__ import annotations

from dataclasses import dataclass

from postureping.history.events import Event
from postureping.pause import PauseState
from postureping.reminder import Reminder


@dataclass(frozen=True)
class Show:
    """Show `reminder`; a reminder with the `key` of one shown before replaces it."""

    reminder: Reminder


@dataclass(frozen=True)
class Withdraw:
    """Close the notification with this key (answered, missed, or replaced)."""

    key: str


@dataclass(frozen=True)
class Record:
    """Append this event to the history."""

    event: Event


@dataclass(frozen=True)
class SavePause:
    state: PauseState


@dataclass(frozen=True)
class Log:
    text: str
    warning: bool = False


@dataclass(frozen=True)
class Said:
    """The one-line answer to the request that came in (an answer, a reload...)."""

    text: str


Action = Show | Withdraw | Record | SavePause | Log | Said
