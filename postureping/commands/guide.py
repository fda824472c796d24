"""`postureping guide ROUTINE`: walk through a routine's steps in a window (or, where no window
can open, on the terminal), and record `done` (source "guide") at the end.

The daemon runs this command in a process of its own for a notification's Start button, the
tray's Start item and routines set to `guide = "auto"` (postureping.guide.launch).
"""

from __future__ import annotations

import argparse
import sys

from postureping.context import Context
from postureping.errors import EXIT_CONFIG, UserError
from postureping.guide.session import READ_SECONDS, GuideSession, Outcome
from postureping.guide.theme import THEMES
from postureping.routines import Routine

VIEWS = ("auto", "window", "terminal")
MAX_READ = 60.0


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "routine", metavar="ROUTINE", help="the routine's id (see `postureping routines`)"
    )
    parser.add_argument(
        "--view", choices=VIEWS, default="auto",
        help="a window, or the terminal (default: a window where one can open)",
    )  # fmt: skip
    parser.add_argument(
        "--theme", choices=THEMES, default="auto",
        help="the window's colours (default: the desktop's light or dark, where it says)",
    )  # fmt: skip
    parser.add_argument(
        "--read", type=float, default=READ_SECONDS, metavar="SECONDS",
        help=f"time to read each step before its countdown starts (default: {READ_SECONDS:g})",
    )  # fmt: skip


def run(args: argparse.Namespace, ctx: Context) -> int:
    routine = _routine(ctx, args.routine)
    if not 0 <= args.read <= MAX_READ:
        raise UserError(
            f"--read {args.read:g}: must be from 0 to {MAX_READ:g} seconds", EXIT_CONFIG
        )
    sound = ctx.loaded.settings.guide.sound
    outcome = _show(routine, args, ctx, sound=sound)
    if outcome is None:
        ctx.confirm(f"Closed before the end: nothing recorded for {routine.id}.")
        return 0
    from postureping.guide.record import record  # noqa: PLC0415

    ctx.confirm(record(ctx, routine.id, outcome))
    return 0


def _routine(ctx: Context, routine_id: str) -> Routine:
    ctx.check_routine(routine_id)
    routine = next(r for r in ctx.routines if r.id == routine_id)
    if not routine.steps:
        with_steps = ", ".join(r.id for r in ctx.routines if r.steps) or "none"
        raise UserError(
            f"routine {routine_id!r} has no steps to guide you through; routines with steps: "
            f"{with_steps}",
            EXIT_CONFIG,
        )
    return routine


def _show(
    routine: Routine, args: argparse.Namespace, ctx: Context, *, sound: bool
) -> Outcome | None:
    import time  # noqa: PLC0415

    session = GuideSession(routine.title, routine.steps, time.monotonic(), args.read)
    why_not = "asked for the terminal"
    if args.view != "terminal":
        try:
            return _window(session, args.theme, ctx, sound=sound)
        except ImportError as error:  # a Python without Tk (Debian: python3-tk)
            why_not = f"no tkinter ({error})"
        except _window_unavailable() as error:
            why_not = f"no window can open here ({error})"
        if args.view == "window":
            raise UserError(f"cannot open the guide's window: {why_not}")
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UserError(f"cannot show the guide: {why_not}, and this is not a terminal")
    from postureping.guide.sound import player  # noqa: PLC0415
    from postureping.guide.terminal import TerminalGuide  # noqa: PLC0415

    # Afresh: the time spent trying to open a window is not the first step's.
    session = GuideSession(routine.title, routine.steps, time.monotonic(), args.read)
    guide = TerminalGuide(session)
    if sound:
        guide.set_sound(player(ctx.environ, guide.bell))
    return guide.run()


def _window_unavailable() -> type[Exception]:
    try:
        from postureping.guide.window import WindowUnavailable  # noqa: PLC0415
    except ImportError:
        return ImportError
    return WindowUnavailable


def _window(session: GuideSession, theme: str, ctx: Context, *, sound: bool) -> Outcome | None:
    from postureping.guide.sound import player  # noqa: PLC0415
    from postureping.guide.theme import palette  # noqa: PLC0415
    from postureping.guide.window import GuideWindow  # noqa: PLC0415

    window = GuideWindow(session, palette(theme, ctx.environ))
    if sound:
        window.set_sound(player(ctx.environ, window.bell))
    return window.run()
