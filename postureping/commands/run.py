"""`postureping run [--demo]`: the reminder daemon, in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse

from postureping.context import Context
from postureping.control.folder import folder_problem
from postureping.control.instance import InstanceLock
from postureping.daemon.stop_signal import StopSignal
from postureping.errors import EXIT_OK, UserError
from postureping.settings.child import load_settings


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
    # First of all, so a SIGTERM during start-up still ends the daemon cleanly (exit 0).
    stop.install()
    try:
        return _run(args, ctx, stop)
    finally:
        stop.close()


def _run(args: argparse.Namespace, ctx: Context, stop: StopSignal) -> int:
    # Validated in a child process (see postureping.settings.child): an invalid settings
    # file stops us here, before anything starts.
    try:
        settings = load_settings(ctx.paths, ctx.environ, stop=stop)
    except UserError:
        if stop.is_set():  # SIGTERM or Ctrl-C while the settings were checked: a clean stop
            return EXIT_OK
        raise
    lock = InstanceLock(ctx.paths.instance_lock)
    try:
        lock.acquire()  # one daemon per user: a second one stops here with exit status 1
    except OSError as error:
        raise UserError(folder_problem(ctx.paths.runtime_dir, error)) from error
    try:
        # Imported here: the daemon's modules are for `run` alone.
        from postureping.daemon.app import serve

        serve(ctx, settings, stop, demo=args.demo, tray=not args.no_tray)
        return EXIT_OK
    finally:
        lock.release()
