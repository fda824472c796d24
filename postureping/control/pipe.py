"""The control channel over multiprocessing.connection: a named pipe on Windows.

Python has no Unix sockets on Windows, so there the daemon listens on a named pipe through
the standard library (`Listener(family="AF_PIPE")`, `Client(family="AF_PIPE")`). Nothing here
depends on the family beyond that argument: the same code runs over AF_UNIX, which is how
the tests exercise it on Linux. (On POSIX the daemon uses server.py, which checks the peer.)

Each connection carries one request and one reply, each one message (send_bytes and
recv_bytes, which frame by length) holding the bytes of Request.encode() / Reply.encode().

Who can connect, on Windows: the pipe gets the default security descriptor, whose DACL gives
full control to the user who created it, SYSTEM and administrators, and read access to
Everyone and Anonymous, see
https://learn.microsoft.com/windows/win32/ipc/named-pipe-security-and-access-rights.
Sending a request takes write access, so only the same user (or SYSTEM or an administrator,
who can reach the daemon anyway) can command it; someone else may at most open the pipe
read-only, reads nothing (the daemon writes only in reply to a request it read on that
connection) and is dropped after REQUEST_TIMEOUT. PIPE_REJECT_REMOTE_CLIENTS is not set:
_winapi does not export it and Listener creates its pipe instances with fixed flags; a
remote client would still need the user's credentials to write. The first instance is
created with FILE_FLAG_FIRST_PIPE_INSTANCE, so a daemon never joins a pipe someone else
created first (its start fails instead); the CLI does not check who serves the pipe.

Connections: each is served on a thread of its own, up to MAX_CONNECTIONS at once
(workers.py), and each request goes through the ledger (ledger.py), as on POSIX: the client
sends an id and the time it stops waiting; a retry is answered with the first reply, and a
request that arrives after its client gave up is not carried out.

Timeouts: the server waits REQUEST_TIMEOUT for a request to start arriving, the client
`timeout` (and GRACE) for the reply (Connection.poll on both sides). Connecting fails at
once with FileNotFoundError when no pipe exists (NoDaemon); while every pipe instance is
busy, Client() retries on its own for up to 20 s (multiprocessing's fixed
CONNECTION_TIMEOUT). A client that stalls in the middle of a message holds its thread until
it goes away (recv_bytes has no time limit): only the user's own processes can do that, and
it holds up the others only once MAX_CONNECTIONS of them do.

Stopping: on Windows, closing the Listener does not wake a thread blocked in accept() (it
waits on a pipe instance that the Listener no longer holds; close() closes only the spare
ones), and on Linux closing a socket does not wake accept() either. So stop() connects once
to its own address; accept() returns, the thread sees that it is stopping and ends, and only
then is the Listener closed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Client, Listener
from typing import TYPE_CHECKING, Any

from postureping.control.client import GRACE, RETRIES, TIMEOUT, NoDaemon
from postureping.control.ledger import RequestLedger
from postureping.control.protocol import MAX_MESSAGE, ProtocolError, Reply, Request
from postureping.control.workers import Workers
from postureping.errors import EXIT_CONFIG, UserError

if TYPE_CHECKING:
    # The common base of Connection and PipeConnection (typeshed names it for this use).
    from multiprocessing.connection import _ConnectionBase

    Connection = _ConnectionBase[Any, Any]

PIPE = "AF_PIPE"
REQUEST_TIMEOUT = 5.0  # a client that sends nothing within this is dropped
MAX_CONNECTIONS = 16  # served at once
BACKLOG = 128  # AF_UNIX only; pipe instances are unlimited


class PipeServer:
    """The daemon's end: one thread accepts connections, each is served on a thread of its
    own; `handle` is called from those threads, several at once."""

    def __init__(
        self,
        address: str,
        handle: Callable[[Request], Reply],
        log: logging.Logger,
        family: str = PIPE,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.path = address  # named like ControlServer.path: run.py reports it
        self.family = family
        self._ledger = RequestLedger(handle, log)
        self._log = log
        self._request_timeout = request_timeout
        self._listener: Listener | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._workers = Workers(MAX_CONNECTIONS, "postureping-control-client")

    def start(self) -> None:
        """Listen; raises OSError when the address is taken (on Windows: a pipe of that name
        exists, whoever made it)."""
        self._listener = Listener(self.path, self.family, backlog=BACKLOG)
        self._stopping.clear()
        self._workers = Workers(MAX_CONNECTIONS, "postureping-control-client")
        self._thread = threading.Thread(target=self._serve, name="postureping-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, wait for the requests in progress, close the pipe (or socket)."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            with contextlib.suppress(OSError):
                Client(self.path, self.family).close()  # wakes accept(): see the module doc
        self._workers.stop(self._request_timeout + 1)  # also wakes a wait for room
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self._request_timeout + 1)
        listener.close()

    def _serve(self) -> None:
        while self._workers.wait_for_room():
            if (listener := self._listener) is None:
                return
            try:
                connection = listener.accept()
            except OSError:
                return  # the listener was closed under us
            if self._stopping.is_set():
                connection.close()
                return  # stop()'s own wake-up call, or a request that came too late
            self._workers.run(partial(self._serve_one, connection))

    def _serve_one(self, connection: Connection) -> None:
        with connection:
            try:
                self._answer(connection)
            except (OSError, EOFError, ProtocolError) as error:
                self._log.debug("control request failed: %r", error)
            except Exception:  # a bug here must not end the control channel
                self._log.exception("control request failed")

    def _answer(self, connection: Connection) -> None:
        if not connection.poll(self._request_timeout):
            self._log.debug("dropped a control client that sent nothing")
            return
        try:
            data = connection.recv_bytes(MAX_MESSAGE)  # EOFError: it left without asking
        except OSError:
            if connection.readable:
                raise
            # recv_bytes refused a message over MAX_MESSAGE without reading it, and marked
            # the connection unreadable; it can still carry the refusal.
            refusal = Reply(False, "bad request: request too large", exit=EXIT_CONFIG)
            connection.send_bytes(refusal.encode())
            return
        try:
            request = Request.decode(data)
        except ProtocolError as error:
            connection.send_bytes(Reply(False, f"bad request: {error}", exit=EXIT_CONFIG).encode())
            return
        connection.send_bytes(self._ledger.answer(request).encode())


def send(address: str, request: Request, timeout: float = TIMEOUT, family: str = PIPE) -> Reply:
    """Send one request to the daemon listening at `address` and return its reply. Raises
    NoDaemon when nothing listens there, UserError when the daemon cannot be reached or
    does not answer within `timeout`. A connection lost before the reply is tried again
    once, with the same request id."""
    request = request.stamped(timeout)
    deadline = time.monotonic() + timeout + GRACE
    tries = 0
    while True:
        try:
            return _exchange(address, request, deadline, timeout, family)
        except EOFError as error:
            tries += 1
            if tries > RETRIES or time.monotonic() > deadline - GRACE:
                raise UserError("the daemon closed the connection without an answer") from error


def _exchange(
    address: str, request: Request, deadline: float, timeout: float, family: str
) -> Reply:
    try:
        connection = Client(address, family)
    except (FileNotFoundError, ConnectionRefusedError) as error:
        raise NoDaemon from error
    except OSError as error:
        raise UserError(f"cannot reach the daemon at {address}: {_reason(error)}") from error
    with connection:
        try:
            connection.send_bytes(request.encode())
            if not connection.poll(max(deadline - time.monotonic(), 0.0)):
                raise UserError(
                    f"the daemon did not answer within {timeout:g} s (its log may tell why); "
                    "a command it had already begun may still take effect"
                )
            data = connection.recv_bytes(MAX_MESSAGE)  # EOFError: it hung up without a reply
        except OSError as error:
            raise UserError(f"lost the connection to the daemon: {_reason(error)}") from error
    try:
        return Reply.decode(data)
    except ProtocolError as error:
        raise UserError(f"the daemon sent something unexpected: {error}") from error


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
