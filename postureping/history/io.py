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

    def stat(self, path: Path) -> os.stat_result:
        return path.stat()

    def fchmod(self, fd: int, mode: int) -> None:
        if sys.platform != "win32":  # permission bits mean nothing there
            os.fchmod(fd, mode)

    def mkdir(self, path: Path, mode: int) -> None:
        path.mkdir(mode)

    def chmod(self, path: Path, mode: int) -> None:
        path.chmod(mode)


SYSTEM = FileCalls()


def read_all(calls: FileCalls, fd: int, start: int, end: int) -> bytes:
    """The bytes from `start` to `end`, or to the end of the file if it comes first.

    One read may return fewer bytes than asked, and not only at the end of the file: a
    network or FUSE file system, or a signal, cuts it short (and one read returns at most
    about 2 GiB). So this reads on until it has them all; only an empty read means the end.
    It never asks for zero bytes, which some fault injectors cannot take."""
    chunks = []
    while start < end:
        chunk = calls.pread(fd, min(end - start, 1 << 30), start)
        if not chunk:
            break  # the file is shorter than it was: nothing more to read
        chunks.append(chunk)
        start += len(chunk)
    return b"".join(chunks)


def read_exactly(calls: FileCalls, fd: int, start: int, end: int) -> bytes:
    """The bytes from `start` to `end`, all of them (see `read_all`). Raises OSError if the
    file ends before `end`: it got shorter since its size was taken, which the lock rules
    out for postureping's own writers, and offsets counted from that size would be wrong."""
    data = read_all(calls, fd, start, end)
    if len(data) < end - start:
        raise OSError(
            errno.EIO,
            f"the file got shorter while it was read (at byte {start + len(data)}, "
            f"not {end}); did another program change it?",
        )
    return data


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
