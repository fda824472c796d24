"""The contract every idle monitor implements.

Threading contract:
- `idle_time()` is called from one thread at a time (the daemon's activity thread), at most
  about once every 30 s. Each call returns or raises within about 2 s: D-Bus calls carry a
  timeout, and a monitor whose service hangs reports that as IdleUnavailable.
- A factory (the constructor) does not block either: it checks the environment and leaves
  connecting to the first `idle_time()`.
- `idle_time()` raises IdleUnavailable and nothing else: OSError, D-Bus errors, Xlib errors and
  surprising replies are all turned into it, with a one-line reason. A monitor that failed may
  work at a later call (a restarted service, a reconnected bus).
- `close()` releases connections and is idempotent. It must not run while `idle_time()` is
  running: call it from the activity thread, or once that thread has ended. After `close()`,
  `idle_time()` raises IdleUnavailable.

Known limit: python-xlib has no timeouts, so an X server that accepts the connection and then
hangs blocks `x11`'s `idle_time()`; a hung X server has frozen the whole desktop anyway.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol


class IdleUnavailable(Exception):
    """Why this monitor cannot tell the idle time here (one line, for the log/doctor)."""


class IdleMonitor(Protocol):
    """A way to ask the desktop how long ago the user's last input was."""

    name: str  # "gnome", "wayland", "screensaver", "x11", "macos", "windows"

    def idle_time(self) -> timedelta:
        """Time since the user's last keyboard or pointer input; raises IdleUnavailable."""
        ...

    def close(self) -> None:
        """Release connections; idempotent."""
        ...
