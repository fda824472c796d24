"""Durations as people write them in the settings file and on the command line: 30s, 45m, 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([dhms])")
_WHOLE = re.compile(r"(?:\d+[dhms])+")

DURATION_HELP = "a duration: whole numbers with units d, h, m or s, like 45s, 30m, 1h30m or 2h"
# Ten years: long enough for any history window, short enough for date arithmetic.
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str, maximum: timedelta = MAX_DURATION) -> timedelta:
    """Parse "1h30m"-style text into a positive timedelta of at most `maximum`.

    Raises ValueError with a message that says what is allowed. Units must come in
    descending order and at most once each (1h30m, not 30m1h), so a value has one reading.
    """
    compact = text.strip().lower().replace(" ", "")
    if compact.startswith("-"):
        raise ValueError(f"must be positive: {DURATION_HELP}")
    if not _WHOLE.fullmatch(compact):
        raise ValueError(f"not {DURATION_HELP}")
    units = [unit for _, unit in _PART.findall(compact)]
    order = list(_UNITS)
    if [order.index(u) for u in units] != sorted({order.index(u) for u in units}):
        raise ValueError(f"units out of order or repeated: {DURATION_HELP}")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(compact))
    if seconds == 0:
        raise ValueError(f"must be longer than zero: {DURATION_HELP}")
    if seconds > maximum.total_seconds():
        raise ValueError(f"must be at most {format_duration(maximum)}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The canonical text for a duration: format_duration(parse_duration(s)) round-trips."""
    seconds = round(value.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def humanize(value: timedelta) -> str:
    """A short spoken form for messages: "12 min", "1 h 5 min", "40 s"."""
    seconds = round(value.total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days = hours // 24
    return f"{days} days"
