"""The history's folder and files: created private, synced, and opened only when they are
the user's own.

A history (or its .damaged file) that is a symbolic link, is not a regular file, or belongs
to another user, and a folder that belongs to another user, are refused with a StoreError
before a byte is read or written: someone else may have put them there, to make the
history's writes land in a file of their choosing (a link), to read it, or to make every
reader hang (a FIFO). The folder may be reached through a link: a user may keep the history
in a sync folder that way; the folder it leads to must still be theirs.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from contextlib import suppress
from pathlib import Path

from postureping.errors import UserError
from postureping.history.io import FileCalls

FILE_MODE = 0o600
DIR_MODE = 0o700
# Permission bits and owners mean nothing on Windows, where a user's files are private by
# default; nor can a folder be opened there to fsync it.
_POSIX = os.name == "posix"


def _foreign(uid: int) -> bool:
    """Whether a file owned by `uid` belongs to another user (never on Windows, where files
    have no uid)."""
    if sys.platform == "win32":
        return False
    return uid != os.geteuid()


# Never through a link at the file's own name, and never waiting if a FIFO is there.
_SAFE_OPEN = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class StoreError(UserError):
    """The event history could not be written or read; the message names the file."""


def prepare_folder(calls: FileCalls, folder: Path) -> None:
    """Create `folder` private (0700). An existing folder keeps its mode: it may be one the
    user chose for store.path, such as a sync folder or their home. Either way it must be
    the user's own (`check_folder`)."""
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            calls.mkdir(folder, DIR_MODE)
        except FileExistsError:
            pass  # made meanwhile, by another process: checked below as any other
        else:
            if _POSIX:
                calls.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
            sync_folder(calls, folder.parent)
    check_folder(calls, folder)


def check_folder(calls: FileCalls, folder: Path) -> bool:
    """Whether `folder` exists. Raises StoreError if it belongs to another user."""
    try:
        info = calls.stat(folder)
    except FileNotFoundError:
        return False
    if _foreign(info.st_uid):
        raise StoreError(
            f"refusing to use {folder}: the folder belongs to another user (uid {info.st_uid})"
        )
    return True


def open_file(calls: FileCalls, path: Path, flags: int, *, private: bool = False) -> int:
    """Open one of the history's files and check that it is a regular file of the user's
    own, at `path` itself. Raises StoreError if not, OSError if it cannot be opened. With
    `private`, makes it 0600: O_CREAT's mode is filtered by the umask, and an older file
    may be looser."""
    try:
        fd = calls.open(str(path), flags | _SAFE_OPEN, FILE_MODE)
    except OSError as error:
        # ELOOP (EMLINK on FreeBSD) is how O_NOFOLLOW refuses a link.
        if error.errno in {errno.ELOOP, errno.EMLINK} and path.is_symlink():
            raise StoreError(
                f"refusing to use {path}: it is a symbolic link, which could send the "
                "history elsewhere; if you made it, set store.path to where it points"
            ) from None
        raise
    try:
        info = calls.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"refusing to use {path}: it is not a regular file")
        if _foreign(info.st_uid):
            raise StoreError(
                f"refusing to use {path}: it belongs to another user (uid {info.st_uid})"
            )
        if private and _POSIX and info.st_mode & 0o777 != FILE_MODE:
            calls.fchmod(fd, FILE_MODE)
    except BaseException:
        with suppress(OSError):
            calls.close(fd)
        raise
    return fd


def sync_folder(calls: FileCalls, folder: Path) -> None:
    """fsync `folder`, so that a file just created in it is found after a crash."""
    if not _POSIX:
        return
    fd = calls.open(str(folder), os.O_RDONLY)
    try:
        calls.fsync(fd)
    except OSError as error:
        if error.errno != errno.EINVAL:  # some file systems cannot sync a folder
            raise
    finally:
        with suppress(OSError):
            calls.close(fd)


def reason(error: OSError) -> str:
    """What went wrong, for a message that names the file already."""
    return error.strerror or str(error)
