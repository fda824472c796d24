"""Single key presses from a terminal, without Enter and without echo, for the terminal view
of the guide: POSIX terminals (cbreak mode through termios) and the Windows console (msvcrt).

`read(timeout)` gives one of the names in KEYS, another printable character, or None when no
key came within `timeout` seconds. An escape sequence (an arrow key) is read whole and given
as "other", so that only the Esc key alone closes the guide.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import Any

ESC_WAIT = 0.05  # seconds: what follows an escape byte this soon is part of a sequence
KEYS = {" ": "space", "\r": "enter", "\n": "enter", "\x1b": "esc"}


class KeyReader:
    """Use as a context manager: the terminal's mode is restored on leaving."""

    def __init__(self) -> None:
        self._saved: list[Any] | None = None  # termios.tcgetattr's list

    def __enter__(self) -> KeyReader:
        if sys.platform != "win32":
            import termios  # noqa: PLC0415
            import tty  # noqa: PLC0415

            fd = sys.stdin.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if sys.platform != "win32" and self._saved is not None:
            import termios  # noqa: PLC0415

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)

    def read(self, timeout: float) -> str | None:
        if sys.platform == "win32":
            return _read_console(timeout)
        return _read_posix(timeout)


def _read_posix(timeout: float) -> str | None:
    import select  # noqa: PLC0415

    fd = sys.stdin.fileno()
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return None
    char = os.read(fd, 1).decode(errors="replace")
    if char == "":
        return "eof"
    if char == "\x1b":
        more = False
        while select.select([fd], [], [], ESC_WAIT)[0]:
            more = True
            if not os.read(fd, 16):
                break
        if more:
            return "other"
    return KEYS.get(char, char.lower())


def _read_console(timeout: float) -> str | None:
    if sys.platform != "win32":
        raise NotImplementedError("the Windows console only")
    import msvcrt  # noqa: PLC0415

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if msvcrt.kbhit():
            char = msvcrt.getwch()
            if char in ("\x00", "\xe0"):  # a function or arrow key: its second half follows
                msvcrt.getwch()
                return "other"
            return KEYS.get(char, char.lower())
        time.sleep(0.02)
    return None
