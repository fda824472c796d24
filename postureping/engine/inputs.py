"""What the reminder engine is told: one value per thing that happened. Each carries `now`,
the moment the adapter read the clock for it (aware; the engine never reads a clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from postureping.controller import Answer
from postureping.engine.config import EngineConfig
from postureping.pause import PauseState


@dataclass(frozen=True)
class Start:
    """The daemon starts: every routine counts from `now`. `pause` is the pause saved by an
    earlier run; `done_today` and `prompted_today` are today's counts in the history."""

    now: datetime
    pause: PauseState | None = None  # None: not paused
    done_today: int = 0
    prompted_today: int = 0
    # (routine id, time) of each routine's latest prompt today: which message it showed.
    last_prompts: tuple[tuple[str, datetime], ...] = ()


@dataclass(frozen=True)
class Tick:
    """Time passed: the engine's wake-up time came (or any moment; a tick is always safe)."""

    now: datetime


@dataclass(frozen=True)
class Look:
    """What the desktop says now: the time since the last input (None: unknown, as when the
    idle monitor fails) and why reminders must wait (do not disturb, a fullscreen window), or
    None. The adapter takes one when `Engine.wants_look(now)` says so, asking the hold probes
    only when `Engine.wants_holds(now)` does (`holds_asked`; without, `hold` means nothing).
    `desktop_breaks`: the desktop's own movement breaks are on (GNOME's), asked with the
    holds, and only where the settings leave routines to them."""

    now: datetime
    idle: timedelta | None
    hold: str | None
    holds_asked: bool = True
    desktop_breaks: bool = False


@dataclass(frozen=True)
class Slept:
    """The computer was suspended for `length`, from `start` (wall time), and woke up."""

    now: datetime
    start: datetime
    length: timedelta


@dataclass(frozen=True)
class ScreenLock:
    """The screen was locked (`locked`) or unlocked: the desktop's screen saver or logind
    said so. A lock means the user is away from `now`; telling the state it is in already
    changes nothing (several sources may tell of one lock)."""

    now: datetime
    locked: bool


@dataclass(frozen=True)
class ClockChanged:
    """The wall clock was set forward (`shift` > 0) or back."""

    now: datetime
    shift: timedelta


@dataclass(frozen=True)
class Answered:
    """An answer for these routines; None: for the reminder that awaits an answer (the
    latest notification's routines). `snooze` only with Answer.SNOOZE (default 10 min)."""

    now: datetime
    answer: Answer
    routines: tuple[str, ...] | None
    source: str
    snooze: timedelta | None = None


@dataclass(frozen=True)
class AnsweredShown:
    """A button on notification `key` (see Reminder.key): the answer is for every routine
    it shows that still awaits one."""

    now: datetime
    key: str
    answer: Answer
    source: str = "notification"


@dataclass(frozen=True)
class Paused:
    now: datetime
    until: datetime | None  # None: until resumed


@dataclass(frozen=True)
class Resumed:
    now: datetime


@dataclass(frozen=True)
class Triggered:
    """ "Remind me now": shown whatever the schedule, the pause and the holds."""

    now: datetime
    routine: str


@dataclass(frozen=True)
class Reloaded:
    """New settings (or new idle and do-not-disturb sources)."""

    now: datetime
    config: EngineConfig


Input = (
    Start
    | Tick
    | Look
    | Slept
    | ScreenLock
    | ClockChanged
    | Answered
    | AnsweredShown
    | Paused
    | Resumed
    | Triggered
    | Reloaded
)
