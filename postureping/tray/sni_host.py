"""Whether a StatusNotifierItem host is on the session bus: a StatusNotifierWatcher owns
org.kde.StatusNotifierWatcher (KDE Plasma, GNOME's AppIndicator extension, xfce4-panel's
status tray, Cinnamon, Budgie, waybar, swaybar...). Asked with jeepney, so no toolkit loads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from jeepney import DBusErrorResponse  # type: ignore[import-untyped]
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.wrappers import unwrap_msg  # type: ignore[import-untyped]

from postureping.desktop.dbus_blocking import open_blocking
from postureping.desktop.dbus_connect import CONNECTION_ERRORS

WATCHER = "org.kde.StatusNotifierWatcher"
TIMEOUT = 2.0  # seconds to connect and to get the answer


def session_bus_address(environ: Mapping[str, str]) -> str | None:
    """The session bus's address: DBUS_SESSION_BUS_ADDRESS, else systemd's per-user socket
    (never an autolaunched bus of its own)."""
    if address := environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return address
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and (socket := Path(runtime, "bus")).exists():
        return f"unix:path={socket}"
    return None


def watcher_present(environ: Mapping[str, str], timeout: float = TIMEOUT) -> bool:
    """Whether a StatusNotifierWatcher owns its name; False when there is no bus or no answer."""
    if (address := session_bus_address(environ)) is None:
        return False
    try:
        connection = open_blocking(address, timeout)
    except CONNECTION_ERRORS:
        return False
    with contextlib.closing(connection):
        try:
            question = message_bus.NameHasOwner(WATCHER)
            reply = connection.send_and_get_reply(question, timeout=timeout)
            (owned,) = unwrap_msg(reply)  # raises DBusErrorResponse for an error reply
        except (DBusErrorResponse, OSError, ValueError):
            return False
    return bool(owned)
