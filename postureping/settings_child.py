"""The daemon's settings, validated in a child process, so pydantic never loads in the daemon.

Validation is the whole of postureping.config_loader, unchanged: the child runs `load` and sends
back a DaemonSettings record (postureping.daemon_settings), or the problems it found, which the
daemon raises as the same ConfigError a load in its own process would. It takes about a quarter
of a second, at start-up and at each `reload`; the daemon saves about 10 MiB for as long as it
runs (see BENCHMARKS.md).

The two sides speak pickle over the child's stdin and stdout: both are this module, run by the
same interpreter, so the plain dataclasses cross unchanged. The child's stderr is the daemon's,
so a crash in it is not hidden.
"""

from __future__ import annotations

import pickle
import signal
import subprocess
import sys
from collections.abc import Mapping

from postureping.daemon_settings import DaemonSettings
from postureping.errors import ConfigError, Problem, UserError
from postureping.paths import Paths

TIME_LIMIT = 60.0  # seconds; a load takes about 0.3 s, a cold start on a slow disk a few


def load_settings(
    paths: Paths, environ: Mapping[str, str], time_limit: float = TIME_LIMIT
) -> DaemonSettings:
    """The validated settings. Raises ConfigError listing every problem, as
    postureping.config_loader.load does, or UserError when the child cannot do its work."""
    request = pickle.dumps((paths, dict(environ)))
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=request,
            stdout=subprocess.PIPE,
            timeout=time_limit,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise UserError(f"validating the settings took over {time_limit:g} s") from error
    except OSError as error:
        raise UserError(f"cannot start {sys.executable} to check the settings: {error}") from error
    if done.returncode != 0 or not done.stdout:
        raise UserError(
            f"validating the settings failed: its process ended with status {done.returncode}"
        )
    reply: tuple[str, object] = pickle.loads(done.stdout)  # noqa: S301 - our own child
    match reply:
        case ("ok", DaemonSettings() as settings):
            return settings
        case ("config", list() as problems) if all(isinstance(p, Problem) for p in problems):
            raise ConfigError(problems)
        case ("user", (str(message), int(exit_code))):
            raise UserError(message, exit_code)
    raise UserError(f"validating the settings failed: unexpected answer {reply!r:.200}")


def _answer(paths: Paths, environ: Mapping[str, str]) -> tuple[str, object]:
    from postureping.context import load_and_remember  # noqa: PLC0415 - pydantic: the child only

    try:
        return "ok", DaemonSettings.from_loaded(load_and_remember(paths, environ))
    except ConfigError as error:
        return "config", list(error.problems)
    except UserError as error:
        return "user", (error.message, error.exit_code)


def main() -> int:
    # Ctrl-C in a terminal reaches the whole process group; stopping is the daemon's call.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    paths, environ = pickle.load(sys.stdin.buffer)  # noqa: S301 - from our own parent
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stdout carries the answer and nothing else
    out.write(pickle.dumps(_answer(paths, environ)))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
