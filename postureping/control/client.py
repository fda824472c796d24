"""The CLI's end of the control channel over a Unix socket (POSIX), and what the clients of
every transport share: NoDaemon and the default TIMEOUT.

Before it talks, the client checks that the runtime folder is the user's own and private
(folder.py) and, once connected, that the server runs as the user (peer.py): otherwise
another user could pass for the daemon. It sends each request with an id and the time it
stops waiting (protocol.py), so that the daemon carries out a retry only once and a request
that comes too late not at all (ledger.py). While the daemon's backlog is full it waits and
retries; a connection lost before the reply is tried again once, with the same id. Whatever
goes wrong ends as one UserError line.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time
from pathlib import Path

from postureping.control.folder import check_folder, folder_problem, user_name
from postureping.control.peer import peer_uid
from postureping.control.protocol import MAX_MESSAGE, ProtocolError, Reply, Request
from postureping.errors import EXIT_FAILURE, UserError

TIMEOUT = 10.0
# How long past `timeout` the client still waits for a reply: a request the daemon took just
# before it expired is answered, not left in doubt.
GRACE = 1.0
RETRIES = 1  # a connection lost before the reply is tried again this often, with the same id
# Where a full backlog is told from a dead daemon's socket only by trying again (BSD, macOS:
# ECONNREFUSED for both), a refused connection is retried this long.
REFUSED_PATIENCE = 1.0


class NoDaemon(UserError):
    def __init__(self) -> None:
        super().__init__("no postureping daemon is running (start one with `postureping run`)")


class _Lost(Exception):
    """The connection broke before the reply: worth one more try with the same id."""


def send(path: Path, request: Request, timeout: float = TIMEOUT) -> Reply:
    """Send one request to the daemon listening at `path` and return its reply. Raises
    NoDaemon when nothing listens there (no folder, no socket, or one left by a daemon that
    died), UserError for anything else that keeps it from an answer."""
    if sys.platform == "win32":
        raise NotImplementedError("no Unix sockets on Windows: see control/transport.py")
    if not check_folder(path.parent):
        raise NoDaemon
    request = request.stamped(timeout)
    started = time.monotonic()
    lost: _Lost | None = None
    for _ in range(RETRIES + 1):
        try:
            connection = _connect(path, started, timeout)
        except NoDaemon as error:
            if lost is None:
                raise
            # Gone after it took the request: it may have carried it out. Never NoDaemon
            # here, which would make `done` record the answer a second time.
            raise UserError(
                f"{lost}, and it has stopped; the command may have been carried out"
            ) from error
        with connection:
            _check_server(connection, path)
            try:
                return _exchange(connection, request, started + timeout + GRACE, timeout)
            except _Lost as error:
                lost = error
        if time.monotonic() > started + timeout:
            break
    raise UserError(str(lost))


def _connect(path: Path, started: float, timeout: float) -> socket.socket:
    """A connected socket, waiting while the daemon's backlog is full (EAGAIN)."""
    if sys.platform == "win32":  # send() said so already; this tells mypy
        raise NotImplementedError
    pause = 0.002
    while True:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        try:
            connection.connect(str(path))
        except OSError as error:
            connection.close()
            waited = time.monotonic() - started
            if isinstance(error, FileNotFoundError):
                raise NoDaemon from error
            if isinstance(error, ConnectionRefusedError):
                # Linux refuses only where nobody listens; a full backlog is EAGAIN there.
                if sys.platform.startswith("linux") or waited > REFUSED_PATIENCE:
                    raise NoDaemon from error
            elif error.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise UserError(_unreachable(path, error)) from error
            if waited > timeout:
                raise UserError(
                    f"the daemon was too busy to take the command within {timeout:g} s "
                    "(too many commands waiting); try again"
                ) from error
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
            continue
        return connection


def _unreachable(path: Path, error: OSError) -> str:
    if isinstance(error, PermissionError):
        return folder_problem(path, error)
    return f"cannot reach the daemon at {path}: {error.strerror or error}"


def _check_server(connection: socket.socket, path: Path) -> None:
    if sys.platform == "win32":
        raise NotImplementedError
    uid = peer_uid(connection)
    if uid is not None and uid != os.getuid():
        raise UserError(
            f"the control socket {path} is served by another user, {user_name(uid)}, who may "
            "be passing for your daemon; refusing to talk to it"
        )


def _exchange(
    connection: socket.socket, request: Request, deadline: float, timeout: float
) -> Reply:
    data = b""
    try:
        connection.settimeout(max(deadline - time.monotonic(), 0.001))
        connection.sendall(request.encode())
        while not data.endswith(b"\n") and len(data) <= MAX_MESSAGE:
            connection.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
    except TimeoutError as error:
        raise UserError(
            f"the daemon did not answer within {timeout:g} s (its log may tell why); a command "
            "it had already begun may still take effect"
        ) from error
    except (BrokenPipeError, ConnectionResetError) as error:
        raise _Lost(f"lost the connection to the daemon: {error.strerror}") from error
    except OSError as error:
        raise UserError(f"lost the connection to the daemon: {error.strerror}") from error
    if not data:
        raise _Lost("the daemon closed the connection without an answer")
    try:
        return Reply.decode(data)
    except ProtocolError as error:
        raise UserError(f"the daemon sent something unexpected: {error}", EXIT_FAILURE) from error
