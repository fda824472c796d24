"""Delivers reminders off the scheduler's thread, with a time limit and a fallback.

Threading: `deliver` and `withdraw` only queue. One worker thread shows reminders in order;
each backend call runs in its own short-lived daemon thread that the worker waits for at most
`time_limit` seconds. A call that overruns is abandoned (a hung D-Bus call can block for about
25 s) and counted as a failure; while it is still running the same backend is not called
again, so a hung server costs one thread, not one per reminder.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from postureping.controller import NotifyHealth
from postureping.notify.base import Notifier, NotifyError
from postureping.reminder import Reminder


@dataclass(frozen=True)
class _Withdrawal:
    key: str


@dataclass(frozen=True)
class _Failure:
    reason: str
    error: BaseException | None = None  # set when the backend raised something unexpected


class _TimedNotifier:
    """Calls one notifier with a time limit; remembers a call that is still hanging."""

    def __init__(self, notifier: Notifier, time_limit: float) -> None:
        self.notifier = notifier
        self._time_limit = time_limit
        self._hanging: threading.Thread | None = None

    def send(self, reminder: Reminder) -> _Failure | None:
        return self.run(lambda: self.notifier.send(reminder))

    def withdraw(self, key: str) -> None:
        withdraw = getattr(self.notifier, "withdraw", None)
        if withdraw is not None:
            self.run(lambda: withdraw(key))

    def run(self, work: Callable[[], None]) -> _Failure | None:
        name = self.notifier.name
        if self._hanging is not None and self._hanging.is_alive():
            return _Failure(f"an earlier call to {name} has not returned yet")
        outcome: list[Exception | None] = []

        def call() -> None:
            try:
                work()
            except Exception as error:  # the backend boundary: reported by the worker
                outcome.append(error)
            else:
                outcome.append(None)

        thread = threading.Thread(target=call, name=f"postureping-send-{name}", daemon=True)
        thread.start()
        thread.join(self._time_limit)
        if thread.is_alive():
            self._hanging = thread
            return _Failure(f"{name} did not answer within {self._time_limit:g} s")
        if not outcome:
            return _Failure(f"{name} stopped without a result")
        error = outcome[0]
        if error is None:
            return None
        if isinstance(error, NotifyError):
            return _Failure(str(error))
        return _Failure(f"{name} failed: {type(error).__name__}: {error}", error)


class NotificationService:
    """Shows reminders through `primary`, or through `fallback` (the terminal) when it fails.

    The first failure logs one warning; later failures are logged at debug level only, until
    the primary works again (one info line), which re-arms the warning.
    """

    def __init__(
        self,
        primary: Notifier,
        fallback: Notifier | None,
        time_limit: float,
        log: logging.Logger,
    ) -> None:
        self._primary = _TimedNotifier(primary, time_limit)
        self._fallback = _TimedNotifier(fallback, time_limit) if fallback is not None else None
        self._log = log
        self._queue: queue.Queue[Reminder | _Withdrawal | None] = queue.Queue()
        self._state = threading.Condition()
        self._pending = 0  # reminders queued or being shown; guarded by _state
        self._closed = False
        self._failing = False  # the warning has been logged; only the worker touches it
        self._on_terminal = 0  # reminders the fallback showed; written by the worker only
        self._worker = threading.Thread(target=self._run, name="postureping-notify", daemon=True)
        self._worker.start()

    def deliver(self, reminder: Reminder) -> None:
        """Queue the reminder and return at once."""
        with self._state:
            if self._closed:
                self._log.warning("not shown, the daemon is stopping: %s", reminder.title)
                return
            self._pending += 1
            self._queue.put(reminder)

    def withdraw(self, key: str) -> None:
        """Queue taking back the notification shown with this key (where the backend can)."""
        with self._state:
            if self._closed:
                return
            self._pending += 1
            self._queue.put(_Withdrawal(key))

    def health(self) -> NotifyHealth:
        """The backend's name, how many reminders went to the fallback, and the backend's own
        troubles when it keeps them (`troubles()`, as the freedesktop notifier does)."""
        primary = self._primary.notifier
        troubles = getattr(primary, "troubles", None)
        kept = tuple(troubles()) if callable(troubles) else ()
        return NotifyHealth(primary.name, self._on_terminal, kept)

    def flush(self, timeout: float) -> bool:
        """Wait until every delivered reminder was shown or given up; False on timeout."""
        with self._state:
            return self._state.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float) -> bool:
        """Show what is queued, then stop the worker. False if it did not stop in time."""
        with self._state:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        self._worker.join(timeout)
        return not self._worker.is_alive()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                if isinstance(item, _Withdrawal):
                    self._primary.withdraw(item.key)
                else:
                    self._show(item)
            except Exception:  # e.g. no thread could be started: keep serving later reminders
                self._log.exception("could not show or withdraw the reminder %r", item)
            finally:
                with self._state:
                    self._pending -= 1
                    self._state.notify_all()

    def _show(self, reminder: Reminder) -> None:
        failure = self._primary.send(reminder)
        if failure is None:
            # A redraw proves nothing: a notifier that cannot replace a notification takes
            # it as nothing to do.
            if self._failing and not reminder.redraw:
                self._failing = False
                what = "notifications" if self._fallback is None else "desktop notifications"
                self._log.info("%s work again", what)
            return
        self._report(failure)
        if self._fallback is None:
            return
        lost = self._fallback.send(reminder)
        if lost is None:
            self._on_terminal += 1
        else:
            self._log.error("could not show the reminder %r: %s", reminder.title, lost.reason)

    def _report(self, failure: _Failure) -> None:
        if self._failing:
            self._log.debug("notifier failed again: %s", failure.reason, exc_info=failure.error)
            return
        self._failing = True
        if self._fallback is None:
            message = "could not show reminders (%s)"
        else:
            message = (
                "desktop notifications are not working (%s); "
                "reminders are printed on the terminal instead"
            )
        self._log.warning(message, failure.reason, exc_info=failure.error)
