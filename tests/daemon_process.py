"""Start `postureping run` as a real process and read what it prints, for the end-to-end tests."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

STOP_TIMEOUT = 20.0  # generous: a loaded CI machine, not the daemon, sets the pace


class DaemonProcess:
    """A running daemon; its output is collected on a thread so the pipe never fills up."""

    def __init__(
        self, args: list[str], env: Mapping[str, str], cwd: Path, program: Sequence[str] = ()
    ) -> None:
        """`program` runs postureping (default: this Python's `-m postureping`)."""
        self.proc = subprocess.Popen(
            [*(program or (sys.executable, "-m", "postureping")), *args],
            env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
        )  # fmt: skip
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self._lines)

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None and not self._reader.is_alive():
                raise AssertionError(f"daemon exited ({self.proc.returncode}):\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} after {timeout} s:\n{self.output}")
            time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send `sig` and return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=STOP_TIMEOUT)
        self._reader.join(timeout=STOP_TIMEOUT)
        return code


@contextlib.contextmanager
def running_daemon(
    args: list[str], env: Mapping[str, str], cwd: Path, program: Sequence[str] = ()
) -> Iterator[DaemonProcess]:
    daemon = DaemonProcess(["run", *args], env, cwd, program)
    try:
        yield daemon
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(timeout=STOP_TIMEOUT)
