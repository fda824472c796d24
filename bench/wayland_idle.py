"""What the Wayland idle monitor costs an idle daemon: resident memory (RSS and PSS), threads,
CPU time and context switches, with no idle monitor (as on sway before it: `idle_monitor`
null) and with the Wayland monitor connected, to the tests' stand-in compositor offering
ext-idle-notify v2 and, where it can run (root, sway installed), to a real headless sway 1.7
(org_kde_kwin_idle). Nobody touches the keyboard: the user is away for the whole window.
Each figure is the median of several runs; progress goes to stderr, the report to stdout.

    .venv/bin/python bench/wayland_idle.py [--runs 3] [--settle 3] [--window 20]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import PYTHON, heading, idle_config, isolated_env, median, scratch, table
from procfs import counters, memory_kib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the stand-in compositor and the sway harness live with the tests

from tests.wayland_compositor import stand_in_compositor  # noqa: E402

DISPLAY = "wayland-7"
# No session bus and no X display: only the Wayland monitor can tell the idle time.
NO_DESKTOP = {"DBUS_SESSION_BUS_ADDRESS": "", "DISPLAY": "", "XDG_SESSION_TYPE": "wayland",
              "POSTUREPING_NOTIFICATIONS__BACKEND": "console"}  # fmt: skip


def measure(env: dict[str, str], root: Path, settle: float, window: float) -> tuple[float, ...]:
    """(RSS MiB, PSS MiB, threads, CPU s, context switches) of one daemon, idle."""
    log = root / "daemon.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [PYTHON, "-m", "postureping", "--config", str(idle_config(root)), "run", "--no-tray"],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        time.sleep(settle)
        rss, pss = memory_kib([proc.pid])
        before = counters([proc.pid])
        time.sleep(window)
        after = counters([proc.pid])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    said = log.read_text(errors="replace")
    monitor = "wayland" if "idle time from: wayland" in said else None
    if ("WAYLAND_DISPLAY" in env) != (monitor is not None):
        raise SystemExit(f"unexpected idle monitor ({monitor}):\n{said}")
    cpu = sum(after.cpu.values()) - sum(before.cpu.values())
    switches = sum(after.switches.values()) - sum(before.switches.values())
    return rss / 1024, pss / 1024, after.threads, cpu, switches


@contextlib.contextmanager
def real_sway() -> Iterator[str | None]:
    """The Wayland socket of a headless sway, or None where it cannot run here."""
    if os.geteuid() != 0 or shutil.which("sway") is None:
        yield None
        return
    from tests.sway_session import start_sway

    with start_sway() as sway:
        yield os.fspath(sway.runtime_dir / sway.wayland_display)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after start-up")
    parser.add_argument("--window", type=float, default=20.0, help="seconds watched")
    args = parser.parse_args()
    runtime = Path(tempfile.mkdtemp(prefix="pp-wl-"))  # short: a socket path fits in 108 bytes
    rows = []
    try:
        with (
            stand_in_compositor(runtime / DISPLAY, {"ext_idle_notifier_v1": 2}),
            real_sway() as sway,
        ):
            stand_in = os.fspath(runtime / DISPLAY)
            cases = [
                ("no idle monitor (sway before)", {}),
                ("wayland, stand-in ext-idle-notify v2", {"WAYLAND_DISPLAY": stand_in}),
            ]
            if sway is not None:
                cases.append(("wayland, sway 1.7 org_kde_kwin_idle", {"WAYLAND_DISPLAY": sway}))
            for name, extra in cases:
                runs = []
                for run in range(args.runs):
                    print(f"{name}: run {run + 1} of {args.runs}", file=sys.stderr)
                    root = scratch()
                    env = {k: v for k, v in isolated_env(root, **NO_DESKTOP, **extra).items()
                           if k != "WAYLAND_DISPLAY" or extra}  # fmt: skip
                    runs.append(measure(env, root, args.settle, args.window))
                rows.append((name, *(median([r[i] for r in runs]) for i in range(5))))
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    print(heading(f"Wayland idle monitor: idle daemon, median of {args.runs}, "
                  f"{args.window:g} s away"))  # fmt: skip
    base = rows[0]
    print(table(
        ("idle time from", "RSS", "vs none", "PSS", "threads", "CPU in window", "switches"),
        [(name, f"{rss:.1f} MiB", f"{rss - base[1]:+.2f} MiB", f"{pss:.1f} MiB", f"{threads:g}",
          f"{cpu:.2f} s", f"{sw:g}") for name, rss, pss, threads, cpu, sw in rows],
    ))  # fmt: skip


if __name__ == "__main__":
    main()
