"""How much input postureping accepts: the size and nesting of the settings, the length of a
line and the size of a history file to import.

Every limit is far above what a real file holds, and low enough that a file that never ends
(/dev/zero), a line without end or a value nested thousands of levels deep is refused with a
clear message instead of exhausting memory or Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

MAX_SETTINGS_BYTES = 1 << 20  # a settings file: a few KiB, with comments
MAX_DEPTH = 16  # levels of tables and lists: the settings need 5 (routines.ID.steps[0].text)
MAX_LINE = 1 << 16  # a line of a history file: about 200 bytes
MAX_IMPORT_BYTES = 1 << 28  # a history file to import: some 250 years of a busy day's events
_CHUNK = 1 << 16

Loc = tuple[int | str, ...]


class TooLarge(ValueError):
    """A file over its size limit; the message says which limit."""


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of `path`, if there are at most `limit` of them. Raises TooLarge, OSError."""
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"is larger than {_size(limit)}")
    return data


def too_deep(value: Any, limit: int = MAX_DEPTH) -> Loc | None:
    """Where nested dicts and lists in `value` go more than `limit` levels deep (the path
    of keys and indexes to the first such place), or None. Without recursion, so any depth
    is measured."""
    stack: list[tuple[Any, Loc]] = [(value, ())]
    while stack:
        node, loc = stack.pop()
        if not isinstance(node, dict | list | tuple):
            continue
        if len(loc) >= limit:
            return loc
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((child, (*loc, key)) for key, child in items)
    return None


def text_depth(text: str) -> int:
    """How deeply [ ] and { } nest in `text` read as JSON (brackets inside strings do not
    count), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def bounded_lines(
    file: BinaryIO, max_line: int = MAX_LINE, max_total: int = MAX_IMPORT_BYTES
) -> Iterator[bytes | None]:
    """The lines of `file`, each with its newline (the last may lack one); None in place of a
    line longer than `max_line`, which is read past, never kept. Raises TooLarge past
    `max_total` bytes in all, OSError."""
    total = 0
    while line := file.readline(max_line + 1):
        total += len(line)
        overlong = len(line) > max_line
        while overlong and not line.endswith(b"\n"):  # the rest of it, a chunk at a time
            _check_total(total, max_total)
            line = file.readline(_CHUNK)
            if not line:
                break
            total += len(line)
        _check_total(total, max_total)
        yield None if overlong else line


def _check_total(total: int, limit: int) -> None:
    if total > limit:
        raise TooLarge(f"is larger than {_size(limit)}")


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"
