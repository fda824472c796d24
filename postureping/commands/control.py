"""Commands for the running daemon: status, pause, resume, trigger, reload, quit."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from postureping.context import Context
from postureping.control.dispatch import pause_args
from postureping.control.protocol import Request
from postureping.control.transport import NoDaemon, send
from postureping.durations import humanize
from postureping.errors import EXIT_CONFIG, EXIT_NOT_RUNNING, UserError
from postureping.history.checkins import LOOK_BACK, MARKER, back_status, render_back
from postureping.stats.progress import today_progress
from postureping.terminal import visible


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "status":
        parser.add_argument("--json", action="store_true", help="print JSON (see the README)")
    elif name == "pause":
        parser.add_argument(
            "length", metavar="DURATION|until-tomorrow|indefinitely", nargs="*",
            help='how long to hold reminders, like 30m, 1h30m or "30 minutes" '
            "(default: until you resume)",
        )  # fmt: skip
    elif name == "trigger":
        parser.add_argument("routine", metavar="ROUTINE", help="the routine to remind of now")


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.command == "status":
        return _status(args, ctx)
    request = _request(args)
    reply = send(ctx.paths, request)
    if not reply.ok:
        raise UserError(reply.message, reply.exit)
    ctx.confirm(reply.message)
    return 0


def _request(args: argparse.Namespace) -> Request:
    if args.command == "pause":
        length = " ".join(args.length) or None  # `pause 30 minutes` comes as two words
        try:
            return Request("pause", pause_args(length))
        except ValueError as error:
            raise UserError(f"pause {length!r}: {error}", EXIT_CONFIG) from None
    if args.command == "trigger":
        return Request("trigger", {"routine": args.routine})
    return Request(args.command)


def _status(args: argparse.Namespace, ctx: Context) -> int:
    try:
        reply = send(ctx.paths, Request("status"))
    except NoDaemon:
        back = _back(ctx)
        if args.json:
            print(json.dumps({"version": 1, "running": False, "back": back}))
        else:
            print("postureping is not running (start it with `postureping run`)")
            if lines := render_back(back or {}, ctx.zone):
                print(visible("\n".join(lines)))
        return EXIT_NOT_RUNNING
    if not reply.ok or reply.result is None:
        raise UserError(reply.message or "the daemon sent no status", reply.exit or 1)
    result = {**reply.result, "back": _back(ctx)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(visible(render_status(result, ctx)))
    return 0


def _back(ctx: Context) -> dict[str, Any] | None:
    """The check-ins' part of the status, from the history: this process reads it, so it
    shows whether or not a daemon runs. None when the settings or the history cannot be read
    now (a broken settings file, say): the status of a running daemon still shows, and the
    other commands say what is wrong."""
    try:
        # Only the check-ins' lines are parsed, and the settings come from their cache:
        # status bars run `status --json` every few seconds.
        events = ctx.store().read_marked(ctx.now() - LOOK_BACK, MARKER)
        return back_status(events, ctx.essentials.lasting_above)
    except UserError:
        return None


def render_status(status: dict[str, Any], ctx: Context) -> str:
    now = datetime.fromisoformat(status["now"])

    def local(text: str) -> datetime:
        return datetime.fromisoformat(text).astimezone(ctx.zone)

    lines = ["postureping is running" + (" (demo)" if status.get("demo") else "")]
    if status["paused"]:
        until = status["paused_until"]
        lines.append(
            f"Paused until {local(until):%a %H:%M}" if until else "Paused until you resume"
        )
    awaiting = status["awaiting"]
    if awaiting:
        lines.append(
            f"Awaiting an answer: {awaiting['title']} (shown {local(awaiting['shown_at']):%H:%M});"
            " answer with `postureping done`, `skip` or `snooze`"
        )
    if status["next"]:
        lines.append("Next reminders:")
        width = max(len(n["routine"]) for n in status["next"])
        for entry in status["next"]:
            due = datetime.fromisoformat(entry["due"])
            lines.append(
                f"  {local(entry['due']):%a %H:%M}  {entry['routine']:<{width}}  "
                f"{entry['title']} (in {humanize(due - now)})"
            )
    activity = status.get("activity") or {}
    if activity.get("holding"):
        held = ", ".join(activity.get("held", [])) or "none yet"
        lines.append(f"Holding reminders: {activity['holding']} (waiting: {held})")
    monitor = activity.get("idle_monitor")
    lines.append(f"Idle time from: {monitor}" if monitor else "Idle time: not available here")
    today = status["today"]
    lines.append("Today: " + today_progress(today["done"], today["prompted"]))
    lines += render_back(status.get("back") or {}, ctx.zone)
    return "\n".join(lines)
