"""One pass over the history: event counts by local day, local hour, routine and kind.

Pure. Turning each event's time into the local zone is what costs most in the statistics of
a long history, so events are first counted by the day they were stamped on (the stamp's own
UTC offset and date: cheap to read), and each distinct stamped day is turned into a local
day once. Only what needs more is counted finer: the hour and the routine of events near the
window, the routine of done events (for each routine's streak), and the hour of events on
days when the zone changes its UTC offset (DST), since such a day does not map to one local
day as a whole. A stamped day or hour that still does not map to one local day or hour (the
stamp's offset is not the zone's: a trip abroad, another machine's zone) falls back to
converting its events one by one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from postureping.events import Event, Kind

WHOLE_DAY = -1  # the hour of a bucket that spans a stamped day
EARLIEST_YEAR = 1970  # offset changes are looked up from here on, for DST-day buckets
_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)

# Events as stamped: the stamp's tzinfo, its date's proleptic ordinal, its hour or WHOLE_DAY.
Bucket = tuple[tzinfo | None, int, int]


@dataclass(frozen=True)
class Tally:
    """Counts up to `today` (later events, from a clock running ahead, are left out); the
    `window*` counts only from `first` to `today`. Days and hours are local."""

    today: date
    first: date
    per_day: Counter[tuple[date, Kind]] = field(default_factory=Counter)
    done_per_routine_day: Counter[tuple[str, date]] = field(default_factory=Counter)
    window: Counter[tuple[str, Kind]] = field(default_factory=Counter)
    window_hours: Counter[tuple[int, Kind]] = field(default_factory=Counter)

    def add(self, day: date, hour: int, routine: str, kind: Kind, n: int = 1) -> None:
        """Count `n` events. `hour` and `routine` matter only where they are counted: the
        hour within the window, the routine of done events and within the window."""
        if day > self.today:
            return
        self.per_day[day, kind] += n
        if kind == Kind.DONE:
            self.done_per_routine_day[routine, day] += n
        if day >= self.first:
            self.window[routine, kind] += n
            self.window_hours[hour, kind] += n


def count(
    events: Sequence[Event],
    zone: ZoneInfo,
    *,
    today: date,
    first: date,
    ignored_sources: Collection[str] = (),
) -> Tally:
    """Count `events` (except those from `ignored_sources`) by local day and hour in `zone`.

    Linear in the number of events, with one time-zone conversion per distinct stamped day
    (or hour, near the window and on DST days).
    """
    tally = Tally(today, first)
    ignored = frozenset(ignored_sources)
    # A stamp's date is at most a day off the local date: from here on, it may be in the window.
    recent = first.toordinal() - 1
    changes = offset_changes(zone, date(EARLIEST_YEAR, 1, 1), today + _ONE_DAY)
    done = Kind.DONE
    # The hot loop: attribute reads and a tuple, counted by Counter in C.
    stamped = Counter(
        (
            (ts := event.ts).tzinfo,
            (day := ts.toordinal()),
            ts.hour if day >= recent or day in changes else WHOLE_DAY,
            event.routine if (kind := event.kind) == done or day >= recent else "",
            kind,
        )
        for event in events
        if event.source not in ignored
    )
    split = _add(tally, stamped, zone)
    if split:
        # Converted one by one, and counted by local day as above.
        since = first.toordinal()
        converted = Counter(
            (
                (moment := ts.astimezone(zone)).date(),
                moment.hour if (local_day := moment.toordinal()) >= since else WHOLE_DAY,
                event.routine if (kind := event.kind) == done or local_day >= since else "",
                kind,
            )
            for event in events
            if event.source not in ignored
            and (
                (ts := event.ts).tzinfo,
                (day := ts.toordinal()),
                ts.hour if day >= recent or day in changes else WHOLE_DAY,
            )
            in split
        )
        for (local_date, hour, routine, kind), n in converted.items():
            tally.add(local_date, hour, routine, kind, n)
    return tally


def _add(
    tally: Tally, stamped: Counter[tuple[tzinfo | None, int, int, str, Kind]], zone: ZoneInfo
) -> set[Bucket]:
    """Add the counts of the buckets that map to one local day (or hour); return the others."""
    local: dict[Bucket, tuple[date, int] | None] = {}
    split: set[Bucket] = set()
    for (tz, day, hour, routine, kind), n in stamped.items():
        bucket = (tz, day, hour)
        if bucket in local:
            where = local[bucket]
        else:
            where = local[bucket] = _local(bucket, zone)
        if where is None:
            split.add(bucket)
        else:
            tally.add(where[0], where[1], routine, kind, n)
    return split


def offset_changes(zone: ZoneInfo, start: date, end: date) -> frozenset[int]:
    """The ordinals of the local days from `start` to `end` on which the zone's UTC offset
    changes, with the day before and after (a stamp's date may be a day off)."""
    changes: set[int] = set()
    previous = None
    for ordinal in range(start.toordinal(), end.toordinal() + 2):
        offset = zone.utcoffset(datetime.fromordinal(ordinal))  # at local midnight
        if previous is not None and offset != previous:
            changes.update((ordinal - 2, ordinal - 1, ordinal))
        previous = offset
    return frozenset(changes)


def _local(bucket: Bucket, zone: ZoneInfo) -> tuple[date, int] | None:
    """The local (day, hour) of every instant in the bucket, or None if they differ. For a
    whole-day bucket the hour is WHOLE_DAY."""
    tz, ordinal, hour = bucket
    whole_day = hour == WHOLE_DAY
    start = datetime.combine(date.fromordinal(ordinal), time(0 if whole_day else hour), tz)
    end = start + (_ONE_DAY if whole_day else _ONE_HOUR) - timedelta.resolution
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() != last.date() or (not whole_day and first.hour != last.hour):
        return None
    return first.date(), WHOLE_DAY if whole_day else first.hour
