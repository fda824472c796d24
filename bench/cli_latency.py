"""Wall time of CLI commands, next to `python -c pass`: median and best of RUNS runs each,
first with no daemon, then against a running one (console notifications, no reminder due).

    .venv/bin/python bench/cli_latency.py [RUNS]        (default: 15)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from common import PYTHON, heading, idle_config, isolated_env, median, scratch, table

CLI = [PYTHON, "-m", "postureping"]
ALONE = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "postureping --version": [*CLI, "--version"],
    "postureping done walk (no daemon)": [*CLI, "done", "walk"],
    "postureping routines --json": [*CLI, "routines", "--json"],
    "postureping stats --json": [*CLI, "stats", "--json"],
}
WITH_DAEMON = {
    "postureping done walk (daemon running)": [*CLI, "done", "walk"],
    "postureping status --json (daemon running)": [*CLI, "status", "--json"],
}


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    subprocess.run(command, env=env, check=True, capture_output=True)  # warm the caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return median(times), min(times)


def start_daemon(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*CLI, "--config", str(idle_config(root)), "run", "--no-tray"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    status = [*CLI, "status"]
    while subprocess.run(status, check=False, env=env, capture_output=True).returncode != 0:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("bench: the daemon did not start")
        time.sleep(0.2)
    return proc


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    root = scratch()
    env = isolated_env(root, POSTUREPING_NOTIFICATIONS__BACKEND="console")
    rows = []
    for name, command in ALONE.items():
        rows.append((name, *timed(command, env, runs)))
    daemon = start_daemon(root, env)
    try:
        for name, command in WITH_DAEMON.items():
            rows.append((name, *timed(command, env, runs)))
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)
    print(heading(f"CLI wall time, median and best of {runs} runs"))
    print(table(
        ("command", "median", "best"),
        [(name, f"{mid * 1000:.0f} ms", f"{best * 1000:.0f} ms") for name, mid, best in rows],
    ))  # fmt: skip


if __name__ == "__main__":
    main()
