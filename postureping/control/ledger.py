"""What the daemon remembers of recent requests, so that each is carried out at most once,
and never after its client stopped waiting.

A client sends each request with an id and the time it stops waiting (protocol.py). Then:
- a request with a new id is carried out, and its reply kept with the id (the latest
  REMEMBERED ids; `status` changes nothing, so its replies are not kept);
- a request with an id seen before is a retry (the client lost its connection, or sent it
  twice): it gets the reply the first one got, waiting for it if that one is still being
  carried out, and nothing is done again;
- a request that arrives after it expired is refused without being carried out: its client
  has told the user it failed, and doing it now would make that untrue.
Requests without an id (from an older client) are carried out as they come.

Thread-safe: the servers call `answer` from a thread per connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from postureping.control.protocol import READ_ONLY, Reply, Request
from postureping.errors import EXIT_FAILURE

REMEMBERED = 1024
WAIT_FOR_FIRST = 30.0  # a retry waits at most this long for the first to finish
TOO_LATE = (
    "the daemon was too busy to take the command in time, so it did not carry it out; try again"
)
STILL_BUSY = "the daemon is still carrying out this command (sent twice); it was not repeated"
FAILED = "the daemon could not carry out the command (a bug; its log has the details)"


@dataclass
class _Entry:
    finished: threading.Event = field(default_factory=threading.Event)
    reply: Reply | None = None


class RequestLedger:
    def __init__(
        self,
        handle: Callable[[Request], Reply],
        log: logging.Logger,
        clock: Callable[[], float] = time.time,
        remembered: int = REMEMBERED,
    ) -> None:
        """`handle` carries out a request (dispatch.py's, for the daemon); `clock` gives the
        time in seconds since the epoch, as `Request.expires` counts it."""
        self._handle = handle
        self._log = log
        self._clock = clock
        self._remembered = remembered
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def answer(self, request: Request) -> Reply:
        """The reply to `request`, carrying it out only if no request with its id was."""
        if request.id is None or request.command in READ_ONLY:
            return self._late_reply(request) or self._carry_out(request)
        with self._lock:
            entry = self._entries.get(request.id)
            first = entry is None
            if entry is None:
                entry = self._entries[request.id] = _Entry()
                self._forget_old()
        if not first:
            return self._reply_of_first(entry, request)
        entry.reply = self._late_reply(request) or self._carry_out(request)
        entry.finished.set()
        return entry.reply

    def _late_reply(self, request: Request) -> Reply | None:
        if request.expires is not None and self._clock() > request.expires:
            self._log.info("not carried out, came after its client gave up: %s", request.command)
            return Reply(False, TOO_LATE, exit=EXIT_FAILURE)
        return None

    def _carry_out(self, request: Request) -> Reply:
        try:
            return self._handle(request)
        except Exception:  # the one reply for it, remembered: a retry must not run it again
            self._log.exception("control request %s failed", request.command)
            return Reply(False, FAILED, exit=EXIT_FAILURE)

    def _reply_of_first(self, entry: _Entry, request: Request) -> Reply:
        wait = WAIT_FOR_FIRST
        if request.expires is not None:  # and a little longer: the client allows for that
            wait = min(wait, max(0.0, request.expires - self._clock()) + 1.0)
        if entry.finished.wait(wait) and entry.reply is not None:
            return entry.reply
        return Reply(False, STILL_BUSY, exit=EXIT_FAILURE)

    def _forget_old(self) -> None:
        """Drop the oldest finished entries beyond REMEMBERED (called under the lock); the
        ones still being carried out stay, as retries may wait for them."""
        excess = len(self._entries) - self._remembered
        if excess <= 0:
            return
        for key in [k for k, e in self._entries.items() if e.finished.is_set()][:excess]:
            del self._entries[key]
