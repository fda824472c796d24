"""A notification server for benchmarks: org.freedesktop.Notifications on a private session
bus, answering like dunst, timestamping each Notify as it arrives, and pressing buttons."""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common import BenchError
from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    message_bus,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.io.blocking import DBusConnection, open_dbus_connection

NOTIFICATIONS = "org.freedesktop.Notifications"
OBJECT = "/org/freedesktop/Notifications"
ACTION_DELAY = 0.15  # seconds between a Notify and the button press the server sends


@dataclass(frozen=True)
class Shown:
    routine: str
    arrival: float  # time.time() when the Notify call was read
    nid: int
    number: int  # 1 for the first bench reminder


@dataclass(frozen=True)
class Closed:
    nid: int


class NotificationServer:
    """org.freedesktop.Notifications on a thread: timestamps each Notify, reports it to
    `events`, and presses the button `press(n)` names on the nth reminder a moment later."""

    def __init__(
        self,
        address: str,
        titles: dict[str, str],
        events: queue.Queue[Any],
        press: Callable[[int], str | None],
    ) -> None:
        try:
            self._conn: DBusConnection = open_dbus_connection(bus=address)
        except (OSError, ValueError) as error:
            raise BenchError(f"could not connect to the private bus: {error}") from error
        reply = self._conn.send_and_get_reply(message_bus.RequestName(NOTIFICATIONS, 4))
        if reply.body != (1,):  # 4: do not queue; 1: primary owner
            raise BenchError(f"could not own {NOTIFICATIONS} on the private bus: {reply.body}")
        self._titles = titles  # "[demo] Title" -> routine id
        self._press = press
        self._events = events
        self._stop = threading.Event()
        self._presses: list[tuple[float, int, str]] = []  # (monotonic due, nid, key)
        self._next_id = 0
        self.count = 0  # bench reminders shown
        self.presses = defaultdict[str, int](int)
        self._thread = threading.Thread(target=self._serve, name="bench-server", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self._conn.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            self._press_due_buttons()
            try:
                message = self._conn.receive(timeout=0.02)
            except TimeoutError:
                continue
            arrival = time.time()
            if message.header.message_type == MessageType.method_call:
                self._conn.send(self._answer(message, arrival))

    def _answer(self, message: Any, arrival: float) -> Any:
        fields = message.header.fields
        member, interface = fields.get(HeaderFields.member), fields.get(HeaderFields.interface)
        if member == "Notify":
            return new_method_return(message, "u", (self._notified(message.body, arrival),))
        if member == "GetCapabilities":
            return new_method_return(message, "as", (["actions", "body", "body-markup"],))
        if member == "GetServerInformation":
            return new_method_return(message, "ssss", ("bench", "postureping", "1", "1.2"))
        if member == "CloseNotification":
            self._events.put(Closed(message.body[0]))
            self._signal("NotificationClosed", "uu", (message.body[0], 3))
            return new_method_return(message)
        if (member, *message.body) == ("Get", "org.dunstproject.cmd0", "paused"):
            return new_method_return(message, "v", (("b", False),))
        name = "InvalidArgs" if interface == "org.freedesktop.DBus.Properties" else "UnknownMethod"
        return new_error(message, f"org.freedesktop.DBus.Error.{name}", "s", (f"no {member}",))

    def _notified(self, body: tuple[Any, ...], arrival: float) -> int:
        replaces, summary, text = body[1], body[3], body[4]
        nid = replaces or self._new_id()
        if replaces:  # a notification redrawn (what is left of it after an answer)
            return nid
        pressed = False
        for routine in self.routines(summary, text):
            self.count += 1
            self._events.put(Shown(routine, arrival, nid, self.count))
            if not pressed and (key := self._press(self.count)) is not None:
                self._presses.append((time.monotonic() + ACTION_DELAY, nid, key))
                pressed = True  # one button answers for every routine it shows
        return nid

    def routines(self, summary: str, body: str) -> list[str]:
        """The bench routines a notification shows: one by its title, or several due
        together, one a line of the body ("• Title: message")."""
        if (routine := self._titles.get(summary)) is not None:
            return [routine]
        prefix = "[demo] " if summary.startswith("[demo] ") else ""
        found = []
        for line in body.splitlines():
            if line.startswith("\N{BULLET} "):
                title = line.removeprefix("\N{BULLET} ").split(": ", 1)[0]
                if (routine := self._titles.get(prefix + title)) is not None:
                    found.append(routine)
        return found

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _press_due_buttons(self) -> None:
        now = time.monotonic()
        for press in [p for p in self._presses if p[0] <= now]:
            self._presses.remove(press)
            self._signal("ActionInvoked", "us", press[1:])
            self.presses[press[2]] += 1

    def _signal(self, member: str, signature: str, body: tuple[Any, ...]) -> None:
        address = DBusAddress(OBJECT, interface=NOTIFICATIONS)
        self._conn.send(new_signal(address, member, signature, body))
