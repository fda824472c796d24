"""What the daemon shows after a pain check-in from the tray or a notification's button.

Pure: the recorded check-in in, the notification out (the daemon records and shows it).
"""

from __future__ import annotations

from postureping import health
from postureping.checkin import Levels
from postureping.history.checkins import Recorded
from postureping.red_flags import should_ask
from postureping.reminder import Reminder


def follow_up(recorded: Recorded, pain: int, levels: Levels) -> Reminder | None:
    """The guidance its warning signs call for, shown until dismissed; else, above the
    user's level, where a button cannot ask the yes/no questions, a notice that says how to
    answer them; else nothing."""
    if (shown := recorded.guidance) is not None:
        return Reminder.guidance("guidance", shown.title, shown.text())
    if should_ask(pain, levels.ask_above):
        body = health.CHECKIN_FOLLOW_UP.format(pain=pain)
        return Reminder.notice("checkin-questions", health.CHECKIN_FOLLOW_UP_TITLE, body)
    return None
