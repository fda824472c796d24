"""The notification server's `Inhibited` property: KDE Plasma's do-not-disturb.

Plasma's server publishes `Inhibited` (b) on org.freedesktop.Notifications; it is true while
the user has "Do not disturb" on, or an application inhibits notifications (Plasma does so
itself during screen sharing when configured to). Servers without it (dunst, GNOME Shell,
xfce4-notifyd) answer an error, and the probe is then unavailable: it is tried once, when the
daemon starts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from postureping.dnd.server_flag import NOTIFICATIONS, ServerFlagProbe

NAME = "notifications-inhibited"
REASON = "do not disturb is on (notifications are inhibited)"

_log = logging.getLogger(__name__)


def open_probe(environ: Mapping[str, str]) -> ServerFlagProbe:
    """Raises ProbeUnavailable when the notification server does not answer `Inhibited`."""
    return ServerFlagProbe.open(environ, NAME, (NOTIFICATIONS, "Inhibited"), REASON, _log)
