"""The tray icon as a StatusNotifierItem on the session bus, with its menu over dbusmenu.

Most desktops host tray icons this way (KDE Plasma, GNOME with the AppIndicator extension,
xfce4-panel, Cinnamon, Budgie, waybar, swaybar...): the panel draws the icon from our pixmaps
and the menu from our layout, so no toolkit runs in this process. `choose.py` picks this tray
when a StatusNotifierWatcher owns its name.

Objects. org.kde.StatusNotifierItem at /StatusNotifierItem and com.canonical.dbusmenu at
/MenuBar, on our own connection (its unique name is what we register with the watcher), with
Properties and Introspectable on both; `sni_spec.py` has their names and XML.

No tray, never a crash. `start()` returns False and logs one line when there is no bus or the
watcher refuses the item. A watcher that restarts (a panel that crashed, a new session of the
shell) is told about the item again when it takes its name back.

Threading. The bus's reader thread ("postureping-tray-bus") answers every method call: it
reads the view under `_lock` and carries out menu picks through `perform`, which calls the
thread-safe Controller and never waits on this connection. The refresh thread (`core.py`)
updates the view, sends the change signals (NewIcon, NewStatus, NewTitle, NewToolTip,
LayoutUpdated) and registers again after a watcher restart, since only it may wait for a
reply. The main thread waits in `run_until(stop)`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from jeepney import DBusAddress, HeaderFields  # type: ignore[import-untyped]
from jeepney.bus_messages import MatchRule, message_bus  # type: ignore[import-untyped]
from jeepney.wrappers import (  # type: ignore[import-untyped]
    DBusErrorResponse,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)

from postureping.desktop.dbus_connect import CONNECTION_ERRORS
from postureping.desktop.session_bus import BusClosed, SessionBus
from postureping.tray import dbusmenu, sni_spec
from postureping.tray.core import NAME, STOP_TIMEOUT, TrayCore, TrayUnavailable
from postureping.tray.dbusmenu import Node, Properties
from postureping.tray.menu import IconState, TrayView
from postureping.tray.pixmaps import argb_pixmaps
from postureping.tray.sni_host import session_bus_address

CALL_TIMEOUT = 5.0  # seconds for the bus and the watcher to answer
READER_NAME = "postureping-tray-bus"
MENU_VERSION = 3

_ITEM = DBusAddress(sni_spec.ITEM_PATH, interface=sni_spec.ITEM)
_MENU = DBusAddress(sni_spec.MENU_PATH, interface=sni_spec.MENU)
_WATCHER = DBusAddress(sni_spec.WATCHER_PATH, sni_spec.WATCHER, sni_spec.WATCHER)
_BUS_ERRORS = (DBusErrorResponse, TimeoutError, BusClosed, OSError)

Message = Any  # jeepney's, untyped
Handler = Callable[[Message], Message]


def item_status(view: TrayView) -> str:
    return "NeedsAttention" if view.icon is IconState.AWAITING else "Active"


def item_properties(view: TrayView) -> Properties:
    """org.kde.StatusNotifierItem's properties while the tray shows `view`."""
    no_pixmap: list[tuple[int, int, bytes]] = []
    return {
        "Category": ("s", "ApplicationStatus"),
        "Id": ("s", NAME),
        "Title": ("s", view.title),
        "Status": ("s", item_status(view)),
        "WindowId": ("i", 0),
        "IconThemePath": ("s", ""),
        "IconName": ("s", ""),  # none: the host draws IconPixmap
        "IconPixmap": ("a(iiay)", list(argb_pixmaps(view.icon))),
        "OverlayIconName": ("s", ""),
        "OverlayIconPixmap": ("a(iiay)", no_pixmap),
        "AttentionIconName": ("s", ""),
        "AttentionIconPixmap": ("a(iiay)", list(argb_pixmaps(IconState.AWAITING))),
        "AttentionMovieName": ("s", ""),
        "ToolTip": ("(sa(iiay)ss)", ("", no_pixmap, view.title, "")),
        "ItemIsMenu": ("b", True),  # a click on the icon opens the menu
        "Menu": ("o", sni_spec.MENU_PATH),
    }


MENU_PROPERTIES: Properties = {
    "Version": ("u", MENU_VERSION),
    "TextDirection": ("s", "ltr"),
    "Status": ("s", "normal"),
    "IconThemePath": ("as", []),
}


def watcher_rule() -> Any:
    """NameOwnerChanged for the watcher's name: it left, or (again) has an owner."""
    rule = MatchRule(
        type="signal", sender=sni_spec.BUS, interface=sni_spec.BUS, member="NameOwnerChanged",
        path=sni_spec.BUS_PATH,
    )  # fmt: skip
    rule.add_arg_condition(0, sni_spec.WATCHER)
    return rule


class SniTray(TrayCore):
    """The tray icon over D-Bus. `start()` once, `run_until(stop)` on the main thread,
    `stop()` once at the end (also after a failed start)."""

    backend = "sni"

    def _init_backend(self) -> None:
        self._bus: SessionBus | None = None
        self._lock = threading.Lock()
        self._shown: TrayView | None = None  # guarded by _lock, as are the next two
        self._nodes: dict[int, Node] = dbusmenu.number(())
        self._revision = 0
        self._register_again = threading.Event()
        self._routes: dict[tuple[str, str], tuple[str, Handler]] = {}
        for path in (sni_spec.ITEM_PATH, sni_spec.MENU_PATH):
            self._routes[path, "Get"] = (sni_spec.PROPERTIES, self._get)
            self._routes[path, "GetAll"] = (sni_spec.PROPERTIES, self._get_all)
        for path in ("/", sni_spec.ITEM_PATH, sni_spec.MENU_PATH):
            self._routes[path, "Introspect"] = (sni_spec.INTROSPECTABLE, self._introspect)
        for member in ("Activate", "SecondaryActivate", "ContextMenu", "Scroll"):
            self._routes[sni_spec.ITEM_PATH, member] = (sni_spec.ITEM, new_method_return)
        menu: dict[str, Handler] = {
            "GetLayout": self._get_layout,
            "GetGroupProperties": self._get_group_properties,
            "GetProperty": self._get_property,
            "Event": self._event,
            "EventGroup": self._event_group,
            "AboutToShow": lambda call: new_method_return(call, "b", (False,)),
            "AboutToShowGroup": self._about_to_show_group,
        }
        for member, handler in menu.items():
            self._routes[sni_spec.MENU_PATH, member] = (sni_spec.MENU, handler)

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> bool:
        """Show the icon. False, with one line in the log, when there can be no tray."""
        try:
            self._connect()
        except TrayUnavailable as reason:
            self._log_unavailable(reason)
            self._close()
            return False
        except Exception:  # a bug of ours must not take the daemon down with the icon
            self._log.exception("the tray icon failed; %s", self.if_unavailable)
            self._close()
            return False
        self._shown_now()
        return True

    def stop(self) -> None:
        """Remove the icon (the watcher sees our connection go) and end the threads; safe to
        call more than once."""
        self._stop_refresher()
        self._close()

    def _close(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.close(STOP_TIMEOUT)

    def _connect(self) -> None:
        if (address := session_bus_address(self._environ)) is None:
            raise TrayUnavailable("no D-Bus session bus")
        try:
            self._bus = bus = SessionBus.connect(CALL_TIMEOUT, bus=address)
        except CONNECTION_ERRORS as error:
            reason = f"cannot connect to the session bus ({type(error).__name__}: {error})"
            raise TrayUnavailable(reason, logging.WARNING) from None
        self._update(self._view(self._controller.status()))  # ready before anyone asks
        bus.start(self._on_signal, self._on_call, READER_NAME)
        try:
            bus.call(message_bus.AddMatch(watcher_rule()))  # before registering: no gap
            self._register(bus)
        except _BUS_ERRORS as error:
            reason = f"the StatusNotifierWatcher did not take the icon ({_describe(error)})"
            raise TrayUnavailable(reason, logging.WARNING) from None

    def _register(self, bus: SessionBus) -> None:
        name = bus.unique_name  # the watcher looks for /StatusNotifierItem there
        bus.call(new_method_call(_WATCHER, "RegisterStatusNotifierItem", "s", (name,)))

    # -- the refresh thread -------------------------------------------------------------------

    def _show(self, view: TrayView) -> None:
        bus = self._bus
        if bus is None or not bus.alive:  # the bus went away (logged by SessionBus)
            return
        if self._register_again.is_set():
            self._register_again.clear()
            try:
                self._register(bus)
            except _BUS_ERRORS as error:
                self._log.warning(
                    "a new StatusNotifierWatcher did not take the tray icon (%s)",
                    _describe(error),
                )
            else:
                self._log.info("tray icon shown again (a new StatusNotifierWatcher)")
        for signal in self._update(view):
            with contextlib.suppress(OSError):  # lost meanwhile: the reader says so
                bus.send(signal)

    def _update(self, view: TrayView) -> list[Message]:
        """Take `view` as the one shown; the signals that tell the host what changed."""
        with self._lock:
            shown, self._shown = self._shown, view
            if shown is None or shown.menu != view.menu:
                self._nodes = dbusmenu.number(view.menu)
                self._revision += 1
            revision = self._revision
        if shown is None:
            return []
        signals = []
        if shown.menu != view.menu:
            signals.append(new_signal(_MENU, "LayoutUpdated", "ui", (revision, dbusmenu.ROOT)))
        if shown.icon is not view.icon:
            signals.append(new_signal(_ITEM, "NewIcon"))
            if (status := item_status(view)) != item_status(shown):
                signals.append(new_signal(_ITEM, "NewStatus", "s", (status,)))
        if shown.title != view.title:
            signals += [new_signal(_ITEM, "NewTitle"), new_signal(_ITEM, "NewToolTip")]
        return signals

    # -- the reader thread --------------------------------------------------------------------

    def _on_signal(self, message: Message) -> None:
        fields = message.header.fields
        if fields.get(HeaderFields.sender) != sni_spec.BUS:  # only the bus may say who owns
            return
        if fields.get(HeaderFields.member) == "NameOwnerChanged":
            name, _old, new = message.body
            if name == sni_spec.WATCHER and new:
                self._register_again.set()
                self._wake.set()

    def _on_call(self, call: Message) -> Message:
        fields = call.header.fields
        path, member = fields.get(HeaderFields.path), fields.get(HeaderFields.member)
        interface = fields.get(HeaderFields.interface)
        route = self._routes.get((path, member))
        if route is None or interface not in (None, route[0]):
            text = f"no method {interface}.{member} at {path}"
            return new_error(call, sni_spec.UNKNOWN_METHOD, "s", (text,))
        return route[1](call)

    def _introspect(self, call: Message) -> Message:
        xml = {sni_spec.ITEM_PATH: sni_spec.ITEM_XML, sni_spec.MENU_PATH: sni_spec.MENU_XML}
        text = xml.get(call.header.fields[HeaderFields.path], sni_spec.ROOT_XML)
        return new_method_return(call, "s", (text,))

    def _properties(self, call: Message, interface: str) -> Properties | None:
        """The properties of `interface` at the call's path; None if it is not there."""
        path = call.header.fields[HeaderFields.path]
        if path == sni_spec.ITEM_PATH and interface == sni_spec.ITEM:
            with self._lock:
                view = self._shown
            return item_properties(view) if view is not None else None
        if path == sni_spec.MENU_PATH and interface == sni_spec.MENU:
            return MENU_PROPERTIES
        return None

    def _get(self, call: Message) -> Message:
        interface, name = call.body
        properties = self._properties(call, interface)
        if properties is None:
            return new_error(call, sni_spec.UNKNOWN_INTERFACE, "s", (f"no {interface} here",))
        if name not in properties:
            return new_error(call, sni_spec.UNKNOWN_PROPERTY, "s", (f"no property {name}",))
        return new_method_return(call, "v", (properties[name],))

    def _get_all(self, call: Message) -> Message:
        (interface,) = call.body
        properties = self._properties(call, interface)
        if properties is None:
            return new_error(call, sni_spec.UNKNOWN_INTERFACE, "s", (f"no {interface} here",))
        return new_method_return(call, "a{sv}", (properties,))

    def _get_layout(self, call: Message) -> Message:
        parent, depth, names = call.body
        with self._lock:
            nodes, revision = self._nodes, self._revision
        if parent not in nodes:
            return _no_item(call, parent)
        layout = dbusmenu.layout(nodes, parent, depth, names)
        return new_method_return(call, "u(ia{sv}av)", (revision, layout))

    def _get_group_properties(self, call: Message) -> Message:
        ids, names = call.body
        with self._lock:
            nodes = self._nodes
        found = dbusmenu.group_properties(nodes, ids, names)
        return new_method_return(call, "a(ia{sv})", (found,))

    def _get_property(self, call: Message) -> Message:
        item, name = call.body
        with self._lock:
            node = self._nodes.get(item)
        if node is None or name not in node.properties:
            return new_error(call, sni_spec.INVALID_ARGS, "s", (f"no {name} on item {item}",))
        return new_method_return(call, "v", (node.properties[name],))

    def _event(self, call: Message) -> Message:
        item, event, _data, _timestamp = call.body
        return _no_item(call, item) if not self._pick(item, event) else new_method_return(call)

    def _event_group(self, call: Message) -> Message:
        (events,) = call.body
        unknown = [item for item, event, _data, _time in events if not self._pick(item, event)]
        return new_method_return(call, "ai", (unknown,))

    def _about_to_show_group(self, call: Message) -> Message:
        (ids,) = call.body
        with self._lock:
            unknown = [item for item in ids if item not in self._nodes]
        return new_method_return(call, "aiai", ([], unknown))

    def _pick(self, item: int, event: str) -> bool:
        """Carry out a click on `item`; False if there is no such item."""
        with self._lock:
            node = self._nodes.get(item)
        if node is None:
            return False
        if event == "clicked" and node.action is not None:
            self.perform(node.action)
        return True


def _no_item(call: Message, item: int) -> Message:
    return new_error(call, sni_spec.INVALID_ARGS, "s", (f"no menu item {item}",))


def _describe(error: BaseException) -> str:
    if isinstance(error, DBusErrorResponse):
        return f"{error.name}: {error.data[0]}" if error.data else str(error.name)
    return str(error) or type(error).__name__
