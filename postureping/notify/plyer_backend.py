"""The desktop backend through plyer (macOS, Windows, and Linux as a fallback).

plyer fails silently or mangles text in several cases; this module works around those it can
and refuses the others with a NotifyError, so the service falls back to the terminal instead
of losing the reminder. On Linux (plyer 2.1.0, plyer/platforms/linux/notification.py):

- a directory /app exists: plyer assumes Flatpak and runs `gdbus call` with the text pasted
  into a GVariant literal, so a quote or a backslash breaks the call (silently: exit code
  ignored). Such text is refused.
- plyer's own next choice, dbus-python, is never taken: postureping speaks D-Bus with jeepney
  alone, and dbus-python needs a compiler and headers to install. (plyer's `instance()` also
  warns on the terminal when dbus-python is missing, so the choice is made here instead.)
- else `notify-send` (libnotify-bin). plyer runs it with the title and the body before the
  options, so a title or body that begins with "-" is read as an option and nothing is
  shown; it drops the timeout (the bubble never expires) and ignores the exit status. This
  module runs notify-send itself instead, as plyer would but with `--` before the text,
  `--expire-time`, the urgency, the body's backslashes doubled (notify-send reads C escapes
  there) and its exit status checked; and it first asks the server, over jeepney, whether
  it is there and whether it renders body markup (then the body is escaped, else sent as
  it is).
- else nothing works: refused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from typing import Any

from postureping.notify.base import NotifyError
from postureping.reminder import APP_NAME, Reminder

PROBE_TIMEOUT = 2.0  # seconds for asking the notification server before notify-send runs
NOTIFY_SEND_TIMEOUT = 7.0  # seconds; with the probe, under the daemon's 10 s for a backend

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
    itself would pick for this platform, except plyer's dbus-python path on Linux.
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
                "plyer found no way to show notifications (install notify-send, from "
                "libnotify-bin, or use the freedesktop backend)"
            )
        if kind == "portal" and any(c in text for text in (title, body) for c in "'\\"):
            raise NotifyError("plyer's Flatpak path cannot show text with a quote or backslash")
        # The summary is never escaped: the specification makes it plain text, and dunst
        # 1.9 (markup = full) escapes it itself, so "&lt;" sent there shows as "&lt;".
        if kind == "notify-send":
            if "body-markup" in _server_capabilities():
                body = escape_markup(body)
            notify_send(title, body, reminder.timeout, quiet=reminder.quiet, sticky=reminder.sticky)
            return
        _call(implementation, title, body, timeout_seconds(reminder.timeout))

    def _resolve(self) -> tuple[Any, str]:
        if not self._kind:
            if not sys.platform.startswith("linux"):
                from plyer import notification  # plyer only when used

                self._implementation = self._implementation or notification
                self._kind = "other"
            else:
                # plyer's own choice, less its dbus-python path; the object is kept to know
                # which path (and which failure modes) is in use.
                from plyer.facades import Notification  # plyer only when used
                from plyer.platforms.linux import notification as linux

                implementation = self._implementation or _linux_choice(linux, Notification)
                kinds = [
                    (linux.NotifySendNotification, "notify-send"),
                    (linux.NotifyDesktopPortals, "portal"),
                ]
                kind = next((k for cls, k in kinds if isinstance(implementation, cls)), "other")
                self._implementation = implementation
                self._kind = "none" if type(implementation) is Notification else kind
        return self._implementation, self._kind


def notify_send_args(
    title: str, body: str, timeout: timedelta, *, quiet: bool = False, sticky: bool = False
) -> list[str]:
    """notify-send's command line: options first, then `--`, so that text beginning with
    "-" is text; the expire time in milliseconds, at least 1 (0 means "never expire").
    notify-send 0.8 reads C escapes in the body, not the title (g_strcompress: "\\n" is a new
    line), so the body's backslashes are doubled to show as typed."""
    milliseconds = 0 if sticky else max(1, round(timeout.total_seconds() * 1000))
    urgency = "critical" if sticky else "low" if quiet else "normal"
    return [
        "notify-send",
        f"--app-name={APP_NAME}",
        f"--urgency={urgency}",
        f"--expire-time={milliseconds}",
        "--",
        title,
        body.replace("\\", "\\\\"),
    ]


def notify_send(
    title: str, body: str, timeout: timedelta, *, quiet: bool = False, sticky: bool = False
) -> None:
    args = notify_send_args(title, body, timeout, quiet=quiet, sticky=sticky)
    try:
        result = subprocess.run(
            args,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=NOTIFY_SEND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise NotifyError("notify-send did not finish (the notification server hangs?)") from error
    except OSError as error:
        raise NotifyError(f"cannot run notify-send ({error.strerror or error})") from error
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise NotifyError(f"notify-send failed ({reason})")


def _linux_choice(linux: Any, nothing: Any) -> Any:
    if os.path.isdir("/app"):  # noqa: PTH112 - plyer's own test, word for word
        return linux.NotifyDesktopPortals()
    if shutil.which("notify-send"):
        return linux.NotifySendNotification()
    return nothing()


def _server_capabilities() -> list[str]:
    """Ask the notification server over jeepney (Linux only), so that no bus or no server is
    reported, not lost in notify-send's ignored exit status."""
    from postureping.notify.freedesktop import server_capabilities  # Linux

    return server_capabilities(PROBE_TIMEOUT)


def _call(implementation: Any, title: str, body: str, timeout: int) -> None:
    try:
        implementation.notify(title=title, message=body, app_name=APP_NAME, timeout=timeout)
    except NotImplementedError as error:  # plyer has no implementation for this platform
        raise NotifyError("plyer cannot show notifications on this system") from error
