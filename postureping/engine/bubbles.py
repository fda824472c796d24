"""The reminders on screen: which notification shows which routines, and when each one is
shown again or given up as missed.

A `Bubble` is one notification. The routines it lists are its open prompts: each awaits an
answer, and a routine is in at most one bubble. Its timers (`check_at`) belong to it alone:
when a routine is reminded again, its old prompt leaves its old bubble, so an old deadline can
never reach a new prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Bubble:
    seq: int  # the order bubbles were made in
    routines: list[str]  # the routines it shows that still await an answer, in order
    shown_at: datetime  # when it was first shown
    last_shown: datetime  # when it was last (re)drawn: it is on screen until the timeout
    again_left: int  # how many more times it may be shown again before the deadline
    check_at: datetime  # the next "remind again", or the deadline when none is left

    @property
    def key(self) -> str:
        """The notification's key (Reminder.key)."""
        return f"r{self.seq}"


@dataclass
class Bubbles:
    by_key: dict[str, Bubble] = field(default_factory=dict)
    of_routine: dict[str, str] = field(default_factory=dict)  # routine id -> bubble key
    made: int = 0  # bubbles made so far

    def next_seq(self) -> int:
        self.made += 1
        return self.made

    def add(self, bubble: Bubble) -> None:
        self.by_key[bubble.key] = bubble
        for routine_id in bubble.routines:
            self.of_routine[routine_id] = bubble.key

    def holding(self, routine_id: str) -> Bubble | None:
        key = self.of_routine.get(routine_id)
        return self.by_key[key] if key is not None else None

    def remove(self, routine_id: str) -> Bubble | None:
        """Take the routine's prompt out of its bubble; the bubble (now perhaps empty)."""
        key = self.of_routine.pop(routine_id, None)
        if key is None:
            return None
        bubble = self.by_key[key]
        bubble.routines.remove(routine_id)
        if not bubble.routines:
            del self.by_key[key]
        return bubble

    def latest(self) -> Bubble | None:
        # By the order they were made, not by time: the clock may have been set back since.
        return max(self.by_key.values(), key=lambda b: b.seq, default=None)

    def due(self, now: datetime) -> list[Bubble]:
        return sorted(
            (b for b in self.by_key.values() if b.check_at <= now), key=lambda b: b.check_at
        )
