"""A thread for each connection the daemon serves, at most `limit` at once.

A client that sends its request slowly, or not at all, holds up only its own thread (until
its time limit), not the commands of others. Past the limit the accepting thread waits for
a thread to finish, and new clients wait in the listening socket's backlog (the client
retries while that is full). Used by both servers (server.py, pipe.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Workers:
    def __init__(self, limit: int, name: str) -> None:
        self._room = threading.Semaphore(limit)
        self._name = name
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._stopping = False

    def wait_for_room(self) -> bool:
        """Block until fewer than `limit` connections are being served; False once stop()
        was called (the caller then stops accepting)."""
        self._room.acquire()
        if self._stopping:
            self._room.release()  # for the next one that waits, if any
            return False
        return True

    def run(self, serve: Callable[[], None]) -> None:
        """Serve one connection on a thread of its own; call after wait_for_room()."""
        thread = threading.Thread(target=self._run, args=(serve,), name=self._name, daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _run(self, serve: Callable[[], None]) -> None:
        try:
            serve()
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())
            self._room.release()

    def stop(self, timeout: float) -> None:
        """Make wait_for_room() return False, and wait up to `timeout` for the connections
        being served (but not for the calling thread, which may be one of them)."""
        self._stopping = True
        self._room.release()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = [t for t in self._threads if t is not threading.current_thread()]
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
