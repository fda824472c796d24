"""Text for a terminal: what postureping prints for people to read.

A routine's title comes from a settings file, a routine id or source from an imported
history, a path from anywhere: any of them may hold control characters that a terminal acts
on (ESC starts a sequence that sets the window title, clears the screen or recolours it; a
"\\r" overwrites what came before). Shown text goes through `visible`, which puts "?" in
place of each (one for one, so columns stay aligned) and keeps newlines and tabs. JSON and
CSV output are data for programs and keep the text exactly (JSON escapes control characters).

Standard output may also refuse what is written to it: the disk is full, or the reader left
(`postureping history | head`). `watch_stdout` makes such a failure an OutputError, which
the CLI's one handler tells apart from every other I/O error (see postureping.cli).
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# C0 controls other than newline and tab, DEL, and the C1 controls (U+0080 to U+009F).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character but newline and tab shown as "?"."""
    return _CONTROL.sub("?", text)


class OutputError(OSError):
    """Standard output could not be written; errno and strerror say why."""


class _Stdout(io.FileIO):
    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return super().write(data)
        except OSError as error:
            raise OutputError(error.errno, error.strerror) from None


def watch_stdout() -> None:
    """Make sys.stdout raise OutputError when the file or pipe behind it fails, keeping its
    encoding and buffering. Only the process's own standard output on a file descriptor is
    watched: a stream put in its place (a test's capture) is left as it is."""
    stream = sys.stdout
    if stream is None or stream is not sys.__stdout__ or not isinstance(stream, io.TextIOWrapper):
        return
    buffered = isinstance(stream.buffer, io.BufferedWriter)
    raw = stream.buffer.raw if isinstance(stream.buffer, io.BufferedWriter) else stream.buffer
    if type(raw) is not io.FileIO:  # a Windows console, say
        return
    stream.flush()
    watched = _Stdout(raw.fileno(), "w", closefd=False)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(watched) if buffered else watched,
        encoding=stream.encoding,
        errors=stream.errors,
        newline=None if os.name == "nt" else "\n",  # as Python sets up sys.stdout
        line_buffering=stream.line_buffering,
        write_through=stream.write_through,
    )


def discard_stdout() -> None:
    """Send what is left of standard output to the null device, so that the interpreter's
    last flush neither fails nor complains once a failure has been reported."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def warn(warnings: Iterable[str]) -> None:
    """Settings that are valid but probably a mistake, one line each on stderr: they do not
    stop the command, and they stay out of its output."""
    for warning in warnings:
        print(visible(f"postureping: warning: {warning}"), file=sys.stderr)
