"""The idle time on macOS: CoreGraphics' seconds since the last input event, through ctypes.

`CGEventSourceSecondsSinceLastEventType(kCGEventSourceStateCombinedSessionState,
kCGAnyInputEventType)` counts keyboard, mouse and trackpad input of the login session, and
needs no PyObjC. This project's tests run on Linux: there they check only that this monitor
refuses to start.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import sys
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from postureping.idle.base import IdleUnavailable

COREGRAPHICS = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"
COMBINED_SESSION_STATE = 0  # kCGEventSourceStateCombinedSessionState
ANY_INPUT_EVENT = 0xFFFFFFFF  # kCGAnyInputEventType: ~0 as a CGEventType (uint32)


class MacIdleMonitor:
    """Seconds since the last input event of the login session, from CoreGraphics."""

    name = "macos"
    _seconds_since_input: Any  # a ctypes foreign function, set up in __init__

    def __init__(self, environ: Mapping[str, str]) -> None:
        """`environ` is not needed here; every factory takes it."""
        if sys.platform != "darwin":
            raise IdleUnavailable("CoreGraphics idle time is only on macOS")
        try:
            library = ctypes.CDLL(COREGRAPHICS)
            function = library.CGEventSourceSecondsSinceLastEventType
        except (OSError, AttributeError) as error:
            raise IdleUnavailable(f"cannot load CoreGraphics ({error})") from error
        function.argtypes = [ctypes.c_int32, ctypes.c_uint32]
        function.restype = ctypes.c_double
        self._seconds_since_input = function

    def idle_time(self) -> timedelta:
        seconds = float(self._seconds_since_input(COMBINED_SESSION_STATE, ANY_INPUT_EVENT))
        return idle_from_seconds(seconds)

    def close(self) -> None:
        """Nothing to release: the framework stays loaded for the life of the process."""


def idle_from_seconds(seconds: float) -> timedelta:
    """CoreGraphics' answer as a timedelta; IdleUnavailable for a value that is no duration."""
    if math.isfinite(seconds) and seconds >= 0:
        with contextlib.suppress(OverflowError):  # more than a timedelta holds
            return timedelta(seconds=seconds)
    raise IdleUnavailable(f"CoreGraphics reported {seconds!r} seconds since the last input")
