"""One daemon per user: a lock file in the runtime folder, held for the daemon's life.

The kernel drops the lock when the process ends, however it ends, so a daemon killed with
SIGKILL never blocks the next start; whatever it left behind (the socket) is stale once the
next daemon holds the lock.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from postureping.control.folder import private_folder
from postureping.errors import UserError
from postureping.history.lock import try_lock

# Never through a symbolic link: only we can write to the private folder, but the lock may
# have been planted before the folder was ours to check.
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class AlreadyRunning(UserError):
    def __init__(self, pid: str) -> None:
        who = f" (process {pid})" if pid else ""
        super().__init__(f"postureping is already running{who}; `postureping status` shows it")


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning naming the running daemon's process;
        UserError when the runtime folder or the lock file is not the user's own."""
        private_folder(self.path.parent)
        try:
            fd = os.open(self.path, _OPEN_FLAGS, 0o600)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UserError(
                    f"{self.path} is a symbolic link, which someone else may have planted; "
                    "refusing to follow it (remove it)"
                ) from error
            raise
        if not try_lock(fd):
            pid = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise AlreadyRunning(pid)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None
