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
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from postureping.history.events import DETAIL_KINDS, Event, Kind

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
        if day > self.today or kind in DETAIL_KINDS:  # check-ins are no reminders' answers
            return
        self.per_day[day, kind] += n
        if kind == Kind.DONE:
            self.done_per_routine_day[routine, day] += n
        if day >= self.first:
            self.window[routine, kind] += n
            self.window_hours[hour, kind] += n


# Events counted as stamped: (the stamp's tzinfo, its date's ordinal, its hour or WHOLE_DAY,
# the routine or "" where it is not needed, the kind).
Stamped = Counter[tuple[tzinfo | None, int, int, str, Kind]]


@dataclass(frozen=True)
class Stamping:
    """Which events are counted how finely, as stamped (see the module's docstring)."""

    zone: ZoneInfo
    today: date
    first: date
    ignored: frozenset[str]
    changes: frozenset[int]  # ordinals of stamped days near a change of the zone's offset

    @classmethod
    def of(
        cls, zone: ZoneInfo, *, today: date, first: date, ignored_sources: Collection[str] = ()
    ) -> Stamping:
        changes = offset_changes(zone, date(EARLIEST_YEAR, 1, 1), today + _ONE_DAY)
        return cls(zone, today, first, frozenset(ignored_sources), changes)

    @property
    def recent(self) -> int:
        """A stamp's date is at most a day off the local date: from this ordinal on, an
        event may be in the window."""
        return self.first.toordinal() - 1

    def hourly(self, ordinal: int) -> bool:
        """Whether the events of a stamped day are counted by the hour."""
        return ordinal >= self.recent or ordinal in self.changes

    def stamp(self, events: Iterable[Event]) -> Stamped:
        """Count `events` (except those from ignored sources) as stamped."""
        recent, changes, ignored, done = self.recent, self.changes, self.ignored, Kind.DONE
        # The hot loop: attribute reads and a tuple, counted by Counter in C.
        return Counter(
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

    def count(self, events: Sequence[Event]) -> Tally:
        """The tally of `events` (see the module-level `count`)."""

        def events_in(buckets: set[Bucket]) -> Iterator[Event]:
            return (event for event in events if self.bucket(event.ts) in buckets)

        return self.tally(self.stamp(events), events_in)

    def bucket(self, ts: datetime) -> Bucket:
        """The bucket an event stamped `ts` is counted in."""
        day = ts.toordinal()
        return ts.tzinfo, day, ts.hour if self.hourly(day) else WHOLE_DAY

    def tally(self, stamped: Stamped, events_in: Callable[[set[Bucket]], Iterable[Event]]) -> Tally:
        """The local counts of `stamped`. The events of a bucket that does not map to one
        local day or hour are converted one by one: `events_in(buckets)` gives them."""
        tally = Tally(self.today, self.first)
        split = _add(tally, stamped, self.zone)
        if split:
            since, done, zone = self.first.toordinal(), Kind.DONE, self.zone
            converted = Counter(
                (
                    (moment := event.ts.astimezone(zone)).date(),
                    moment.hour if (local_day := moment.toordinal()) >= since else WHOLE_DAY,
                    event.routine if (kind := event.kind) == done or local_day >= since else "",
                    kind,
                )
                for event in events_in(split)
                if event.source not in self.ignored
            )
            for (local_date, hour, routine, kind), n in converted.items():
                tally.add(local_date, hour, routine, kind, n)
        return tally


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
    stamping = Stamping.of(zone, today=today, first=first, ignored_sources=ignored_sources)
    return stamping.count(events)


def _add(tally: Tally, stamped: Stamped, zone: ZoneInfo) -> set[Bucket]:
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
