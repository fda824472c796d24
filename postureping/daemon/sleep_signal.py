"""logind's PrepareForSleep on the system bus: wake the daemon when the machine resumes.

The daemon notices a suspend by itself within a minute (wallclock.py); this makes it look the
moment the machine is back, before any timer that overslept the suspend fires. Only a signal
from the current owner of org.freedesktop.login1 counts: another peer on the bus cannot make the
daemon think the machine slept. No system bus, or no logind (containers, non-systemd systems):
`start()` returns False with the reason, and the minute check is all there is.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from jeepney import HeaderFields, MatchRule, message_bus  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

from postureping.desktop.session_bus import SessionBus

LOGIN1 = "org.freedesktop.login1"
MANAGER = "org.freedesktop.login1.Manager"
TIMEOUT = 2.0

_log = logging.getLogger(__name__)


def sleep_rule(owner: str) -> Any:
    return MatchRule(
        type="signal", sender=owner, interface=MANAGER, member="PrepareForSleep",
        path="/org/freedesktop/login1",
    )  # fmt: skip


class SleepSignals:
    """Call `on_wake()` (on the bus's reader thread) each time the machine resumes."""

    def __init__(self, on_wake: Callable[[], None]) -> None:
        self._on_wake = on_wake
        self._bus: SessionBus | None = None
        self._owner = ""
        self.problem = ""

    def start(self) -> bool:
        if sys.platform == "win32":  # no D-Bus (jeepney's sockets need AF_UNIX)
            self.problem = "no logind on Windows"
            return False
        try:
            bus = SessionBus.connect(TIMEOUT, bus="SYSTEM")
        except (OSError, KeyError, ValueError, RuntimeError) as error:
            self.problem = f"no system bus ({error})"
            return False
        try:
            bus.start(self._on_signal)
            (self._owner,) = bus.call(message_bus.GetNameOwner(LOGIN1))
            bus.call(message_bus.AddMatch(sleep_rule(self._owner)))
        except (DBusErrorResponse, OSError, TimeoutError) as error:
            bus.close(TIMEOUT)
            self.problem = f"no logind on the system bus ({error})"
            return False
        self._bus = bus
        return True

    def _on_signal(self, message: Any) -> None:
        fields = message.header.fields
        if fields.get(HeaderFields.member) != "PrepareForSleep":
            return
        sender = fields.get(HeaderFields.sender)
        if sender != self._owner:
            _log.debug("ignored PrepareForSleep from %s: logind is %s", sender, self._owner)
            return
        if message.body == (False,):  # True: going to sleep; False: back
            self._on_wake()

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close(TIMEOUT)
            self._bus = None
