"""Which unit an org.freedesktop.ScreenSaver server counts `GetSessionIdleTime` in (pure).

The interface never said. KDE answers in milliseconds; the gnome-screensaver family
(xfce4-screensaver, mate-screensaver, cinnamon-screensaver and the old gnome-screensaver)
answers in seconds. Taken for milliseconds, a seconds server reports a user gone for ten
minutes as idle for 0.6 s: never away, no natural breaks.

Two ways to tell, the first winning where it knows:

1. Who the server is (`unit_by_names`): the unique bus name that owns
   org.freedesktop.ScreenSaver also owns its desktop's own name (org.xfce.ScreenSaver,
   org.kde.screensaver...), which says which family it is.
2. For a server of no known family, how fast its answers grow (`UnitMeter`): between two
   answers of one idle streak, the value grows by about 1 a second in seconds and by about
   1000 a second in milliseconds. Any input in between resets it, which shows as a value that
   did not grow: nothing is concluded then. A growth of 1000 a second is proof at once (idle
   time in seconds cannot grow that fast); a growth of 1 a second can be a coincidence of a
   millisecond server with input in between (400 ms, then 700 ms five minutes later), so
   seconds take two such pairs in a row.

Until either tells, milliseconds is assumed: the wrong guess then makes a seconds server look
present (as before), never a present user look away.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Unit(Enum):
    MILLISECONDS = 1
    SECONDS = 1000

    @property
    def label(self) -> str:
        return self.name.lower()


# Names a screen saver owns beside org.freedesktop.ScreenSaver, and the unit its family uses.
KNOWN_NAMES: dict[str, Unit] = {
    "org.xfce.ScreenSaver": Unit.SECONDS,  # xfce4-screensaver
    "org.mate.ScreenSaver": Unit.SECONDS,  # mate-screensaver
    "org.cinnamon.ScreenSaver": Unit.SECONDS,  # cinnamon-screensaver
    "org.kde.screensaver": Unit.MILLISECONDS,  # KDE Plasma (ksmserver, kscreenlocker)
    "org.kde.KScreenLocker": Unit.MILLISECONDS,
}

MIN_SPAN = 2.0  # seconds between two answers for their growth to say anything
TOLERANCE = 0.05  # of the span, plus one step of the unit (a value is truncated)


def unit_by_names(names: Iterable[str]) -> Unit | None:
    """The unit of the family whose known name is among `names` (those the server's
    connection owns), or None."""
    for name in names:
        if (unit := KNOWN_NAMES.get(name)) is not None:
            return unit
    return None


def unit_by_growth(first: tuple[float, int], second: tuple[float, int]) -> Unit | None:
    """The unit two answers (monotonic time in seconds, value) imply, or None when they do not
    tell (too close together, input in between, or a rate that fits neither)."""
    (t1, v1), (t2, v2) = first, second
    span = t2 - t1
    if span < MIN_SPAN or v2 <= v1:
        return None
    # One idle streak grows exactly as fast as time passes. Input in between restarts it,
    # which could make a millisecond server grow by about `span` only by a rare coincidence.
    for unit in Unit:
        expected = span * 1000 / unit.value
        if abs((v2 - v1) - expected) <= 1 + TOLERANCE * expected:
            return unit
    return None


class UnitMeter:
    """Answers in; the unit, once their growth has shown it (it is kept from then on)."""

    def __init__(self) -> None:
        self.unit: Unit | None = None
        self._last: tuple[float, int] | None = None
        self._seconds_pairs = 0  # pairs in a row that grew as seconds would

    def observe(self, at: float, value: int) -> Unit | None:
        if self.unit is None and self._last is not None:
            match unit_by_growth(self._last, (at, value)):
                case Unit.MILLISECONDS:
                    self.unit = Unit.MILLISECONDS
                case Unit.SECONDS:
                    self._seconds_pairs += 1
                    if self._seconds_pairs >= 2:
                        self.unit = Unit.SECONDS
                case None:
                    self._seconds_pairs = 0
        self._last = (at, value)
        return self.unit
