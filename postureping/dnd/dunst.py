"""dunst's pause, its do-not-disturb: `dunstctl set-paused true`, or a key bound to it.

dunst (1.5 and later) publishes `paused` (b) on its own interface org.dunstproject.cmd0 at
/org/freedesktop/Notifications; `dunstctl is-paused` reads the same property. While paused,
dunst queues notifications and shows them all at once on resume, so holding a reminder is
better than having it pop up late among the others. Other servers have no such interface:
the probe is then unavailable (tried once, when the daemon starts).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from postureping.dnd.server_flag import ServerFlagProbe

NAME = "dunst"
INTERFACE = "org.dunstproject.cmd0"
REASON = "do not disturb is on (dunst is paused)"

_log = logging.getLogger(__name__)


def open_probe(environ: Mapping[str, str]) -> ServerFlagProbe:
    """Raises ProbeUnavailable when the notification server is not dunst, or not there."""
    return ServerFlagProbe.open(environ, NAME, (INTERFACE, "paused"), REASON, _log)
