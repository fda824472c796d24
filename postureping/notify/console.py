"""The terminal backend: prints reminders where the daemon runs. Also the last-resort fallback."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from postureping.notify.base import NotifyError
from postureping.reminder import APP_NAME, Reminder

INDENT = "    "

# Control characters other than newline and tab could move the cursor or recolour the
# terminal (a "\r" in a title would overwrite the time stamp); show them as "?".
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def format_reminder(reminder: Reminder, now: datetime) -> str:
    """`[postureping 14:05] Title`, then the body lines indented, ending with a newline."""
    lines = [f"[{APP_NAME} {now:%H:%M}] {_clean(reminder.title)}"]
    body = _clean(reminder.body).splitlines()
    lines += [f"{INDENT}{line}" if line.strip() else "" for line in body]
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    return _CONTROL.sub("?", text)


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
