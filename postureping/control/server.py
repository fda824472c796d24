"""The daemon's end of the control channel: a Unix socket in the private runtime folder.

One thread accepts connections, and each connection is served on a thread of its own, up to
MAX_CONNECTIONS at once (workers.py); the accepting thread blocks in accept() between
requests, so an idle daemon does no work here. Each connection has REQUEST_TIMEOUT to send its
whole request, however it dribbles in, and REPLY_TIMEOUT to take the reply; then it is
dropped. Each request goes through the ledger (ledger.py): a retried id is answered, not
carried out again, and a request that comes after its client gave up is not carried out.

The socket is 0600 in a 0700 folder that must be the user's own (folder.py), and each peer's
user id is checked where the OS tells it (peer.py). POSIX only: on Windows, transport.py
serves a named pipe (pipe.py) instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from postureping.control.folder import private_folder
from postureping.control.ledger import RequestLedger
from postureping.control.peer import peer_uid
from postureping.control.protocol import MAX_MESSAGE, ProtocolError, Reply, Request
from postureping.control.workers import Workers
from postureping.errors import EXIT_CONFIG

assert sys.platform != "win32", "Unix sockets: see control/transport.py"  # also tells mypy

REQUEST_TIMEOUT = 5.0  # a client must send its whole request within this
REPLY_TIMEOUT = 5.0  # and take the reply within this (it fits the socket's buffer anyway)
MAX_CONNECTIONS = 16  # served at once; more wait in the backlog
BACKLOG = 128  # connections waiting to be accepted; past it, clients retry (client.py)
STOP_TIMEOUT = 5.0  # stop() waits this long for the requests being carried out


class ControlServer:
    def __init__(
        self,
        path: Path,
        handle: Callable[[Request], Reply],
        log: logging.Logger,
        *,
        max_connections: int = MAX_CONNECTIONS,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        """`handle` is called from the connections' threads, several at once."""
        self.path = path
        self._ledger = RequestLedger(handle, log)
        self._log = log
        self._max_connections = max_connections
        self._request_timeout = request_timeout
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._workers = Workers(max_connections, "postureping-control-client")
        self._reading: set[socket.socket] = set()  # connections whose request is still coming
        self._reading_lock = threading.Lock()

    def start(self) -> None:
        """Listen. The caller holds the instance lock, so a socket file already there was
        left by a daemon that died: it is replaced."""
        private_folder(self.path.parent)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # created 0600: no moment when others could connect
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(old_umask)
        listener.listen(BACKLOG)
        self._socket = listener
        self._workers = Workers(self._max_connections, "postureping-control-client")
        self._thread = threading.Thread(target=self._serve, name="postureping-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, drop the clients still sending, wait for the requests being
        carried out, remove the socket file."""
        listener, self._socket = self._socket, None
        if listener is None:
            return
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        listener.close()
        with self._reading_lock:
            for connection in self._reading:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RD)  # its recv() returns at once
        self._workers.stop(STOP_TIMEOUT)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(STOP_TIMEOUT)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        while self._workers.wait_for_room():
            if (listener := self._socket) is None:
                return
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # stop() closed the socket
            self._workers.run(partial(self._serve_one, connection))

    def _serve_one(self, connection: socket.socket) -> None:
        with connection:
            try:
                self._answer(connection)
            except (OSError, ProtocolError) as error:
                self._log.debug("control request failed: %r", error)
            except Exception:  # a bug here must not end the control channel
                self._log.exception("control request failed")

    def _answer(self, connection: socket.socket) -> None:
        uid = peer_uid(connection)
        if uid is not None and uid != os.getuid():
            self._log.warning("refused a control request from user id %d", uid)
            return
        data = self._read_request(connection, time.monotonic() + self._request_timeout)
        if data is None:
            return
        try:
            request = Request.decode(data)
        except ProtocolError as error:
            reply = Reply(False, f"bad request: {error}", exit=EXIT_CONFIG)
        else:
            reply = self._ledger.answer(request)
        connection.settimeout(REPLY_TIMEOUT)
        connection.sendall(reply.encode())

    def _read_request(self, connection: socket.socket, deadline: float) -> bytes | None:
        """The request's bytes: up to its newline, or all the client sent before it shut its
        side. None when it sent nothing, did not send it all by `deadline`, or the server is
        stopping."""
        with self._reading_lock:
            if self._socket is None:
                return None  # stopping
            self._reading.add(connection)
        try:
            data = _read_line(connection, deadline)
        except TimeoutError:
            self._log.debug("dropped a control client that took too long to send a request")
            return None
        finally:
            with self._reading_lock:
                self._reading.discard(connection)
        return None if self._socket is None else data  # stopping: not carried out


def _read_line(connection: socket.socket, deadline: float) -> bytes | None:
    data = b""
    while not data.endswith(b"\n"):
        connection.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = connection.recv(65536)
        if not chunk:  # the client shut its side: what it sent is all there is
            return data or None
        data += chunk
        if len(data) > MAX_MESSAGE:
            raise ProtocolError("request too large")
    return data
