"""A fullscreen window on wlroots compositors (Hyprland, river, labwc, Wayfire, sway...),
through `zwlr_foreign_toplevel_manager_v1`, the protocol taskbars use to list windows.

The compositor announces each window (a toplevel handle) and its app_id, title and states;
the state array holds `activated` (2) while the window has the focus and `fullscreen` (3)
while it is fullscreen, and `done` ends each batch of changes. Reminders wait while the
activated window is fullscreen, as on X11, unless its app_id is in `never_hold`.

The compositor tells of changes only as events, so the probe keeps reading: a thread of its
own takes them (waiting on the socket, no polling), keeps each window's states, and calls
`changed` (given by `watch`) whenever the answer changes; `hold_reason` answers from those
states without a round trip. When the connection ends (the compositor went away, or refused
something), the thread keeps the reason: the next `hold_reason` fails with it (logged once by
the streak) and answers None, and the one after connects afresh.

On sway, sway-fullscreen (sway's own IPC, which also knows which workspace each output
shows) is used instead: this probe stays out where SWAYSOCK is set.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from postureping.desktop.wayland import WaylandConnection, WaylandError
from postureping.desktop.wayland_wire import Arguments, Message, WireError
from postureping.dnd.base import FailureStreak, ProbeUnavailable

NAME = "wlr-fullscreen"
MANAGER = "zwlr_foreign_toplevel_manager_v1"
HANDLE = "zwlr_foreign_toplevel_handle_v1"
VERSION = 3  # the newest this speaks; versions 1 and 2 send the same events, less `parent`
TIMEOUT = 2.0  # seconds to connect and learn the windows, in all

# zwlr_foreign_toplevel_manager_v1: events, then requests
TOPLEVEL, FINISHED = 0, 1
STOP = 0
# zwlr_foreign_toplevel_handle_v1: events, then requests
TITLE, APP_ID, OUTPUT_ENTER, OUTPUT_LEAVE, STATE, DONE, CLOSED, PARENT = range(8)
DESTROY = 7
# zwlr_foreign_toplevel_handle_v1.state
ACTIVATED, FULLSCREEN = 2, 3

_log = logging.getLogger(__name__)


@dataclass
class Toplevel:
    """A window as the last `done` left it, and what came since."""

    app_id: str = ""
    states: frozenset[int] = frozenset()
    next_app_id: str | None = None
    next_states: frozenset[int] | None = None

    def apply(self) -> None:
        if self.next_app_id is not None:
            self.app_id, self.next_app_id = self.next_app_id, None
        if self.next_states is not None:
            self.states, self.next_states = self.next_states, None


def states_of(data: bytes) -> frozenset[int]:
    """A state array's values: 32-bit words in the machine's byte order."""
    usable = len(data) - len(data) % 4
    return frozenset(value for (value,) in struct.iter_unpack("=I", data[:usable]))


def reason_for(toplevels: Iterable[Toplevel], never_hold: frozenset[str]) -> str | None:
    """Why reminders wait, or None: the activated window is fullscreen and not exempt.
    `never_hold` is casefolded."""
    for toplevel in toplevels:
        if {ACTIVATED, FULLSCREEN} <= toplevel.states:
            if toplevel.app_id.casefold() in never_hold:
                return None
            return f"fullscreen window: {toplevel.app_id or 'a window with no app_id'} (Wayland)"
    return None


class _Session:
    """One connection, the manager bound on it, the windows it told of, and its reader."""

    def __init__(self, connection: WaylandConnection, never_hold: frozenset[str]) -> None:
        self._connection = connection
        self._never_hold = never_hold
        self._toplevels: dict[int, Toplevel] = {}  # the reader thread's alone
        self.reason: str | None = None  # written by the reader: one atomic assignment
        self.failure: str | None = None
        self.changed: Callable[[], None] | None = None
        self._manager = 0
        self._thread = threading.Thread(target=self._read, name="postureping-wlr-toplevels",
                                        daemon=True)  # fmt: skip

    @classmethod
    def start(cls, environ: Mapping[str, str], never_hold: frozenset[str]) -> _Session:
        """Connect, bind the manager and learn the windows, within TIMEOUT in all. Raises
        WaylandError (the reason), ProbeUnavailable without the protocol."""
        deadline = time.monotonic() + TIMEOUT
        connection = WaylandConnection.connect(environ, TIMEOUT)
        try:
            session = cls(connection, never_hold)
            connection.roundtrip(max(0.001, deadline - time.monotonic()))  # the globals
            found = connection.find(MANAGER)
            if found is None:
                raise ProbeUnavailable(f"the compositor does not offer {MANAGER}")
            version = max(1, min(found.version, VERSION))
            session._manager = connection.bind(found, version, session._on_manager)
            # The windows there are now, and their states, come before this answer.
            connection.roundtrip(max(0.001, deadline - time.monotonic()))
        except BaseException:
            connection.close()
            raise
        session._thread.start()
        return session

    def close(self) -> None:
        self._connection.hang_up()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(TIMEOUT)
        self._connection.close()

    def _on_manager(self, message: Message) -> None:
        arguments = Arguments(message)
        if message.opcode == TOPLEVEL:
            handle = arguments.uint()
            arguments.end()
            self._toplevels[handle] = Toplevel()
            self._connection.adopt(handle, HANDLE, self._on_handle)
        elif message.opcode == FINISHED:
            arguments.end()
            raise WaylandError(f"the compositor stopped its {MANAGER}")

    def _on_handle(self, message: Message) -> None:
        toplevel = self._toplevels.get(message.object_id)
        if toplevel is None:
            return
        arguments = Arguments(message)
        match message.opcode:
            case 1:  # APP_ID
                toplevel.next_app_id = arguments.string() or ""
                arguments.end()
            case 4:  # STATE
                toplevel.next_states = states_of(arguments.array())
                arguments.end()
            case 5:  # DONE
                arguments.end()
                toplevel.apply()
                self._update()
            case 6:  # CLOSED
                arguments.end()
                del self._toplevels[message.object_id]
                self._connection.send(message.object_id, DESTROY)
                self._connection.forget(message.object_id)
                self._connection.flush()
                self._update()
            case 0 | 2 | 3 | 7:  # TITLE, OUTPUT_ENTER, OUTPUT_LEAVE, PARENT: not needed
                pass
            case _:
                raise WireError(f"{HANDLE} has no event {message.opcode}")

    def _update(self) -> None:
        reason = reason_for(self._toplevels.values(), self._never_hold)
        if reason != self.reason:
            self.reason = reason
            if (changed := self.changed) is not None and self._thread.is_alive():
                changed()

    def _read(self) -> None:
        self.failure = self._connection.dispatch_forever("the probe")  # then a reconnect
        if (changed := self.changed) is not None and self.reason is not None:
            changed()  # no longer holding: the daemon should look


class WlrToplevelProbe:
    """Holds reminders while the focused window on a wlroots compositor is fullscreen."""

    name = NAME

    def __init__(self, environ: Mapping[str, str], never_hold: Iterable[str]) -> None:
        self._environ = dict(environ)
        self._never_hold = frozenset(name.casefold() for name in never_hold)
        self._session: _Session | None = None
        self._changed: Callable[[], None] | None = None
        self._streak = FailureStreak(_log, NAME, (WaylandError,))

    @classmethod
    def open(cls, environ: Mapping[str, str], never_hold: frozenset[str]) -> WlrToplevelProbe:
        """Raises ProbeUnavailable on sway, off Wayland, or without the protocol."""
        if environ.get("SWAYSOCK"):
            raise ProbeUnavailable("sway: sway-fullscreen covers it")
        if not environ.get("WAYLAND_DISPLAY") and not environ.get("WAYLAND_SOCKET"):
            raise ProbeUnavailable("not a Wayland session (WAYLAND_DISPLAY is not set)")
        probe = cls(environ, never_hold)
        try:
            probe._read()
        except WaylandError as error:
            probe.close()
            raise ProbeUnavailable(str(error)) from error
        return probe

    def hold_reason(self) -> str | None:
        return self._streak.run(self._read)

    def watch(self, changed: Callable[[], None]) -> None:
        """Call `changed()` (on the reader thread) when the answer changes."""
        self._changed = changed
        if self._session is not None:
            self._session.changed = changed

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _read(self) -> str | None:
        session = self._session
        if session is not None and session.failure is not None:
            self.close()
            raise WaylandError(session.failure)  # said once; the next call connects again
        if session is None:
            session = self._session = _Session.start(self._environ, self._never_hold)
            session.changed = self._changed
        return session.reason
