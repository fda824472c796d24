"""What the notification server's signals mean: which button was pressed, on which reminder.

No I/O of its own: the session bus connection (postureping.desktop.session_bus) passes every
signal it receives to `ActionListener.handle`, and the listener sends what it needs (match
rules, CloseNotification) through the `send` function it was given.

Trust: any peer on the bus can emit an `ActionInvoked` signal, and can even address it to our
connection directly, which no match rule filters. So a signal counts only when its sender
header (which the bus sets, not the peer) is the unique name that owns
org.freedesktop.Notifications, and a NameOwnerChanged only when it comes from the bus itself.
Anything else is ignored and logged at debug level.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    HeaderFields,
    MatchRule,
    message_bus,
    new_method_call,
)

from postureping.checkin import BANDS
from postureping.controller import Answer, PainPicked

NOTIFICATIONS = "org.freedesktop.Notifications"
SERVER = DBusAddress("/org/freedesktop/Notifications", NOTIFICATIONS, NOTIFICATIONS)
BUS_DRIVER = "org.freedesktop.DBus"

# The buttons, in the order they are shown. The snooze label matches the engine's default
# snooze (postureping.engine.engine.DEFAULT_SNOOZE).
ACTIONS: tuple[tuple[Answer, str], ...] = (
    (Answer.DONE, "Done"),
    (Answer.SNOOZE, "Snooze 10 min"),
    (Answer.SKIP, "Skip"),
)
# The specification's key for a click on the notification's body. Servers that draw buttons
# show no button for it; dunst lists it in its context menu, with its label.
DEFAULT = "default"
# The check-in's buttons: a pain band each (recording the level BANDS gives it), then Skip.
PAIN_PREFIX = "pain-"
PAIN_ACTIONS: tuple[tuple[str, str], ...] = (
    *((f"{PAIN_PREFIX}{level}", label) for label, level in BANDS),
    (Answer.SKIP.value, "Skip"),
)
MAX_SHOWN = 64  # ids remembered at most, should a server never report closing them
# The Start button of a reminder with steps: its key names the routine ("guide:stretch").
GUIDE_PREFIX = "guide:"
GUIDE_LABEL = "Start"

OnAction = Callable[[str, Answer | PainPicked], None]
# A click on the body of the notification with this Reminder.key: the answer it counts as, or
# None when it only asks to see the choices (the notifier shows the reminder again).
OnClick = Callable[[str], Answer | None]
OnGuide = Callable[[str], None]  # the routine id
Send = Callable[[Any], None]

_log = logging.getLogger(__name__)


def action_list(click_label: str | None = None, guide: str | None = None) -> list[str]:
    """The `actions` argument of Notify: key, label, key, label...; with `click_label`, the
    default action (a click on the body) first; then a Start button for the guided routine
    `guide`, if any; then the answers."""
    click = [DEFAULT, click_label] if click_label is not None else []
    start = [GUIDE_PREFIX + guide, GUIDE_LABEL] if guide is not None else []
    return click + start + [text for answer, label in ACTIONS for text in (answer.value, label)]


def pain_action_list() -> list[str]:
    """The `actions` argument of Notify for the check-in: a button per pain band, and Skip."""
    return [text for pair in PAIN_ACTIONS for text in pair]


def answer_for(key: str) -> Answer | PainPicked | None:
    if key.startswith(PAIN_PREFIX) and any(key == k for k, _ in PAIN_ACTIONS):
        return PainPicked(int(key.removeprefix(PAIN_PREFIX)))
    return next((answer for answer, _ in ACTIONS if answer.value == key), None)


def signal_rules(server: str) -> list[Any]:
    """Match rules for the two signals we need, from `server` (a unique name) only."""
    return [
        MatchRule(type="signal", sender=server, interface=NOTIFICATIONS, member=member)
        for member in ("ActionInvoked", "NotificationClosed")
    ]


def owner_rule() -> Any:
    """A match rule for changes of the notification server (dunst restarted, or gone)."""
    rule = MatchRule(
        type="signal", sender=BUS_DRIVER, interface=BUS_DRIVER, member="NameOwnerChanged"
    )
    rule.add_arg_condition(0, NOTIFICATIONS)
    return rule


class ShownNotifications:
    """Notification ids still on screen -> their Reminder.key. Thread-safe: the sending thread adds
    ids, the receiving thread removes them."""

    def __init__(self, limit: int = MAX_SHOWN) -> None:
        self._ids: dict[int, str] = {}  # oldest first
        self._lock = threading.Lock()
        self._limit = limit

    def add(self, notification_id: int, key: str) -> None:
        with self._lock:
            self._ids.pop(notification_id, None)
            self._ids[notification_id] = key
            while len(self._ids) > self._limit:
                del self._ids[next(iter(self._ids))]

    def id_for(self, key: str) -> int:
        """The server's id of the notification with this key (Reminder.key), to replace or
        close it; 0 for none."""
        with self._lock:
            mine = [nid for nid, shown in self._ids.items() if shown == key]
        return mine[-1] if mine else 0

    def pop(self, notification_id: int) -> str | None:
        with self._lock:
            return self._ids.pop(notification_id, None)

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)


class ActionListener:
    """Turns the server's signals into `on_action(key, answer)` calls, `key` being the
    answered notification's Reminder.key.

    `handle` runs on the connection's receiver thread only, and so do `on_action` and
    `on_click`: once per answered or clicked notification, which is then closed. A click on
    the body (the DEFAULT action) is the answer `on_click` returns, or no answer when it
    returns None or is not given. `follow` may be called from any thread.
    """

    def __init__(
        self,
        shown: ShownNotifications,
        on_action: OnAction | None,
        send: Send,
        on_click: OnClick | None = None,
        on_guide: OnGuide | None = None,
    ) -> None:
        self._shown = shown
        self._on_action = on_action
        self._on_guide = on_guide
        self._send = send
        self._on_click = on_click
        self._lock = threading.Lock()
        self._server: str | None = None

    @property
    def server(self) -> str | None:
        """The unique name whose signals count; None while no server is known."""
        with self._lock:
            return self._server

    def follow(self, owner: str | None) -> None:
        """Trust `owner` from now on (None or "": no server) and move the match rules to it.

        The rules are sent without waiting for the bus to confirm them: the bus applies one
        connection's messages in order, so they are in force before any later Notify.
        """
        with self._lock:
            old, self._server = self._server, owner or None
            if old == self._server:
                return
            if old is not None:
                self._shown.clear()  # the old server's notifications are gone with it
                for rule in signal_rules(old):
                    self._send(message_bus.RemoveMatch(rule))
            if self._server is not None:
                for rule in signal_rules(self._server):
                    self._send(message_bus.AddMatch(rule))

    def handle(self, message: Any) -> None:
        fields = message.header.fields
        sender = fields.get(HeaderFields.sender)
        interface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        if interface == BUS_DRIVER and member == "NameOwnerChanged":
            self._owner_changed(sender, message.body)
            return
        if interface != NOTIFICATIONS or member not in ("ActionInvoked", "NotificationClosed"):
            return
        server = self.server
        if sender is None or sender != server:
            _log.debug("ignored %s from %s: the notification server is %s", member, sender, server)
            return
        match member, message.body:
            case "ActionInvoked", (int(notification_id), str(key)):
                self._invoked(notification_id, key)
            case "NotificationClosed", (int(notification_id), int()):
                self._shown.pop(notification_id)
            case _:
                _log.debug("ignored %s with arguments %r", member, message.body)

    def _owner_changed(self, sender: str | None, body: Any) -> None:
        if sender != BUS_DRIVER:
            _log.debug("ignored NameOwnerChanged from %s: only the bus sends it", sender)
            return
        match body:
            case (str(name), str(), str(new_owner)) if name == NOTIFICATIONS:
                _log.debug("the notification server is now %s", new_owner or "gone")
                self.follow(new_owner)

    def _invoked(self, notification_id: int, key: str) -> None:
        if key.startswith(GUIDE_PREFIX) and self._on_guide is not None:
            self._guide(notification_id, key.removeprefix(GUIDE_PREFIX))
            return
        answer = answer_for(key)
        if answer is None and (key != DEFAULT or self._on_click is None):
            _log.debug("ignored action %r on notification %d", key, notification_id)
            return
        shown = self._shown.pop(notification_id)
        if shown is None:  # another application's, or answered already
            return
        try:
            if answer is None and self._on_click is not None:
                answer = self._on_click(shown)
            if answer is not None and self._on_action is not None:
                self._on_action(shown, answer)
        except Exception:  # the adapter boundary: the listener must keep running
            _log.exception("could not record %s for notification %s", answer or key, shown)
        finally:
            self._close(notification_id)

    def _guide(self, notification_id: int, routine_id: str) -> None:
        """Start: the guide opens, and the reminder stays open until the guide answers it."""
        if self._shown.pop(notification_id) is None:  # another application's, or gone
            return
        try:
            if self._on_guide is not None:
                self._on_guide(routine_id)
        except Exception:  # the adapter boundary: the listener must keep running
            _log.exception("could not open the guide for %s", routine_id)
        finally:
            self._close(notification_id)

    def _close(self, notification_id: int) -> None:
        # dunst leaves the bubble up after an action from its menu; an answered reminder
        # should go away, as the specification expects by default.
        close = new_method_call(SERVER, "CloseNotification", "u", (notification_id,))
        self._send(close)
