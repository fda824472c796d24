"""Which of a routine's messages a reminder shows: each in turn, never the same twice in a row.

Pure: no clock, no files. The pick is pseudo-random, drawn from the routine's id and the time
of the prompt, so that the message shown at a prompt can be told again from the history
(which records the prompt's time, not its text): a daemon that restarts seeds its memory
with the latest prompt of each routine today and does not, as a rule, repeat it. The one
exception is a prompt whose first draw hit the message before it (and so took another): its
message is then not the one recomputed, and the first reminder after a restart may repeat it.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from postureping.routines import Routine


def draw_for(routine_id: str, when: datetime) -> int:
    """The pseudo-random number of a prompt of `routine_id` at `when` (to the second)."""
    return zlib.crc32(f"{routine_id}@{int(when.timestamp())}".encode())


def pick(count: int, last: int | None, draw: int) -> int:
    """The index of the message to show out of `count`: `draw` modulo `count`, except that it
    is never `last` when there is another to choose (then one of the others, by `draw`)."""
    if count <= 1:
        return 0
    first = draw % count
    if first != last:
        return first
    return (first + 1 + (draw // count) % (count - 1)) % count


class MessageTurns:
    """The message each routine showed last. Not thread-safe (the engine's, on its thread)."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def seed(self, routine: Routine, prompted_at: datetime) -> None:
        """The routine was last prompted at `prompted_at` (by an earlier run of the daemon)."""
        count = len(routine.all_messages)
        self._last[routine.id] = pick(count, None, draw_for(routine.id, prompted_at))

    def advance(self, routine: Routine, now: datetime) -> str:
        """The message for a new prompt of `routine` at `now`."""
        messages = routine.all_messages
        index = pick(len(messages), self._last.get(routine.id), draw_for(routine.id, now))
        self._last[routine.id] = index
        return messages[index]

    def current(self, routine: Routine) -> str:
        """The message its latest prompt showed (the first, before any prompt); a routine
        whose messages changed since (a reload) shows the first."""
        messages = routine.all_messages
        index = self._last.get(routine.id, 0)
        return messages[index] if index < len(messages) else messages[0]
