"""Files that the CLI writes for the user (a report, an export): whole or not at all.

The content goes to a temporary file in the same folder, is flushed to disk, and then
renamed over the target, so a reader (or a crash) sees the old file or the new one, never
half of one. The file is private (0600): it holds the user's history. A folder that does
not exist is created private (0700) only when the caller says so (a default location);
a folder the user named must exist.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

FILE_MODE = 0o600
DIR_MODE = 0o700


@contextmanager
def replacing(
    path: Path, *, make_folder: bool = False, newline: str | None = None
) -> Iterator[TextIO]:
    """A UTF-8 text file that becomes `path` when the block ends without an exception;
    on an exception nothing changes and the temporary file is removed. Raises OSError."""
    if make_folder and not path.parent.is_dir():
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with (
        _temporary(path, FILE_MODE) as fd,
        os.fdopen(fd, "w", encoding="utf-8", newline=newline) as file,
    ):
        yield file
        file.flush()
        os.fsync(file.fileno())


def replace_bytes(path: Path, data: bytes, mode: int) -> None:
    """Make `data` the content of `path` (created with `mode`, less the umask) as
    `replacing` does; the folder must exist. Raises OSError."""
    with _temporary(path, mode) as fd, os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


@contextmanager
def _temporary(path: Path, mode: int) -> Iterator[int]:
    """A new file beside `path`, renamed over it once the block has written and closed it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, mode)
    try:
        yield fd
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
