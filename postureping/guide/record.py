"""The guide's answer: `done` or `skip` of the routine, with source "guide".

As `postureping done` does it: through the daemon's control channel when a daemon runs (it
closes the reminder that awaits an answer, and keeps the answer in memory should the disk
fail), else straight into the history.
"""

from __future__ import annotations

from postureping.context import Context
from postureping.control.protocol import Request
from postureping.control.transport import NoDaemon, send
from postureping.errors import UserError
from postureping.guide.session import Outcome
from postureping.history.events import Event, Kind

SOURCE = "guide"
KINDS = {Outcome.DONE: Kind.DONE, Outcome.SKIP: Kind.SKIPPED}


def record(ctx: Context, routine_id: str, outcome: Outcome) -> str:
    """Record `outcome` for the routine; the confirmation. UserError when it was refused."""
    request = Request(
        "answer", {"answer": outcome.value, "routine": routine_id, "source": SOURCE, "snooze": None}
    )
    try:
        reply = send(ctx.paths, request)
    except NoDaemon:
        now = ctx.now()
        ctx.store().append(Event.new(routine_id, KINDS[outcome], SOURCE, now))
        return f"Recorded: {routine_id} {KINDS[outcome]} at {now:%H:%M}."
    if not reply.ok:
        raise UserError(reply.message, reply.exit)
    return reply.message
