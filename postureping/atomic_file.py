"""Files that postureping writes (a report, an export, the settings cache, the pause state, a
starter settings file, an autostart entry): whole or not at all, private, never planted.

The content goes to a temporary file in the same folder, is flushed to disk, and then
renamed over the target, so a reader (or a crash) sees the old file or the new one, never
half of one. The temporary file has a name nobody can guess and is created exclusively
(tempfile.mkstemp: O_EXCL, O_NOFOLLOW, mode 0600), so a file or a symbolic link that someone
else left in a shared folder is never written into or through. The rename replaces a symbolic
link at the target itself, never the file it points to.

An output the user named that is not a regular file (a FIFO, a device such as /dev/null) is
written into, as a shell redirection would, not replaced by a file; and so is whatever a
symbolic link of the user's or root's leads to (/dev/stdout, a link of one's own). A link
that another user owns is never followed, so a link someone planted in a shared folder
cannot send the output to a device or into another file.

Every file is private (0600): it holds the user's history or settings. A folder that does
not exist is created private (0700) only when the caller says so (a default location); a
folder the user named must exist.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

FILE_MODE = 0o600
DIR_MODE = 0o700


@contextmanager
def replacing(
    path: Path, *, make_folder: bool = False, newline: str | None = None, output: bool = False
) -> Iterator[TextIO]:
    """A UTF-8 text file that becomes `path` when the block ends without an exception;
    on an exception nothing changes and the temporary file is removed. With `output` (a
    path the user named for a command's output), a FIFO or a device at `path` is written
    into instead. Raises OSError."""
    if make_folder:
        private_folder(path.parent)
    with _writing(path, output=output) as binary:
        file = io.TextIOWrapper(binary, encoding="utf-8", newline=newline)
        try:
            yield file
            file.flush()
        finally:
            file.detach()  # _writing closes the file


def replace_bytes(path: Path, data: bytes) -> None:
    """Make `data` the content of `path` as `replacing` does; the folder must exist.
    Raises OSError."""
    with _writing(path) as file:
        file.write(data)


def private_folder(folder: Path) -> None:
    """Create `folder` and any missing parents, 0700 as the XDG base directory specification
    asks, unless it exists. Raises OSError."""
    if folder.is_dir():
        return
    if folder.parent != folder:
        private_folder(folder.parent)
    folder.mkdir(mode=DIR_MODE, exist_ok=True)


@contextmanager
def _writing(path: Path, *, output: bool = False) -> Iterator[BinaryIO]:
    """A binary file whose content becomes `path`'s: straight into an existing FIFO or
    device if `output`, else through a temporary file renamed over `path` once written
    and synced."""
    special = _special_output(path) if output else None
    if special is not None:
        with os.fdopen(special, "wb") as file:
            yield file
        return
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _special_output(path: Path) -> int | None:
    """A file descriptor open for writing on what `path` is, when the output goes into it
    rather than through a temporary file: a FIFO, a device or a socket; or whatever a
    symbolic link of the user's or root's leads to (`/dev/stdout`, a link of one's own), a
    regular file then emptied first, as a shell redirection would. None for a regular file,
    nothing, or a symbolic link of another user, dangling or in a loop: those are replaced.
    Raises OSError for a folder."""
    try:
        link = path.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISREG(link.st_mode):
        return None
    is_link = stat.S_ISLNK(link.st_mode)
    if is_link and sys.platform != "win32" and link.st_uid not in (os.getuid(), 0):
        return None
    if stat.S_ISDIR(link.st_mode) or (is_link and path.is_dir()):
        raise IsADirectoryError(21, "is a folder", str(path))
    # No O_CREAT: into what is there, or nothing.
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:  # a dangling link
        return None
    if stat.S_ISREG(os.fstat(fd).st_mode):
        if not is_link:  # the name changed hands since the lstat: replace it after all
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
    return fd
