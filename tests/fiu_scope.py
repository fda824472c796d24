"""`fiu-run -x python -m tests.fiu_scope ARGS...`: postureping's command line (ARGS as for
`postureping`), in which libfiu makes system calls fail at random, within a scope.

libfiu's POSIX wrappers (loaded by `fiu-run -x`) fail a call wherever the process makes it.
Enabled from the start, they fail Python's own imports before postureping even runs, and
then the settings and the terminal, which is not what the store's tests look at. So here
failure points fail only within a scope, on the thread in it; libfiu still fills in errno
(for open, one of _OPEN_ERRORS). Short reads, which libfiu can make everywhere
(`-c 'enable_random name=posix/io/rw/read/reduce,probability=0.5'`), need no scope:
Python copes with them, and so must postureping.

Environment:
  FIU_SCOPE         "store" (the default): only the calls that the event store makes through
                    its FileCalls, i.e. every open, read, write and fsync of the history's
                    files and folder. "process": every call of the process but its writes
                    to stdout and stderr, from when the file FIU_SCOPE_FROM is there on
                    (start the daemon, use each command once, then make the file)
  FIU_SCOPE_FAULTS  the points and their probabilities, e.g. "posix/io/rw/write=0.2
                    posix/io/sync/fsync=0.1" (libfiu's names; `strings` on
                    /usr/lib/fiu/fiu_posix_preload.so lists them)
  FIU_SCOPE_SEED    the seed of the random choices (default 0)
  FIU_SCOPE_UNTIL   a path: from when a file is there on, nothing fails (the disk works again)
"""

from __future__ import annotations

import atexit
import ctypes
import errno
import functools
import os
import random
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postureping import cli
from postureping.history.io import FileCalls

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_int),
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.POINTER(ctypes.c_uint),
)
# What a failed open says: libfiu's choices but ENOENT, which says that the file is not
# there, and which a reader rightly takes for an empty history.
_OPEN_ERRORS = (errno.EACCES, errno.EIO, errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOSPC,
                errno.EROFS, errno.ELOOP, errno.ENOTDIR)  # fmt: skip
_thread = threading.local()  # .depth: in the store's calls; .terminal: writing to it
_keep: list[object] = []  # the callback, alive as long as libfiu may call it


def _in_store_calls() -> Callable[[], bool]:
    """Mark the calls the store makes through FileCalls; a test of whether this thread is
    in one."""

    def marked(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            _thread.depth = getattr(_thread, "depth", 0) + 1
            try:
                return method(*args, **kwargs)
            finally:
                _thread.depth -= 1

        return call

    for name, method in list(vars(FileCalls).items()):
        if callable(method) and not name.startswith("_"):
            setattr(FileCalls, name, marked(method))
    return lambda: getattr(_thread, "depth", 0) > 0


class _Terminal:
    """sys.stdout or sys.stderr, whose writes nothing fails: the test reads them."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        written: int = self._spared(self._stream.write, text)
        return written

    def flush(self) -> None:
        self._spared(self._stream.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    @staticmethod
    def _spared(method: Callable[..., Any], *args: Any) -> Any:
        _thread.terminal = True
        try:
            return method(*args)
        finally:
            _thread.terminal = False


def _in_process(start: Path) -> Callable[[], bool]:
    sys.stdout, sys.stderr = _Terminal(sys.stdout), _Terminal(sys.stderr)
    return lambda: not getattr(_thread, "terminal", False) and start.exists()


def _enable(faults: dict[str, float], in_scope: Callable[[], bool], until: Path | None) -> None:
    libfiu = ctypes.CDLL("libfiu.so.0")  # loaded already, by fiu-run's preload library
    libfiu.fiu_enable_external.argtypes = [
        ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, _CALLBACK
    ]  # fmt: skip
    libfiu.fiu_disable.argtypes = [ctypes.c_char_p]
    choices = random.Random(int(os.environ.get("FIU_SCOPE_SEED", "0")))
    lock = threading.Lock()

    def fail(name: bytes, failnum: Any, failinfo: Any, flags: Any) -> int:
        if not in_scope() or (until is not None and until.exists()):
            return 0
        with lock:  # one sequence of choices per seed, whichever thread asks
            if choices.random() >= faults[name.decode()]:
                return 0
            if name == b"posix/io/oc/open":
                failinfo[0] = choices.choice(_OPEN_ERRORS)
        return 1

    callback = _CALLBACK(fail)
    _keep.append(callback)
    for name in faults:
        if libfiu.fiu_enable_external(name.encode(), 1, None, 0, callback) != 0:
            raise SystemExit(f"fiu_scope: libfiu refused the failure point {name}")

    @atexit.register
    def disable() -> None:  # before the interpreter that the callback calls into is gone
        for name in faults:
            libfiu.fiu_disable(name.encode())


def main() -> int:
    faults = {}
    for spec in os.environ.get("FIU_SCOPE_FAULTS", "").split():
        name, _, probability = spec.partition("=")
        faults[name] = float(probability)
    if os.environ.get("FIU_SCOPE", "store") == "process":
        in_scope = _in_process(Path(os.environ["FIU_SCOPE_FROM"]))
    else:
        in_scope = _in_store_calls()
    until = os.environ.get("FIU_SCOPE_UNTIL")
    _enable(faults, in_scope, Path(until) if until else None)
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
