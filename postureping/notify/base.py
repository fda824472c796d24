"""The notifier contract every backend implements."""

from __future__ import annotations

from typing import Protocol

from postureping.reminder import Reminder


class NotifyError(Exception):
    """A backend could not show a reminder (no notification server, no bus, ...)."""


class Notifier(Protocol):
    """A way to show a reminder to the user.

    Threading contract: `send` is called from the notification worker thread only, never from
    the scheduler's thread, one call at a time. It may block; the service gives it a time
    limit and abandons a call that overruns it. It raises NotifyError (or any exception) when
    the reminder was not shown.
    """

    name: str

    def send(self, reminder: Reminder) -> None: ...


class Withdrawing(Protocol):
    """A notifier that can also take a notification back (the freedesktop one): `withdraw`
    closes the notification shown with this Reminder.key, if it is still there. Same threading
    contract as `send`; it never raises."""

    def withdraw(self, key: str) -> None: ...
