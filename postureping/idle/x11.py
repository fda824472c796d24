"""The idle time of an X11 session: the MIT-SCREEN-SAVER extension, asked in-process.

Why python-xlib and not an `xprintidle` child: no program to install, and no process started
twice a minute. The display stays open between calls (one connection, one request per call).

Under Wayland, XWayland's idle time counts only input to X11 windows, so it would report a
user who types into native Wayland windows as idle. This monitor refuses such sessions, both
by their environment and, when that is incomplete, by the XWAYLAND extension XWayland has
advertised since 2022 (xorgproto 2022.2).

python-xlib reads the X authority file from the process's own XAUTHORITY (or ~/.Xauthority),
not from the `environ` given here. It has no timeouts: see the note in postureping.idle.base.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from postureping.idle.base import IdleUnavailable

if TYPE_CHECKING:
    from postureping.desktop.x11 import X11Connection

EXTENSION = "MIT-SCREEN-SAVER"
WAYLAND_REASON = "Wayland session: X11 idle time only counts X11 windows"


class X11IdleMonitor:
    """Milliseconds since the last input, from the X server at `environ["DISPLAY"]`."""

    name = "x11"

    def __init__(self, environ: Mapping[str, str]) -> None:
        if environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland":
            raise IdleUnavailable(WAYLAND_REASON)
        display_name = environ.get("DISPLAY")
        if not display_name:
            raise IdleUnavailable("DISPLAY is not set")
        self._display_name = display_name
        self._display: X11Connection | None = None
        self._opcode = 0  # MIT-SCREEN-SAVER's, once connected
        self._closed = False

    def idle_time(self) -> timedelta:
        if self._closed:
            raise IdleUnavailable("the idle monitor is closed")
        # python-xlib, a pure-Python protocol client, raises a zoo of errors: its own
        # DisplayError, ConnectionClosedError and XError, but also OSError, OverflowError (a
        # display number past the last TCP port), struct.error (a truncated reply) and more.
        # Each means the same to the caller: no idle time from this display now.
        if self._display is not None:
            try:
                return self._query(self._display)
            except Exception:  # the X server restarted, or dropped us: one new connection
                self._disconnect()
        try:
            self._display = self._open()
            return self._query(self._display)
        except IdleUnavailable:
            self._disconnect()
            raise
        except Exception as error:
            self._disconnect()
            raise IdleUnavailable(f"X display {self._display_name}: {_describe(error)}") from error

    def close(self) -> None:
        self._closed = True
        self._disconnect()

    def _open(self) -> X11Connection:
        try:
            # Imported here, not with the module: a session without X needs no python-xlib.
            from postureping.desktop.x11 import X11Connection
        except ImportError as error:
            raise IdleUnavailable(f"needs python-xlib ({error})") from error
        connection = X11Connection(self._display_name)
        try:
            if connection.extension_opcode("XWAYLAND") is not None:
                raise IdleUnavailable(WAYLAND_REASON)
            if (opcode := connection.extension_opcode(EXTENSION)) is None:
                raise IdleUnavailable(f"the X server has no {EXTENSION} extension")
        except BaseException:
            connection.close()
            raise
        self._opcode = opcode
        return connection

    def _query(self, connection: X11Connection) -> timedelta:
        return timedelta(milliseconds=connection.idle_milliseconds(self._opcode))

    def _disconnect(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            display.close()


def _describe(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
