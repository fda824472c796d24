"""A stand-in StatusNotifierWatcher and host, in the test's process, on a real session bus.

Debian 12 has no SNI host that starts cheaply without a desktop, so the tests play the panel:
own org.kde.StatusNotifierWatcher, take registrations, and then do what a host does with an
item: read its properties, fetch its menu's layout and send it clicks. Signals from items and
menus are recorded in arrival order.
"""

from __future__ import annotations

import threading
from typing import Any

from jeepney import DBusAddress, HeaderFields  # type: ignore[import-untyped]
from jeepney.bus_messages import MatchRule, message_bus  # type: ignore[import-untyped]
from jeepney.wrappers import (  # type: ignore[import-untyped]
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)

from postureping.desktop.session_bus import SessionBus
from postureping.tray import sni_spec

TIMEOUT = 10.0
PRIMARY_OWNER = 1  # RequestName's answer


class StandInHost:
    """org.kde.StatusNotifierWatcher (with a host registered) on its own connection."""

    def __init__(self, address: str) -> None:
        self.bus = SessionBus.connect(TIMEOUT, bus=address)
        self.refuse = False  # set: RegisterStatusNotifierItem fails, as a broken panel's might
        self._lock = threading.Lock()
        self.registrations: list[tuple[str, str]] = []  # (sender, service), guarded by _lock
        self.signals: list[tuple[str, str, tuple[Any, ...]]] = []  # (sender, member, body)
        self.bus.start(self._on_signal, self._on_call)
        for interface in (sni_spec.ITEM, sni_spec.MENU):
            self.bus.call(message_bus.AddMatch(MatchRule(type="signal", interface=interface)))
        self.take_name()

    def take_name(self) -> None:
        (result,) = self.bus.call(message_bus.RequestName(sni_spec.WATCHER))
        assert result == PRIMARY_OWNER, result

    def drop_name(self) -> None:
        self.bus.call(message_bus.ReleaseName(sni_spec.WATCHER))

    def close(self) -> None:
        self.bus.close()

    # -- what the host sees -----------------------------------------------------------------

    def registered(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.registrations)

    def received(self, member: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return [body for _sender, name, body in self.signals if name == member]

    def call(self, service: str, path: str, interface: str, member: str,
             signature: str | None = None, *args: Any) -> tuple[Any, ...]:  # fmt: skip
        address = DBusAddress(path, service, interface)
        return self.bus.call(new_method_call(address, member, signature, args))

    def item_properties(self, service: str) -> dict[str, Any]:
        """GetAll on the item, variants unwrapped."""
        (found,) = self.call(service, sni_spec.ITEM_PATH, sni_spec.PROPERTIES, "GetAll", "s",
                             sni_spec.ITEM)  # fmt: skip
        return {name: value for name, (_signature, value) in found.items()}

    def menu_layout(self, service: str) -> tuple[int, Any]:
        """The whole menu: (revision, (id, properties, children))."""
        revision, layout = self.call(service, sni_spec.MENU_PATH, sni_spec.MENU, "GetLayout",
                                     "iias", 0, -1, [])  # fmt: skip
        return revision, layout

    def click(self, service: str, item: int) -> None:
        self.call(service, sni_spec.MENU_PATH, sni_spec.MENU, "Event", "isvu",
                  item, "clicked", ("i", 0), 0)  # fmt: skip

    # -- the reader thread ----------------------------------------------------------------------

    def _on_signal(self, message: Any) -> None:
        fields = message.header.fields
        with self._lock:
            entry = (fields.get(HeaderFields.sender), fields.get(HeaderFields.member))
            self.signals.append((*entry, tuple(message.body)))

    def _on_call(self, call: Any) -> Any:
        fields = call.header.fields
        member, sender = fields.get(HeaderFields.member), fields.get(HeaderFields.sender)
        if member == "RegisterStatusNotifierItem" and self.refuse:
            return new_error(call, "org.kde.Error.Refused", "s", ("not today",))
        if member == "RegisterStatusNotifierItem":
            (service,) = call.body
            with self._lock:
                self.registrations.append((sender, service))
            watcher = DBusAddress(sni_spec.WATCHER_PATH, interface=sni_spec.WATCHER)
            registered = new_signal(watcher, "StatusNotifierItemRegistered", "s", (service,))
            self.bus.send(registered)
            return new_method_return(call)
        if member == "Get" and tuple(call.body) == (sni_spec.WATCHER, "ProtocolVersion"):
            return new_method_return(call, "v", (("i", 0),))
        return new_error(call, sni_spec.UNKNOWN_METHOD, "s", (f"no {member} here",))


def labels(layout: Any) -> list[str]:
    """The labels of a layout's children ("-" for a separator), "_" mnemonics undone."""
    found = []
    for _signature, (_id, properties, _children) in layout[2]:
        if "type" in properties and properties["type"][1] == "separator":
            found.append("-")
        else:
            found.append(properties["label"][1].replace("__", "_"))
    return found


def child(layout: Any, label: str) -> Any:
    """The child of `layout` labelled `label`."""
    for _signature, node in layout[2]:
        if "label" in node[1] and node[1]["label"][1] == label:
            return node
    raise KeyError(label)
