"""The native freedesktop backend (Linux and other free desktops): Notify over the session bus
with jeepney, with the app's icon (postureping.notify.app_icon), and with Done / Snooze / Skip
buttons and a default action (a click on the body; postureping.notify.clicks says what it
means on each server) when the server lists the `actions` capability.

Life cycle: the constructor does no I/O. The first `send` connects, starts the connection's
reader thread, subscribes to the server's signals and only then calls Notify. A lost
connection is replaced at the next `send` (a `send` that loses it midway tries once more on a
new one); each loss is logged when it happens and kept, with its time, in `troubles()` for
`postureping doctor` (through the daemon's status). A server that restarts is followed
through NameOwnerChanged. `close()` stops the reader thread.

Threading: `send` follows the Notifier contract (one call at a time, from the notification
worker). `on_action(key, answer)` (the answered Reminder.key) is called on the reader thread
(session_bus.READER_NAME), at most once per notification; it must return promptly and must
not wait for a reminder to be shown, since replies to Notify arrive on that same thread. An
exception from it is logged, never raised. A click that shows a reminder again does so from
a short-lived thread of its own, through the same lock as `send`.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from jeepney import message_bus, new_method_call  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

from postureping.desktop.session_bus import BusClosed, SessionBus
from postureping.notify.actions import (
    NOTIFICATIONS,
    SERVER,
    ActionListener,
    OnAction,
    OnGuide,
    ShownNotifications,
    action_list,
    owner_rule,
    pain_action_list,
)
from postureping.notify.app_icon import app_icon, icon_hints
from postureping.notify.base import NotifyError
from postureping.notify.clicks import LABEL_DONE, BodyClicks
from postureping.notify.plyer_backend import dbus_reason, escape_markup
from postureping.reminder import APP_NAME, Reminder

DEFAULT_TIMEOUT = 5.0  # seconds for each D-Bus call; under the notification service's limit
URGENCY_LOW = 0  # news, such as a counted break
URGENCY_NORMAL = 1
URGENCY_CRITICAL = 2  # the check-in's guidance
_MAX_INT32 = 2**31 - 1
MAX_TROUBLES = 5  # the latest troubles kept for `doctor`

_log = logging.getLogger(__name__)

# What connecting and calling raise besides DBusErrorResponse (see SessionBus.connect / call).
_BUS_ERRORS = (OSError, KeyError, ValueError, RuntimeError)


def _notify_error(error: Exception) -> NotifyError:
    """A failed call on the session bus as the user is told of it."""
    if isinstance(error, DBusErrorResponse):
        text = error.data[0] if error.data and isinstance(error.data[0], str) else None
        return NotifyError(dbus_reason(error.name, text))
    if isinstance(error, TimeoutError):
        return NotifyError("the notification server did not answer")
    return NotifyError(f"no D-Bus session bus ({_describe(error)})")


def expire_timeout_ms(reminder: Reminder) -> int:
    """Notify's expire_timeout: milliseconds, at least 1 (0 means "never expire")."""
    return min(_MAX_INT32, max(1, round(reminder.timeout.total_seconds() * 1000)))


def notify_message(
    reminder: Reminder,
    capabilities: list[str],
    replaces_id: int,
    with_actions: bool,
    *,
    click_label: str | None = None,
    with_guide: bool = False,
) -> Any:
    """The Notify call for `reminder`, given what the server can do; with `click_label`, the
    buttons come with a default action of that label; `with_guide`: a Start button for a
    reminder with a guided routine."""
    # The summary is plain text by the specification (dunst escapes it itself); the body is
    # escaped only for a server that renders body markup, or entities would show.
    body = escape_markup(reminder.body) if "body-markup" in capabilities else reminder.body
    guide = reminder.guide if with_guide else None
    actions: list[str] = []
    if with_actions and "actions" in capabilities:
        # The check-in's pain bands take the place of the answers, and of a body click,
        # which would answer it without a level.
        actions = pain_action_list() if reminder.pain_scale else action_list(click_label, guide)
    urgency = URGENCY_LOW if reminder.quiet else URGENCY_NORMAL
    # Guidance stays until dismissed: critical urgency (which dunst and GNOME keep on
    # screen) and an expire_timeout of 0, "never expire" by the specification.
    hints = {"urgency": ("y", URGENCY_CRITICAL if reminder.sticky else urgency), **icon_hints()}
    args = (APP_NAME, replaces_id, app_icon(), reminder.title, body, actions, hints)
    expire = 0 if reminder.sticky else expire_timeout_ms(reminder)
    return new_method_call(SERVER, "Notify", "susssasa{sv}i", (*args, expire))


class FreedesktopNotifier:
    """Shows reminders through org.freedesktop.Notifications; with `on_action`, offers buttons
    and reports which one was pressed."""

    name = "freedesktop"

    def __init__(
        self,
        on_action: OnAction | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC).astimezone(),
        on_guide: OnGuide | None = None,
    ) -> None:
        """`on_guide(routine_id)`, called like `on_action`: a Start button was pressed (a
        reminder with a guided routine shows one only when it is given)."""
        self._on_action = on_action
        self._on_guide = on_guide
        self._timeout = timeout
        self._clock = clock
        self._troubles: deque[str] = deque(maxlen=MAX_TROUBLES)  # appends are thread-safe
        self._shown = ShownNotifications()
        self._lock = threading.Lock()  # guards the connection
        self._bus: SessionBus | None = None
        self._listener: ActionListener | None = None
        self._closed = False
        self._clicks = BodyClicks(self._show_again)
        self._server_named: str | None = None  # the unique name whose server name is known

    @classmethod
    def supports_actions(cls, timeout: float = DEFAULT_TIMEOUT) -> bool:
        """Whether a notification server on the session bus lists `actions` in its
        capabilities. False on any failure (no bus, no server, no answer within `timeout`)."""
        try:
            return "actions" in server_capabilities(timeout)
        except NotifyError:
            return False

    @classmethod
    def server_present(cls, timeout: float = DEFAULT_TIMEOUT) -> bool:
        """Whether a notification server on the session bus answers GetCapabilities (with
        or without `actions`). False on any failure, as for `supports_actions`."""
        try:
            server_capabilities(timeout)
        except NotifyError:
            return False
        return True

    def send(self, reminder: Reminder) -> None:
        with self._lock:
            self._send_locked(reminder)

    def _send_locked(self, reminder: Reminder) -> None:
        """`send`, with the lock held: one reminder at a time on the connection."""
        if self._closed:
            raise NotifyError("the freedesktop notifier is closed")
        try:
            try:
                self._show(reminder)
            except BusClosed:  # lost midway (and reported): once more, on a new connection
                self._show(reminder)
        except (DBusErrorResponse, TimeoutError) as error:
            raise _notify_error(error) from error
        except _BUS_ERRORS as error:
            self._disconnect()
            raise _notify_error(error) from error

    def troubles(self) -> tuple[str, ...]:
        """What went wrong with the connection since the notifier started (the latest
        MAX_TROUBLES, oldest first), each with its local time: "10:42:03 lost the connection
        to the session bus (...)"."""
        return tuple(self._troubles)

    def withdraw(self, key: str) -> None:
        """Close the notification with this key, if it is still known (answered, missed)."""
        with self._lock:
            self._clicks.forget(key)
            notification_id = self._shown.id_for(key)
            if notification_id == 0 or self._closed:
                return
            self._shown.pop(notification_id)
            bus = self._bus
            if bus is None or not bus.alive:
                return
            try:
                bus.call(new_method_call(SERVER, "CloseNotification", "u", (notification_id,)))
            except (DBusErrorResponse, TimeoutError, *_BUS_ERRORS) as error:
                _log.debug("could not close notification %d: %s", notification_id, error)

    def close(self, timeout: float | None = None) -> None:
        """Stop listening for answers and disconnect. A later `send` raises NotifyError.

        Does not wait for a `send` in progress: it fails at once instead.
        """
        self._closed = True
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.close(timeout)

    def _show(self, reminder: Reminder) -> None:
        bus, listener = self._connection()
        if listener.server is None:  # not known yet, or it left the bus since
            (owner,) = bus.call(message_bus.GetNameOwner(NOTIFICATIONS))
            listener.follow(str(owner))
        if listener.server != self._server_named:
            self._learn_server(bus, listener.server)
        (capabilities,) = bus.call(new_method_call(SERVER, "GetCapabilities"))
        replaces_id = self._shown.id_for(reminder.key)
        if reminder.redraw and replaces_id == 0:
            return  # answered or closed meanwhile: nothing on screen to bring up to date
        with_actions = self._on_action is not None and not reminder.quiet
        click = self._clicks.label if with_actions else None
        with_guide = self._on_guide is not None
        message = notify_message(
            reminder,
            list(capabilities),
            replaces_id,
            with_actions,
            click_label=click,
            with_guide=with_guide,
        )
        (notification_id,) = bus.call(message)
        if not reminder.quiet:
            self._shown.add(int(notification_id), reminder.key)
            if with_actions:
                self._clicks.remember(reminder)
        _log.debug("notification %d shows %s", notification_id, reminder.key)

    def _learn_server(self, bus: SessionBus, owner: str | None) -> None:
        """What a click on the body means depends on the server: ask its name."""
        try:
            name, *_ = bus.call(new_method_call(SERVER, "GetServerInformation"))
        except DBusErrorResponse as error:  # optional in practice: take it for one with buttons
            _log.debug("the notification server gave no information: %s", error)
            name = ""
        self._clicks.server_is(str(name))
        self._server_named = owner
        meaning = {None: "is not offered", LABEL_DONE: "counts as done"}.get(
            self._clicks.label, "shows the choices"
        )
        _log.debug("the notification server is %s; a click %s", name or "unnamed", meaning)

    def _show_again(self, key: str, reminder: Reminder) -> None:
        """A click on a server with buttons closed the reminder: show it again (a thread of
        its own, see BodyClicks.clicked), unless it was withdrawn or replaced meanwhile."""
        with self._lock:
            if self._closed or not self._clicks.is_latest(key, reminder):
                return
            try:
                self._send_locked(reminder)
            except NotifyError as error:
                _log.warning("could not show the reminder %r again: %s", reminder.title, error)

    def _connection(self) -> tuple[SessionBus, ActionListener]:
        if self._bus is not None and self._listener is not None and self._bus.alive:
            return self._bus, self._listener
        self._disconnect()
        bus = SessionBus.connect(self._timeout)
        try:
            on_click = self._clicks.clicked if self._on_action is not None else None
            listener = ActionListener(
                self._shown, self._on_action, bus.send, on_click, self._on_guide
            )
            bus.start(listener.handle, on_lost=self._lost)
            # Before asking who the server is, so that a restart in between is not missed.
            bus.call(message_bus.AddMatch(owner_rule()))
        except BaseException:
            bus.close()
            raise
        if self._closed:  # close() ran meanwhile
            bus.close()
            raise NotifyError("the freedesktop notifier is closed")
        _log.debug("connected to the session bus as %s", bus.unique_name)
        self._bus, self._listener = bus, listener
        return bus, listener

    def _lost(self, reason: str) -> None:
        """The reader thread stopped by itself (session_bus has logged why); the next `send`
        connects again. Runs on that reader thread, so it takes no lock."""
        unanswerable = len(self._shown)
        self._troubles.append(
            f"{self._clock():%H:%M:%S} lost the connection to the session bus ({reason})"
        )
        if unanswerable:
            _log.warning(
                "the buttons of %d notification(s) on screen no longer answer; "
                "the next reminder connects again",
                unanswerable,
            )

    def _disconnect(self) -> None:
        bus, self._bus, self._listener = self._bus, None, None
        if bus is not None:
            bus.close()
        # The server sends its signals to the connection that called Notify: answers to
        # what the old connection showed can no longer reach us.
        self._shown.clear()


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return "DBUS_SESSION_BUS_ADDRESS is not set"
    return str(error) or type(error).__name__


def server_information(timeout: float = DEFAULT_TIMEOUT) -> tuple[str, list[str]] | str:
    """The notification server's name and version and its capabilities; or why there is
    none to talk to (for `postureping doctor`)."""
    try:
        bus = SessionBus.connect(timeout)
    except _BUS_ERRORS as error:
        return f"no session bus ({_describe(error)})"
    try:
        bus.start(lambda message: None)
        name, vendor, version, _spec = bus.call(new_method_call(SERVER, "GetServerInformation"))
        (capabilities,) = bus.call(new_method_call(SERVER, "GetCapabilities"))
    except (DBusErrorResponse, *_BUS_ERRORS) as error:
        return f"no notification server ({_describe(error)})"
    finally:
        bus.close()
    return f"{name} {version} ({vendor})", list(capabilities)


def server_capabilities(timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """The notification server's capabilities, for a backend that cannot ask itself (plyer's
    notify-send path). NotifyError, with the reason, when there is no bus or no server."""
    try:
        bus = SessionBus.connect(timeout)
    except _BUS_ERRORS as error:
        raise NotifyError(f"no D-Bus session bus ({_describe(error)})") from error
    try:
        bus.start(lambda message: None)
        (capabilities,) = bus.call(new_method_call(SERVER, "GetCapabilities"))
    except (DBusErrorResponse, *_BUS_ERRORS) as error:
        raise _notify_error(error) from error
    finally:
        bus.close()
    return list(capabilities)
