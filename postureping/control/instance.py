"""One daemon per user: a lock file in the runtime folder, held for the daemon's life.

The kernel drops the lock when the process ends, however it ends, so a daemon killed with
SIGKILL never blocks the next start; whatever it left behind (the socket) is stale once the
next daemon holds the lock.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from postureping.errors import UserError
from postureping.filelock import try_lock

FOLDER_MODE = 0o700


class AlreadyRunning(UserError):
    def __init__(self, pid: str) -> None:
        who = f" (process {pid})" if pid else ""
        super().__init__(f"postureping is already running{who}; `postureping status` shows it")


def private_folder(folder: Path) -> Path:
    """Create `folder` private to the user, or check that an existing one is: a socket in a
    folder others can write to could be replaced by theirs."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if sys.platform != "win32":  # on Windows the folder is in the user's profile
        info = folder.stat()
        if info.st_uid != os.getuid():
            raise UserError(f"{folder} belongs to another user; refusing to use it")
        if info.st_mode & 0o077:
            folder.chmod(FOLDER_MODE)
    return folder


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning naming the running daemon's process."""
        private_folder(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
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
