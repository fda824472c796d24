"""SwayNotificationCenter's do-not-disturb: `swaync-client -dn` / `-df`, or its panel's switch.

swaync 0.7 (Debian 12) answers GetDnd (b) on org.erikreider.swaync.cc at
/org/erikreider/swaync/cc, the connection that also owns org.freedesktop.Notifications; it
has no property for it, and its Subscribe signal (count, dnd, panel open) would need a
listening connection for what one call tells when asked (at reminder time, then about every
30 s while something holds). While it is on, swaync shows nothing and only lists the
notifications in its panel, so a reminder is better held.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from postureping.dnd.server_call import ServerCallProbe

NAME = "swaync"
PATH = "/org/erikreider/swaync/cc"
INTERFACE = "org.erikreider.swaync.cc"
REASON = "do not disturb is on (swaync)"

_log = logging.getLogger(__name__)


def _decide(reply: tuple[Any, ...]) -> str | None:
    (on,) = reply
    return REASON if on else None


def open_probe(environ: Mapping[str, str]) -> ServerCallProbe:
    """Raises ProbeUnavailable when the notification server is not swaync, or not there."""
    return ServerCallProbe.open(environ, NAME, (PATH, INTERFACE, "GetDnd", "b"), _decide, _log)
