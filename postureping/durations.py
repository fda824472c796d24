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


SPOKEN_HELP = 'a duration like 30m, 1h30m, "30 minutes", "1 hour" or "90 min"'
_SPOKEN_UNITS = {
    **dict.fromkeys(("d", "day", "days"), "d"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
}
_SPOKEN_PART = re.compile(r"(\d+)\s*([a-z]+)")
_SPOKEN_WHOLE = re.compile(r"\d+\s*[a-z]+(?:\s*(?:,|and)?\s*\d+\s*[a-z]+)*")


def parse_spoken_duration(text: str, maximum: timedelta = MAX_DURATION) -> timedelta:
    """A duration as typed on the command line: the settings' form (30m, 1h30m), or in words
    ("30 minutes", "1 hour 30 minutes", "90 min", "1 h and 30 min"). Largest unit first,
    each at most once, as in parse_duration; raises ValueError saying what is allowed."""
    words = text.strip().lower()
    if not _SPOKEN_WHOLE.fullmatch(words):
        raise ValueError(f"not {SPOKEN_HELP}")
    compact = ""
    for number, unit in _SPOKEN_PART.findall(words):
        if unit not in _SPOKEN_UNITS:
            raise ValueError(f"unknown unit {unit!r}: {SPOKEN_HELP}")
        compact += number + _SPOKEN_UNITS[unit]
    try:
        return parse_duration(compact, maximum)
    except ValueError as error:
        reason = str(error).split(":")[0]
        raise ValueError(
            f"{reason}: {SPOKEN_HELP}" if "at most" not in reason else reason
        ) from None


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
