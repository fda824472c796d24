"""`postureping done|skip|snooze ROUTINE`: record an answer to a reminder from the command line."""

from __future__ import annotations

import argparse

from postureping.context import Context
from postureping.durations import DURATION_HELP, format_duration, parse_duration
from postureping.errors import EXIT_CONFIG, UserError
from postureping.events import Event, Kind

KINDS = {"done": Kind.DONE, "skip": Kind.SKIPPED, "snooze": Kind.SNOOZED}
DEFAULT_SNOOZE = "10m"
SOURCE = "cli"
# Shown after a snooze until the daemon reads snoozes from the history; set it to "" then.
SNOOZE_NOTE = " — the running daemon acts on snoozes in a later version"


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "routine", metavar="ROUTINE", help="the routine's id (see `postureping routines`)"
    )
    if name == "snooze":
        parser.add_argument(
            "duration",
            metavar="DURATION",
            nargs="?",
            default=DEFAULT_SNOOZE,
            help=f"how long to put it off (default: {DEFAULT_SNOOZE}); {DURATION_HELP}",
        )


def run(args: argparse.Namespace, ctx: Context) -> int:
    kind = KINDS[args.command]
    snooze = None
    if kind is Kind.SNOOZED:
        try:
            snooze = parse_duration(args.duration)
        except ValueError as error:
            raise UserError(f"snooze duration {args.duration!r}: {error}", EXIT_CONFIG) from None
    routine = ctx.routine(args.routine)
    now = ctx.now()
    ctx.store().append(Event.new(routine.id, kind, SOURCE, now, snooze))
    what = f"snoozed for {format_duration(snooze)}" if snooze is not None else str(kind)
    note = SNOOZE_NOTE if snooze is not None else ""
    print(f"Recorded: {routine.id} {what} at {now.strftime('%H:%M')}{note}.")
    return 0
