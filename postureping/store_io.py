"""The operating-system calls the event store makes on its files, behind one object.

The store never calls `os` for file I/O directly, so a test can hand it a `FileCalls`
that fails on cue (a full disk at the third call, an I/O error from then on) and check
that every failure is reported and leaves the history intact. Production uses `SYSTEM`.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

# Binary mode matters on Windows, where the C runtime would otherwise translate newlines.
BINARY = getattr(os, "O_BINARY", 0)


class FileCalls:
    """Thin wrappers of the `os` functions of the same names; each may raise OSError."""

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        return os.open(path, flags | BINARY, mode)

    def close(self, fd: int) -> None:
        os.close(fd)

    def write(self, fd: int, data: bytes | memoryview) -> int:
        return os.write(fd, data)

    def pread(self, fd: int, length: int, offset: int) -> bytes:
        if sys.platform == "win32":
            # Windows has no pread; the position does not matter to an O_APPEND writer.
            os.lseek(fd, offset, os.SEEK_SET)
            return os.read(fd, length)
        return os.pread(fd, length, offset)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def ftruncate(self, fd: int, length: int) -> None:
        os.ftruncate(fd, length)

    def fstat(self, fd: int) -> os.stat_result:
        return os.fstat(fd)

    def fchmod(self, fd: int, mode: int) -> None:
        if sys.platform != "win32":  # permission bits mean nothing there
            os.fchmod(fd, mode)

    def mkdir(self, path: Path, mode: int) -> None:
        path.mkdir(mode)

    def chmod(self, path: Path, mode: int) -> None:
        path.chmod(mode)


SYSTEM = FileCalls()


def read_all(calls: FileCalls, fd: int, start: int, end: int) -> bytes:
    """The bytes from `start` to `end`, in pieces: one read returns at most about 2 GiB."""
    chunks = []
    while start < end:
        chunk = calls.pread(fd, min(end - start, 1 << 30), start)
        if not chunk:
            break  # the file is shorter than it was: nothing more to read
        chunks.append(chunk)
        start += len(chunk)
    return b"".join(chunks)


def write_all(calls: FileCalls, fd: int, data: bytes) -> None:
    """Write all of `data`: a short write (a disk filling up) is finished by more writes,
    which the lock keeps together, or ends in the OSError that explains it."""
    view = memoryview(data)
    while view:
        written = calls.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[written:]


def count_lines(calls: FileCalls, fd: int, end: int) -> int:
    """How many newlines the file has before `end`."""
    count, offset = 0, 0
    while offset < end:
        chunk = calls.pread(fd, min(1 << 24, end - offset), offset)
        if not chunk:
            break
        count += chunk.count(b"\n")
        offset += len(chunk)
    return count
