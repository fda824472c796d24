"""The terminal backend: prints reminders where the daemon runs. Also the last-resort fallback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from postureping.notify.base import NotifyError
from postureping.reminder import APP_NAME, Reminder
from postureping.terminal import visible

INDENT = "    "


def format_reminder(reminder: Reminder, now: datetime) -> str:
    """`[postureping 14:05] Title`, then the body lines indented, ending with a newline."""
    # Control characters could move the cursor or recolour the terminal (a "\r" in a title
    # would overwrite the time stamp): shown as "?".
    lines = [f"[{APP_NAME} {now:%H:%M}] {visible(reminder.title)}"]
    body = visible(reminder.body).splitlines()
    lines += [f"{INDENT}{line}" if line.strip() else "" for line in body]
    return "\n".join(lines) + "\n"


class ConsoleNotifier:
    """Prints each reminder to `stream` (sys.stdout at the time of the call by default)."""

    name = "console"

    def __init__(
        self, stream: TextIO | None = None, clock: Callable[[], datetime] = datetime.now
    ) -> None:
        self._stream = stream
        self._clock = clock

    def send(self, reminder: Reminder) -> None:
        if reminder.redraw:
            return  # what was printed stays printed
        # Looked up per call so a replaced sys.stdout (tests, redirection) is honoured.
        stream = self._stream if self._stream is not None else sys.stdout
        if stream is None:  # pythonw on Windows has no stdout
            raise NotifyError("no terminal to print reminders on")
        text = format_reminder(reminder, self._clock())
        encoding = getattr(stream, "encoding", None)
        if encoding:
            # A terminal that cannot show a character gets "?" rather than an exception.
            text = text.encode(encoding, "replace").decode(encoding)
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError) as error:  # a closed stream or a broken pipe
            raise NotifyError(f"could not print on the terminal ({error})") from error
