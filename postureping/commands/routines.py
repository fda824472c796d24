"""`postureping routines [--json] [--about]`: the routines, their cadence and when each is due."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from postureping.context import Context
from postureping.durations import format_duration
from postureping.health import render_notice
from postureping.routines import DAY_NAMES, At, Every, Routine
from postureping.schedule import schedule_warnings, upcoming
from postureping.terminal import visible, warn


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (see the README)")
    parser.add_argument(
        "--about",
        action="store_true",
        help="show where the advice comes from and when to see a doctor",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.about:
        print(render_notice())
        return 0
    loaded = ctx.loaded
    now = ctx.now()
    rows = [(r, _local(upcoming(r, loaded.hours, ctx.zone, now), ctx)) for r in loaded.routines]
    if args.json:
        print(json.dumps({"version": 1, "routines": [_json(r, due) for r, due in rows]}, indent=2))
        return 0
    width = max(len(r.id) for r, _ in rows)
    for routine, due in rows:
        state = "on " if routine.enabled else "off"
        if not routine.enabled:
            when = "-"
        elif due is None:
            when = "not within a week (outside active hours)"
        elif due.date() == now.date():
            when = "next " + due.strftime("%H:%M")
        else:
            when = "next " + due.strftime("%a %H:%M")
        print(f"{routine.id:<{width}}  {state}  {routine.describe_cadence():<30}  {when}")
        print(f"{'':<{width}}       {visible(routine.title)}")
    print("\nActive hours: " + "; ".join(loaded.hours.describe()))
    print("Health notes: postureping routines --about")
    warn(schedule_warnings(loaded.routines, loaded.hours))
    return 0


def _local(moment: datetime | None, ctx: Context) -> datetime | None:
    return moment.astimezone(ctx.zone) if moment is not None else None


def _json(routine: Routine, due: datetime | None) -> dict[str, Any]:
    cadence = routine.cadence
    return {
        "id": routine.id,
        "title": routine.title,
        "message": routine.message,
        "messages": list(routine.all_messages),
        "guide": routine.guide if routine.steps else None,
        "category": str(routine.category),
        "duration": format_duration(routine.duration),
        "every": format_duration(cadence.interval) if isinstance(cadence, Every) else None,
        "at": [t.strftime("%H:%M") for t in cadence.times] if isinstance(cadence, At) else None,
        "days": [DAY_NAMES[d] for d in sorted(routine.days)],
        "enabled": routine.enabled,
        "builtin": routine.builtin,
        "steps": [
            {"text": s.text, "seconds": s.seconds, "per_side": s.per_side} for s in routine.steps
        ],
        "next_due": due.isoformat() if due is not None else None,
    }
