"""Active hours: the parts of each weekday when reminders may fire. Pure; times are local."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, order=True)
class TimeRange:
    """[start, end) in minutes after local midnight; end may be 1440 ("24:00")."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"invalid range {self.start}-{self.end}")

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def localize(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The instant at which local wall-clock `minutes` after midnight happen on `day`.

    A wall time skipped by a DST change (02:30 on a spring-forward day) maps to the instant
    just after the gap (03:30); a repeated one (fall back) maps to its first occurrence.
    Minutes of 1440 mean the next day's midnight. The result is in UTC: Python compares
    and subtracts two datetimes of the same zone by their wall time, which is wrong across a
    DST change, so the scheduling code works in UTC throughout.
    """
    if minutes >= MINUTES_PER_DAY:
        return localize(day + timedelta(days=1), minutes - MINUTES_PER_DAY, zone)
    naive = datetime.combine(day, time(minutes // 60, minutes % 60))
    # A round trip through UTC normalises non-existent wall times to a real instant.
    return naive.replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class ActiveHours:
    """Seven tuples of ranges, Monday first. An empty tuple: no reminders that day."""

    days: tuple[tuple[TimeRange, ...], ...]

    @classmethod
    def always(cls) -> ActiveHours:
        whole_day = (TimeRange(0, MINUTES_PER_DAY),)
        return cls((whole_day,) * 7)

    def windows_on(
        self, day: date, zone: ZoneInfo, weekdays: frozenset[int] | None = None
    ) -> list[tuple[datetime, datetime]]:
        """The active windows of one local date as aware [start, end) pairs, limited to
        `weekdays` when given. Adjacent ranges (a day ending at 24:00 and the next starting
        at 00:00) stay separate windows; callers treat them as contiguous."""
        if weekdays is not None and day.weekday() not in weekdays:
            return []
        return [
            (localize(day, r.start, zone), localize(day, r.end, zone))
            for r in self.days[day.weekday()]
        ]

    def rest_weekdays(self, weekdays: frozenset[int] | None = None) -> frozenset[int]:
        """The weekdays (Monday = 0) on which no reminder can come: those without active
        hours, and those not in `weekdays` when given (a routine's days)."""
        return frozenset(
            n
            for n, ranges in enumerate(self.days)
            if not ranges or (weekdays is not None and n not in weekdays)
        )

    def is_active(self, instant: datetime, zone: ZoneInfo) -> bool:
        day = instant.astimezone(zone).date()
        moment = instant.astimezone(UTC)
        return any(s <= moment < e for s, e in self.windows_on(day, zone))

    def describe(self) -> list[str]:
        from postureping.routines import DAY_NAMES  # avoid a cycle at import

        return [
            f"{DAY_NAMES[i]}: " + (", ".join(str(r) for r in ranges) if ranges else "off")
            for i, ranges in enumerate(self.days)
        ]
