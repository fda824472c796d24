"""Connections to the desktop that backends share, and nothing that decides anything.

`wayland.py` is a Wayland client connection in pure Python (connect, the registry's globals,
bind, round trips, protocol errors), on the message encoding of `wayland_wire.py`. Backends
build on it: `postureping.idle.wayland` asks the compositor for idle notifications.

`sway_ipc.py` is sway's IPC socket (the i3-ipc protocol), pure Python over a Unix socket; the
sway-fullscreen hold probe (`postureping.dnd.sway`) reads sway's tree and events with it.

D-Bus, all on jeepney: `dbus_connect.py` connects (address, authentication and Hello under
one time limit) and names the errors that mean "no bus"; on it, `session_bus.py` is a
threaded connection with a reader, for calls from any thread and signals alike (notifications,
the tray, sleep and lock signals), and `dbus_blocking.py` a blocking one for one caller making
one call at a time, kept open and reconnected (`BlockingBus`: idle monitors, hold probes,
GNOME's break state, the tray's look for a watcher).
`x11.py` speaks the few X11 requests the daemon needs (idle time, fullscreen, the tray's
owner). `gsettings.py` reads a GNOME setting with GLib's `gsettings` program, for readers
without PyGObject; `gnome_breaks.py` reads whether GNOME's own movement breaks are on.
"""
