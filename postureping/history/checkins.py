"""The pain check-ins in a history, and the events that recording one adds.

Pure: events in, values out. The CLI (`postureping checkin`), the daemon (the notification's
buttons) and `status` share it, so that each records and judges a check-in the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from postureping.checkin import ROUTINE_ID, CheckIn, Shown
from postureping.history.events import Event, Kind, kind_marker
from postureping.red_flags import Dated, Guidance, guidance

# How far back `status`, the CLI and the daemon look for check-ins: 13 weeks, more than
# the three weeks of lasting pain, so that a run of check-ins up to one many weeks old is
# judged whole; an older check-in is no news of the back today.
LOOK_BACK = timedelta(weeks=13)
# In every check-in's line, as `Event.to_line` writes it: `status` parses only those lines.
MARKER = kind_marker(Kind.CHECKIN)


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


def back_status(events: Iterable[Event], lasting_above: int) -> dict[str, Any]:
    """The "back" part of `status --json`: the latest check-in and the guidance the
    check-ins call for now (None for either when there is none)."""
    checkins = dated(events)
    if not checkins:
        return {"last_checkin": None, "guidance": None}
    at, latest = checkins[-1]
    shown = guidance(checkins, lasting_above)
    return {
        "last_checkin": {"at": at.isoformat(), **latest.to_json()},
        "guidance": None
        if shown is None
        else {
            "flags": [flag.value for flag in shown.flags],
            "urgent": shown.urgent,
            "title": shown.title,
            "lines": shown.lines(),
        },
    }


def render_back(back: dict[str, Any], zone: tzinfo) -> list[str]:
    """`status` lines for the "back" part: the latest check-in, and its guidance set apart."""
    last = back.get("last_checkin")
    if not last:
        return []
    when = datetime.fromisoformat(last["at"]).astimezone(zone)
    lines = [f"Back check-in: pain {last['pain']}/10 on {when:%a %d %b %H:%M}"]
    if shown := back.get("guidance"):
        lines += ["", "!" * 72, shown["title"], "", *shown["lines"], "!" * 72]
    return lines
