"""The daemon's end of the control channel: a Unix socket in the private runtime folder.

One thread accepts connections and answers each request in turn (they are small and quick);
it blocks in accept() between requests, so an idle daemon does no work here. The socket is
0600 in a 0700 folder, and each peer's user id is checked where the OS tells it. POSIX only:
on Windows, transport.py serves a named pipe (pipe.py) instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from postureping.control.instance import private_folder
from postureping.control.peer import peer_uid
from postureping.control.protocol import MAX_MESSAGE, ProtocolError, Reply, Request

assert sys.platform != "win32", "Unix sockets: see control/transport.py"  # also tells mypy

REQUEST_TIMEOUT = 5.0  # a client that sends nothing within this is dropped


class ControlServer:
    def __init__(self, path: Path, handle: Callable[[Request], Reply], log: logging.Logger) -> None:
        self.path = path
        self._handle = handle
        self._log = log
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

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
        listener.listen(8)
        self._socket = listener
        self._thread = threading.Thread(target=self._serve, name="postureping-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, wait for the request in progress, remove the socket file."""
        listener, self._socket = self._socket, None
        if listener is None:
            return
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        listener.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(REQUEST_TIMEOUT + 1)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        while (listener := self._socket) is not None:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # stop() closed the socket
            with connection:
                try:
                    self._answer(connection)
                except (OSError, ProtocolError) as error:
                    self._log.debug("control request failed: %s", error)
                except Exception:  # a bug in a handler must not end the control channel
                    self._log.exception("control request failed")

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(REQUEST_TIMEOUT)
        uid = peer_uid(connection)
        if uid is not None and uid != os.getuid():
            self._log.warning("refused a control request from user id %d", uid)
            return
        data = _read_line(connection)
        try:
            request = Request.decode(data)
        except ProtocolError as error:
            connection.sendall(Reply(False, f"bad request: {error}", exit=2).encode())
            return
        connection.sendall(self._handle(request).encode())


def _read_line(connection: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_MESSAGE:
            raise ProtocolError("request too large")
    return data
