"""What a routine is: the pure, validated shape the scheduler and the CLI work with.

Routines come from the built-in TOML files (routines/) and the user's settings file; both
are parsed and checked by postureping.settings.model, which builds these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from typing import Literal

from postureping.durations import format_duration, humanize

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS: frozenset[int] = frozenset(range(7))
# How a routine with steps offers its guided window (postureping.guide).
GuideMode = Literal["ask", "auto", "off"]


class Category(StrEnum):
    MOVEMENT = "movement"  # get up or move: a natural break can count for it (idle detection)
    SETUP = "setup"  # check the workplace
    TIP = "tip"  # advice to keep in mind
    EXERCISE = "exercise"  # a longer session
    CHECKIN = "checkin"  # a question about the user's back pain (postureping.checkin)


@dataclass(frozen=True)
class Step:
    text: str
    seconds: int | None = None  # how long to hold or repeat it; None for a plain checklist item
    # Done on one side, then the other, within `seconds`: the guide says "other side" halfway.
    per_side: bool = False

    def __str__(self) -> str:
        if not self.seconds:
            return self.text
        length = humanize(timedelta(seconds=self.seconds))
        return f"{self.text} ({length}{', half each side' if self.per_side else ''})"


@dataclass(frozen=True)
class Every:
    """An interval cadence: due `interval` after the previous reminder."""

    interval: timedelta

    def describe(self) -> str:
        return f"every {format_duration(self.interval)}"


@dataclass(frozen=True)
class At:
    """Fixed times of day, in the machine's local time zone."""

    times: tuple[time, ...]

    def describe(self) -> str:
        return "at " + ", ".join(t.strftime("%H:%M") for t in self.times)


Cadence = Every | At


@dataclass(frozen=True)
class Routine:
    """`message` is the routine's first message; `messages` all of them (at least that one),
    which reminders take in turn (postureping.messages). `guide` says whether a reminder with
    steps offers the guided window ("ask"), opens it instead of a notification ("auto"), or
    neither ("off")."""

    id: str
    title: str
    message: str
    category: Category
    duration: timedelta
    cadence: Cadence
    days: frozenset[int] = ALL_DAYS  # weekday numbers, Monday = 0
    enabled: bool = True
    steps: tuple[Step, ...] = field(default=())
    builtin: bool = True
    break_after: timedelta | None = None  # an absence this long counts as done; None: never
    count_active: bool = False  # an interval counts time at the computer only
    messages: tuple[str, ...] = ()  # empty: just `message`
    guide: GuideMode = "ask"

    @property
    def all_messages(self) -> tuple[str, ...]:
        return self.messages or (self.message,)

    @property
    def guided(self) -> bool:
        """Whether the guided window is offered for this routine: it has steps to walk through
        and its `guide` is not "off"."""
        return bool(self.steps) and self.guide != "off"

    def describe_cadence(self) -> str:
        text = self.cadence.describe()
        if self.days != ALL_DAYS:
            text += " on " + describe_days(self.days)
        return text

    def body(self, message: str | None = None) -> str:
        """The notification body: the message (`message`, else the first), then the steps, one
        a line."""
        lines = [message or self.message]
        lines += [f"{n}. {step}" for n, step in enumerate(self.steps, 1)]
        return "\n".join(lines)


def describe_days(days: frozenset[int]) -> str:
    """Compact weekday text: "mon-fri", "mon, wed, fri", "every day"."""
    if days == ALL_DAYS:
        return "every day"
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0]]}-{DAY_NAMES[ordered[-1]]}"
    return ", ".join(DAY_NAMES[d] for d in ordered)
