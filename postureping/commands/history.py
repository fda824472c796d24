"""`postureping history [--since WHEN] [--routine ID] [--json] [--demo]`: the recorded
prompts and answers since WHEN (7d, yesterday, a date...; with --demo: those of
`run --demo`, which keeps a history of its own)."""

from __future__ import annotations

import argparse
import json

from postureping.checkin import CheckIn, Shown
from postureping.context import Context
from postureping.durations import format_duration
from postureping.errors import EXIT_CONFIG, UserError
from postureping.history.events import Event
from postureping.history.store import EventStore
from postureping.since import SINCE_HELP, parse_since
from postureping.terminal import visible

DEFAULT_SINCE = "7d"


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="WHEN",
        default=DEFAULT_SINCE,
        help=f"how far back to look (default: {DEFAULT_SINCE}): {SINCE_HELP}",
    )
    parser.add_argument("--routine", metavar="ID", help="only this routine's events")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON array of the events as stored (see the README)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="the history of `postureping run --demo` instead of yours",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    now = ctx.now()
    try:
        start = parse_since(args.since, now, ctx.zone)
    except ValueError as error:
        raise UserError(f"--since {args.since!r}: {error}", EXIT_CONFIG) from None
    # Sorted: an import may append older events.
    store = EventStore(ctx.paths.demo_store_file) if args.demo else None
    events = sorted(ctx.history(since=start, store=store), key=lambda e: e.ts)
    if args.routine is not None:
        # A routine removed from the settings still has its history.
        if not any(e.routine == args.routine for e in events):
            ctx.check_routine(args.routine)
        events = [e for e in events if e.routine == args.routine]

    if args.json:
        print(json.dumps([e.to_json() for e in events], indent=2, ensure_ascii=False))
        return 0
    if not events:
        print(f"No events since {start.astimezone(ctx.zone):%Y-%m-%d %H:%M}.")
        return 0
    width = max(len("routine"), *(len(e.routine) for e in events))
    print(f"{'time':<16}  {'routine':<{width}}  {'kind':<8}  source")
    for event in events:
        print(visible(_row(event, ctx, width)))
    return 0


def _row(event: Event, ctx: Context, width: int) -> str:
    when = event.ts.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M")
    extra = f"  for {format_duration(event.snooze)}" if event.snooze is not None else ""
    if isinstance(event.detail, CheckIn):
        yes = f"; yes: {', '.join(sorted(event.detail.yes))}" if event.detail.yes else ""
        extra = f"  {event.detail.describe()}{yes}"
    elif isinstance(event.detail, Shown):
        extra = f"  {', '.join(event.detail.flags)}"
    return f"{when}  {event.routine:<{width}}  {event.kind:<8}  {event.source}{extra}"
