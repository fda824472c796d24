"""A click on a notification's body (the specification's "default" action): what it means on
each notification server, and the reminders it may bring back.

Servers that draw buttons (GNOME Shell, KDE Plasma, swaync and any server not named below)
invoke the default action and close the notification when its body is clicked. That click is
not an answer, and the reminder would be gone with its buttons: the notifier shows it again,
buttons and all, so the user can choose. Servers that list actions only in a menu
(MENU_SERVERS: dunst, mako) bind the click itself to the default action (mako's left button,
dunst's `do_action`, its middle button by default): there a click counts as Done, the one
answer a single click can mean. xfce4-notifyd (NO_DEFAULT_SERVERS) draws a default action as
one more button and only dismisses the notification on a click on the body (seen with 0.7.3
under Xvfb): it gets no default action.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from postureping.controller import Answer
from postureping.notify.actions import MAX_SHOWN
from postureping.reminder import Reminder

# GetServerInformation's names: the servers that offer actions only in a menu, and those
# that would show the default action as a button.
MENU_SERVERS = frozenset({"dunst", "mako"})
NO_DEFAULT_SERVERS = frozenset({"Xfce Notify Daemon"})
LABEL_DONE = "Done"  # dunst lists the default action in its menu with this label
LABEL_SHOW = "Show the choices"  # servers with buttons show no label for the default action

Reshow = Callable[[str, Reminder], None]

_log = logging.getLogger(__name__)


class BodyClicks:
    """What a click means on the current server, and the latest reminder shown per key.

    Threading: `server_is`, `remember` and `forget` are called by the sending thread;
    `clicked` by the bus's reader thread, which it never blocks: a reminder to show again is
    handed to `reshow` on a thread of its own (its Notify call's reply arrives on the reader
    thread). `reshow(key, reminder)` should check `is_latest` before it shows anything.
    """

    def __init__(self, reshow: Reshow, limit: int = MAX_SHOWN) -> None:
        self._reshow = reshow
        self._limit = limit
        self._lock = threading.Lock()
        self._reminders: dict[str, Reminder] = {}  # by key, oldest first; guarded by _lock
        self._counts_as_done = False
        self._offered = True

    def server_is(self, name: str) -> None:
        """The notification server's name, from GetServerInformation."""
        self._counts_as_done = name in MENU_SERVERS
        self._offered = name not in NO_DEFAULT_SERVERS

    @property
    def label(self) -> str | None:
        """The default action's label for the current server; None: offer no default action."""
        if not self._offered:
            return None
        return LABEL_DONE if self._counts_as_done else LABEL_SHOW

    def remember(self, reminder: Reminder) -> None:
        """`reminder` is on screen now with its buttons (shown again as new, not as a redraw)."""
        with self._lock:
            self._reminders.pop(reminder.key, None)
            self._reminders[reminder.key] = replace(reminder, redraw=False)
            while len(self._reminders) > self._limit:
                del self._reminders[next(iter(self._reminders))]

    def forget(self, key: str) -> None:
        """The reminder with this key was withdrawn: a click must not bring it back."""
        with self._lock:
            self._reminders.pop(key, None)

    def is_latest(self, key: str, reminder: Reminder) -> bool:
        with self._lock:
            return self._reminders.get(key) is reminder

    def clicked(self, key: str) -> Answer | None:
        """A click on the body of the notification with this key: Done on a menu server;
        otherwise no answer, and the reminder is shown again."""
        if self._counts_as_done:
            return Answer.DONE
        with self._lock:
            reminder = self._reminders.get(key)
        if reminder is None:
            _log.debug("a click on %s, which is no longer known", key)
            return None
        _log.debug("a click on %s: showing its choices again", key)
        thread = threading.Thread(
            target=self._reshow, args=(key, reminder), name="postureping-reshow", daemon=True
        )
        thread.start()
        return None
