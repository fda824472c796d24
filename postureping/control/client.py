"""The CLI's end of the control channel over a Unix socket (POSIX), and what the clients of
every transport share: NoDaemon and the default TIMEOUT."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from postureping.control.protocol import MAX_MESSAGE, ProtocolError, Reply, Request
from postureping.errors import EXIT_FAILURE, UserError

TIMEOUT = 10.0


class NoDaemon(UserError):
    def __init__(self) -> None:
        super().__init__("no postureping daemon is running (start one with `postureping run`)")


def send(path: Path, request: Request, timeout: float = TIMEOUT) -> Reply:
    """Send one request to the daemon listening at `path` and return its reply. Raises
    NoDaemon when nothing listens there (no socket, or one left by a daemon that died)."""
    if sys.platform == "win32":
        raise NotImplementedError("no Unix sockets on Windows: see control/transport.py")
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    with connection:
        try:
            connection.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as error:
            raise NoDaemon from error
        try:
            connection.sendall(request.encode())
            data = b""
            while not data.endswith(b"\n") and len(data) <= MAX_MESSAGE:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
        except TimeoutError as error:
            raise UserError(f"the daemon did not answer within {timeout:g} s") from error
        except OSError as error:
            raise UserError(f"lost the connection to the daemon: {error.strerror}") from error
    if not data:
        raise UserError("the daemon closed the connection without an answer", EXIT_FAILURE)
    try:
        return Reply.decode(data)
    except ProtocolError as error:
        raise UserError(f"the daemon sent something unexpected: {error}") from error
