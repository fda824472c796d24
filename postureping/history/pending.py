"""Events the history could not take yet (a full disk, an I/O error), kept in memory in
order and written when the store works again, so that the daemon neither loses them nor
stops reminding.

The daemon calls `append` for each event and `retry` now and then (say, every minute):
nothing here runs on its own. Thread-safe.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from postureping.history.events import Event
from postureping.history.store import EventStore, StoreError

DEFAULT_LIMIT = 10_000  # weeks of a daemon's events; past it, the oldest go, with an error
_log = logging.getLogger(__name__)


class PendingWrites:
    def __init__(self, store: EventStore, limit: int = DEFAULT_LIMIT) -> None:
        self.store = store
        self.limit = limit
        self.last_error: StoreError | None = None  # the latest failure, until a write works
        self._queue: deque[Event] = deque()
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """How many events wait to be written."""
        with self._lock:
            return len(self._queue)

    def append(self, event: Event) -> bool:
        """Write `event`, after any that wait. True if it is in the history now; False if
        it was kept to be written by a later `append` or `retry` (the reason is logged and
        in `last_error`). Never raises StoreError."""
        with self._lock:
            if len(self._queue) >= self.limit:
                lost = self._queue.popleft()
                _log.error(
                    "more than %d events could not be written; dropped the oldest: %s %s at %s",
                    self.limit, lost.routine, lost.kind, lost.ts.isoformat(),
                )  # fmt: skip
            self._queue.append(event)
            return self._flush()

    def retry(self) -> int:
        """Write the events that wait; return how many were written. Never raises."""
        with self._lock:
            count = len(self._queue)
            return count if count and self._flush() else 0

    def _flush(self) -> bool:
        try:
            if len(self._queue) == 1 and self.last_error is None:
                self.store.append(self._queue[0])
            else:
                # An earlier failure may have left an event in the file after all (its
                # write reached the disk, then undoing it failed): skip those, by id.
                self.store.append_new(list(self._queue))
        except StoreError as error:
            _log.warning(
                "%s; %d event(s) kept in memory, to be written later", error, len(self._queue)
            )
            self.last_error = error
            return False
        if self.last_error is not None:
            _log.info("wrote %d event(s) kept since a failure", len(self._queue))
        self._queue.clear()
        self.last_error = None
        return True
