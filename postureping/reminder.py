"""A reminder as the notifiers see it: plain text, ready to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from postureping.routines import Routine

APP_NAME = "postureping"


@dataclass(frozen=True)
class Reminder:
    """Title and body are plain text: a notifier must show them literally (escaping markup
    itself where its server renders markup)."""

    routine_id: str
    title: str
    body: str
    timeout: timedelta
    demo: bool = False

    @classmethod
    def for_routine(cls, routine: Routine, timeout: timedelta, *, demo: bool = False) -> Reminder:
        title = f"[demo] {routine.title}" if demo else routine.title
        body = routine.body()
        if demo:
            body += "\n(postureping demo: one minute of the schedule lasts one second)"
        return cls(routine.id, title, body, timeout, demo)
