"""Windows: the shell's "quiet" states from SHQueryUserNotificationState (shell32).

Windows reports whether it is a good moment for a notification: not while a fullscreen
application or a Direct3D game runs, in presentation mode, or in the quiet time after a
user's first sign-in. Those states hold reminders.

Focus assist (Windows 10) and Do not disturb (Windows 11) are not reported by this call on
every build; the only other source is undocumented (WNF state), so it is not used.
"""

from __future__ import annotations

import logging
import sys

from postureping.dnd.base import FailureStreak, ProbeUnavailable

NAME = "windows-focus"

# QUERY_USER_NOTIFICATION_STATE values that mean "not now" (shellapi.h).
QUNS_NOT_PRESENT = 1  # locked or another user's session: idle detection's business, not ours
QUNS_BUSY = 2
QUNS_RUNNING_D3D_FULL_SCREEN = 3
QUNS_PRESENTATION_MODE = 4
QUNS_ACCEPTS_NOTIFICATIONS = 5
QUNS_QUIET_TIME = 6
QUNS_APP = 7

_HOLDING = {
    QUNS_BUSY: "a fullscreen application is running",
    QUNS_RUNNING_D3D_FULL_SCREEN: "a fullscreen Direct3D application is running",
    QUNS_PRESENTATION_MODE: "presentation mode is on",
    QUNS_QUIET_TIME: "Windows quiet time (the first hour after a first sign-in)",
}

_log = logging.getLogger(__name__)


def reason_for_state(state: int) -> str | None:
    """The hold reason for a QUERY_USER_NOTIFICATION_STATE value, or None."""
    return _HOLDING.get(state)


def query_state() -> int:
    """The shell's current QUERY_USER_NOTIFICATION_STATE. Raises OSError on failure."""
    if sys.platform != "win32":
        raise OSError("SHQueryUserNotificationState exists only on Windows")
    import ctypes  # here: the daemon tries this probe on every system

    state = ctypes.c_int(0)
    result = ctypes.windll.shell32.SHQueryUserNotificationState(ctypes.byref(state))
    if result != 0:  # an HRESULT: S_OK is 0
        raise OSError(f"SHQueryUserNotificationState failed with {result & 0xFFFFFFFF:#010x}")
    return state.value


class WindowsFocusProbe:
    """Holds reminders while Windows says it is not a good moment for notifications."""

    name = NAME

    def __init__(self) -> None:
        self._streak = FailureStreak(_log, NAME, (OSError,))

    @classmethod
    def open(cls) -> WindowsFocusProbe:
        """Raises ProbeUnavailable off Windows, or when the query fails."""
        if sys.platform != "win32":
            raise ProbeUnavailable("not Windows")
        try:
            query_state()
        except (OSError, AttributeError) as failure:
            raise ProbeUnavailable(str(failure)) from failure
        return cls()

    def hold_reason(self) -> str | None:
        return self._streak.run(self._read)

    def close(self) -> None:
        """Nothing to release."""

    def _read(self) -> str | None:
        return reason_for_state(query_state())
