"""The desktop backend through plyer (Linux, macOS, Windows).

plyer fails silently or mangles text in several cases; this module refuses those cases with a
NotifyError so the service can fall back to the terminal instead of losing the reminder.
On Linux plyer picks one implementation at first use (plyer 2.1.0,
plyer/platforms/linux/notification.py `instance()`):

- a directory /app exists: it assumes Flatpak and runs `gdbus call` with the text pasted into
  a GVariant literal, so a quote or a backslash breaks the call (silently: exit code ignored);
- dbus-python importable: a direct `Notify` call on the session bus (the good path);
- else `notify-send`: a title or body beginning with "-" is read as an option and nothing is
  shown, failures are silent and the timeout is ignored (the bubble stays until dismissed);
- else the facade itself, whose `notify` raises NotImplementedError.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from postureping.notify.base import NotifyError
from postureping.reminder import APP_NAME, Reminder

_BUS_NAME = "org.freedesktop.Notifications"
_OBJECT_PATH = "/org/freedesktop/Notifications"

_ERROR = "org.freedesktop.DBus.Error."
_NO_BUS = frozenset(
    _ERROR + name
    for name in (
        "NotSupported",  # no address and no X display to autolaunch one
        "FileNotFound",  # the socket in DBUS_SESSION_BUS_ADDRESS is gone
        "NoServer",
        "BadAddress",
        "Disconnected",
        "AuthFailed",
        "NoNetwork",
    )
)
_NO_SERVER = frozenset(_ERROR + name for name in ("ServiceUnknown", "NameHasNoOwner"))
_NO_ANSWER = frozenset(_ERROR + name for name in ("NoReply", "Timeout", "TimedOut"))


def escape_markup(text: str) -> str:
    """Make text show literally on a server that renders body markup (dunst, GNOME, KDE...).

    Only `&`, `<` and `>` are special in the freedesktop markup subset; quotes are not.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def dbus_reason(name: str | None, message: str | None) -> str:
    """A short, user-facing reason for a D-Bus error from a notification call."""
    if name in _NO_BUS or (name or "").startswith(_ERROR + "Spawn."):
        return f"no D-Bus session bus ({message})" if message else "no D-Bus session bus"
    if name in _NO_SERVER:
        return "no notification server on the session bus"
    if name in _NO_ANSWER:
        return "the notification server did not answer"
    return f"the notification server refused the reminder ({message or name})"


def timeout_seconds(timeout: timedelta) -> int:
    """plyer takes whole seconds; 0 would mean "never expire" to a freedesktop server."""
    return max(1, round(timeout.total_seconds()))


class PlyerNotifier:
    """Shows reminders through plyer. plyer is imported at the first `send`, not before.

    `implementation` is one of plyer's notification objects; by default the one plyer
    itself would pick for this platform.
    """

    name = "plyer"

    def __init__(self, implementation: Any = None) -> None:
        self._implementation: Any = implementation
        self._kind = ""  # which of plyer's paths `_implementation` is, once known

    def send(self, reminder: Reminder) -> None:
        if reminder.redraw:
            return  # plyer cannot replace a notification: the one shown stays as it is
        implementation, kind = self._resolve()
        title, body = reminder.title, reminder.body
        if kind == "none":
            raise NotifyError(
                "plyer found no way to show notifications "
                "(install dbus-python, or notify-send from libnotify-bin)"
            )
        if kind == "portal" and any(c in text for text in (title, body) for c in "'\\"):
            raise NotifyError("plyer's Flatpak path cannot show text with a quote or backslash")
        if kind == "notify-send" and (title.startswith("-") or body.startswith("-")):
            raise NotifyError('notify-send cannot show a title or body that begins with "-"')
        # The summary is never escaped: the specification makes it plain text, and dunst
        # 1.9 (markup = full) escapes it itself, so "&lt;" sent there shows as "&lt;".
        seconds = timeout_seconds(reminder.timeout)
        if kind == "dbus":
            _send_dbus(implementation, title, body, seconds)
            return
        if kind == "notify-send":
            # notify-send cannot ask the server; every common server renders body markup.
            body = escape_markup(body)
        _call(implementation, title, body, seconds)

    def _resolve(self) -> tuple[Any, str]:
        if not self._kind:
            if not sys.platform.startswith("linux"):
                from plyer import notification  # noqa: PLC0415 - plyer only when used

                self._implementation = self._implementation or notification
                self._kind = "other"
            else:
                # The choice plyer.notification would make, but we keep the object to know
                # which of its paths (and their failure modes) is in use.
                from plyer.facades import Notification  # noqa: PLC0415 - plyer only when used
                from plyer.platforms.linux import notification as linux  # noqa: PLC0415

                implementation = self._implementation or linux.instance()
                kinds = [
                    (linux.NotifyDbus, "dbus"),
                    (linux.NotifySendNotification, "notify-send"),
                    (linux.NotifyDesktopPortals, "portal"),
                ]
                kind = next((k for cls, k in kinds if isinstance(implementation, cls)), "other")
                self._implementation = implementation
                self._kind = "none" if type(implementation) is Notification else kind
        return self._implementation, self._kind


def _send_dbus(implementation: Any, title: str, body: str, timeout: int) -> None:
    """plyer's D-Bus path, after asking the server whether it renders body markup.

    Escaped text would show its entities on a server without `body-markup` (dunst with
    `markup = no`). Asking first also turns "no bus" or "no server" into a clear error.
    """
    import dbus  # noqa: PLC0415 - dbus-python is only there on Linux

    try:
        server = dbus.SessionBus().get_object(_BUS_NAME, _OBJECT_PATH)
        capabilities = dbus.Interface(server, _BUS_NAME).GetCapabilities()
        if "body-markup" in capabilities:
            body = escape_markup(body)
        _call(implementation, title, body, timeout)
    except dbus.exceptions.DBusException as error:
        raise NotifyError(dbus_reason(error.get_dbus_name(), error.get_dbus_message())) from error


def _call(implementation: Any, title: str, body: str, timeout: int) -> None:
    try:
        implementation.notify(title=title, message=body, app_name=APP_NAME, timeout=timeout)
    except NotImplementedError as error:  # plyer has no implementation for this platform
        raise NotifyError("plyer cannot show notifications on this system") from error
