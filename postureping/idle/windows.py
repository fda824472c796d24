"""The idle time on Windows: `GetLastInputInfo` and `GetTickCount` through ctypes.

Both count milliseconds since boot in a 32-bit DWORD that wraps every 49.7 days, so the idle
time is their difference modulo 2**32 (`ticks_between`). GetTickCount64 would not help: the
last input time is only ever 32 bits. `GetTickCount` gets an unsigned result type explicitly:
ctypes' default, a signed int, turns negative after 24.9 days of uptime.

GetLastInputInfo covers the calling process's session: it fails in a service (session 0),
which has no user input.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from postureping.idle.base import IdleUnavailable

TICK_MODULUS = 2**32


class LASTINPUTINFO(ctypes.Structure):
    """winuser.h's LASTINPUTINFO: cbSize must be set to the structure's size before the call."""

    _fields_ = [("cbSize", ctypes.c_uint32), ("dwTime", ctypes.c_uint32)]


def ticks_between(last_input: int, now: int) -> int:
    """Milliseconds from tick `last_input` to tick `now`, across one wraparound of the DWORD."""
    return (now - last_input) % TICK_MODULUS


class WindowsIdleMonitor:
    """Milliseconds since the last keyboard or mouse input of this session."""

    name = "windows"
    _get_last_input_info: Any  # ctypes foreign functions, set up in __init__
    _get_tick_count: Any

    def __init__(self, environ: Mapping[str, str]) -> None:
        """`environ` is not needed here; every factory takes it."""
        if sys.platform != "win32":
            raise IdleUnavailable("GetLastInputInfo is only on Windows")
        try:
            user32 = ctypes.WinDLL("user32", use_last_error=True)
            kernel32 = ctypes.WinDLL("kernel32")
        except OSError as error:
            raise IdleUnavailable(f"cannot load user32 and kernel32 ({error})") from error
        self._get_last_input_info = user32.GetLastInputInfo
        self._get_last_input_info.argtypes = [ctypes.POINTER(LASTINPUTINFO)]
        self._get_last_input_info.restype = ctypes.c_int  # BOOL
        self._get_tick_count = kernel32.GetTickCount
        self._get_tick_count.argtypes = []
        self._get_tick_count.restype = ctypes.c_uint32  # DWORD

    def idle_time(self) -> timedelta:
        info = LASTINPUTINFO(cbSize=ctypes.sizeof(LASTINPUTINFO))
        # Read the clock after the last input time, so that `now` is never the older tick.
        if not self._get_last_input_info(ctypes.byref(info)):
            raise IdleUnavailable(f"GetLastInputInfo failed ({_last_error()})")
        now = int(self._get_tick_count())
        return timedelta(milliseconds=ticks_between(int(info.dwTime), now))

    def close(self) -> None:
        """Nothing to release."""


def _last_error() -> str:
    if sys.platform == "win32":  # ctypes has these on Windows only
        return ctypes.FormatError(ctypes.get_last_error())
    return "not Windows"
