"""Screen lock and unlock, from the desktop's screen saver and from logind: each one is an
event for the engine (`ScreenLock`), so a lock counts as time away from the computer.

Where they come from:
- the session bus: `ActiveChanged(b)` of GNOME's org.gnome.ScreenSaver (gnome-shell, and the
  old gnome-screensaver), of org.freedesktop.ScreenSaver (KDE, ...), and of the own names of
  xfce4-screensaver, mate-screensaver and cinnamon-screensaver;
- the system bus: logind's session of this process, its `LockedHint` property (through
  PropertiesChanged), which lockers and desktops set. Not its `Lock` and `Unlock` signals:
  they are requests to the session's locker (`loginctl lock-session`), not the state, and an
  unlock with a password (swaylock, i3lock) never brings an `Unlock`.

A screen saver that leaves the bus while active (it quit, or crashed) is taken for an unlock:
an X screen saver's lock ends with its process. Several of them may tell of one lock (GNOME
sets LockedHint too): the engine takes a lock it knows of as nothing new. Trust: a signal
counts only when its sender is the unique name that owns the service it claims to come from
(followed through NameOwnerChanged, which counts only from the bus itself): another program on
the bus cannot lock or unlock us.

Threading: `on_lock(locked)` is called on a bus connection's reader thread; it must return
promptly and must not make calls on that connection. `start()` returns what it watches and
why not the rest; `close()` stops both connections.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    HeaderFields,
    MatchRule,
    message_bus,
    new_method_call,
)
from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

from postureping.desktop.session_bus import SessionBus

TIMEOUT = 2.0
BUS_DRIVER = "org.freedesktop.DBus"
LOGIN1 = "org.freedesktop.login1"
SESSION = "org.freedesktop.login1.Session"
PROPERTIES = "org.freedesktop.DBus.Properties"

# Screen savers on the session bus: bus name -> interface of their ActiveChanged(b).
SCREEN_SAVERS: dict[str, str] = {
    "org.gnome.ScreenSaver": "org.gnome.ScreenSaver",
    "org.freedesktop.ScreenSaver": "org.freedesktop.ScreenSaver",
    "org.mate.ScreenSaver": "org.mate.ScreenSaver",
    "org.xfce.ScreenSaver": "org.xfce.ScreenSaver",
    "org.cinnamon.ScreenSaver": "org.cinnamon.ScreenSaver",
}

OnLock = Callable[[bool], None]
_BUS_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TimeoutError, DBusErrorResponse)

_log = logging.getLogger(__name__)


class _Owners:
    """Well-known name -> its owner's unique name, as the bus says (thread-safe)."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()

    def set(self, name: str, owner: str) -> None:
        with self._lock:
            if owner:
                self._owners[name] = owner
            else:
                self._owners.pop(name, None)

    def owns(self, sender: str | None, name: str) -> bool:
        with self._lock:
            return sender is not None and self._owners.get(name) == sender

    def owner(self, name: str) -> str | None:
        with self._lock:
            return self._owners.get(name)


def _owner_rule(name: str) -> Any:
    rule = MatchRule(
        type="signal", sender=BUS_DRIVER, interface=BUS_DRIVER, member="NameOwnerChanged"
    )
    rule.add_arg_condition(0, name)
    return rule


def _follow(bus: SessionBus, owners: _Owners, names: list[str]) -> list[str]:
    """Subscribe to the owner changes of `names`, then ask their owners; the names owned now."""
    for name in names:
        bus.call(message_bus.AddMatch(_owner_rule(name)))
    owned = []
    for name in names:
        try:
            (owner,) = bus.call(message_bus.GetNameOwner(name))
        except DBusErrorResponse:
            continue  # not on the bus (yet): NameOwnerChanged tells when it comes
        owners.set(name, str(owner))
        owned.append(name)
    return owned


def _owner_changed(message: Any, owners: _Owners) -> tuple[str, str] | None:
    """Take in a NameOwnerChanged: (name, new owner, "" when gone) if it came from the bus
    itself; None for any other message (and ("", "") for one from anyone else)."""
    fields = message.header.fields
    if fields.get(HeaderFields.member) != "NameOwnerChanged":
        return None
    if fields.get(HeaderFields.sender) != BUS_DRIVER:
        return ("", "")
    match message.body:
        case (str(name), str(), str(new_owner)):
            owners.set(name, new_owner)
            return (name, new_owner)
    return ("", "")


class LockSignals:
    """Call `on_lock(True)` when the screen locks and `on_lock(False)` when it unlocks."""

    def __init__(self, on_lock: OnLock, environ: Mapping[str, str]) -> None:
        self._on_lock = on_lock
        self._environ = environ
        self._owners = _Owners()
        self._active: dict[str, str] = {}  # screen saver name -> its owner, while active
        self._buses: list[SessionBus] = []
        self._session_path = ""
        self.watching: list[str] = []  # what tells of a lock, for the log and doctor
        self.running = False  # whether something that tells of locks runs now
        self.problems: list[str] = []

    def start(self) -> bool:
        """Connect and subscribe; False (with `problems`) when nothing can tell of a lock."""
        if sys.platform == "win32":  # no D-Bus (jeepney's sockets need AF_UNIX)
            self.problems.append("no D-Bus on Windows")
            return False
        self._start_session_bus()
        self._start_logind()
        return bool(self.watching)

    def close(self) -> None:
        buses, self._buses = self._buses, []
        for bus in buses:
            bus.close(TIMEOUT)

    # -- the session bus: screen savers ---------------------------------------------------------

    def _start_session_bus(self) -> None:
        try:
            bus = SessionBus.connect(TIMEOUT)
        except _BUS_ERRORS as error:
            self.problems.append(f"screen savers: no session bus ({_describe(error)})")
            return
        try:
            bus.start(self._on_session_signal)
            for interface in sorted(set(SCREEN_SAVERS.values())):
                bus.call(message_bus.AddMatch(
                    MatchRule(type="signal", interface=interface, member="ActiveChanged")
                ))  # fmt: skip
            owned = _follow(bus, self._owners, list(SCREEN_SAVERS))
        except _BUS_ERRORS as error:
            bus.close(TIMEOUT)
            self.problems.append(f"screen savers: {_describe(error)}")
            return
        self._buses.append(bus)
        self.running = self.running or bool(owned)
        for name in owned:  # a screen locked before the daemon started is locked now
            self._ask_active(bus, name)
        # Watched even when none runs yet: a screen saver may start after the daemon.
        self.watching.append("screen saver (" + (", ".join(owned) or "none running yet") + ")")

    def _ask_active(self, bus: SessionBus, name: str) -> None:
        """Ask screen saver `name` (after subscribing to its signals, so no change is missed)
        whether it is active now; tell of a lock if it is."""
        address = DBusAddress("/" + name.replace(".", "/"), name, SCREEN_SAVERS[name])
        try:
            (active,) = bus.call(new_method_call(address, "GetActive"))
        except _BUS_ERRORS as error:
            _log.debug("could not ask %s whether it is active: %s", name, _describe(error))
            return
        owner = self._owners.owner(name)
        if active is True and owner is not None and name not in self._active:
            self._active[name] = owner
            self._tell(True, f"{name} active at start")

    def _on_session_signal(self, message: Any) -> None:
        if (change := _owner_changed(message, self._owners)) is not None:
            name, new_owner = change
            if name in self._active and new_owner != self._active[name]:
                # A screen saver that quit or crashed while active locks nothing any more
                # (an X screen saver's lock goes with it): the screen is unlocked.
                del self._active[name]
                self._tell(False, f"{name} left the bus while active")
            return
        fields = message.header.fields
        interface, sender = fields.get(HeaderFields.interface), fields.get(HeaderFields.sender)
        if fields.get(HeaderFields.member) != "ActiveChanged" or message.body not in (
            (True,),
            (False,),
        ):
            return
        if not any(
            self._owners.owns(sender, name) and SCREEN_SAVERS[name] == interface
            for name in SCREEN_SAVERS
        ):
            _log.debug("ignored ActiveChanged (%s) from %s: no screen saver", interface, sender)
            return
        active = bool(message.body[0])
        for name, its_interface in SCREEN_SAVERS.items():
            if self._owners.owns(sender, name) and its_interface == interface:
                if active:
                    self._active[name] = str(sender)
                else:
                    self._active.pop(name, None)
        self._tell(active, f"{interface} ActiveChanged")

    # -- the system bus: logind -----------------------------------------------------------------

    def _start_logind(self) -> None:
        try:
            bus = SessionBus.connect(TIMEOUT, bus="SYSTEM")
        except _BUS_ERRORS as error:
            self.problems.append(f"logind: no system bus ({_describe(error)})")
            return
        try:
            bus.start(self._on_system_signal)
            if LOGIN1 not in _follow(bus, self._owners, [LOGIN1]):
                raise LookupError("logind is not on the system bus")
            self._session_path = self._session(bus)
            changed = MatchRule(type="signal", interface=PROPERTIES, member="PropertiesChanged",
                                path=self._session_path)  # fmt: skip
            changed.add_arg_condition(0, SESSION)
            bus.call(message_bus.AddMatch(changed))
        except (*_BUS_ERRORS, LookupError) as error:
            bus.close(TIMEOUT)
            self.problems.append(f"logind: {_describe(error)}")
            return
        self._buses.append(bus)
        self.running = True
        self.watching.append(f"logind ({self._session_path})")
        # A session locked before the daemon started is locked now.
        session = DBusAddress(self._session_path, LOGIN1, PROPERTIES)
        try:
            ((_signature, locked),) = bus.call(
                new_method_call(session, "Get", "ss", (SESSION, "LockedHint"))
            )
        except (*_BUS_ERRORS, TypeError) as error:
            _log.debug("could not read logind's LockedHint: %s", _describe(error))
            return
        if locked is True:
            self._tell(True, "logind LockedHint at start")

    def _session(self, bus: SessionBus) -> str:
        """The logind session to follow: XDG_SESSION_ID's, else this process's, else (a
        process of a systemd user unit is in no session) the user's graphical session."""
        manager = DBusAddress("/org/freedesktop/login1", LOGIN1, f"{LOGIN1}.Manager")
        session_id = self._environ.get("XDG_SESSION_ID")
        if session_id:
            call = new_method_call(manager, "GetSession", "s", (session_id,))
        else:
            call = new_method_call(manager, "GetSessionByPID", "u", (os.getpid(),))
        try:
            (path,) = bus.call(call)
        except DBusErrorResponse as error:
            if session_id:
                raise LookupError(f"no logind session {session_id} ({error.name})") from error
            return self._display_session(bus, manager, error.name)
        return str(path)

    def _display_session(self, bus: SessionBus, manager: DBusAddress, why: str) -> str:
        if sys.platform == "win32":  # never called there (no D-Bus); for the type checker
            raise LookupError(why)
        try:
            (user,) = bus.call(new_method_call(manager, "GetUser", "u", (os.getuid(),)))
            properties = DBusAddress(str(user), LOGIN1, PROPERTIES)
            get = new_method_call(properties, "Get", "ss", (f"{LOGIN1}.User", "Display"))
            ((_signature, (_session_id, path)),) = bus.call(get)
        except (DBusErrorResponse, ValueError, TypeError) as error:
            raise LookupError(f"no logind session for this process ({why})") from error
        if path == "/":  # the user has no graphical session
            raise LookupError(f"no logind session for this process ({why})")
        return str(path)

    def _on_system_signal(self, message: Any) -> None:
        if _owner_changed(message, self._owners) is not None:
            return
        fields = message.header.fields
        sender = fields.get(HeaderFields.sender)
        if fields.get(HeaderFields.path) != self._session_path:
            return
        if not self._owners.owns(sender, LOGIN1):
            _log.debug("ignored %s from %s: not logind", fields.get(HeaderFields.member), sender)
            return
        match fields.get(HeaderFields.interface), fields.get(HeaderFields.member), message.body:
            case (i, "PropertiesChanged", (str(), dict(changed), _)) if i == PROPERTIES:
                match changed.get("LockedHint"):
                    case ("b", bool(locked)):
                        self._tell(locked, "logind LockedHint")

    def _tell(self, locked: bool, what: str) -> None:
        _log.debug("%s: %s", what, "locked" if locked else "unlocked")
        try:
            self._on_lock(locked)
        except Exception:  # the adapter boundary: the reader must keep running
            _log.exception("could not take in a screen %s", "lock" if locked else "unlock")


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return "DBUS_SESSION_BUS_ADDRESS is not set"
    return str(error) or type(error).__name__
