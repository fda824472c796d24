"""The daemon's settings, validated in a child process, so pydantic never loads in the daemon.

Validation is the whole of postureping.settings.load, unchanged: the child runs `load` and sends
back a DaemonSettings record (postureping.daemon.settings), or the problems it found, which the
daemon raises as the same ConfigError a load in its own process would. It takes about a quarter
of a second, at start-up and at each `reload`; the daemon saves about 12 MiB for as long as it
runs (see BENCHMARKS.md).

The two sides speak pickle over the child's stdin and stdout: both are this module, run by the
same interpreter from the same folder, so the plain dataclasses cross unchanged. The child's
stderr is the daemon's, so a crash in it is not hidden. It runs in a session of its own, so a
Ctrl-C in the terminal reaches only the daemon, which ends the child when it stops.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from postureping.daemon.settings import DaemonSettings
from postureping.errors import ConfigError, Problem, UserError
from postureping.paths import Paths

TIME_LIMIT = 60.0  # seconds; a load takes about 0.3 s, a cold start on a slow disk a few
POLL = 0.1  # seconds between looks at `stop` while the child works

# The child imports this very copy of postureping: -P keeps the working folder (the home
# folder, for a daemon started at login) off its path, and our own folder goes first.
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_CHILD = (
    f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); "
    "from postureping.settings.child import main; sys.exit(main())"
)


def load_settings(
    paths: Paths,
    environ: Mapping[str, str],
    time_limit: float = TIME_LIMIT,
    stop: threading.Event | None = None,
) -> DaemonSettings:
    """The validated settings. Raises ConfigError listing every problem, as
    postureping.settings.load.load does, or UserError when the child cannot do its work or
    `stop` is set meanwhile (the child is then ended)."""
    request = pickle.dumps((paths, dict(environ)))
    try:
        child = subprocess.Popen(
            [sys.executable, "-P", "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own session: Ctrl-C in a terminal is the daemon's to handle, not the child's.
            start_new_session=True,
        )
    except OSError as error:
        raise UserError(f"cannot start {sys.executable} to check the settings: {error}") from error
    with child:
        answer = _wait(child, request, time_limit, stop)
    if child.returncode != 0 or not answer:
        raise UserError(
            f"validating the settings failed: its process ended with status {child.returncode}"
        )
    try:
        reply: object = pickle.loads(answer)  # noqa: S301 - our own child
    except Exception as error:  # something else wrote to its stdout
        raise UserError(f"validating the settings failed: unreadable answer ({error})") from None
    match reply:
        case ("ok", DaemonSettings() as settings):
            return settings
        case ("config", list() as problems) if all(isinstance(p, Problem) for p in problems):
            raise ConfigError(problems)
        case ("user", (str(message), int(exit_code))):
            raise UserError(message, exit_code)
    raise UserError(f"validating the settings failed: unexpected answer {reply!r:.200}")


def _wait(
    child: subprocess.Popen[bytes],
    request: bytes,
    time_limit: float,
    stop: threading.Event | None,
) -> bytes:
    """The child's stdout once it has ended; it is killed past `time_limit` or on `stop`."""
    deadline = time.monotonic() + time_limit
    sent: bytes | None = request
    while True:
        try:
            answer, _ = child.communicate(sent, timeout=POLL)
            return answer
        except subprocess.TimeoutExpired:
            sent = None  # given once: communicate() goes on with it
        if stop is not None and stop.is_set():
            reason = "stopped while validating the settings"
        elif time.monotonic() > deadline:
            reason = f"validating the settings took over {time_limit:g} s"
        else:
            continue
        child.kill()
        child.communicate()
        raise UserError(reason)


def _answer(paths: Paths, environ: Mapping[str, str]) -> tuple[str, object]:
    from postureping.context import load_and_remember  # pydantic: the child only

    try:
        return "ok", DaemonSettings.from_loaded(load_and_remember(paths, environ))
    except ConfigError as error:
        return "config", list(error.problems)
    except UserError as error:
        return "user", (error.message, error.exit_code)


def main() -> int:
    # stdout carries the answer and nothing else: whatever else writes to it (a module that
    # prints, C code on file descriptor 1) goes to stderr instead.
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    paths, environ = pickle.load(sys.stdin.buffer)  # noqa: S301 - from our own parent
    answer.write(pickle.dumps(_answer(paths, environ)))
    answer.close()
    return 0
