"""The one place that picks the control channel for this OS.

POSIX: a Unix socket in the private runtime folder, with the peer's user id checked
(server.py, client.py). Windows: a named pipe that only the same user can write to
(pipe.py). Both carry the same messages (protocol.py) and raise the same errors.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from postureping.control.client import TIMEOUT, NoDaemon
from postureping.control.protocol import Reply, Request
from postureping.paths import Paths

__all__ = ["TIMEOUT", "NoDaemon", "Server", "make_server", "send"]


class Server(Protocol):
    """The daemon's end. start() raises OSError when it cannot listen; stop() returns once
    the request in progress is answered, and may be called from any thread."""

    @property
    def path(self) -> Path | str: ...  # where it listens, for messages

    def start(self) -> None: ...

    def stop(self) -> None: ...


# Chosen at import: pipe.py's multiprocessing costs the CLI some 13 ms to import where it is
# not used, and server.py does not import on Windows.
if sys.platform == "win32":
    from postureping.control import pipe

    def make_server(
        paths: Paths, handle: Callable[[Request], Reply], log: logging.Logger
    ) -> Server:
        """The control server for this OS; `handle` is called from the server's own thread."""
        return pipe.PipeServer(paths.control_address, handle, log)

    def send(paths: Paths, request: Request, timeout: float = TIMEOUT) -> Reply:
        """Send one request to this user's daemon and return its reply; raises NoDaemon when
        none is running."""
        return pipe.send(paths.control_address, request, timeout)

else:
    from postureping.control import client
    from postureping.control.server import ControlServer

    def make_server(
        paths: Paths, handle: Callable[[Request], Reply], log: logging.Logger
    ) -> Server:
        """The control server for this OS; `handle` is called from the server's own thread."""
        return ControlServer(paths.control_socket, handle, log)

    def send(paths: Paths, request: Request, timeout: float = TIMEOUT) -> Reply:
        """Send one request to this user's daemon and return its reply; raises NoDaemon when
        none is running."""
        return client.send(paths.control_socket, request, timeout)
