"""Connections to the desktop that backends share, and nothing that decides anything.

`wayland.py` is a Wayland client connection in pure Python (connect, the registry's globals,
bind, round trips, protocol errors), on the message encoding of `wayland_wire.py`. Backends
build on it: `postureping.idle.wayland` asks the compositor for idle notifications.

`sway_ipc.py` is sway's IPC socket (the i3-ipc protocol), pure Python over a Unix socket; the
sway-fullscreen hold probe (`postureping.dnd.sway`) reads sway's tree and events with it.

`session_bus.py` is one D-Bus session (or system) bus connection with its reader thread, for
calls and signals alike (notifications, the tray, sleep and lock signals); `dbus_blocking.py`
is a blocking jeepney connection for one-call-at-a-time users (idle monitors, probes).
`x11.py` speaks the few X11 requests the daemon needs (idle time, fullscreen, the tray's
owner). `gnome_breaks.py` reads whether GNOME's own movement breaks are on.
"""
