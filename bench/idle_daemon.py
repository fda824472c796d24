"""Footprint of an idle daemon: resident memory after start-up, and CPU time and context
switches (all threads) over an idle window with no reminder due.

    .venv/bin/python bench/idle_daemon.py [SECONDS]        (default: 60)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from common import PYTHON, heading, idle_config, isolated_env, scratch, table
from procfs import cpu_seconds, rss_kib, switches


def main() -> None:
    window = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    root = scratch()
    config = idle_config(root)
    env = isolated_env(root, POSTUREPING_NOTIFICATIONS__BACKEND="console")
    proc = subprocess.Popen(
        [PYTHON, "-m", "postureping", "--config", str(config), "run", "--no-tray"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(3)  # start-up
        rss = rss_kib(proc.pid)
        threads = len(list(Path(f"/proc/{proc.pid}/task").iterdir()))
        cpu0, sw0 = cpu_seconds(proc.pid), switches(proc.pid)
        time.sleep(window)
        cpu1, sw1 = cpu_seconds(proc.pid), switches(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    print(heading(f"Idle daemon (console backend, no tray), {window:g} s window"))
    print(table(
        ("RSS after start-up", "threads", "CPU in window", "context switches in window"),
        [(f"{rss / 1024:.1f} MiB", threads, f"{cpu1 - cpu0:.2f} s", sw1 - sw0)],
    ))  # fmt: skip


if __name__ == "__main__":
    main()
