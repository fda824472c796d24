"""FileCalls that fail or fall short on cue: the store's seam for fault injection."""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path

from postureping.history.io import FileCalls


class FaultyCalls(FileCalls):
    """Counts every call; makes call number `fail_at` (0-based) fail with `error`, and with
    `persistent` every call after it too. A failing write first writes half of its bytes
    for real, as a disk that fills up in the middle of a write does."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail_at: int | None = None
        self.persistent = False
        self.error = errno.ENOSPC

    def clear(self) -> None:
        self.fail_at = None

    def _check(self, name: str, fd: int | None = None, data: bytes | memoryview = b"") -> None:
        number = len(self.calls)
        self.calls.append(name)
        if self.fail_at is None:
            return
        if number == self.fail_at or (self.persistent and number > self.fail_at):
            if name == "write" and fd is not None and len(data) > 1:
                os.write(fd, data[: len(data) // 2])
            raise OSError(self.error, os.strerror(self.error))

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        self._check("open")
        return super().open(path, flags, mode)

    def close(self, fd: int) -> None:
        try:
            self._check("close")
        finally:
            super().close(fd)  # a failed close still closes, as on Linux

    def write(self, fd: int, data: bytes | memoryview) -> int:
        self._check("write", fd, data)
        return super().write(fd, data)

    def pread(self, fd: int, length: int, offset: int) -> bytes:
        self._check("pread")
        return super().pread(fd, length, offset)

    def fsync(self, fd: int) -> None:
        self._check("fsync")
        super().fsync(fd)

    def ftruncate(self, fd: int, length: int) -> None:
        self._check("ftruncate")
        super().ftruncate(fd, length)

    def fstat(self, fd: int) -> os.stat_result:
        self._check("fstat")
        return super().fstat(fd)

    def stat(self, path: Path) -> os.stat_result:
        self._check("stat")
        return super().stat(path)

    def fchmod(self, fd: int, mode: int) -> None:
        self._check("fchmod")
        super().fchmod(fd, mode)

    def mkdir(self, path: Path, mode: int) -> None:
        self._check("mkdir")
        super().mkdir(path, mode)

    def chmod(self, path: Path, mode: int) -> None:
        self._check("chmod")
        super().chmod(path, mode)


class ShortReads(FileCalls):
    """Returns fewer bytes than asked from every read of more than one byte, as FUSE, NFS
    or a signal can: a random part of the request, at least one byte, the same each run
    for one `seed`."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)
        self.short = 0  # how many reads came back short

    def pread(self, fd: int, length: int, offset: int) -> bytes:
        if length > 1:
            length = self._random.randint(1, length - 1)
            self.short += 1
        return super().pread(fd, length, offset)
