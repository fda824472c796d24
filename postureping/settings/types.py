"""Field types of the settings file: each parses the text people write and, when it cannot,
says what is allowed. Shared by the built-in routine files and the user's settings."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, PlainSerializer
from pydantic_settings import NoDecode

from postureping.durations import format_duration, parse_duration
from postureping.hours import MINUTES_PER_DAY, TimeRange
from postureping.paths import expand_home
from postureping.routines import DAY_NAMES

TIME_HELP = "a time of day as HH:MM, from 00:00 to 23:59"
RANGE_HELP = 'a range of times as "HH:MM-HH:MM" with the start before the end, like "09:00-18:00"'
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAYS_HELP = "weekdays, like monday or mon: " + ", ".join(DAY_NAMES)
ID_HELP = "lowercase letters, digits and dashes, starting with a letter or digit"

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


T = TypeVar("T")


class EntryErrors(ValueError):
    """Some entries of a list are invalid: (index, value, what is allowed) for each, so the
    error can name `routines.stretch.at[0] = '25:00'` rather than the whole list."""

    def __init__(self, entries: list[tuple[int, object, str]]) -> None:
        super().__init__("; ".join(f"[{i}] {v!r}: {why}" for i, v, why in entries))
        self.entries = entries


def _each(items: list[object], parse: Callable[[object], T]) -> list[T]:
    """Every item parsed, or EntryErrors naming each one that is not."""
    parsed, errors = [], []
    for index, item in enumerate(items):
        try:
            parsed.append(parse(item))
        except ValueError as error:
            errors.append((index, item, str(error)))
    if errors:
        raise EntryErrors(errors)
    return parsed


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text in quotes: {what}")
    return value


def _split(value: object, what: str) -> list[object]:
    """Lists from the file stay lists; a string (from the file or an environment variable)
    is read as comma-separated items, so POSTUREPING_..._AT="12:30,17:00" works, and so
    does `thu = "09:00-18:00"` without the brackets (on purpose: the meaning is plain)."""
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    raise ValueError(f"must be a list of {what}")


def _minutes(text: str, *, allow_24: bool = False) -> int:
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(TIME_HELP)
    hours, minutes = int(match[1]), int(match[2])
    if allow_24 and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(TIME_HELP)
    return hours * 60 + minutes


def parse_time_of_day(value: object) -> time:
    if isinstance(value, time):
        return value
    minutes = _minutes(_text(value, TIME_HELP))
    return time(minutes // 60, minutes % 60)


def parse_times(value: object) -> tuple[time, ...]:
    times = _each(_split(value, TIME_HELP), parse_time_of_day)
    if not times:
        raise ValueError(f"must list at least one time: {TIME_HELP}")
    if len(set(times)) != len(times):
        raise ValueError("lists the same time twice")
    return tuple(sorted(times))


def parse_range(value: object) -> TimeRange:
    if isinstance(value, TimeRange):
        return value
    text = _text(value, RANGE_HELP)
    start_text, sep, end_text = text.partition("-")
    if not sep:
        raise ValueError(RANGE_HELP)
    start, end = _minutes(start_text), _minutes(end_text, allow_24=True)
    if start == end:
        raise ValueError(f"is an empty range: {RANGE_HELP}")
    if start > end:
        raise ValueError(
            f"is reversed (ends before it starts): {RANGE_HELP}; "
            "for hours past midnight, give the next day its own range"
        )
    return TimeRange(start, end)


def parse_ranges(value: object) -> tuple[TimeRange, ...]:
    if isinstance(value, str) and value.strip().lower() in {"off", "none", "[]"}:
        return ()
    ranges = sorted(_each(_split(value, RANGE_HELP), parse_range))
    for first, second in itertools.pairwise(ranges):
        if second.start < first.end:
            raise ValueError(f"has overlapping ranges {first} and {second}")
    return tuple(ranges)


def parse_day(value: object) -> int:
    """A weekday by its English name or its first three letters, in any case: "monday",
    "Mon"; not "monkey" or "thurs"."""
    name = value.strip().lower() if isinstance(value, str) else ""
    if name in DAY_NAMES:
        return DAY_NAMES.index(name)
    if name in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(name)
    raise ValueError(f"is not a weekday: use {DAYS_HELP}")


def parse_days(value: object) -> frozenset[int]:
    days = set(_each(_split(value, DAYS_HELP), parse_day))
    if not days:
        raise ValueError(f"must name at least one day: {DAYS_HELP}")
    return frozenset(days)


MAX_SETTING = timedelta(days=31)  # intervals, routine lengths, answer times
MAX_ON_SCREEN = timedelta(hours=1)  # a notification's timeout


def _duration_parser(maximum: timedelta) -> Callable[[object], timedelta]:
    def parse(value: object) -> timedelta:
        if isinstance(value, timedelta):
            return value
        return parse_duration(_text(value, "a duration like 30m"), maximum)

    return parse


def parse_break_after(value: object) -> timedelta:
    """A duration, or "off" (kept as zero: an absence never counts for the routine)."""
    if isinstance(value, str) and value.strip().lower() == "off":
        return timedelta(0)
    if isinstance(value, timedelta):
        return value
    try:
        return parse_duration(_text(value, 'a duration like 3m, or "off"'), MAX_ON_SCREEN * 24)
    except ValueError as error:
        raise ValueError(f'{error}, or "off"') from None


def parse_window_classes(value: object) -> tuple[str, ...]:
    """Window classes (WM_CLASS), like ["obs", "zoom"]; compared without regard to case."""
    if isinstance(value, str) and not value.strip():
        return ()
    classes = [_text(item, "a window class like obs").strip() for item in _split(value, "names")]
    if not all(classes):
        raise ValueError('must be window class names, like ["obs", "zoom"]')
    return tuple(dict.fromkeys(c.lower() for c in classes))


def _show_break_after(value: timedelta) -> str:
    return format_duration(value) if value else "off"


def parse_id(value: object) -> str:
    text = _text(value, ID_HELP)
    if not _ID.fullmatch(text):
        raise ValueError(f"is not a valid routine id: use {ID_HELP} (at most 40)")
    return text


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_flag(value: object) -> bool:
    """true/false in the file; environment variables arrive as text, so "true", "no"... too.
    A number is refused: `enabled = 3` is a mistake, not a yes."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("must be true or false")


def parse_count(value: object) -> int:
    """A whole number in the file, or its digits from an environment variable; not a bool."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ValueError("must be a whole number")


def parse_store_path(value: object) -> Path:
    """The history file: absolute or starting with ~, so it does not depend on the folder
    the daemon happens to start in; a file, not a folder."""
    text = _text(value, "a file path")
    if not text.strip():
        raise ValueError('must name a file, like "~/postureping/events.jsonl"')
    path = expand_home(Path(text))
    if not path.is_absolute():
        raise ValueError(
            'must be an absolute path or start with ~, like "~/postureping/events.jsonl"'
        )
    if text.endswith(("/", "\\")) or path.is_dir():
        raise ValueError("is a folder; name the history file in it, like .../events.jsonl")
    return path


def _show_days(days: frozenset[int]) -> list[str]:
    return [DAY_NAMES[d] for d in sorted(days)]


def _show_times(times: tuple[time, ...]) -> list[str]:
    return [t.strftime("%H:%M") for t in times]


def _show_ranges(ranges: tuple[TimeRange, ...]) -> list[str]:
    return [str(r) for r in ranges]


def _show_duration(value: timedelta) -> str:
    return format_duration(value)


# NoDecode: pydantic-settings would otherwise parse these environment values as JSON.
Duration = Annotated[
    timedelta, BeforeValidator(_duration_parser(MAX_SETTING)), PlainSerializer(_show_duration)
]
BreakAfter = Annotated[
    timedelta, BeforeValidator(parse_break_after), PlainSerializer(_show_break_after)
]
WindowClasses = Annotated[tuple[str, ...], NoDecode, BeforeValidator(parse_window_classes)]
ShortDuration = Annotated[
    timedelta, BeforeValidator(_duration_parser(MAX_ON_SCREEN)), PlainSerializer(_show_duration)
]
TimesOfDay = Annotated[
    tuple[time, ...], NoDecode, BeforeValidator(parse_times), PlainSerializer(_show_times)
]
Days = Annotated[frozenset[int], NoDecode, BeforeValidator(parse_days), PlainSerializer(_show_days)]
DayRanges = Annotated[
    tuple[TimeRange, ...], NoDecode, BeforeValidator(parse_ranges), PlainSerializer(_show_ranges)
]
RoutineId = Annotated[str, BeforeValidator(parse_id)]
StorePath = Annotated[Path, BeforeValidator(parse_store_path), PlainSerializer(str)]
Flag = Annotated[bool, BeforeValidator(parse_flag)]
Count = Annotated[int, BeforeValidator(parse_count)]


def describe_value(value: Any) -> str:
    """How a bad value is quoted in an error message: as it was written, shortened."""
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= 60 else text[:57] + "..."
