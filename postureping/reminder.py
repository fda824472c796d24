"""A reminder as the notifiers see it: plain text, ready to show."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from postureping.routines import Category, Routine

APP_NAME = "postureping"
SUMMARY_LIMIT = 70  # characters: longer group summaries name the first routine and a count
NOTICE_TIMEOUT = timedelta(seconds=8)
# Guidance stays until dismissed where the server allows (freedesktop: expire_timeout 0);
# elsewhere (plyer on macOS and Windows), as long as the platform lets it.
GUIDANCE_TIMEOUT = timedelta(hours=12)


@dataclass(frozen=True)
class Reminder:
    """Title and body are plain text: a notifier must show them literally (escaping markup
    itself where its server renders markup).

    `key` names the notification: a reminder with the key of one shown before replaces it
    (the freedesktop notifier passes the server's id as `replaces_id`), and the buttons
    pressed on it are reported with it. `routine_ids` are the routines it shows. A `quiet`
    one is news, not a reminder: low urgency, no buttons. A `redraw` only brings one still on
    screen up to date (a routine in it was answered): a notifier that cannot replace a
    notification, or no longer shows it, shows nothing. A `sticky` one (the check-in's
    guidance) is news that matters: it stays until the user dismisses it, at the highest
    urgency. `pain_scale`: the check-in's question, whose buttons are pain levels
    (postureping.checkin.BANDS) instead of Done / Snooze / Skip.
    """

    key: str
    title: str
    body: str
    timeout: timedelta
    demo: bool = False
    routine_ids: tuple[str, ...] = ()
    quiet: bool = False
    redraw: bool = False
    # The routine whose guided window its Start button opens (None: no such button), and
    # whether that window opens by itself instead of the notification ("auto").
    guide: str | None = None
    auto_guide: bool = False
    sticky: bool = False
    pain_scale: bool = False

    @classmethod
    def for_routines(
        cls,
        key: str,
        routines: Sequence[Routine],
        timeout: timedelta,
        *,
        demo: bool = False,
        again: bool = False,
        redraw: bool = False,
        messages: Mapping[str, str] | None = None,
    ) -> Reminder:
        """One notification for one routine (its message and steps), or for several due
        together (each title with its message, one a line). `messages` (routine id -> text)
        picks which of its messages each routine shows; by default its first."""
        said = messages or {}
        if len(routines) == 1:
            (routine,) = routines
            title, body = routine.title, routine.body(said.get(routine.id))
        else:
            title = group_title([r.title for r in routines])
            body = "\n".join(f"\N{BULLET} {r.title}: {said.get(r.id, r.message)}" for r in routines)
        guided = next((r for r in routines if r.guided), None)
        # "auto" opens the window for a fresh reminder of that one routine alone; a reminder
        # shown again, a group, or a redraw offers the button instead.
        auto = guided is not None and guided.guide == "auto" and len(routines) == 1
        auto = auto and not again and not redraw
        if again:
            title = f"Reminder: {title}"
        if demo:
            title = f"[demo] {title}"
            body += "\n(postureping demo: one minute of the schedule lasts one second)"
        ids = tuple(r.id for r in routines)
        asks = len(routines) == 1 and routines[0].category is Category.CHECKIN
        return cls(
            key, title, body, timeout, demo, ids, redraw=redraw,
            guide=guided.id if guided is not None else None, auto_guide=auto,
            pain_scale=asks,
        )  # fmt: skip

    @classmethod
    def guidance(cls, key: str, title: str, body: str) -> Reminder:
        """Guidance that stays on screen until dismissed (a check-in's warning signs)."""
        return cls(key, title, body, GUIDANCE_TIMEOUT, quiet=True, sticky=True)

    @classmethod
    def notice(cls, key: str, title: str, body: str, *, demo: bool = False) -> Reminder:
        """Quiet news, such as a break that was counted."""
        return cls(key, f"[demo] {title}" if demo else title, body, NOTICE_TIMEOUT, demo, (), True)


def group_title(titles: Sequence[str]) -> str:
    """ "Stand up and walk around · Check your lower-back support", or, when that is too long,
    "Stand up and walk around, and 2 more"."""
    joined = " \N{MIDDLE DOT} ".join(titles)
    if len(joined) <= SUMMARY_LIMIT:
        return joined
    return f"{titles[0]}, and {len(titles) - 1} more"
