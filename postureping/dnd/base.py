"""The hold-probe contract, and the once-per-streak failure log every probe shares.

Threading contract: `hold_reason` and `close` are called from one thread (the daemon's), one
call at a time: at reminder time, then at most about every 30 s while something holds. Each
call returns within about 2 s (D-Bus calls carry timeouts), so a hung desktop component delays
a reminder a little but never stops the daemon.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, TypeGuard


class HoldProbe(Protocol):
    """One way to learn that reminders should wait.

    `hold_reason` answers None when reminders may be shown now, else a short reason for the log
    and `postureping status`, such as "do not disturb is on (GNOME)". It never raises: a probe
    that fails answers None (reminders are better shown than lost), logs once per failure
    streak, and may recover on a later call.
    """

    name: str

    def hold_reason(self) -> str | None: ...

    def close(self) -> None: ...


class WatchingProbe(HoldProbe, Protocol):
    """A probe that can also tell when its answer changes, so that a reminder held by it is
    shown as soon as the hold ends rather than at the next look (about every 30 s).

    `watch(changed)` is called at most once, before any `close`; from then on the probe calls
    `changed()` from a thread of its own whenever `hold_reason` may answer otherwise. `changed`
    returns at once (it only wakes the daemon, which then asks `hold_reason` on its own thread).
    A probe that can no longer watch logs it and stops calling: the looks go on as before.
    """

    def watch(self, changed: Callable[[], None]) -> None: ...


def can_watch(probe: HoldProbe) -> TypeGuard[WatchingProbe]:
    """Whether `probe` is a WatchingProbe."""
    return callable(getattr(probe, "watch", None))


NO_DISPLAY = "no X display (DISPLAY is not set)"


class ProbeUnavailable(Exception):
    """A probe does not work on this desktop; the message says why (for `postureping doctor`)."""


class FailureStreak:
    """Runs a probe's reading: the first failure of a streak is logged as a warning, the
    recovery as info, and nothing in between, since a broken probe is asked every 30 s."""

    def __init__(
        self, log: logging.Logger, probe: str, expected: tuple[type[Exception], ...]
    ) -> None:
        self._log = log
        self._probe = probe
        self._expected = expected  # logged as one line; anything else with its traceback
        self.failing = False

    def run(self, read: Callable[[], str | None]) -> str | None:
        """`read()`, or None when it raises."""
        try:
            reason = read()
        except Exception as error:
            self.failed(error)
            return None
        if self.failing:
            self.failing = False
            self._log.info("the %s hold probe works again", self._probe)
        return reason

    def failed(self, error: Exception) -> None:
        """Log `error`, unless this streak of failures already logged one."""
        if self.failing:
            return
        self.failing = True
        self._log.warning(
            "the %s hold probe failed (%s); it holds no reminders until it works again",
            self._probe,
            str(error) or type(error).__name__,
            exc_info=not isinstance(error, self._expected),
        )
