"""Connections to the desktop that several backends share.

`sway_ipc.py`: sway's IPC socket (the i3-ipc protocol), pure Python over a Unix socket.
"""
