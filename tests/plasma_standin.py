"""A stand-in for KDE Plasma's notification server, for a private session bus: run it as a
script (`python tests/plasma_standin.py`) with DBUS_SESSION_BUS_ADDRESS set.

What it copies from plasma-workspace's libnotificationmanager (server_p.cpp, and the
interface's XML, dbus/org.freedesktop.Notifications.xml): it owns org.freedesktop.Notifications
and serves /org/freedesktop/Notifications; `Inhibited` (b, read-only) is a property of the
interface org.freedesktop.Notifications, read with org.freedesktop.DBus.Properties Get or
GetAll; when it changes, the server sends PropertiesChanged from that path with
("org.freedesktop.Notifications", {"Inhibited": <b>}, []). QtDBus answers InvalidArgs for a
property or interface it does not have. Since Plasma 6.4, a focused fullscreen window turns
do-not-disturb on (its "Do Not Disturb when full screen windows are present", on by default),
which sets `Inhibited`: here "fullscreen on" / "fullscreen off" on standard input do that.
Notify, GetCapabilities and GetServerInformation answer as Plasma's do; each Notify prints
"notify SUMMARY". Every command on standard input is answered with "ok" once done.
"""

from __future__ import annotations

import sys
import threading

from jeepney import (  # type: ignore[import-untyped]
    HeaderFields,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]
from jeepney.low_level import Message  # type: ignore[import-untyped]
from jeepney.wrappers import DBusAddress  # type: ignore[import-untyped]

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
PROPERTIES = "org.freedesktop.DBus.Properties"
INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
CAPABILITIES = ["body", "body-hyperlinks", "body-markup", "body-images", "icon-static",
                "actions", "persistence", "inline-reply", "x-kde-urls", "x-kde-origin-name",
                "x-kde-display-appname", "inhibitions"]  # fmt: skip


class Server:
    def __init__(self) -> None:
        self.conn = open_dbus_connection("SESSION")
        self.sending = threading.Lock()  # one thread receives; sends come from two
        self.inhibited = False
        self.next_id = 1

    def answer(self, msg: Message) -> Message | None:
        fields = msg.header.fields
        interface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        if fields.get(HeaderFields.path) != PATH:
            return new_error(msg, "org.freedesktop.DBus.Error.UnknownObject", "s", ("no",))
        if interface == PROPERTIES:
            return self.properties(msg, member)
        if (interface, member) == (NAME, "GetServerInformation"):
            return new_method_return(msg, "ssss", ("Plasma", "KDE", "6.4.0", "1.2"))
        if (interface, member) == (NAME, "GetCapabilities"):
            return new_method_return(msg, "as", (CAPABILITIES,))
        if (interface, member) == (NAME, "Notify"):
            print("notify", msg.body[3], flush=True)
            self.next_id += 1
            return new_method_return(msg, "u", (self.next_id - 1,))
        if (interface, member) == (NAME, "CloseNotification"):
            return new_method_return(msg)
        return new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),))

    def properties(self, msg: Message, member: str) -> Message:
        if member == "Get" and msg.body == (NAME, "Inhibited"):
            return new_method_return(msg, "v", (("b", self.inhibited),))
        if member == "GetAll" and msg.body == (NAME,):
            return new_method_return(msg, "a{sv}", ({"Inhibited": ("b", self.inhibited)},))
        if member == "Set" and msg.body[:2] == (NAME, "Inhibited"):
            return new_error(msg, "org.freedesktop.DBus.Error.PropertyReadOnly", "s", ("ro",))
        text = f"No such property '{msg.body[1] if len(msg.body) > 1 else ''}'"
        return new_error(msg, INVALID_ARGS, "s", (text,))

    def set_inhibited(self, inhibited: bool) -> None:
        if inhibited == self.inhibited:
            return  # ServerPrivate::setInhibited signals only a change
        self.inhibited = inhibited
        changes: tuple[str, dict[str, tuple[str, bool]], list[str]]
        changes = (NAME, {"Inhibited": ("b", inhibited)}, [])
        where = DBusAddress(PATH, interface=PROPERTIES)
        signal = new_signal(where, "PropertiesChanged", "sa{sv}as", changes)
        with self.sending:
            self.conn.send(signal)

    def serve(self) -> None:
        while True:
            msg = self.conn.receive()
            if msg.header.message_type is not MessageType.method_call:
                continue
            if (reply := self.answer(msg)) is not None:
                with self.sending:
                    self.conn.send(reply)


def main() -> None:
    server = Server()
    reply = server.conn.send_and_get_reply(message_bus.RequestName(NAME), timeout=5)
    assert reply.body == (1,), reply.body  # the primary owner
    # The bus's replies come through the same connection: one thread receives, others send.
    threading.Thread(target=server.serve, daemon=True).start()
    print("ready", flush=True)
    for line in sys.stdin:
        match line.split():
            case ["fullscreen", "on"]:
                server.set_inhibited(True)
            case ["fullscreen", "off"]:
                server.set_inhibited(False)
        print("ok", flush=True)


if __name__ == "__main__":
    main()
