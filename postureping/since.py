"""Where `history --since` starts: a span back from now, or the start of a day as people
name it (today, yesterday, a date, a weekday)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from postureping.durations import parse_spoken_duration

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SINCE_HELP = (
    'a duration back from now (7d, 12h, "3 days"), today, yesterday, a date like 2026-03-02, '
    "or a weekday like monday (the latest one, today included)"
)


def parse_since(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The moment `text` names, seen at `now`; a day means its local midnight. Raises
    ValueError saying what is allowed."""
    word = text.strip().lower()
    today = now.astimezone(zone).date()
    day = _day(word, today)
    if day is not None:
        if day > today:
            raise ValueError(f"is in the future: {SINCE_HELP}")
        return datetime.combine(day, time(), zone)
    try:
        return now - parse_spoken_duration(word)
    except ValueError:
        raise ValueError(f"not {SINCE_HELP}") from None


def _day(word: str, today: date) -> date | None:
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    for index, name in enumerate(WEEKDAYS):
        if word in (name, name[:3]):
            return today - timedelta(days=(today.weekday() - index) % 7)
    try:
        return date.fromisoformat(word) if len(word) == 10 else None
    except ValueError:
        return None
