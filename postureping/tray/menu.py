"""The tray's menu, tooltip and icon state as plain data, built from a daemon `Status`.

Pure: no toolkit, no clock, no files. A menu pick is an `Action` value; the tray
(`core.py`) turns it into a call on the `Controller`. `TrayView.refresh_at` says when a
label would change by itself (the "in 12 min" countdown, a new day), so the adapter redraws at
that moment and not on a fixed tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path

from postureping.checkin import BANDS, ROUTINE_ID
from postureping.controller import Answer, Prompt, Status
from postureping.health import CHECKIN_QUESTION

SNOOZE = timedelta(minutes=10)
PAUSE_LENGTHS = (
    ("30 min", timedelta(minutes=30)),
    ("1 h", timedelta(hours=1)),
    ("2 h", timedelta(hours=2)),
)
TITLE_LIMIT = 40  # characters of a routine title in a menu label
# A countdown that reached zero without news from the daemon: look again this much later.
STALE_RETRY = timedelta(minutes=1)


class IconState(StrEnum):
    ACTIVE = "active"
    AWAITING = "awaiting"  # a reminder awaits an answer
    PAUSED = "paused"


# -- what a menu pick asks of the daemon --------------------------------------------------


@dataclass(frozen=True)
class AnswerPrompt:
    """An answer for the routines of the latest reminder (one notification may list several)."""

    answer: Answer
    routine_ids: tuple[str, ...]
    snooze: timedelta | None = None


@dataclass(frozen=True)
class CheckInPain:
    """A pain level for the check-in (postureping.checkin.BANDS)."""

    pain: int


@dataclass(frozen=True)
class PauseFor:
    length: timedelta


@dataclass(frozen=True)
class PauseUntilTomorrow:
    """Until the next day's active hours begin (the daemon's hours decide when that is)."""


@dataclass(frozen=True)
class PauseUntilResumed:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class RemindNow:
    routine_id: str


@dataclass(frozen=True)
class StartGuide:
    """Open the routine's guided window (its steps, with a countdown)."""

    routine_id: str


@dataclass(frozen=True)
class OpenSettings:
    path: Path


@dataclass(frozen=True)
class Quit:
    pass


Action = (
    AnswerPrompt
    | CheckInPain
    | PauseFor
    | PauseUntilTomorrow
    | PauseUntilResumed
    | Resume
    | RemindNow
    | StartGuide
    | OpenSettings
    | Quit
)


# -- the menu -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A menu entry: it runs `action`, opens `submenu`, or is a greyed-out line of text."""

    label: str
    action: Action | None = None
    submenu: tuple[Entry, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.action is not None or bool(self.submenu)


@dataclass(frozen=True)
class Separator:
    pass


SEPARATOR = Separator()
Entry = Item | Separator


@dataclass(frozen=True)
class TrayView:
    title: str  # the tooltip
    icon: IconState
    menu: tuple[Entry, ...]
    refresh_at: datetime | None  # when a label changes by itself; None: only on news


def build_view(
    status: Status,
    now: datetime,
    settings_path: Path,
    zone: tzinfo | None = None,
    *,
    settings_exists: bool = True,
) -> TrayView:
    """Everything the tray shows for `status` at `now`. Times are shown in `zone` (None: the
    system's local zone)."""
    headline = _headline(status, now, zone)
    menu: list[Entry] = [Item(headline)]
    holding = status.activity.holding if status.activity is not None else None
    if holding and not status.paused:
        menu.append(Item(f"Waiting: {shorten(holding)}"))  # away, do not disturb, fullscreen
    menu += [Item(today_label(status)), SEPARATOR]
    group = awaiting_group(status)
    ids = tuple(p.routine_id for p in group)
    if ids == (ROUTINE_ID,):  # the check-in asks for a pain level, not "done"
        menu += [_pain_menu(), Item("Skip", AnswerPrompt(Answer.SKIP, ids)), SEPARATOR]
    elif group:
        titles = shorten(", ".join(p.title for p in group))
        menu += [
            Item(f"Start: {shorten(p.title)}", StartGuide(p.routine_id))
            for p in group
            if p.routine_id in status.guided
        ]
        menu += [
            Item(f"Done: {titles}", AnswerPrompt(Answer.DONE, ids)),
            Item(f"Snooze {_minutes(SNOOZE)}", AnswerPrompt(Answer.SNOOZE, ids, SNOOZE)),
            Item("Skip", AnswerPrompt(Answer.SKIP, ids)),
            SEPARATOR,
        ]
    if ids != (ROUTINE_ID,) and any(rid == ROUTINE_ID for rid, _ in status.routines):
        menu += [_pain_menu(), SEPARATOR]  # the check-in is on: answer it any time
    pauses: list[Entry] = [Item(label, PauseFor(length)) for label, length in PAUSE_LENGTHS]
    pauses += [
        Item("Until tomorrow", PauseUntilTomorrow()),
        Item("Until I resume", PauseUntilResumed()),
    ]
    menu += [
        Item("Pause", submenu=tuple(pauses)),
        Item("Resume", Resume() if status.paused else None),
        Item(
            "Remind me now",
            submenu=tuple(Item(shorten(title), RemindNow(rid)) for rid, title in _by_due(status)),
        ),
    ]
    guided = [(rid, title) for rid, title in _by_due(status) if rid in status.guided]
    if guided:
        menu.append(
            Item(
                "Start a guided routine",
                submenu=tuple(Item(shorten(title), StartGuide(rid)) for rid, title in guided),
            )
        )
    menu += [
        SEPARATOR,
        Item("Open settings file", OpenSettings(settings_path))
        if settings_exists
        else Item("No settings file yet (postureping config init)"),
        Item("Quit", Quit()),
    ]
    title = f"postureping: {headline}" + (" (demo)" if status.demo else "")
    return TrayView(title, icon_state(status), tuple(menu), refresh_at(status, now, zone))


def _pain_menu() -> Item:
    """ "How is your back today?" with a pain band a line (0 none, 10 the worst)."""
    bands = tuple(Item(f"Pain {label}", CheckInPain(level)) for label, level in BANDS)
    return Item(CHECKIN_QUESTION, submenu=bands)


def _by_due(status: Status) -> list[tuple[str, str]]:
    """The enabled routines (id, title) in the order they come due; those with nothing
    upcoming (paused for good, done for the day) last, by title."""
    due = {u.routine_id: u.due for u in reversed(status.upcoming)}  # each one's soonest
    return sorted(
        status.routines,
        key=lambda routine: (routine[0] not in due, due.get(routine[0], status.now), routine[1]),
    )


def awaiting_group(status: Status) -> tuple[Prompt, ...]:
    """The reminders of the latest notification that still await an answer (several routines
    due together share one notification)."""
    latest = status.awaiting
    if latest is None:
        return ()
    group = tuple(p for p in status.open if p.shown_at == latest.shown_at)
    return group or (latest,)


def icon_state(status: Status) -> IconState:
    if status.paused:
        return IconState.PAUSED
    if status.awaiting is not None:
        return IconState.AWAITING
    return IconState.ACTIVE


def _headline(status: Status, now: datetime, zone: tzinfo | None) -> str:
    if status.paused:
        if status.paused_until is None:
            return "Paused"
        return f"Paused until {moment(status.paused_until, now, zone)}"
    if not status.upcoming:
        return "No reminder scheduled"
    first = status.upcoming[0]
    return f"{shorten(first.title)} {countdown(first.due, now)}"


def today_label(status: Status) -> str:
    """ "Today: 5 of 8 done"; answers recorded without a reminder can make `done` the larger."""
    done, prompted = status.done_today, status.prompted_today
    if prompted == 0 and done == 0:
        return "Today: no reminders yet"
    if done > prompted:
        return f"Today: {done} done"
    return f"Today: {done} of {prompted} done"


def countdown(due: datetime, now: datetime) -> str:
    """ "in 12 min", "in 1 h 5 min", "in 3 days", "due now". Minutes round up: "in 1 min"
    until the very moment it is due."""
    minutes = _minutes_left(due, now)
    if minutes <= 0:
        return "due now"
    if minutes < 60:
        return f"in {minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"in {hours} h {rest} min" if rest else f"in {hours} h"
    return f"in {minutes // (24 * 60)} days"


def _minutes_left(due: datetime, now: datetime) -> int:
    left = (due - now) // timedelta(microseconds=1)
    return -(-left // 60_000_000)  # ceiling division, exact for any microsecond


def countdown_changes_at(due: datetime, now: datetime) -> datetime:
    """The moment `countdown(due, ...)` next shows another text."""
    minutes = _minutes_left(due, now)
    if minutes <= 0:
        return now + STALE_RETRY
    if minutes < 48 * 60:
        return due - timedelta(minutes=minutes - 1)
    days = minutes // (24 * 60)
    return due - timedelta(minutes=days * 24 * 60 - 1)


def refresh_at(status: Status, now: datetime, zone: tzinfo | None = None) -> datetime:
    """When the view of `status` changes without news from the daemon: the countdown's next
    step, the end of a pause, or the next local midnight (a new "Today")."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), local.tzinfo)
    moments = [midnight]
    if status.paused:
        if status.paused_until is not None:
            # The daemon resumes at the end and says so; if it has not, look again shortly.
            end = status.paused_until
            moments.append(end if end > now else now + STALE_RETRY)
    elif status.upcoming:
        moments.append(countdown_changes_at(status.upcoming[0].due, now))
    return min(moments)


def moment(when: datetime, now: datetime, zone: tzinfo | None = None) -> str:
    """ "14:30" today, "tomorrow 09:00", "Tue 09:00" within a week, "3 Apr 09:00" later."""
    local, today = when.astimezone(zone), now.astimezone(zone).date()
    days = (local.date() - today).days
    if days == 0:
        return f"{local:%H:%M}"
    if days == 1:
        return f"tomorrow {local:%H:%M}"
    if 1 < days < 7:
        return f"{local:%a %H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def shorten(text: str, limit: int = TITLE_LIMIT) -> str:
    text = " ".join(text.split())  # a menu label is one line
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def _minutes(length: timedelta) -> str:
    return f"{length // timedelta(minutes=1)} min"
