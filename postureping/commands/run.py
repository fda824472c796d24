"""`postureping run [--demo]`: the reminder daemon, in the foreground until SIGINT or SIGTERM.

A thin command: the daemon's wiring is postureping.daemon.app, its reload rules
postureping.daemon.reload.
"""

from __future__ import annotations

import argparse

from postureping.context import Context
from postureping.daemon.stop_signal import StopSignal


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="shorten every minute of the schedule to one second and ignore active hours, "
        "to see reminders within seconds (its events go to a history of their own)",
    )
    parser.add_argument(
        "--no-tray",
        action="store_true",
        help="run without a tray icon (there is none anyway without a display or a tray)",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    stop = StopSignal()
    # First of all, before the daemon's modules load, so a SIGTERM during start-up still
    # ends the daemon cleanly (exit 0).
    stop.install()
    try:
        # Imported here: the daemon's modules are for `run` alone.
        from postureping.daemon.app import run_daemon

        return run_daemon(ctx, stop, demo=args.demo, tray=not args.no_tray)
    finally:
        stop.close()
