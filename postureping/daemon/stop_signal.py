"""The daemon's "time to stop": SIGINT or SIGTERM, or `set()` from any thread (Quit).

The main thread waits for it, and Python runs signal handlers only on the main thread. But
the kernel may deliver a signal to any thread of the process (to the scheduler's thread,
say): then Python's C-level handler only notes it, and a main thread blocked in a plain
`threading.Event.wait()` sleeps on, so the daemon ignored SIGTERM now and then. Here the main
thread waits on a pipe that the C-level handler writes to (`signal.set_wakeup_fd`) whichever
thread took the signal, and that `set()` writes to as well; once awake it runs the handler.

On Windows, where a console's Ctrl-C always runs its handler on the main thread, the wait is
the plain Event's.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_POSIX = sys.platform != "win32"


class StopSignal(threading.Event):
    """An Event that SIGINT and SIGTERM set; `install()` on the main thread, `close()` at
    the end."""

    def __init__(self) -> None:
        super().__init__()
        self._read_fd = self._write_fd = -1
        if sys.platform != "win32":  # (spelled out for the type checker)
            self._read_fd, self._write_fd = os.pipe()
            os.set_blocking(self._write_fd, False)  # set_wakeup_fd needs it; never wait

    def install(self) -> None:
        """Take over SIGINT and SIGTERM; call this on the main thread, first of all."""
        for number in SIGNALS:
            signal.signal(number, self._on_signal)
        if _POSIX:
            signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)

    def set(self) -> None:
        super().set()
        if _POSIX:
            with contextlib.suppress(OSError):  # full (a wake-up is waiting) or closed
                os.write(self._write_fd, b"\0")

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None or not _POSIX:
            return super().wait(timeout)
        while not self.is_set():
            # Returns when a byte comes; back in Python, the signal's handler (if one came)
            # runs before the loop looks again, on this, the main thread.
            select.select([self._read_fd], [], [])
            with contextlib.suppress(BlockingIOError, InterruptedError):
                os.read(self._read_fd, 512)
        return True

    def close(self) -> None:
        """Stop the wake-ups through the pipe and close it."""
        if not _POSIX or self._read_fd < 0:
            return
        with contextlib.suppress(ValueError):  # not the main thread
            signal.set_wakeup_fd(-1)
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._read_fd = self._write_fd = -1

    def _on_signal(self, _number: int, _frame: object) -> None:
        self.set()
