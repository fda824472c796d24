"""Connections to the desktop that backends share, and nothing that decides anything.

`wayland.py` is a Wayland client connection in pure Python (connect, the registry's globals,
bind, round trips, protocol errors), on the message encoding of `wayland_wire.py`. Backends
build on it: `postureping.idle.wayland` asks the compositor for idle notifications.
"""
