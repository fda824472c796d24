"""An exclusive advisory lock on an open file, across processes.

The daemon and the CLI may write the event history at the same moment; every writer and
reader holds this lock while it touches the file. All OS-specific locking lives here.

POSIX: flock(2) on the whole file; it works on descriptors opened read-only, and the kernel
drops it if the process dies. Windows: msvcrt.locking on the file's first byte (locking
beyond the end of a file is allowed there, so an empty file works too); the lock is
mandatory on Windows, which is why readers take it as well.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

LOCK_TIMEOUT = 5.0  # seconds; writers hold the lock for one write and an fsync

if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        # msvcrt.locking locks from the current position; LK_LOCK retries for about ten
        # seconds before it gives up with an OSError, which callers report.
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def try_lock(fd: int) -> bool:
        """Take the exclusive lock if nobody holds it; never waits. The kernel releases it
        when the process dies, however it dies."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(fd: int) -> None:
        """Wait for the lock at most LOCK_TIMEOUT: a process that holds it for longer is
        stuck, and the daemon must not hang with it."""
        deadline = time.monotonic() + LOCK_TIMEOUT
        pause = 0.001
        while not try_lock(fd):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"another process has held the file locked for over {LOCK_TIMEOUT:g} s"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


@contextmanager
def exclusive_lock(fd: int) -> Iterator[None]:
    """Hold an exclusive lock on the open file `fd` for the duration of the block.

    Waits at most LOCK_TIMEOUT for another process to release it, then raises OSError
    (TimeoutError). Advisory: it keeps out only code that takes it too.
    """
    _lock(fd)
    try:
        yield
    finally:
        _unlock(fd)
