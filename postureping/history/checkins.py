"""The pain check-ins in a history, and the events that recording one adds.

Pure: events in, values out. The CLI (`postureping checkin`), the daemon (the notification's
buttons) and `status` share it, so that each records and judges a check-in the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from postureping.checkin import ROUTINE_ID, CheckIn, Shown
from postureping.history.events import Event, Kind
from postureping.red_flags import Dated, Guidance, guidance

# How far back `status` and the daemon look: far more than the three weeks of lasting pain.
LOOK_BACK = timedelta(days=366)


def dated(events: Iterable[Event]) -> list[Dated]:
    """The check-ins among `events`, oldest first."""
    found = [(e.ts, e.detail) for e in events if isinstance(e.detail, CheckIn)]
    return sorted(found, key=lambda pair: pair[0])


@dataclass(frozen=True)
class Recorded:
    events: list[Event]  # the check-in, then the guidance shown, if any
    guidance: Guidance | None


def record(
    before: Iterable[Event], checkin: CheckIn, source: str, now: datetime, lasting_above: int
) -> Recorded:
    """The events recording `checkin` at `now` after the history `before`: the check-in, and,
    when the check-ins then match warning signs, that their guidance was shown."""
    event = Event.new(ROUTINE_ID, Kind.CHECKIN, source, now, detail=checkin)
    shown = guidance([*dated(before), (event.ts, checkin)], lasting_above)
    events = [event]
    if shown is not None:
        flags = Shown(tuple(flag.value for flag in shown.flags))
        events.append(Event.new(ROUTINE_ID, Kind.GUIDANCE, source, now, detail=flags))
    return Recorded(events, shown)
