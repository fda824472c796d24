"""`postureping stats [--days 7] [--json]`: adherence per routine, today's progress, the streak."""

from __future__ import annotations

import argparse
import json
import sys

from postureping.context import Context
from postureping.errors import EXIT_CONFIG, UserError
from postureping.stats import Counts, Stats, compute

MAX_DAYS = 3660
COLUMNS = ("prompted", "done", "skipped", "snoozed", "missed", "adherence")


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        metavar="N",
        default="7",
        help="how many days to count, ending today (default: 7)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (see the README)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    days = _days(args.days)
    loaded = ctx.loaded
    # The whole history: the streak may reach back further than the window.
    result = ctx.store().read()
    for damage in result.damaged:
        print(f"postureping: {damage}", file=sys.stderr)  # reported; the command carries on
    stats = compute(
        result.events,
        loaded.routines,
        ctx.now(),
        ctx.zone,
        days=days,
        daily_goal=loaded.settings.stats.daily_goal,
    )
    if args.json:
        print(json.dumps(stats.to_json(), indent=2, ensure_ascii=False))
    else:
        print(render(stats))
    return 0


def _days(text: str) -> int:
    # Parsed here rather than by argparse so a bad value is a UserError, worded like others.
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        allowed = f"must be a whole number from 1 to {MAX_DAYS}"
        raise UserError(f"--days {text!r}: {allowed}", EXIT_CONFIG)
    return days


def render(stats: Stats) -> str:
    width = max(len("overall"), *(len(r.id) for r in stats.routines))
    since = "today" if stats.days == 1 else f"the last {stats.days} days"
    lines = [
        f"In {since} (since {stats.since:%a %Y-%m-%d}):",
        f"{'routine':<{width}}  " + "  ".join(COLUMNS),
    ]
    lines += [_row(r.id, r.counts, width) for r in stats.routines]
    lines.append(_row("overall", stats.overall, width))
    today = stats.today
    if today.prompted:
        noun = "reminder" if today.prompted == 1 else "reminders"
        progress = f"{today.done} of {today.prompted} {noun} done"
    else:
        progress = f"no reminders yet, {today.done} done"
    lines += ["", f"Today: {progress}"]
    streak = stats.streak
    day_word = "day" if streak.days == 1 else "days"
    pending = "" if streak.includes_today or streak.days == 0 else "; today not counted yet"
    lines.append(
        f"Streak: {streak.days} {day_word} with at least {streak.daily_goal} done{pending}"
    )
    return "\n".join(lines)


def _row(name: str, counts: Counts, width: int) -> str:
    adherence = counts.adherence
    percent = "-" if adherence is None else f"{adherence:.0f}%"
    values = (counts.prompted, counts.done, counts.skipped, counts.snoozed, counts.missed)
    cells = [f"{value:>{len(column)}}" for value, column in zip(values, COLUMNS, strict=False)]
    return f"{name:<{width}}  " + "  ".join([*cells, f"{percent:>{len('adherence')}}"])
