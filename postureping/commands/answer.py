"""`postureping done|skip [ROUTINE]` and `snooze [ROUTINE] [DURATION]`: answer a reminder.

With a daemon running, the answer goes to it (it closes the prompt, and a snooze reminds
again later); without one, `done` and `skip` are recorded in the history directly.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from postureping.context import Context
from postureping.control.protocol import Request
from postureping.control.transport import NoDaemon, send
from postureping.durations import SPOKEN_HELP, format_duration, parse_spoken_duration
from postureping.errors import EXIT_CONFIG, UserError
from postureping.history.events import Event, Kind

KINDS = {"done": Kind.DONE, "skip": Kind.SKIPPED, "snooze": Kind.SNOOZED}
DEFAULT_SNOOZE = "10m"
MAX_SNOOZE = timedelta(days=1)
SOURCE = "cli"


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "routine", metavar="ROUTINE", nargs="?",
        help="the routine's id (see `postureping routines`); default: the reminder that awaits "
        "an answer",
    )  # fmt: skip
    if name == "snooze":
        parser.add_argument(
            "duration", metavar="DURATION", nargs="*",
            help=f"how long to put it off (default: {DEFAULT_SNOOZE}); {SPOKEN_HELP}",
        )  # fmt: skip


def run(args: argparse.Namespace, ctx: Context) -> int:
    routine_id, duration = _words(args, ctx)
    snooze = None
    if args.command == "snooze":
        try:
            snooze = parse_spoken_duration(duration or DEFAULT_SNOOZE, MAX_SNOOZE)
        except ValueError as error:
            raise UserError(f"snooze duration {duration!r}: {error}", EXIT_CONFIG) from None
        duration = format_duration(snooze)  # the daemon takes the short form
    # A running daemon checks the routine id against its settings: reading and validating
    # them here would double the command's time (pydantic), and answering is its hot path.
    confirmed = send_answer(
        ctx, args.command, routine_id, SOURCE, duration or (DEFAULT_SNOOZE if snooze else None)
    )
    if confirmed is None:
        return _record_without_daemon(args.command, routine_id, ctx)
    ctx.confirm(confirmed)
    return 0


def send_answer(
    ctx: Context, answer: str, routine_id: str | None, source: str, snooze: str | None = None
) -> str | None:
    """Answer through the running daemon (`answer`: done, skip or snooze): its confirmation,
    or None when no daemon runs. UserError when the daemon refuses it."""
    request = Request(
        "answer", {"answer": answer, "routine": routine_id, "source": source, "snooze": snooze}
    )
    try:
        reply = send(ctx.paths, request)
    except NoDaemon:
        return None
    if not reply.ok:
        raise UserError(reply.message, reply.exit)
    return reply.message


def record_answer(ctx: Context, routine_id: str, kind: Kind, source: str) -> str:
    """Append the answer to the history, with no daemon running; the confirmation."""
    now = ctx.now()
    ctx.store().append(Event.new(routine_id, kind, source, now))
    return f"Recorded: {routine_id} {kind} at {now:%H:%M}."


def _words(args: argparse.Namespace, ctx: Context) -> tuple[str | None, str | None]:
    """`snooze 20m` and `snooze 20 minutes` name no routine: a first word that is not a
    routine id but starts a duration is part of the duration."""
    routine_id = args.routine
    duration = " ".join(getattr(args, "duration", None) or ()) or None
    if args.command != "snooze" or routine_id is None:
        return routine_id, duration
    spoken = f"{routine_id} {duration or ''}".strip()
    try:
        parse_spoken_duration(spoken)
    except ValueError:
        return routine_id, duration
    if routine_id in ctx.essentials.routine_ids:  # a routine may be called "10m"
        return routine_id, duration
    return None, spoken


def _record_without_daemon(command: str, routine_id: str | None, ctx: Context) -> int:
    if command == "snooze":
        if routine_id is not None:
            ctx.check_routine(routine_id)  # a wrong id is the first thing to fix
        raise NoDaemon
    if routine_id is None:
        raise UserError(
            "no daemon is running, so no reminder awaits an answer; name the routine, "
            f"like `postureping {command} walk`"
        )
    routine_id = ctx.check_routine(routine_id)
    ctx.confirm(record_answer(ctx, routine_id, KINDS[command], SOURCE))
    return 0
