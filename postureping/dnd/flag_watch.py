"""Tell when the notification server's flag changes: its PropertiesChanged signal.

KDE Plasma's server sends org.freedesktop.DBus.Properties.PropertiesChanged from
/org/freedesktop/Notifications with (org.freedesktop.Notifications, {"Inhibited": b}, [])
whenever `Inhibited` changes (plasma-workspace, libnotificationmanager/server_p.cpp,
ServerPrivate::onInhibitedChanged; the interface's XML marks the property EmitsChangedSignal).
Plasma 6.4 added do-not-disturb while the focused window is fullscreen (libnotificationmanager's
FullscreenTracker; the setting "Do Not Disturb when full screen windows are present", which
its 6.4 migration turns off only for those who had chosen to see notifications over fullscreen
windows), and `Inhibited` follows do-not-disturb. Checked against Plasma's source and a
stand-in of its server (tests/plasma_standin.py), not against a running Plasma.

The match rule names the well-known name as the sender, so the bus delivers only what its
current owner sends (another peer cannot forge a change), and follows a new owner when the
server restarts; the name changing owner is a change too. The signal's value is not trusted
or kept: `changed()` only wakes the daemon, which reads the property itself.

Threading: `start` returns at once; connecting and adding the rules happen on a short-lived
thread (the bus's Hello may take up to 10 s on a stuck bus), the signals arrive on the
connection's reader thread (postureping.desktop.session_bus). Without a bus, or if the bus
refuses the rules, it logs that once and gives up: the daemon's looks every 30 s go on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from jeepney import HeaderFields, MatchRule, message_bus  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

from postureping.desktop.dbus_connect import CONNECTION_ERRORS
from postureping.desktop.session_bus import SessionBus

PROPERTIES = "org.freedesktop.DBus.Properties"
BUS = "org.freedesktop.DBus"
TIMEOUT = 2.0

_log = logging.getLogger(__name__)


def changes_rule(service: str, path: str, interface: str) -> Any:
    rule = MatchRule(
        type="signal", sender=service, path=path, interface=PROPERTIES,
        member="PropertiesChanged",
    )  # fmt: skip
    rule.add_arg_condition(0, interface)
    return rule


def owner_rule(service: str) -> Any:
    rule = MatchRule(type="signal", sender=BUS, interface=BUS, member="NameOwnerChanged")
    rule.add_arg_condition(0, service)
    return rule


def tells_of(message: Any, interface: str, name: str) -> bool:
    """Whether `message` says that `interface`.`name` changed (or its server came or went)."""
    fields = message.header.fields
    member = fields.get(HeaderFields.member)
    if member == "NameOwnerChanged":
        return bool(fields.get(HeaderFields.interface) == BUS)
    if member != "PropertiesChanged" or fields.get(HeaderFields.interface) != PROPERTIES:
        return False
    body = message.body
    if len(body) != 3 or body[0] != interface:
        return False
    changed, invalidated = body[1], body[2]
    return bool(name in changed or name in invalidated)


class FlagWatch:
    """Calls `changed()` when `interface`.`name` of `service` at `path` may have changed."""

    def __init__(
        self, address: str, *, service: str, path: str, interface: str, name: str, probe: str
    ) -> None:
        self._address = address
        self._service, self._path = service, path
        self._interface, self._name = interface, name
        self._probe = probe
        self._lock = threading.Lock()  # guards _bus and _closed
        self._bus: SessionBus | None = None
        self._closed = False
        self._ready = False  # the match rules are in place
        self._starter: threading.Thread | None = None

    def start(self, changed: Callable[[], None]) -> None:
        self._starter = threading.Thread(
            target=self._start, args=(changed,), name=f"postureping-{self._probe}-watch",
            daemon=True,
        )  # fmt: skip
        self._starter.start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            bus, self._bus = self._bus, None
        if bus is not None:
            bus.close(TIMEOUT)
        starter = self._starter
        if starter is not None and starter is not threading.current_thread():
            starter.join(TIMEOUT)

    @property
    def watching(self) -> bool:
        """Whether changes are followed: the rules are in place and the connection works."""
        with self._lock:
            return self._ready and self._bus is not None and self._bus.alive

    def _start(self, changed: Callable[[], None]) -> None:
        def on_signal(message: Any) -> None:
            if tells_of(message, self._interface, self._name):
                changed()

        try:
            bus = SessionBus.connect(TIMEOUT, bus=self._address)
        except CONNECTION_ERRORS as error:
            self._gave_up(f"cannot connect to the session bus: {error}")
            return
        with self._lock:
            if self._closed:
                bus.close(TIMEOUT)
                return
            self._bus = bus
        bus.start(on_signal, name=f"postureping-{self._probe}-signals")
        try:
            bus.call(message_bus.AddMatch(changes_rule(self._service, self._path, self._interface)))
            bus.call(message_bus.AddMatch(owner_rule(self._service)))
            with self._lock:
                self._ready = True
        except (DBusErrorResponse, OSError, TimeoutError) as error:
            with self._lock:
                closed, self._bus = self._closed, None
            bus.close(TIMEOUT)
            if not closed:
                self._gave_up(f"the bus refused to pass on its changes: {error}")

    def _gave_up(self, why: str) -> None:
        _log.warning(
            "the %s hold probe cannot follow changes (%s); while a reminder waits, the daemon "
            "looks every 30 s instead",
            self._probe,
            why,
        )
